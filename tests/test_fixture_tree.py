"""Scanning more files never hides a finding.

Every fixture case is a deployment of its own, and the whole fixture tree is an estate of such
deployments side by side. So one scan of the whole tree must hold each case to its
`expected.txt` exactly as the scan of the case alone does (test_check_fixtures.py), and the
pre-commit mode (`--changed-files`) over any fixture directory must report what the full scan
reports there. What ties two deployments together is only a resource whose full identity (type,
name, resource group) both name: cases therefore use their own resource group names, as
separate deployments would (`python -m tests.tag_fixture_groups` tags a new case's names).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ampls_checks.discover import SKIPPED_DIRS
from ampls_checks.model import Finding
from ampls_checks.precommit import plan, restrict
from ampls_checks.scan import ScanOptions, scan
from ampls_checks.speed.cache import Cache

from .conftest import FIXTURES
from .test_check_fixtures import CASES, _expected, _settings

SCANNED = (".tf", ".tfvars", ".bicep", ".json")


def _groups() -> dict[str, list[Path]]:
    """Cases by their settings (most have none): one whole-tree scan per distinct setting."""
    groups: dict[str, list[Path]] = {}
    for case in CASES:
        groups.setdefault(repr(_settings(case)), []).append(case)
    return groups


@pytest.mark.parametrize("settings_key", sorted(_groups()))
def test_one_scan_of_the_whole_tree_holds_every_case_to_its_expectation(settings_key: str, in_dir) -> None:
    cases = _groups()[settings_key]
    in_dir(FIXTURES)
    report = scan(["."], ScanOptions(settings=_settings(cases[0]), jobs=1))
    wrong = []
    for case in cases:
        prefix = case.relative_to(FIXTURES).as_posix() + "/"
        check_id = case.parent.name.upper()
        got = sorted(
            f"{f.check_id} {f.file[len(prefix) :]}:{f.start_line} {f.resource}"
            for f in report.findings
            if f.suppression is None and f.check_id == check_id and f.file.startswith(prefix)
        )
        if got != _expected(case):
            wrong.append(f"{prefix}: got {got}, expected {_expected(case)}")
    hint = "\n(a new case sharing a resource group name with another? run python -m tests.tag_fixture_groups)"
    assert wrong == [], "\n".join(wrong) + hint


def _directories() -> dict[str, list[str]]:
    """Every fixture directory holding files the scanner reads, with those files (not those in
    directories discovery skips: the Bicep module cache of bicep/registry/.bicep)."""
    found: dict[str, list[str]] = {}
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.name.endswith(SCANNED):
            relative = path.relative_to(FIXTURES)
            if SKIPPED_DIRS.intersection(relative.parts):
                continue
            found.setdefault(relative.parent.as_posix(), []).append(relative.as_posix())
    return found


def test_pre_commit_mode_agrees_with_the_full_scan_on_every_fixture_directory(in_dir, tmp_path: Path) -> None:
    """The hook's plan (which files to scan, where to report) and its scan, in this process:
    `scan_changed` is exactly `restrict(scan(plan.files), plan.directories)`. The call index is
    kept in a cache directory between runs, as the hook keeps it, so 360 plans take seconds.
    Every directory agrees, those whose findings depend on another root module of their case
    too (a hub root and a spoke root sharing zones, a rule sending to another deployment's
    workspace, a zone filled from another root): the hook scans the roots that name the changed
    unit's resource groups with it."""
    in_dir(FIXTURES)
    options = ScanOptions(jobs=1)
    full = scan(["."], options)
    index = Cache(str(tmp_path))

    def seen(findings: list[Finding]) -> list[tuple[str, str, int, str, str, bool]]:
        return sorted(
            (f.check_id, f.file, f.start_line, f.resource, f.message, f.suppression is None) for f in findings
        )

    directories = _directories()
    assert len(directories) > 300
    disagreements = []
    for directory, files in directories.items():
        work = plan(files, cache=index)
        assert work.files, directory
        hook = restrict(scan(work.files, options), work.directories)
        want = restrict(full, work.directories)
        if seen(hook.findings) != seen(want.findings) or hook.errors != want.errors:
            only_hook = sorted(set(seen(hook.findings)) - set(seen(want.findings)))
            only_full = sorted(set(seen(want.findings)) - set(seen(hook.findings)))
            disagreements.append(f"{directory}: only the hook {only_hook}; only the full scan {only_full}")
    assert disagreements == [], "\n".join(disagreements)
    assert os.getcwd() == str(FIXTURES)
