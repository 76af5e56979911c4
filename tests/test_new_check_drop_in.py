"""Adding a check is adding one file: a copy of any check module under a new id, dropped into
`checks/` of a copy of the package, is listed by `--list-checks`, run by the scan and registered
by the Checkov pack for the same resource types, with no other file edited.

Checkov is not needed here: the pack's registry (`adapter.build_checks`) runs against small
stand-ins for the four Checkov base classes it uses. tests/test_checkov_pack.py does the same with
the real `checkov`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ampls_checks

from .conftest import FIXTURES

NEW_ID_OFFSET = 900  # CKV_AMPLS_n is copied as CKV_AMPLS_(900 + n)

# Stand-ins for the Checkov modules adapter.build_checks imports: they record what is registered
# (the runners and Record are there for the pack's record patch, carry_details).
CHECKOV_STUBS = {
    "checkov/__init__.py": "",
    "checkov/arm/__init__.py": "",
    "checkov/common/__init__.py": "",
    "checkov/common/bridgecrew/__init__.py": "",
    "checkov/common/models/__init__.py": "",
    "checkov/terraform/__init__.py": "",
    "checkov/terraform/checks/__init__.py": "",
    "checkov/terraform/checks/resource/__init__.py": "",
    "checkov/bicep/__init__.py": "",
    "checkov/common/output/__init__.py": "",
    "checkov/common/output/record.py": "class Record:\n    pass\n",
    "checkov/arm/runner.py": "from checkov.common.output.record import Record\n",
    "checkov/bicep/runner.py": "from checkov.common.output.record import Record\n",
    "checkov/registered.py": "CHECKS = []\n",
    "checkov/base.py": (
        "from checkov.registered import CHECKS\n"
        "class Base:\n"
        "    framework = ''\n"
        "    def __init__(self, name, id, categories, supported_resources, guideline):\n"
        "        self.id, self.supported_resources = id, list(supported_resources)\n"
        "        CHECKS.append(self)\n"
    ),
    "checkov/arm/base_resource_check.py": "from checkov.base import Base\n"
    "class BaseResourceCheck(Base):\n    framework = 'arm'\n",
    "checkov/terraform/checks/resource/base_resource_check.py": "from checkov.base import Base\n"
    "class BaseResourceCheck(Base):\n    framework = 'terraform'\n",
    "checkov/common/bridgecrew/severities.py": "Severities = {n: n for n in ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')}\n",
    "checkov/common/models/enums.py": "class CheckCategories:\n    NETWORKING = 'NETWORKING'\n"
    "class CheckResult:\n    PASSED, FAILED, UNKNOWN = 'PASSED', 'FAILED', 'UNKNOWN'\n",
}

PROGRAM = """
import contextlib, io, json, sys
from ampls_checks.checkov_pack.adapter import PackSession, build_checks
from ampls_checks.cli import main
from ampls_checks.scan import scan
from checkov.registered import CHECKS

listing = io.StringIO()
with contextlib.redirect_stdout(listing):
    main(["--list-checks"])
build_checks(PackSession())
findings = [(f.check_id, f.file, f.start_line, f.resource, f.message) for f in scan([sys.argv[1]]).findings]
print(json.dumps({
    "listed": [line.split("\\t")[0] for line in listing.getvalue().splitlines()],
    "registered": [(c.id, c.framework, c.supported_resources) for c in CHECKS],
    "findings": findings,
}))
"""


def copy_with_new_checks(target: Path) -> list[int]:
    """The package copied under `target`, plus a copy of every check module under a new id."""
    package = target / "ampls_checks"
    shutil.copytree(Path(ampls_checks.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    numbers = []
    for module in sorted((package / "checks").glob("ckv_ampls_*.py")):
        number = int(module.stem.rsplit("_", 1)[1])
        text = module.read_text(encoding="utf-8")
        copied = re.sub(rf'id="CKV_AMPLS_{number}"', f'id="CKV_AMPLS_{NEW_ID_OFFSET + number}"', text)
        assert copied != text, f'{module.name} does not spell its id as id="CKV_AMPLS_{number}"'
        (package / "checks" / f"ckv_ampls_{NEW_ID_OFFSET + number}.py").write_text(copied, encoding="utf-8")
        numbers.append(number)
    for name, text in CHECKOV_STUBS.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")
    return numbers


def test_a_copied_check_is_listed_run_and_registered_with_the_pack(tmp_path: Path) -> None:
    root = tmp_path / "site"
    numbers = copy_with_new_checks(root)
    assert len(numbers) >= 15
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(FIXTURES / "terraform")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "AMPLS_CHECKS_CACHE_DIR": str(tmp_path / "cache")},
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)

    listed = result["listed"]
    for number in numbers:
        assert f"CKV_AMPLS_{NEW_ID_OFFSET + number}" in listed
        assert f"CKV_AMPLS_{number}" in listed

    registered = {(check_id, framework): types for check_id, framework, types in result["registered"]}
    for number in numbers:
        for framework in ("terraform", "arm"):
            original = registered[(f"CKV_AMPLS_{number}", framework)]
            assert original, f"CKV_AMPLS_{number} declares no resource types for {framework}"
            assert registered[(f"CKV_AMPLS_{NEW_ID_OFFSET + number}", framework)] == original

    by_check: dict[str, list[tuple[str, int, str, str]]] = {}
    for check_id, file, line, resource, message in result["findings"]:
        by_check.setdefault(check_id, []).append((file, line, resource, message))
    assert by_check.get("CKV_AMPLS_1"), "the Terraform fixtures have CKV_AMPLS_1 findings"
    for number in numbers:
        assert sorted(by_check.get(f"CKV_AMPLS_{NEW_ID_OFFSET + number}", [])) == sorted(
            by_check.get(f"CKV_AMPLS_{number}", [])
        ), f"the copy of CKV_AMPLS_{number} finds something else"


def test_every_check_declares_what_it_reports_on() -> None:
    from ampls_checks.azure import RESOURCE_TYPES
    from ampls_checks.checks import all_checks

    for check in all_checks():
        assert check.reports_on, f"{check.id} declares no entity kind it reports on"
        assert all(kind.__name__ in RESOURCE_TYPES for kind in check.reports_on), check.id
