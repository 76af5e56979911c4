"""Hostile input, one case per class of attack (tests/hostile_inputs.py writes them at test time):
each scan ends within the time limit and under 1 GB of address space, with findings or error
entries for the other files and never a traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ampls_checks.scan import scan
from tests.hostile_inputs import CASES, GOOD_SCOPE, run_case, verify

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource limits and FIFOs are POSIX")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case_ends_bounded_with_a_report(tmp_path: Path, name: str) -> None:
    root = tmp_path / name
    root.mkdir()
    expect = CASES[name](root)
    outcome = run_case(root, expect)
    verify(expect, outcome)


def test_a_fifo_swapped_in_after_discovery_is_an_error_not_a_hang(
    tmp_path: Path, in_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ampls_checks.scan as scan_module

    (tmp_path / "a.tf").write_text(GOOD_SCOPE)
    (tmp_path / "b.tf").write_text(GOOD_SCOPE.replace('"good"', '"other"'))
    discover = scan_module.discover

    def then_swap(paths, exclude=None):  # type: ignore[no-untyped-def]
        found = discover(paths, exclude)
        os.remove(tmp_path / "a.tf")
        os.mkfifo(tmp_path / "a.tf")  # nothing ever writes to it: a blocking open would hang
        return found

    monkeypatch.setattr(scan_module, "discover", then_swap)
    in_dir(tmp_path)
    report = scan(["."])
    assert [(e.file, e.message) for e in report.errors] == [("a.tf", "cannot read file: not a regular file")]
    assert {(f.check_id, f.file) for f in report.findings} == {("CKV_AMPLS_1", "b.tf"), ("CKV_AMPLS_13", "b.tf")}


def test_the_checkov_pack_answers_unknown_when_its_scan_fails(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from ampls_checks.checkov_pack import adapter

    def failing_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(adapter, "scan", failing_scan)
    session = adapter.PackSession()
    verdict = session.verdict("CKV_AMPLS_1", os.path.abspath("main.tf"), {}, "x")
    assert (verdict.failed, verdict.unknown) == (False, True)
    assert "RuntimeError: boom" in capsys.readouterr().err
