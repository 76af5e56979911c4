"""Hostile and broken input: every bad file is an error entry naming it, the rest of the tree is
still scanned, the exit code is 2, nothing hangs and no traceback reaches the user.

Large and pathological inputs are generated at test time into a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ampls_checks.scan import ScanOptions, scan

GOOD_SCOPE = """resource "azurerm_monitor_private_link_scope" "good" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = "Open"
  query_access_mode     = "PrivateOnly"
}
"""


def _write(root: Path, name: str, content: bytes | str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ampls_checks.cli", ".", "--no-cache", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _bad_tree(root: Path) -> dict[str, str]:
    """Bad inputs beside one good file; returns file -> a word its error message must contain."""
    _write(root, "good/main.tf", GOOD_SCOPE)
    _write(root, "bad/truncated.tf", GOOD_SCOPE[:70])
    _write(root, "bad/binary.tf", bytes(range(256)) * 8)
    _write(root, "bad/latin1.tf", GOOD_SCOPE.replace('"ampls"', '"amp\xe9ls"').encode("latin-1"))
    _write(root, "bad/unclosed.tf", 'resource "azurerm_private_endpoint" "x" {\n  name = "a"\n')
    deep = "locals {\n  x = " + "[" * 3000 + "]" * 3000 + "\n}\n" + GOOD_SCOPE.replace('"good"', '"deep"')
    _write(root, "bad/deep.tf", deep)
    return {
        "bad/truncated.tf": "invalid HCL",
        "bad/binary.tf": "binary",
        "bad/latin1.tf": "UTF-8",
        "bad/unclosed.tf": "invalid HCL",
        "bad/deep.tf": "nest",
    }


def test_each_bad_file_is_an_error_and_the_good_one_is_still_scanned(tmp_path: Path) -> None:
    expected = _bad_tree(tmp_path)
    completed = _cli(tmp_path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    report = json.loads(completed.stdout)
    errors = {e["file"]: e["message"] for e in report["errors"]}
    assert set(errors) == set(expected)
    for file, word in expected.items():
        assert word in errors[file], (file, errors[file])
    assert [(f["check_id"], f["file"], f["start_line"]) for f in report["findings"]] == [
        ("CKV_AMPLS_13", "good/main.tf", 1),
        ("CKV_AMPLS_1", "good/main.tf", 4),
    ]


def test_bom_and_crlf_parse_with_the_right_lines(tmp_path: Path, in_dir) -> None:
    text = "\ufeff" + GOOD_SCOPE.replace("\n", "\r\n")
    _write(tmp_path, "main.tf", text.encode("utf-8"))
    in_dir(tmp_path)
    report = scan(["."])
    assert report.errors == []
    assert [(f.check_id, f.start_line) for f in report.findings if f.check_id == "CKV_AMPLS_1"] == [("CKV_AMPLS_1", 4)]


def test_empty_file_is_fine(tmp_path: Path, in_dir) -> None:
    _write(tmp_path, "empty.tf", "")
    _write(tmp_path, "variables.tf", 'variable "x" {}\n')
    in_dir(tmp_path)
    report = scan(["."])
    assert report.errors == [] and report.findings == []


def test_a_file_over_the_size_limit_is_an_error_without_reading_it(tmp_path: Path, in_dir) -> None:
    big = tmp_path / "huge.tf"
    with open(big, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse
    _write(tmp_path, "main.tf", GOOD_SCOPE)
    in_dir(tmp_path)
    started = time.perf_counter()
    report = scan(["."])
    assert time.perf_counter() - started < 10
    assert [(e.file, "over the limit" in e.message) for e in report.errors] == [("huge.tf", True)]
    assert {f.check_id for f in report.findings} == {"CKV_AMPLS_1", "CKV_AMPLS_13"}
    limited = scan(["."], ScanOptions(max_file_bytes=100))
    assert {e.file for e in limited.errors} == {"huge.tf", "main.tf"}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("million_count", 'resource "azurerm_monitor_private_link_scope" "m" {\n  count = 1000000\n  name = "x"\n}\n'),
        (
            "million_for_each",
            'resource "azurerm_monitor_private_link_scope" "m" {\n'
            "  for_each = toset([for i in range(1000000) : tostring(i)])\n  name = each.key\n}\n",
        ),
        (
            "self_local",
            "locals {\n  a = local.b\n  b = local.a\n}\n"
            'resource "azurerm_monitor_private_link_scope" "m" {\n  name = local.a\n'
            "  ingestion_access_mode = local.a\n}\n",
        ),
        (
            "long_chain",
            "locals {\n" + "".join(f"  v{i} = local.v{i + 1}\n" for i in range(3000)) + "  v3000 = 1\n}\n"
            'resource "azurerm_monitor_private_link_scope" "m" {\n  name = "x"\n'
            "  ingestion_access_mode = local.v0\n}\n",
        ),
    ],
)
def test_pathological_evaluation_is_bounded_and_unknown(tmp_path: Path, name: str, body: str, in_dir) -> None:
    _write(tmp_path, "main.tf", body)
    in_dir(tmp_path)
    started = time.perf_counter()
    report = scan(["."], ScanOptions(max_eval_steps=50_000))
    assert time.perf_counter() - started < 20
    assert report.errors == []
    # unknown values are never findings about the value: no access-mode finding
    assert "CKV_AMPLS_1" not in {f.check_id for f in report.findings}
    assert report.notes, "--verbose must say what stayed unknown"


def test_a_module_that_calls_itself_terminates(tmp_path: Path, in_dir) -> None:
    _write(tmp_path, "main.tf", 'module "again" {\n  source = "./"\n}\nmodule "loop" {\n  source = "./loop"\n}\n')
    _write(tmp_path, "loop/main.tf", 'module "back" {\n  source = "../loop"\n}\n' + GOOD_SCOPE)
    in_dir(tmp_path)
    started = time.perf_counter()
    report = scan(["."])
    assert time.perf_counter() - started < 10
    assert report.errors == []
    assert "CKV_AMPLS_1" in {f.check_id for f in report.findings}


def test_symlinks_never_lead_outside_the_root_or_round_a_loop(tmp_path: Path, in_dir) -> None:
    outside = tmp_path / "outside"
    _write(outside, "secret.tf", GOOD_SCOPE)
    root = tmp_path / "root"
    _write(root, "main.tf", GOOD_SCOPE.replace('"good"', '"inside"'))
    os.symlink(outside, root / "escape")
    os.symlink(outside / "secret.tf", root / "escape.tf")
    os.symlink(root, root / "loop")
    in_dir(root)
    report = scan(["."])
    assert {f.file for f in report.findings} == {"main.tf"}
    assert sorted(e.file for e in report.errors) == ["escape", "escape.tf"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_error(tmp_path: Path, in_dir) -> None:
    locked = _write(tmp_path, "locked.tf", GOOD_SCOPE)
    locked.chmod(0)
    _write(tmp_path, "main.tf", GOOD_SCOPE.replace('"good"', '"other"'))
    in_dir(tmp_path)
    report = scan(["."])
    assert [e.file for e in report.errors] == ["locked.tf"]


def test_remote_sources_and_file_functions_are_unknown_never_fetched(tmp_path: Path, in_dir) -> None:
    _write(
        tmp_path,
        "main.tf",
        """
