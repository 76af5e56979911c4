"""The pre-commit hook's index of module calls: what `stat` shows changed is read again, and the
planned units are the same as without the index."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ampls_checks.precommit import plan
from ampls_checks.speed import call_index
from ampls_checks.speed.cache import Cache
from ampls_checks.speed.call_index import CallIndex


def _age(path: Path, seconds: float = 10) -> None:
    """Make a file or directory look written `seconds` ago, so its record can be trusted."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _tree(root: Path) -> Path:
    (root / "live").mkdir(parents=True)
    (root / "modules" / "ampls").mkdir(parents=True)
    (root / "live" / "main.tf").write_text('module "a" {\n  source = "../modules/ampls"\n}\n')
    (root / "modules" / "ampls" / "main.tf").write_text('resource "x" "y" {}\n')
    for path in [*root.rglob("*"), root]:
        _age(path)
    return root


def _calls(index: CallIndex, root: Path) -> dict[str, list[str]]:
    _files, calls = index.walk([str(root)])
    return {os.path.relpath(d, root): sorted(os.path.relpath(t, root) for t in ts) for d, ts in calls.items()}


def test_unchanged_files_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "repo")
    index = CallIndex()
    assert _calls(index, root) == {"live": ["modules/ampls"]}
    assert index.changed

    opened: list[str] = []
    real_read = call_index.read_regular
    monkeypatch.setattr(call_index, "read_regular", lambda p, *a: opened.append(p) or real_read(p, *a))
    index.changed = False
    assert _calls(index, root) == {"live": ["modules/ampls"]}
    assert opened == []
    assert not index.changed


def test_a_changed_file_and_a_new_directory_are_seen(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    index = CallIndex()
    _calls(index, root)
    # an edit that keeps the size and the directory listing: only the file's time tells
    caller = root / "live" / "main.tf"
    caller.write_text(caller.read_text().replace("../modules/ampls", "../modules/xxxxx"))
    (root / "other").mkdir()
    (root / "other" / "main.tf").write_text('module "b" {\n  source = "../modules/ampls"\n}\n')
    assert _calls(index, root) == {"live": ["modules/xxxxx"], "other": ["modules/ampls"]}


def test_a_record_taken_just_after_a_write_is_not_trusted(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    caller = root / "live" / "main.tf"
    caller.write_text('module "a" {\n  source = "../modules/ampls"\n}\n')  # modified just now
    index = CallIndex()
    _calls(index, root)
    stamp = caller.stat().st_mtime_ns
    # rewritten within the clock's resolution: same size, same time
    caller.write_text('module "a" {\n  source = "../modules/bbbbb"\n}\n')
    os.utime(caller, ns=(stamp, stamp))
    assert _calls(index, root) == {"live": ["modules/bbbbb"]}


def test_removed_directories_leave_the_index(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    index = CallIndex()
    _calls(index, root)
    (root / "live" / "main.tf").unlink()
    (root / "live").rmdir()
    assert _calls(index, root) == {}
    assert str(root / "live") not in index.directories


def test_the_plan_is_the_same_with_a_kept_index(tmp_path: Path, in_dir) -> None:
    root = _tree(tmp_path / "repo")
    in_dir(root)
    cache = Cache(str(tmp_path / "cache"))
    without = plan(["modules/ampls/main.tf"])
    first = plan(["modules/ampls/main.tf"], cache=cache)
    second = plan(["modules/ampls/main.tf"], cache=cache)  # answered from the kept index
    assert without == first == second
    assert sorted(os.path.relpath(p, root) for p in second.files) == ["live/main.tf", "modules/ampls/main.tf"]


def test_linked_files_outside_the_roots_are_listed_but_never_read(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text('module "x" {\n  source = "./elsewhere"\n}\n')
    (root / "live" / "linked.tf").symlink_to(outside / "secret.tf")
    (root / "linked-dir").symlink_to(outside, target_is_directory=True)
    # a shared file linked into a root, the way monorepos share providers.tf, is read
    (root / "shared").mkdir()
    (root / "shared" / "calls.tf").write_text('module "s" {\n  source = "../modules/ampls"\n}\n')
    (root / "live" / "shared.tf").symlink_to(root / "shared" / "calls.tf")
    opened: list[str] = []
    real_read = call_index.read_regular
    monkeypatch.setattr(call_index, "read_regular", lambda p, *a: opened.append(p) or real_read(p, *a))
    files, calls = CallIndex().walk([str(root)])
    assert not any(path.endswith("linked.tf") or str(outside) in path for path in opened)
    assert str(root / "live" / "shared.tf") in opened
    assert sorted(os.path.relpath(p, root) for ps in files.values() for p in ps) == [
        os.path.join("live", "linked.tf"),
        os.path.join("live", "main.tf"),
        os.path.join("live", "shared.tf"),
        os.path.join("modules", "ampls", "main.tf"),
        os.path.join("shared", "calls.tf"),
    ]
    assert sorted(os.path.relpath(t, root) for t in calls[str(root / "live")]) == [os.path.join("modules", "ampls")]


def test_the_index_is_saved_when_what_it_knows_changed_not_for_each_edit(tmp_path: Path) -> None:
    """Saving the index costs as much as reading a few hundred files. An edit that leaves a
    file's calls as they were (the hook's usual case: the edited file, modified a moment ago, is
    read again next time anyway) does not make it worth saving; a changed call, a new file and
    more than SAVE_AFTER_REFRESHED files read again do."""
    root = _tree(tmp_path / "repo")
    index = CallIndex()
    _calls(index, root)
    module = root / "modules" / "ampls" / "main.tf"
    module.write_text('resource "x" "y" {\n  a = 1\n}\n')
    index.changed = False
    assert _calls(index, root) == {"live": ["modules/ampls"]}
    assert not index.changed

    caller = root / "live" / "main.tf"
    caller.write_text('module "a" {\n  source = "../modules/other"\n}\n')
    assert _calls(index, root) == {"live": ["modules/other"]}
    assert index.changed

    index.changed = False
    (root / "live" / "extra.tf").write_text("locals {}\n")
    _calls(index, root)
    assert index.changed

    many = root / "many"
    many.mkdir()
    for number in range(call_index.SAVE_AFTER_REFRESHED + 1):
        (many / f"f{number}.tf").write_text("locals {}\n")
    _calls(index, root)
    for number in range(call_index.SAVE_AFTER_REFRESHED + 1):
        (many / f"f{number}.tf").write_text("locals {\n}\n")
    index.changed = False
    _calls(index, root)
    assert index.changed
