"""Integration: the real `checkov`, in its own virtual environment as the README says, loading the
pack that `ampls-checks checkov-dir` prints, must report what the CLI reports, with Checkov's file
paths and line ranges, its skip comments and its --skip-check.

Checkov is installed once into `.test-venvs/` (or taken from `AMPLS_CHECKOV`). The pack needs
ampls-checks installed without `-e` (`pip install .`), as the README's commands do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ampls_checks.scan import scan, scan_plan

from .conftest import FIXTURES, REPO

CHECKOV_VERSION = "3.3.30"


@pytest.fixture(scope="session")
def checkov_bin() -> Path:
    configured = os.environ.get("AMPLS_CHECKOV")
    if configured:
        return Path(configured)
    venv = REPO / ".test-venvs" / f"checkov-{CHECKOV_VERSION}"
    binary = venv / "bin" / "checkov"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"], check=True)
    return binary


@pytest.fixture(scope="session")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    console = Path(sys.executable).parent / "ampls-checks"
    printed = subprocess.run(
        [str(console), "checkov-dir"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path_factory.mktemp("anywhere"),
    ).stdout.strip()
    if Path(printed).resolve() == (REPO / "ampls_checks" / "checkov_pack" / "external").resolve():
        pytest.skip("the Checkov pack test needs ampls-checks installed with 'pip install .', not '-e'")
    assert Path(printed, "ampls_checks_pack.py").is_file()
    return printed


def run_checkov(checkov: Path, pack: str, root: Path, *extra: str) -> list[dict]:
    """Checkov's failed and skipped records for CKV_AMPLS checks, all frameworks."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    completed = subprocess.run(
        [
            str(checkov),
            "-d",
            str(root),
            "--external-checks-dir",
            pack,
            "--framework",
            "terraform",
            "arm",
            "bicep",
            "-o",
            "json",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert completed.returncode in (0, 1), completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    output = json.loads(completed.stdout) if completed.stdout.strip() else []
    reports = output if isinstance(output, list) else [output]
    records = []
    for report in reports:
        if not isinstance(report, dict) or "results" not in report:
            continue
        for state in ("failed_checks", "skipped_checks"):
            for record in report["results"].get(state, []):
                if record["check_id"].startswith("CKV_AMPLS_"):
                    records.append({**record, "state": state})
    return records


def test_pack_reports_the_example_with_checkov_paths_and_ranges(
    checkov_bin: Path, pack_dir: str, tmp_path: Path
) -> None:
    root = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "terraform", root)
    records = run_checkov(checkov_bin, pack_dir, root)
    got = sorted((r["check_id"], r["file_path"], r["resource"], tuple(r["file_line_range"])) for r in records)
    assert got == [
        ("CKV_AMPLS_2", "/modules/ampls/main.tf", "module.ampls.azurerm_monitor_private_link_scope.this", (25, 30)),
        ("CKV_AMPLS_3", "/main.tf", "azurerm_log_analytics_workspace.central", (46, 53)),
        ("CKV_AMPLS_6", "/modules/ampls/main.tf", "module.ampls.azurerm_private_endpoint.this", (40, 57)),
    ]
    assert all(r["state"] == "failed_checks" for r in records)


def test_checkov_skip_comment_and_skip_check_work_on_pack_checks(
    checkov_bin: Path, pack_dir: str, tmp_path: Path
) -> None:
    root = tmp_path / "skips"
    shutil.copytree(REPO / "examples" / "terraform", root)
    main = root / "modules" / "ampls" / "main.tf"
    text = main.read_text().replace(
        '  query_access_mode     = "Open"\n',
        '  query_access_mode     = "Open"\n  # checkov:skip=CKV_AMPLS_2:one team still queries over the internet\n',
    )
    main.write_text(text)
    records = run_checkov(checkov_bin, pack_dir, root, "--skip-check", "CKV_AMPLS_3")
    states = sorted((r["check_id"], r["state"]) for r in records)
    assert states == [("CKV_AMPLS_2", "skipped_checks"), ("CKV_AMPLS_6", "failed_checks")]


