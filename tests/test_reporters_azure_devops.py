"""`--format azure-devops`: Azure Pipelines `task.logissue` commands, escaped so that nothing read
from a scanned file can end a property early or start a command of its own."""

from __future__ import annotations

import pytest

from ampls_checks.cli import main
from ampls_checks.reporters.azure_devops import escape_data, escape_property

from .conftest import FIXTURES

ANNOTATIONS = FIXTURES / "annotations"
PREFIX = "##vso["


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", *args])
    return code, capsys.readouterr().out


def unescape(text: str) -> str:
    # The agent's order: the special symbols first, `%AZP25` last.
    for escaped, plain in (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%AZP25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """What the agent makes of a line: the first `##vso[` anywhere on it starts the one command of
    the line, the first `]` after it ends the properties (`k=v` separated by `;`)."""
    start = line.find(PREFIX)
    if start < 0:
        return None
    end = line.find("]", start)
    info, data = line[start + len(PREFIX) : end], line[end + 1 :]
    name, _, rendered = info.partition(" ")
    properties = {}
    for item in rendered.split(";"):
        if item:
            key, _, value = item.partition("=")
            properties[key] = unescape(value)
    return name, properties, unescape(data)


def test_each_finding_is_one_logissue_with_file_line_and_code(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    code, out = run(capsys, ".", "--format", "azure-devops")
    assert code == 1
    assert out.splitlines() == [
        "##vso[task.logissue type=warning;sourcepath=main.tf;linenumber=1;code=CKV_AMPLS_13]CKV_AMPLS_13 [LOW] "
        "azurerm_monitor_private_link_scope.hub: Scope has no private endpoint and links no monitor resource: "
        "connect a private endpoint (sub-resource azuremonitor) and link the monitor resources its networks use, "
        "or remove the scope",
        "##vso[task.logissue type=error;sourcepath=main.tf;linenumber=4;code=CKV_AMPLS_1]CKV_AMPLS_1 [HIGH] "
        "azurerm_monitor_private_link_scope.hub: Ingestion access mode is Open: set it to PrivateOnly so that "
        "connected networks can send data only to monitor resources in the scope",
        "##vso[task.logissue type=warning;sourcepath=main.tf;linenumber=8;code=CKV_AMPLS_13]CKV_AMPLS_13 [LOW] "
        "azurerm_monitor_private_link_scope.migration: Scope has no private endpoint and links no monitor "
        "resource: connect a private endpoint (sub-resource azuremonitor) and link the monitor resources its "
        "networks use, or remove the scope",
        "ampls-checks: 3 findings, 0 errors in 1 file",
    ]


def test_escaping_follows_the_task_library():
    assert escape_property("a;b]c%d\r\ne") == "a%3Bb%5Dc%AZP25d%0D%0Ae"
    assert escape_data("100% done\nnext;]") == "100%AZP25 done%0Anext;]"


def test_crafted_resource_names_cannot_start_a_command(in_dir, capsys):
    in_dir(ANNOTATIONS / "injection")
    code, out = run(capsys, ".", "--format", "azure-devops")
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "ampls-checks: 6 findings, 0 errors in 1 file"
    commands = [parse_command(line) for line in lines[:-1]]
    # One line per finding, each starting with its own command: no line was added or split.
    assert all(line.startswith(PREFIX + "task.logissue ") for line in lines[:-1])
    assert [(c[0], c[1]["type"], c[1]["linenumber"]) for c in commands] == [("task.logissue", "warning", "4")] * 3 + [
        ("task.logissue", "error", "12")
    ] * 3
    resources = [
        'azurerm_monitor_private_link_scope.evil["a\\n::warning file=pwned.tf,line=1::injected %0A 100%"]',
        'azurerm_monitor_private_link_scope.evil["b;]##vso[task.setvariable variable=PWNED]yes"]',
        'azurerm_monitor_private_link_scope.evil["c\\r\\n##[error]old style\\u001b[31m"]',
    ]
    for (_name, properties, data), resource in zip(commands[3:], resources, strict=True):
        assert properties == {"type": "error", "sourcepath": "main.tf", "linenumber": "12", "code": "CKV_AMPLS_1"}
        assert data.startswith(f"CKV_AMPLS_1 [HIGH] {resource}: Ingestion access mode is Open")


def test_a_file_name_cannot_end_the_properties(in_dir, capsys, tmp_path):
    evil = tmp_path / "x;type=warning]##vso[task.complete result=Succeeded].tf"
    evil.write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        '  name                  = "s"\n'
        '  resource_group_name   = "rg"\n'
        '  ingestion_access_mode = "Open"\n'
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
    )
    in_dir(tmp_path)
    _code, out = run(capsys, ".", "--format", "azure-devops", "--check", "CKV_AMPLS_1")
    _name, properties, _data = parse_command(out.splitlines()[0])
    assert properties == {
        "type": "error",
        "sourcepath": "x;type=warning]##vso[task.complete result=Succeeded].tf",
        "linenumber": "4",
        "code": "CKV_AMPLS_1",
    }


def test_suppressed_findings_are_not_logged(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    _code, out = run(capsys, ".", "--format", "azure-devops", "--check", "CKV_AMPLS_1")
    assert [parse_command(line)[1]["linenumber"] for line in out.splitlines()[:-1]] == ["4"]