module "remote" {
  source = "git::https://example.invalid/modules.git"
}
locals {
  mode = file("/etc/hostname")
  tpl  = templatefile("../../outside.tpl", {})
}
resource "azurerm_monitor_private_link_scope" "m" {
  name                  = "x"
  ingestion_access_mode = local.mode
  query_access_mode     = module.remote.mode
}
""",
    )
    in_dir(tmp_path)
    report = scan(["."])
    assert report.errors == []
    assert not {"CKV_AMPLS_1", "CKV_AMPLS_2"} & {f.check_id for f in report.findings}
    assert any("file()" in n.message for n in report.notes)


def test_permission_denied_is_an_error_even_when_running_as_root(tmp_path: Path, in_dir, monkeypatch) -> None:
    """Root reads any file, so the refusal is simulated where the scanner opens files."""
    _write(tmp_path, "locked.tf", GOOD_SCOPE)
    _write(tmp_path, "main.tf", GOOD_SCOPE.replace('"good"', '"other"'))
    real_open = os.open

    def guarded_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked.tf"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    in_dir(tmp_path)
    report = scan(["."])
    assert [(e.file, "Permission denied" in e.message) for e in report.errors] == [("locked.tf", True)]
    assert {f.file for f in report.findings} == {"main.tf"}


def test_prefilter_knows_every_resource_type_the_parsers_read() -> None:
    from ampls_checks.discover import TERRAFORM_TYPES
    from ampls_checks.parsers.terraform.resources import RELEVANT_TYPES

    assert sorted(TERRAFORM_TYPES) == sorted(RELEVANT_TYPES)


def test_the_bad_input_fixtures_each_give_one_error_naming_file_and_line(in_dir) -> None:
    """tests/fixtures/bad: truncated HCL, JSON and Bicep, invalid UTF-8, binary content, a BOM
    with CRLF line endings, an empty file and JSON that is not ARM (package.json, tsconfig.json
    with comments)."""
    from .conftest import FIXTURES

    in_dir(FIXTURES / "bad")
    report = scan(["."], ScanOptions(use_cache=False))
    errors = {e.file: (e.line, e.message) for e in report.errors}
    assert sorted(errors) == ["binary.tf", "invalid_utf8.tf", "truncated.bicep", "truncated.json", "truncated.tf"]
    assert errors["binary.tf"][1].startswith("binary content")
    assert errors["invalid_utf8.tf"][0] == 2 and "UTF-8" in errors["invalid_utf8.tf"][1]
    assert errors["truncated.tf"] == (3, "invalid HCL: unexpected end of file (an unclosed block, string or bracket?)")
    assert errors["truncated.json"][0] == 9
    assert errors["truncated.bicep"][0] == 5
    # truncated.tf shares bom_crlf.tf's module and may declare anything (the scope's endpoint):
    # the absence check CKV_AMPLS_13 is silent, what bom_crlf.tf itself says is still reported
    assert [(f.check_id, f.file, f.start_line) for f in report.findings] == [("CKV_AMPLS_1", "bom_crlf.tf", 3)]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "deep.json",
            '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",'
            ' "resources": ' + "[" * 100_000 + "]" * 100_000 + "}",
        ),
        (
            "deep.bicep",
            "var x = " + "(" * 5_000 + "1" + ")" * 5_000 + "\n"
            "resource s 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n  name: 'a'\n}\n",
        ),
        ("deep.tf", "locals {\n  x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n}\n"),
    ],
)
def test_extreme_nesting_is_an_error_or_unknown_never_a_crash(tmp_path: Path, name: str, content: str) -> None:
    _write(tmp_path, name, content)
    _write(tmp_path, "main.tf", GOOD_SCOPE)
    started = time.perf_counter()
    completed = _cli(tmp_path)
    assert time.perf_counter() - started < 60
    assert "Traceback" not in completed.stderr
    report = json.loads(completed.stdout)
    assert ("CKV_AMPLS_1", "main.tf") in {(f["check_id"], f["file"]) for f in report["findings"]}
    assert all(e["file"] != "<internal>" for e in report["errors"])


def test_prefilter_needles_cover_every_resource_type() -> None:
    from ampls_checks.discover import TERRAFORM_TOKENS, TERRAFORM_TYPES

    for type_ in TERRAFORM_TYPES:
        assert any(token.decode() in type_ for token in TERRAFORM_TOKENS), type_