# Fixture cases whose findings Checkov 3.3.30 has no resource to attach to, so the pack cannot
# report them (README, "Using it with Checkov"). Every one must still miss something: when Checkov
# learns the syntax, the case leaves this table.
_ARM_RESOURCES_AS_OBJECT = "languageVersion 2.0 template: Checkov's ARM runner iterates `resources` as a list only"
_BICEP_PARSE_ERROR = "Checkov's Bicep parser (pycep) rejects the file: @export(), union or nullable types, spread"
CHECKOV_CANNOT_CARRY: dict[str, dict[str, str]] = {
    "terraform": {},
    "arm": {
        "ckv_ampls_1/bad_language_v2_nested_inner_template": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_1/bad_language_v2_nullable_access_modes": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_1/good_language_v2_nested_inner_template": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_3/bad_language_v2_module_output_link": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_3/good_language_v2_module_output_link": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_6/bad_language_v2_zone_configs_by_lambda": _ARM_RESOURCES_AS_OBJECT,
        "ckv_ampls_6/good_language_v2_zone_configs_by_lambda": _ARM_RESOURCES_AS_OBJECT,
    },
    "bicep": {
        "ckv_ampls_1/bad_open_from_bicepparam": _BICEP_PARSE_ERROR,
        "ckv_ampls_2/bad_query_open_typed_param_spread": _BICEP_PARSE_ERROR,
        "ckv_ampls_2/good_defaults_through_spread_and_lambda": _BICEP_PARSE_ERROR,
    },
}


def _cases_without_settings(language: str, target: Path) -> Path:
    """Copy a language's fixture cases (those that need no CLI settings) under one root."""
    for case in sorted((FIXTURES / language).glob("ckv_ampls_*/*")):
        if case.is_dir() and not (case / "settings.txt").exists():
            shutil.copytree(case, target / case.parent.name / case.name, ignore=shutil.ignore_patterns("expected.txt"))
    return target


@pytest.mark.parametrize("language", ["terraform", "arm", "bicep"])
def test_pack_and_cli_agree_on_every_fixture(
    checkov_bin: Path, pack_dir: str, tmp_path: Path, language: str, in_dir
) -> None:
    if not (FIXTURES / language).exists():
        pytest.skip(f"no {language} fixtures yet")
    root = _cases_without_settings(language, tmp_path / language).resolve()
    in_dir(root)
    report = scan(["."])

    # a finding sits on its resource; in ARM and Bicep, where it points when that is outside the
    # resource's block (CKV_AMPLS_6 on a zone group declared as a resource of its own). Terraform
    # records are matched by address: there it stays on its resource, even when the finding points
    # at a value written in another file (servers set by azurerm_virtual_network_dns_servers).
    ours = sorted(
        (
            f.check_id,
            str(root / f.file),
            f.resource_start_line
            if language == "terraform" or f.resource_start_line <= f.start_line <= f.resource_end_line
            else f.start_line,
            f.message,
            f.resource,
        )
        for f in report.findings
        if f.suppression is None
    )
    records = run_checkov(checkov_bin, pack_dir, root)
    theirs = [
        (r["check_id"], r["file_abs_path"], r["file_line_range"], r.get("details") or [], r["resource"])
        for r in records
        if r["state"] == "failed_checks"
    ]

    def same_place(file: str, line: int, address: str, their_file: str, lo: int, hi: int, resource: str) -> bool:
        if os.path.realpath(file) == os.path.realpath(their_file):
            return lo <= line <= hi
        # the finding's file is where the value is written; Checkov names the resource's own file
        return language == "terraform" and resource == address and Path(file).parent == Path(their_file).parent

    # every CLI finding is a failed Checkov record on the resource that holds it, with its message
    # in the record's details, and back
    missed_cases: set[str] = set()
    for check_id, file, line, message, address in ours:
        if not any(
            c == check_id and same_place(file, line, address, f, lo, hi, resource) and message in details
            for c, f, (lo, hi), details, resource in theirs
        ):
            case = "/".join(Path(file).relative_to(root).parts[:2])
            assert case in CHECKOV_CANNOT_CARRY[language], f"checkov misses {check_id} {file}:{line}"
            missed_cases.add(case)
    # the exceptions are exactly the cases Checkov gives no resource to, each missing something
    assert missed_cases == set(CHECKOV_CANNOT_CARRY[language])
    for check_id, file, (lo, hi), details, resource in theirs:
        assert details, f"checkov reports {check_id} {file}:{lo}-{hi} without the finding's message"
        for detail in details:
            assert any(
                c == check_id and same_place(f, line, address, file, lo, hi, resource) and m == detail
                for c, f, line, m, address in ours
            ), f"checkov reports {check_id} {file}:{lo}-{hi} ({detail}) which the CLI does not"


