"""Per-file parses for the pre-commit hook: the same files as a plain parse, filled ahead of time
by a helper process that never prints and never changes a result."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ampls_checks.parsers.terraform.hcl_syntax import Body
from ampls_checks.parsers.terraform.parse import TfFile, parse_tf_file
from ampls_checks.speed.cache import Cache
from ampls_checks.speed.parsed_files import cached_parser, start_helper, wait_for_helper

from .conftest import REPO


def test_a_cached_parse_is_the_parse(tmp_path: Path) -> None:
    path = REPO / "examples" / "terraform" / "modules" / "ampls" / "main.tf"
    text = path.read_text()
    parse = cached_parser(str(tmp_path / "cache"))
    first = parse(str(path), "a.tf", text)
    again = parse(str(path), "b.tf", text)  # from the cache: the same body, this call's names
    plain = parse_tf_file(str(path), "b.tf", text)
    assert isinstance(first, TfFile) and isinstance(again, TfFile) and isinstance(plain, TfFile)
    assert again.body == plain.body == first.body
    assert (again.path, again.display) == (str(path), "b.tf")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs fork")
def test_the_helper_parses_the_changed_directories_into_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples" / "terraform", root)
    (root / "broken.tf").write_text('resource "x" {\n')
    cache_dir = str(tmp_path / "cache")
    pid = start_helper([str(root / "main.tf")], cache_dir, 10 * 1024 * 1024)
    assert pid is not None
    wait_for_helper(pid)
    cache = Cache(cache_dir)
    for name in ("main.tf", "variables.tf"):
        kept = cache.get(cache.key("hcl-body", (root / name).read_text()))
        assert isinstance(kept, Body)
    # not the module directory (not changed), and no entry for a file that does not parse
    assert cache.get(cache.key("hcl-body", (root / "modules" / "ampls" / "main.tf").read_text())) is None
    assert cache.get(cache.key("hcl-body", (root / "broken.tf").read_text())) is None


def test_nothing_is_started_for_files_that_are_not_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.bicep").write_text("param x string\n")
    assert start_helper([str(tmp_path / "main.bicep"), str(tmp_path / "missing.tf")], None, 100) is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs fork")
def test_the_hook_prints_the_same_with_and_without_the_helper(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples" / "terraform", root)

    def hook(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ampls_checks.cli", "--changed-files", "modules/ampls/main.tf", *extra],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )

    plain = hook("--no-cache")
    first = hook("--cache-dir", str(tmp_path / "cache"))
    second = hook("--cache-dir", str(tmp_path / "cache"))
    assert plain.returncode == first.returncode == second.returncode == 1
    assert "CKV_AMPLS_2" in plain.stdout
    assert plain.stdout == first.stdout == second.stdout
    assert plain.stderr == first.stderr == second.stderr == ""


def test_a_cache_directory_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples" / "terraform", root)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ampls_checks.cli", *args], cwd=root, capture_output=True, text=True, check=False
        )

    for args in (["."], ["--changed-files", "modules/ampls/main.tf"]):
        plain = run(*args, "--no-cache")
        blocked = run(*args, "--cache-dir", str(blocker / "cache"))
        assert plain.returncode == blocked.returncode == 1
        assert plain.stdout == blocked.stdout and "CKV_AMPLS_2" in plain.stdout
        assert blocked.stderr == ""
