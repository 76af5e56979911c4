"""Snapshot tests: every fixture case is a directory with the files of one root module and an
`expected.txt` listing the findings that check must report, one per line:

    CKV_AMPLS_1 main.tf:12 azurerm_monitor_private_link_scope.ampls

Paths are relative to the case directory. A `good_*` case expects nothing (its `expected.txt` is
empty). The case directory's parent names the check (`ckv_ampls_1`), its grandparent the language.
Adding a case is adding a directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ampls_checks.azure import Cloud
from ampls_checks.checks import Settings, all_checks
from ampls_checks.scan import ScanOptions, scan

from .conftest import FIXTURES

CHECKS = {c.id: c for c in all_checks()}


def _cases() -> list[Path]:
    found = []
    for language in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "bad"):
        for check_dir in sorted(p for p in language.iterdir() if p.is_dir() and p.name.startswith("ckv_ampls_")):
            found.extend(sorted(p for p in check_dir.iterdir() if p.is_dir()))
    return found


def _settings(case: Path) -> Settings:
    """A case may carry `settings.txt` lines such as `cloud=usgovernment` or `require_private`."""
    options: dict[str, object] = {}
    settings_file = case / "settings.txt"
    if settings_file.exists():
        for line in settings_file.read_text().split("\n"):
            key, _, value = line.strip().partition("=")
            if key == "cloud":
                options["cloud"] = Cloud(value)
            elif key == "require_private":
                options["require_private"] = True
    return Settings(**options)  # type: ignore[arg-type]


def _expected(case: Path) -> list[str]:
    lines = (case / "expected.txt").read_text().split("\n")
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


CASES = _cases()


def test_every_check_has_good_and_bad_terraform_cases() -> None:
    for check_id in CHECKS:
        folder = FIXTURES / "terraform" / check_id.lower()
        names = [p.name for p in folder.iterdir()] if folder.exists() else []
        assert any(n.startswith("good") for n in names), f"{check_id} has no good Terraform case"
        assert any(n.startswith("bad") for n in names), f"{check_id} has no bad Terraform case"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.parent.name}/{c.parent.name}/{c.name}" for c in CASES])
def test_case_reports_exactly_the_expected_findings(case: Path, in_dir) -> None:
    check = CHECKS[case.parent.name.upper()]
    in_dir(case)
    report = scan(["."], ScanOptions(settings=_settings(case), checks=[check]))
    assert report.errors == []
    got = sorted(f"{f.check_id} {f.file}:{f.start_line} {f.resource}" for f in report.findings if f.suppression is None)
    assert got == _expected(case)
    if case.name.startswith("good"):
        assert got == []
    else:
        assert got, "a bad case must expect at least one finding"
    assert os.getcwd() == str(case)


def test_every_check_has_good_and_bad_cases_in_each_language_it_claims() -> None:
    for check in CHECKS.values():
        for language in check.languages:
            folder = FIXTURES / language / check.id.lower()
            names = [p.name for p in folder.iterdir()] if folder.exists() else []
            assert any(n.startswith("good") for n in names), f"{check.id} has no good {language} case"
            assert any(n.startswith("bad") for n in names), f"{check.id} has no bad {language} case"


def test_documentation_pages_are_rendered_from_the_docstrings() -> None:
    from ampls_checks.docgen import render_all

    from .conftest import REPO

    for name, text in render_all().items():
        page = REPO / "docs" / "checks" / name
        assert page.exists(), f"run python -m ampls_checks.docgen docs/checks ({name} is missing)"
        assert page.read_text() == text, f"run python -m ampls_checks.docgen docs/checks ({name} is stale)"


def test_every_documentation_page_has_the_sections_and_three_languages() -> None:
    for check in CHECKS.values():
        doc = check.doc
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
            assert heading in doc, f"{check.id} lacks {heading}"
        fixes = doc.split("## Use instead", 1)[1]
        for fence in ("```hcl", "```bicep", "```json"):
            assert fence in fixes, f"{check.id} has no {fence} fix"
        assert "learn.microsoft.com" in doc.split("## References", 1)[1]


@pytest.mark.parametrize("language", ["terraform", "arm", "bicep"])
def test_a_zone_missing_from_the_group_and_linked_empty_is_one_finding(language: str, in_dir) -> None:
    """One root cause, one finding: the zone group lacks privatelink.monitor.azure.com, which is
    declared and linked to the endpoint's network; CKV_AMPLS_6 reports it and says the NXDOMAIN
    consequence, and CKV_AMPLS_15 does not report the same zone again for that network."""
    case = FIXTURES / language / "ckv_ampls_6" / "bad_monitor_zone_linked_but_not_in_group"
    in_dir(case)
    report = scan(["."], ScanOptions(settings=Settings(), checks=[CHECKS["CKV_AMPLS_6"], CHECKS["CKV_AMPLS_15"]]))
    assert report.errors == []
    assert [f.check_id for f in report.findings] == ["CKV_AMPLS_6"]
    assert "names in privatelink.monitor.azure.com resolve to NXDOMAIN" in report.findings[0].message