def test_pack_says_once_on_stderr_when_it_cannot_read_the_files(checkov_bin: Path, tmp_path: Path) -> None:
    """--external-checks-dir pointing at the source tree: the pack's parser libraries are not in
    Checkov's environment, every CKV_AMPLS answer is UNKNOWN, and stderr says why, once."""
    root = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "terraform", root)
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    completed = subprocess.run(
        [
            str(checkov_bin),
            "-d",
            str(root),
            "--external-checks-dir",
            str(REPO / "ampls_checks" / "checkov_pack" / "external"),
            "--framework",
            "terraform",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert completed.returncode in (0, 1), completed.stderr[-3000:]
    warnings = [line for line in completed.stderr.splitlines() if line.startswith("ampls-checks: WARNING:")]
    assert warnings == [
        f"ampls-checks: WARNING: 4 file(s) under {root.resolve()} could not be read; "
        "every CKV_AMPLS check on them is UNKNOWN (neither passed nor failed):"
    ]
    assert "ampls-checks:   python-hcl2 is not installed" in completed.stderr
    assert "--external-checks-dir the directory `ampls-checks checkov-dir` prints" in completed.stderr
    assert '"CKV_AMPLS_' not in completed.stdout


def test_a_skip_on_the_zone_group_is_skipped_in_checkov_with_its_reason(
    checkov_bin: Path, pack_dir: str, tmp_path: Path, in_dir
) -> None:
    """CKV_AMPLS_6 points at the endpoint's zone group; a skip written there suppresses it in the
    CLI, and Checkov, which reads skips of the endpoint only, must say SKIPPED, not PASSED."""
    root = tmp_path / "zone_group_skip"
    shutil.copytree(FIXTURES / "arm" / "ckv_ampls_6" / "bad_nested_zone_group_literal_list", root)
    (root / "expected.txt").unlink()
    template = root / "azuredeploy.json"
    text = template.read_text()
    marker = '          "type": "privateDnsZoneGroups",\n'
    assert text.count(marker) == 1
    template.write_text(
        text.replace(
            marker,
            marker + '          "metadata": {"checkov": ["checkov:skip=CKV_AMPLS_6: the hub adds agentsvc"]},\n',
        )
    )
    in_dir(root)
    cli = [(f.check_id, f.file, f.suppression is not None) for f in scan(["."]).findings if f.check_id == "CKV_AMPLS_6"]
    assert cli == [("CKV_AMPLS_6", "azuredeploy.json", True)]
    records = [r for r in run_checkov(checkov_bin, pack_dir, root) if r["check_id"] == "CKV_AMPLS_6"]
    assert [(r["state"], r["file_path"], r["check_result"].get("suppress_comment")) for r in records] == [
        ("skipped_checks", "/azuredeploy.json", "the hub adds agentsvc (skip at line 116)")
    ]


def test_arm_and_bicep_records_carry_the_message_in_details(checkov_bin: Path, pack_dir: str, tmp_path: Path) -> None:
    for language, case in (("arm", "bad_copy_loop"), ("bicep", "bad_open_written")):
        shutil.copytree(FIXTURES / language / "ckv_ampls_1" / case, tmp_path / case)
    records = [r for r in run_checkov(checkov_bin, pack_dir, tmp_path) if r["check_id"] == "CKV_AMPLS_1"]
    assert sorted((r["file_path"], tuple(r["details"])) for r in records) == [
        (
            f"/{case}/{name}",
            (
                "Ingestion access mode is Open: set it to PrivateOnly so that connected networks "
                "can send data only to monitor resources in the scope",
            ),
        )
        for case, name in (("bad_copy_loop", "azuredeploy.json"), ("bad_open_written", "main.bicep"))
    ]


def test_a_copied_check_file_is_run_by_checkov_through_the_pack(
    checkov_bin: Path, pack_dir: str, tmp_path: Path
) -> None:
    """Adding a check is one file, for the pack too: a copy of a check module under a new id,
    dropped into `checks/` of a copy of the installed package, is run by Checkov with the same
    results as the original."""
    installed = Path(pack_dir).parents[1]
    site = tmp_path / "site"
    site.mkdir()
    for entry in installed.parent.iterdir():  # the rest of the environment, as it is
        if entry.name != installed.name:
            (site / entry.name).symlink_to(entry)
    package = site / installed.name
    shutil.copytree(installed, package, ignore=shutil.ignore_patterns("__pycache__"))
    numbers = (1, 6, 8)
    for number in numbers:
        module = package / "checks" / f"ckv_ampls_{number}.py"
        text = module.read_text(encoding="utf-8").replace(f'id="CKV_AMPLS_{number}"', f'id="CKV_AMPLS_{900 + number}"')
        (package / "checks" / f"ckv_ampls_{900 + number}.py").write_text(text, encoding="utf-8")
    root = tmp_path / "cases"
    for language in ("terraform", "bicep"):
        for number in numbers:
            for case in sorted((FIXTURES / language / f"ckv_ampls_{number}").glob("bad_*")):
                skips = any("skip=" in f.read_text(encoding="utf-8") for f in case.rglob("*") if f.is_file())
                if not (case / "settings.txt").exists() and not skips:  # a skip names the original id
                    shutil.copytree(case, root / language / case.parent.name / case.name)
    records = run_checkov(checkov_bin, str(package / "checkov_pack" / "external"), root.resolve())
    failed = [
        (r["check_id"], r["file_abs_path"], tuple(r["file_line_range"]))
        for r in records
        if r["state"] == "failed_checks"
    ]
    for number in numbers:
        original = sorted((f, lines) for c, f, lines in failed if c == f"CKV_AMPLS_{number}")
        assert original, f"no CKV_AMPLS_{number} record on its own fixtures"
        assert sorted((f, lines) for c, f, lines in failed if c == f"CKV_AMPLS_{900 + number}") == original


def test_ckv_ampls_6_on_a_zone_group_declared_apart_is_reported_and_skipped_there(
    checkov_bin: Path, pack_dir: str, tmp_path: Path
) -> None:
    """The CLI points CKV_AMPLS_6 at the zone group; declared as a resource of its own (`parent:`),
    Checkov reports it on that resource too, and a skip comment written there makes it SKIPPED."""
    lines = (FIXTURES / "bicep" / "ckv_ampls_6" / "bad_missing_agentsvc" / "main.bicep").read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("  resource zoneGroup "))
    end = next(i for i in range(start, len(lines)) if lines[i] == "  }")
    group = [line[2:] for line in lines[start : end + 1]]
    group[0:1] = ["resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-04-01' = {"]
    group.insert(1, "  parent: endpoint")
    text = "\n".join(lines[:start] + lines[end + 1 :] + group) + "\n"
    for case, body in (
        ("apart", text),
        (
            "skipped",
            text.replace("  parent: endpoint\n", "  parent: endpoint\n  // checkov:skip=CKV_AMPLS_6:hub zone\n"),
        ),
    ):
        (tmp_path / case).mkdir()
        (tmp_path / case / "main.bicep").write_text(body)
    records = [r for r in run_checkov(checkov_bin, pack_dir, tmp_path) if r["check_id"] == "CKV_AMPLS_6"]
    assert sorted((r["file_path"], r["resource"], r["state"]) for r in records) == [
        ("/apart/main.bicep", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups.zoneGroup", "failed_checks"),
        ("/skipped/main.bicep", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups.zoneGroup", "skipped_checks"),
    ]


def test_checkov_plan_scan_reports_the_plan_findings_by_address(
    checkov_bin: Path, pack_dir: str, tmp_path: Path
) -> None:
    """`checkov -f plan.json`: Checkov's terraform_plan runner runs the pack's Terraform checks on
    each planned resource; the pack answers from `ampls-checks --plan plan.json` (no configuration
    directory: Checkov reports plan files at the plan's lines) by resource address."""
    plan = tmp_path / "plan.json"
    shutil.copy(REPO / "tests" / "plan_fixtures" / "two_modules" / "plan.json", plan)
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    completed = subprocess.run(
        [str(checkov_bin), "-f", str(plan), "--external-checks-dir", pack_dir, "--framework", "terraform_plan"]
        + ["-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    failed = sorted(
        (r["check_id"], r["resource"], r["file_path"], tuple(r["file_line_range"]), tuple(r["details"]))
        for r in report["results"]["failed_checks"]
        if r["check_id"].startswith("CKV_AMPLS_")
    )
    ours = scan_plan(str(plan), None)
    assert [(f[0], f[1], f[4][0]) for f in failed] == sorted((f.check_id, f.resource, f.message) for f in ours.findings)
    assert [(f[0], f[1], f[2]) for f in failed] == [
        ("CKV_AMPLS_1", "module.monitoring.azurerm_monitor_private_link_scope.this", "/plan.json"),
        ("CKV_AMPLS_3", "module.monitoring.azurerm_log_analytics_workspace.this", "/plan.json"),
        ("CKV_AMPLS_6", "azurerm_private_endpoint.ampls", "/plan.json"),
    ]
    # the line ranges are Checkov's own, around each resource in the plan, and hold our line
    for (_check, _resource, _file, (low, high), _details), finding in zip(
        failed, sorted(ours.findings, key=lambda f: (f.check_id, f.resource)), strict=True
    ):
        assert low <= finding.start_line <= high
