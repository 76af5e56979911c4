"""Give every fixture case resource group names of its own: `python -m tests.tag_fixture_groups`.

Each fixture case is a deployment of its own, and tests/test_fixture_tree.py scans the whole
fixture tree at once. Resources of different deployments are one resource when their type, name
and resource group agree (model.full_identity), so two cases that both declare
`privatelink.monitor.azure.com` in `rg-dns` would share that zone in the whole-tree scan. This
script appends a short tag derived from the case's path to every `rg-...` name in the case's
files (`rg-dns` becomes `rg-dns-k3f2a`); names that already carry the tag are left alone, so it
can run again after adding cases. No finding message names a resource group, so what each case
reports does not change.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SUFFIXES = (".tf", ".tfvars", ".bicep", ".bicepparam", ".json")
# a whole `rg-...` name: not a prefix completed by an interpolation (`rg-${var.env}`)
GROUP = re.compile(r"\brg-[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9](?![A-Za-z0-9_$-])")


def case_roots() -> list[Path]:
    """Directories that are one deployment each: the check cases (they hold `expected.txt`) and
    the second-level directories of the other fixture families."""
    roots = sorted(p.parent for p in FIXTURES.glob("*/ckv_ampls_*/*/expected.txt"))
    for family in ("precommit", "annotations"):
        roots += sorted(p for p in (FIXTURES / family).iterdir() if p.is_dir())
    for group in sorted(p for p in (FIXTURES / "terraform_forms").iterdir() if p.is_dir()):
        roots += sorted(p for p in group.iterdir() if p.is_dir())
    return roots


def tag_of(case: Path) -> str:
    return "k" + hashlib.sha1(case.relative_to(FIXTURES).as_posix().encode()).hexdigest()[:5]


def tag_case(case: Path) -> int:
    """Tag the case's files; returns how many files changed."""
    tag = "-" + tag_of(case)
    changed = 0
    for path in sorted(case.rglob("*")):
        if not path.is_file() or not path.name.endswith(SUFFIXES):
            continue
        text = path.read_text(encoding="utf-8")
        new = GROUP.sub(lambda m: m.group(0) if m.group(0).endswith(tag) else m.group(0) + tag, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


if __name__ == "__main__":
    total = sum(tag_case(case) for case in case_roots())
    print(f"{total} files tagged")
