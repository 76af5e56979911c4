"""Every check has Bicep fixture cases, good and bad (the cases themselves run in
test_check_fixtures.py)."""

from __future__ import annotations

from ampls_checks.checks import all_checks

from .conftest import FIXTURES


def test_every_check_has_good_and_bad_bicep_cases() -> None:
    for check in all_checks():
        folder = FIXTURES / "bicep" / check.id.lower()
        names = [p.name for p in folder.iterdir() if p.is_dir()] if folder.exists() else []
        assert any(n.startswith("good") for n in names), f"{check.id} has no good Bicep case"
        assert any(n.startswith("bad") for n in names), f"{check.id} has no bad Bicep case"


def test_bicep_cases_hold_bicep_files_and_expectations() -> None:
    for case in sorted((FIXTURES / "bicep").glob("ckv_ampls_*/*")):
        assert (case / "expected.txt").is_file(), f"{case} has no expected.txt"
        assert list(case.rglob("*.bicep")), f"{case} has no Bicep file"
