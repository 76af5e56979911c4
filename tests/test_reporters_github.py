"""`--format github`: GitHub Actions workflow commands, one annotation per finding, escaped so that
nothing read from a scanned file can start a command of its own."""

from __future__ import annotations

import pytest

from ampls_checks.cli import main
from ampls_checks.reporters.github import escape_data, escape_property

from .conftest import FIXTURES

ANNOTATIONS = FIXTURES / "annotations"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", *args])
    return code, capsys.readouterr().out


def unescape_data(text: str) -> str:
    # The runner's order (actions/runner ActionCommand.cs): %0D, %0A, then %25 last.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """What the GitHub runner makes of a line: the first non-blank characters must be `::`, the
    command runs to the next `::`, then the data; properties are `k=v` separated by commas."""
    stripped = line.lstrip()
    if not stripped.startswith("::"):
        return None
    end = stripped.find("::", 2)
    if end < 0:
        return None
    info, data = stripped[2:end], stripped[end + 2 :]
    name, _, rendered = info.partition(" ")
    properties = {}
    for item in rendered.split(","):
        if item:
            key, _, value = item.partition("=")
            properties[key] = unescape_property(value)
    return name, properties, unescape_data(data)


def test_each_finding_is_one_annotation_on_its_line_with_severity_as_command(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    code, out = run(capsys, ".", "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        "::notice file=main.tf,line=1,endLine=6,title=CKV_AMPLS_13%3A Azure Monitor Private Link Scope has a "
        "private endpoint and linked resources::azurerm_monitor_private_link_scope.hub: Scope has no private "
        "endpoint and links no monitor resource: connect a private endpoint (sub-resource azuremonitor) and link "
        "the monitor resources its networks use, or remove the scope",
        "::error file=main.tf,line=4,endLine=4,title=CKV_AMPLS_1%3A Azure Monitor Private Link Scope ingestion "
        "access mode is PrivateOnly::azurerm_monitor_private_link_scope.hub: Ingestion access mode is Open: set it "
        "to PrivateOnly so that connected networks can send data only to monitor resources in the scope",
        "::notice file=main.tf,line=8,endLine=14,title=CKV_AMPLS_13%3A Azure Monitor Private Link Scope has a "
        "private endpoint and linked resources::azurerm_monitor_private_link_scope.migration: Scope has no private "
        "endpoint and links no monitor resource: connect a private endpoint (sub-resource azuremonitor) and link "
        "the monitor resources its networks use, or remove the scope",
        "ampls-checks: 3 findings, 0 errors in 1 file",
    ]


def test_medium_findings_are_warnings(in_dir, capsys, tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        '  name                  = "s"\n'
        '  resource_group_name   = "rg"\n'
        '  ingestion_access_mode = "PrivateOnly"\n'
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
        'resource "azurerm_log_analytics_workspace" "w" {\n'
        '  name                       = "w"\n'
        '  resource_group_name        = "rg"\n'
        '  location                   = "westeurope"\n'
        "  internet_ingestion_enabled = false\n"
        "  internet_query_enabled     = true\n"
        "}\n"
        'resource "azurerm_monitor_private_link_scoped_service" "l" {\n'
        '  name                = "l"\n'
        '  resource_group_name = "rg"\n'
        "  scope_name          = azurerm_monitor_private_link_scope.s.name\n"
        "  linked_resource_id  = azurerm_log_analytics_workspace.w.id\n"
        "}\n"
    )
    in_dir(tmp_path)
    code, out = run(capsys, ".", "--format", "github", "--check", "CKV_AMPLS_4")
    assert code == 1
    name, properties, data = parse_command(out.splitlines()[0])
    assert (name, properties["file"], properties["line"]) == ("warning", "main.tf", "12")
    assert properties["title"].startswith("CKV_AMPLS_4: ")
    assert data.startswith("azurerm_log_analytics_workspace.w: ")


def test_suppressed_findings_are_not_annotated(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    _code, out = run(capsys, ".", "--format", "github", "--check", "CKV_AMPLS_1")
    assert [line.split("::")[1] for line in out.splitlines()[:-1]] == [
        "error file=main.tf,line=4,endLine=4,title=CKV_AMPLS_1%3A Azure Monitor Private Link Scope ingestion "
        "access mode is PrivateOnly"
    ]


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert escape_data("%0A") == "%250A"  # an escape written in the source stays text


def test_crafted_resource_names_cannot_start_a_command(in_dir, capsys):
    in_dir(ANNOTATIONS / "injection")
    code, out = run(capsys, ".", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    commands = [parse_command(line) for line in lines[:-1]]
    assert lines[-1] == "ampls-checks: 6 findings, 0 errors in 1 file"
    # Six findings, six lines, each one command of the kind the severity says: no line was added.
    assert [c[0] for c in commands if c] == ["notice"] * 3 + ["error"] * 3
    assert not any(line.lstrip().startswith("##[") for line in lines)
    resources = [
        'azurerm_monitor_private_link_scope.evil["a\\n::warning file=pwned.tf,line=1::injected %0A 100%"]',
        'azurerm_monitor_private_link_scope.evil["b;]##vso[task.setvariable variable=PWNED]yes"]',
        'azurerm_monitor_private_link_scope.evil["c\\r\\n##[error]old style\\u001b[31m"]',
    ]
    # Each crafted name comes back whole, inside the data of its own annotation.
    for (_name, properties, data), resource in zip(commands[3:], resources, strict=True):
        assert properties == {
            "file": "main.tf",
            "line": "12",
            "endLine": "12",
            "title": "CKV_AMPLS_1: Azure Monitor Private Link Scope ingestion access mode is PrivateOnly",
        }
        assert data.startswith(resource + ": Ingestion access mode is Open")


def test_a_file_name_cannot_break_the_properties(in_dir, capsys, tmp_path):
    evil = tmp_path / "x,line=99,title=pwned::boom.tf"
    evil.write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        '  name                  = "s"\n'
        '  resource_group_name   = "rg"\n'
        '  ingestion_access_mode = "Open"\n'
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
    )
    in_dir(tmp_path)
    _code, out = run(capsys, ".", "--format", "github", "--check", "CKV_AMPLS_1")
    name, properties, _data = parse_command(out.splitlines()[0])
    assert properties["file"] == "x,line=99,title=pwned::boom.tf"
    assert properties["line"] == "4"
    assert properties["title"].startswith("CKV_AMPLS_1: ")


def test_input_errors_are_error_annotations(in_dir, capsys, tmp_path):
    (tmp_path / "broken.tf").write_text('resource "azurerm_monitor_private_link_scope" "s" {\n  name = \n')
    in_dir(tmp_path)
    code, out = run(capsys, ".", "--format", "github")
    assert code == 2
    name, properties, data = parse_command(out.splitlines()[0])
    assert name == "error"
    assert properties["file"] == "broken.tf"
    assert properties["title"] == "ampls-checks: input not analysed"
    assert data.startswith("broken.tf: ")
