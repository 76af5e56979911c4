"""`--format text`: one finding a line, suppressed findings counted but not listed, and nothing
from a scanned file can add a line, steer the terminal or pass for a CI command."""

from __future__ import annotations

import pytest

from ampls_checks.cli import main
from ampls_checks.reporters._safe import inert_line, visible

from .conftest import FIXTURES

ANNOTATIONS = FIXTURES / "annotations"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", *args])
    return code, capsys.readouterr().out


def test_lists_active_findings_and_counts_suppressed_ones(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert code == 1
    assert out.splitlines() == [
        "main.tf:4: CKV_AMPLS_1 [HIGH] azurerm_monitor_private_link_scope.hub: Ingestion access mode is Open: set "
        "it to PrivateOnly so that connected networks can send data only to monitor resources in the scope",
        "1 finding, 0 errors in 1 file (1 suppressed)",
    ]


def test_bicep_suppressed_finding_is_counted_not_listed(in_dir, capsys):
    in_dir(ANNOTATIONS / "bicep_skip")
    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert code == 1
    assert out.splitlines() == [
        "main.bicep:6: CKV_AMPLS_1 [HIGH] hub: Ingestion access mode is Open: set it to PrivateOnly so that "
        "connected networks can send data only to monitor resources in the scope",
        "1 finding, 0 errors in 1 file (1 suppressed)",
    ]


def test_crafted_names_stay_on_one_line_and_inert(in_dir, capsys):
    in_dir(ANNOTATIONS / "injection")
    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert code == 1
    assert out.splitlines() == [
        'main.tf:12: CKV_AMPLS_1 [HIGH] azurerm_monitor_private_link_scope.evil["a\\n::warning file=pwned.tf,'
        'line=1::injected %0A 100%"]: Ingestion access mode is Open: set it to PrivateOnly so that connected '
        "networks can send data only to monitor resources in the scope",
        'main.tf:12: CKV_AMPLS_1 [HIGH] azurerm_monitor_private_link_scope.evil["b;]##vso\\x5btask.setvariable '
        'variable=PWNED]yes"]: Ingestion access mode is Open: set it to PrivateOnly so that connected networks '
        "can send data only to monitor resources in the scope",
        'main.tf:12: CKV_AMPLS_1 [HIGH] azurerm_monitor_private_link_scope.evil["c\\r\\n##\\x5berror]old style'
        '\\u001b[31m"]: Ingestion access mode is Open: set it to PrivateOnly so that connected networks can send '
        "data only to monitor resources in the scope",
        "3 findings, 0 errors in 1 file",
    ]


def test_visible_escapes_controls_and_azure_commands():
    assert visible("a\nb\rc\td\x00e\x7f\x85\u2028") == "a\\nb\\rc\\td\\x00e\\x7f\\x85\\u2028"
    assert visible("x ##vso[task.complete]") == "x ##vso\\x5btask.complete]"
    assert visible("plain name-1.tf é") == "plain name-1.tf é"


def test_a_line_starting_like_a_workflow_command_gets_a_path_prefix():
    assert inert_line("::error::x.tf:1: CKV_AMPLS_1") == "./::error::x.tf:1: CKV_AMPLS_1"
    # GitHub's runner finds its legacy commands (`##[error]`...) anywhere in a line: defused
    assert inert_line("  ##[group]x.tf:1: CKV") == "  ##\\x5bgroup]x.tf:1: CKV"
    assert inert_line("a.tf:1: x ##[add-mask]y ##vso[z") == "a.tf:1: x ##\\x5badd-mask]y ##vso\\x5bz"
    assert inert_line("main.tf:1: CKV_AMPLS_1") == "main.tf:1: CKV_AMPLS_1"


def test_a_file_named_like_a_workflow_command_is_printed_as_a_path(in_dir, capsys, tmp_path):
    (tmp_path / "::error::pwned.tf").write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        '  name                  = "s"\n'
        '  resource_group_name   = "rg"\n'
        '  ingestion_access_mode = "Open"\n'
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
    )
    in_dir(tmp_path)
    _code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert out.splitlines()[0].startswith("./::error::pwned.tf:4: CKV_AMPLS_1 [HIGH] ")
