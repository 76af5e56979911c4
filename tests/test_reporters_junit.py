"""`--format junitxml`: one test case per check and resource, failures for findings, skipped for
suppressed ones, well-formed XML whatever the names hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ampls_checks.cli import main
from ampls_checks.reporters._safe import xml_text

from .conftest import FIXTURES

ANNOTATIONS = FIXTURES / "annotations"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, ET.Element]:
    code = main(["--no-cache", "--format", "junitxml", *args])
    return code, ET.fromstring(capsys.readouterr().out)


def test_failures_and_skips_per_check_and_resource(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    code, root = run(capsys, ".", "--check", "CKV_AMPLS_1,CKV_AMPLS_2")
    assert code == 1
    assert root.attrib == {"name": "ampls-checks", "tests": "3", "failures": "1", "errors": "0", "skipped": "1"}
    first, second = root.findall("testsuite")
    assert first.get("name") == "CKV_AMPLS_1"
    cases = first.findall("testcase")
    assert [(c.get("name"), c.get("file"), c.get("line")) for c in cases] == [
        ("azurerm_monitor_private_link_scope.hub", "main.tf", "4"),
        ("azurerm_monitor_private_link_scope.migration", "main.tf", "12"),
    ]
    failure = cases[0].find("failure")
    assert failure.get("type") == "HIGH"
    assert failure.text.startswith("main.tf:4: CKV_AMPLS_1 [HIGH] Ingestion access mode is Open")
    assert cases[1].find("failure") is None
    assert cases[1].find("skipped").get("message") == (
        "suppressed: agents outside the scope still send during the migration"
    )
    # A check with nothing to report still shows that it ran.
    assert second.get("name") == "CKV_AMPLS_2"
    assert [(c.get("name"), list(c)) for c in second.findall("testcase")] == [("no finding", [])]


def test_several_findings_of_one_check_on_one_resource_are_one_case(in_dir, capsys, tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        '  name                  = "s"\n'
        '  resource_group_name   = "rg"\n'
        '  ingestion_access_mode = "Open"\n'
        '  query_access_mode     = "Open"\n'
        "}\n"
    )
    in_dir(tmp_path)
    _code, root = run(capsys, ".", "--check", "CKV_AMPLS_1,CKV_AMPLS_2")
    assert [s.get("name") for s in root.findall("testsuite")] == ["CKV_AMPLS_1", "CKV_AMPLS_2"]
    assert [len(s.findall("testcase")) for s in root.findall("testsuite")] == [1, 1]
    assert root.get("failures") == "2"


def test_control_characters_in_names_keep_the_document_well_formed(in_dir, capsys):
    in_dir(ANNOTATIONS / "injection")
    _code, root = run(capsys, ".", "--check", "CKV_AMPLS_1")
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == [
        'azurerm_monitor_private_link_scope.evil["a\\n::warning file=pwned.tf,line=1::injected %0A 100%"]',
        'azurerm_monitor_private_link_scope.evil["b;]##vso\\x5btask.setvariable variable=PWNED]yes"]',
        'azurerm_monitor_private_link_scope.evil["c\\r\\n##[error]old style\\u001b[31m"]',
    ]


def test_xml_text_replaces_what_xml_forbids():
    assert xml_text("a\x00b\x1bc\td\ne") == "a\\x00b\\x1bc\td\ne"
    assert xml_text("lone \ud800 surrogate") == "lone \ufffd surrogate"


def test_input_errors_are_error_cases(in_dir, capsys, tmp_path):
    (tmp_path / "broken.tf").write_text('resource "azurerm_monitor_private_link_scope" "s" {\n  name = \n')
    in_dir(tmp_path)
    code, root = run(capsys, ".")
    assert code == 2
    suite = root.findall("testsuite")[-1]
    assert suite.get("name") == "ampls-checks input"
    (case,) = suite.findall("testcase")
    assert case.get("name") == "broken.tf"
    assert case.find("error") is not None
    assert root.get("errors") == "1"


def test_names_that_are_not_valid_unicode_still_give_well_formed_xml():
    from ampls_checks.checks import Finding, Severity
    from ampls_checks.reporters.junit import render
    from ampls_checks.scan import ScanReport

    name = "scope-\ud800-\x00-\x1b"
    finding = Finding("CKV_AMPLS_1", "t", Severity.HIGH, name, "main.json", 3, 3, "bad \x0c message", "")
    text = render(ScanReport(findings=[finding]))
    root = ET.fromstring(text.encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "scope-\ufffd-\\x00-\\x1b"
    assert case.find("failure").get("message") == "bad \\x0c message"
