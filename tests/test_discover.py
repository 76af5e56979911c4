"""Specification of file discovery and of reading what it finds.

Discovery walks the given roots only: it skips tool directories (`.terraform`, `.git`,
`node_modules`), honours `--exclude`, walks a symlink loop once, never follows a symlink out of
the roots, and reports (never crashes on) files it cannot read or decode. Trees are built in a
temporary directory at test time, because symlinks, permissions, byte-exact encodings and `.git`
directories do not survive a checkout reliably.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.discover import discover
from ampls_checks.scan import ScanOptions, scan

SCOPE = """resource "azurerm_monitor_private_link_scope" "ampls" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = "Open"
  query_access_mode     = "PrivateOnly"
}
"""


def write(root: Path, name: str, content: str | bytes = SCOPE) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def walked(*paths: str, exclude: list[str] | None = None) -> list[str]:
    return [c.display for c in discover(list(paths), exclude).files]


def ingestion_findings(report: Any) -> list[tuple[str, int]]:
    return [(f.file, f.start_line) for f in report.findings if f.check_id == "CKV_AMPLS_1"]


# ---------------------------------------------------------------------------------------------
# What is walked
# ---------------------------------------------------------------------------------------------


def test_tool_directories_are_skipped(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "main.tf")
    for skipped in (".terraform/modules/x", ".git/hooks", "node_modules/pkg", ".terragrunt-cache/abc"):
        write(tmp_path, f"{skipped}/main.tf")
    write(tmp_path, "envs/my.terraform.d/main.tf")  # only the exact names are skipped
    in_dir(tmp_path)
    assert walked(".") == ["envs/my.terraform.d/main.tf", "main.tf"]


def test_only_infrastructure_file_types_are_candidates(tmp_path: Path, in_dir: Any) -> None:
    names = ("main.tf", "terraform.tfvars", "azuredeploy.json", "main.bicep", "main.bicepparam", "README.md", "x.py")
    for name in names:
        write(tmp_path, name)
    write(tmp_path, "main.tf.json", "{}")  # Terraform JSON syntax: not an ARM template
    in_dir(tmp_path)
    assert walked(".") == ["azuredeploy.json", "main.bicep", "main.bicepparam", "main.tf", "terraform.tfvars"]


def test_overlapping_roots_list_each_file_once(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "infra/main.tf")
    in_dir(tmp_path)
    assert walked(".", "infra", "infra/main.tf") == ["infra/main.tf"]


def test_a_file_given_directly_is_scanned(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "infra/main.tf")
    write(tmp_path, "infra/other.tf")
    in_dir(tmp_path)
    assert walked("infra/main.tf") == ["infra/main.tf"]


def test_a_missing_path_is_an_error(tmp_path: Path, in_dir: Any) -> None:
    in_dir(tmp_path)
    found = discover(["nowhere"])
    assert found.files == []
    assert [(e.file, e.message) for e in found.errors] == [("nowhere", "no such file or directory")]


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["legacy"], ["main.tf", "prod/main.tf", "prod/zz.auto.tfvars"]),  # a directory name, anywhere
        (["prod/*"], ["legacy/main.tf", "main.tf"]),  # a path glob, relative to the working directory
        (["*.auto.tfvars"], ["legacy/main.tf", "main.tf", "prod/main.tf"]),  # a file-name glob
        (["legacy", "prod"], ["main.tf"]),  # repeatable
    ],
)
def test_exclude_globs_match_names_and_paths(
    tmp_path: Path, in_dir: Any, patterns: list[str], expected: list[str]
) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "legacy/main.tf")
    write(tmp_path, "prod/main.tf")
    write(tmp_path, "prod/zz.auto.tfvars", 'mode = "Open"\n')
    in_dir(tmp_path)
    assert walked(".", exclude=patterns) == expected


@pytest.mark.parametrize("pattern", ["legacy/", "./legacy"])
def test_exclude_accepts_a_directory_written_as_a_path(tmp_path: Path, in_dir: Any, pattern: str) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "legacy/main.tf")
    in_dir(tmp_path)
    assert walked(".", exclude=[pattern]) == ["main.tf"]


def test_exclude_from_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "legacy/main.tf")
    completed = subprocess.run(
        [sys.executable, "-m", "ampls_checks.cli", ".", "--no-cache", "--check", "CKV_AMPLS_1", "--exclude", "legacy"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.stdout.splitlines()[0].startswith("main.tf:4: CKV_AMPLS_1 [HIGH]")
    assert completed.stdout.splitlines()[-1] == "1 finding, 0 errors in 1 file"


# ---------------------------------------------------------------------------------------------
# Symlinks
# ---------------------------------------------------------------------------------------------


def test_a_symlink_loop_is_walked_once(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "a/b/inner.tf")
    os.symlink(tmp_path, tmp_path / "loop")
    os.symlink("../..", tmp_path / "a" / "b" / "up")
    in_dir(tmp_path)
    started = time.perf_counter()
    found = discover(["."])
    assert time.perf_counter() - started < 2
    assert [c.display for c in found.files] == ["a/b/inner.tf", "main.tf"]
    assert found.errors == []


def test_a_symlink_to_a_directory_inside_the_root_is_walked_once(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "modules/scope/main.tf")
    os.symlink("modules", tmp_path / "zz-alias")
    in_dir(tmp_path)
    found = discover(["."])
    assert [c.display for c in found.files] == ["modules/scope/main.tf"]
    assert found.errors == []


def test_a_symlink_out_of_the_root_is_reported_and_not_followed(tmp_path: Path, in_dir: Any) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.tf")
    root = tmp_path / "root"
    write(root, "main.tf")
    os.symlink(outside, root / "escape")
    os.symlink(outside / "secret.tf", root / "escape.tf")
    in_dir(root)
    report = scan(["."], ScanOptions())
    assert sorted((e.file, "outside the scanned roots" in e.message) for e in report.errors) == [
        ("escape", True),
        ("escape.tf", True),
    ]
    assert {f.file for f in report.findings} == {"main.tf"}


def test_a_dangling_symlink_named_like_terraform_is_an_error(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "main.tf")
    os.symlink("missing.tf", tmp_path / "gone.tf")
    in_dir(tmp_path)
    found = discover(["."])
    assert [c.display for c in found.files] == ["main.tf"]
    assert [e.file for e in found.errors] == ["gone.tf"]


def test_a_dangling_symlink_that_is_not_an_input_is_ignored(tmp_path: Path, in_dir: Any) -> None:
    # Repositories keep links to build output that is not there in a fresh checkout; they are
    # not infrastructure files, so they must not turn a clean scan into exit code 2.
    write(tmp_path, "main.tf")
    os.symlink("build/html", tmp_path / "docs-latest")
    os.symlink("missing/README.md", tmp_path / "README.md")
    in_dir(tmp_path)
    assert discover(["."]).errors == []


# ---------------------------------------------------------------------------------------------
# Reading and decoding
# ---------------------------------------------------------------------------------------------


def test_a_binary_tf_file_is_an_error_and_the_others_are_scanned(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "blob.tf", b"azurerm_private_endpoint\x00\x01\x02" * 100)
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert [(e.file, "binary" in e.message) for e in report.errors] == [("blob.tf", True)]
    assert ingestion_findings(report) == [("main.tf", 4)]


def test_invalid_utf8_is_an_error_naming_the_file_and_line(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, "latin1.tf", SCOPE.replace('"rg"', '"r\xe9sources"').encode("latin-1"))
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert [(e.file, e.line, "UTF-8" in e.message) for e in report.errors] == [("latin1.tf", 3, True)]
    assert ingestion_findings(report) == [("main.tf", 4)]


def test_bom_and_crlf_line_endings_keep_the_right_lines(tmp_path: Path, in_dir: Any) -> None:
    text = "# comment\r\n\r\n" + SCOPE.replace("\n", "\r\n")
    write(tmp_path, "main.tf", b"\xef\xbb\xbf" + text.encode("utf-8"))
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    assert ingestion_findings(report) == [("main.tf", 6)]


def test_crlf_inside_a_multi_line_expression_keeps_later_lines(tmp_path: Path, in_dir: Any) -> None:
    text = SCOPE.replace('  name                  = "ampls"\n', '  name = join("", [\n    "amp",\n    "ls",\n  ])\n')
    write(tmp_path, "main.tf", text.replace("\n", "\r\n").encode("utf-8"))
    in_dir(tmp_path)
    assert ingestion_findings(scan(["."], ScanOptions())) == [("main.tf", 7)]


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "/* block\ncomment */\n", "\ufeff"])
def test_an_empty_or_comment_only_tf_file_is_fine(tmp_path: Path, in_dir: Any, content: str) -> None:
    write(tmp_path, "empty.tf", content)
    write(tmp_path, "main.tf")
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    assert ingestion_findings(report) == [("main.tf", 4)]


def test_a_file_the_prefilter_rejects_is_not_parsed(tmp_path: Path, in_dir: Any) -> None:
    # Nothing in it names a resource the checks read: a monorepo's unrelated files cost nothing,
    # even when they are not valid HCL.
    write(tmp_path, "unrelated.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n')
    write(tmp_path, "main.tf")
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    assert (report.files_scanned, report.files_parsed) == (2, 1)


def test_an_unreadable_file_is_an_error_and_the_others_are_scanned(tmp_path: Path, in_dir: Any) -> None:
    locked = write(tmp_path, "locked.tf")
    write(tmp_path, "main.tf")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("file permissions do not apply to this user (root)")
        in_dir(tmp_path)
        report = scan(["."], ScanOptions())
    finally:
        locked.chmod(0o644)
    assert [(e.file, "cannot read" in e.message) for e in report.errors] == [("locked.tf", True)]
    assert ingestion_findings(report) == [("main.tf", 4)]


def test_an_unreadable_directory_is_an_error_and_the_others_are_scanned(tmp_path: Path, in_dir: Any) -> None:
    write(tmp_path, "locked/main.tf")
    write(tmp_path, "main.tf")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("directory permissions do not apply to this user (root)")
        in_dir(tmp_path)
        report = scan(["."], ScanOptions())
    finally:
        locked.chmod(0o755)
    assert [(e.file, "cannot read" in e.message) for e in report.errors] == [("locked", True)]
    assert ingestion_findings(report) == [("main.tf", 4)]


def test_permission_denied_is_an_error_entry_even_when_running_as_root(
    tmp_path: Path, in_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same behaviour as above, with the denial simulated so that it is tested as root too.
    write(tmp_path, "locked.tf")
    write(tmp_path, "main.tf")
    real_open = os.open

    def denying_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("locked.tf"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    in_dir(tmp_path)
    monkeypatch.setattr(os, "open", denying_open)  # files are read through os.open (read_regular)
    report = scan(["."], ScanOptions())
    monkeypatch.setattr(os, "open", real_open)
    assert [(e.file, e.message) for e in report.errors] == [("locked.tf", "cannot read file: Permission denied")]
    assert ingestion_findings(report) == [("main.tf", 4)]
