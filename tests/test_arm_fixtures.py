"""Every check has ARM fixture cases, good and bad (the cases themselves run in
test_check_fixtures.py)."""

from __future__ import annotations

import json

from ampls_checks.checks import all_checks
from ampls_checks.parsers.arm.parse import is_template

from .conftest import FIXTURES


def test_every_check_has_good_and_bad_arm_cases() -> None:
    for check in all_checks():
        folder = FIXTURES / "arm" / check.id.lower()
        names = [p.name for p in folder.iterdir() if p.is_dir()] if folder.exists() else []
        assert any(n.startswith("good") for n in names), f"{check.id} has no good ARM case"
        assert any(n.startswith("bad") for n in names), f"{check.id} has no bad ARM case"


def test_arm_cases_hold_a_template_and_expectations() -> None:
    cases = sorted((FIXTURES / "arm").glob("ckv_ampls_*/*"))
    assert cases
    for case in cases:
        assert (case / "expected.txt").is_file(), f"{case} has no expected.txt"
        templates = [p for p in case.rglob("*.json") if is_template(json.loads(p.read_text()))]
        assert templates, f"{case} has no deployment template"
