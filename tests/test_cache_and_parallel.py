"""The parse cache and the process pool are optimisations: they must never change a result."""

from __future__ import annotations

import shutil
from pathlib import Path

from ampls_checks.cache import Cache
from ampls_checks.scan import ScanOptions, ScanReport, scan

from .conftest import FIXTURES, REPO


def _outcome(report: ScanReport) -> tuple[list[tuple], list[tuple]]:
    findings = [
        (f.check_id, f.file, f.start_line, f.end_line, f.resource, f.message, f.suppression) for f in report.findings
    ]
    errors = [(e.file, e.line, e.message) for e in report.errors]
    return findings, errors


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES / "terraform", root / "terraform")
    shutil.copytree(REPO / "examples", root / "examples")
    return root


def test_cold_warm_and_parallel_scans_agree(tmp_path: Path, in_dir) -> None:
    root = _tree(tmp_path)
    in_dir(root)
    cache_dir = str(tmp_path / "cache")
    plain = _outcome(scan(["."], ScanOptions(jobs=1)))
    cold = _outcome(scan(["."], ScanOptions(use_cache=True, cache_dir=cache_dir, jobs=1)))
    warm = _outcome(scan(["."], ScanOptions(use_cache=True, cache_dir=cache_dir, jobs=1)))
    parallel = _outcome(scan(["."], ScanOptions(jobs=2)))
    assert plain[0], "the fixtures have findings"
    assert cold == plain
    assert warm == plain
    assert parallel == plain


def test_a_changed_file_is_never_answered_from_the_cache(tmp_path: Path, in_dir) -> None:
    root = tmp_path / "one"
    shutil.copytree(REPO / "examples" / "terraform", root)
    in_dir(root)
    options = ScanOptions(use_cache=True, cache_dir=str(tmp_path / "cache"))
    before = scan(["."], options)
    assert "CKV_AMPLS_2" in {f.check_id for f in before.findings}
    module = root / "modules" / "ampls" / "main.tf"
    module.write_text(
        module.read_text().replace('query_access_mode     = "Open"', 'query_access_mode     = "PrivateOnly"')
    )
    after = scan(["."], options)
    assert "CKV_AMPLS_2" not in {f.check_id for f in after.findings}


def test_corrupt_cache_entries_are_ignored(tmp_path: Path, in_dir) -> None:
    root = tmp_path / "one"
    shutil.copytree(REPO / "examples" / "terraform", root)
    in_dir(root)
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir))
    expected = _outcome(scan(["."], options))
    entries = list(cache_dir.rglob("*.pkl"))
    assert entries
    for number, entry in enumerate(entries):
        blob = entry.read_bytes()
        # truncate some, flip a payload byte in the others: both must be detected
        entry.write_bytes(blob[: len(blob) // 2] if number % 2 else blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    assert _outcome(scan(["."], options)) == expected


def test_cache_is_cleaned_down_to_its_size_limit(tmp_path: Path) -> None:
    cache = Cache(str(tmp_path / "cache"), max_bytes=10_000)
    for number in range(50):
        cache.put(cache.key(str(number)), "x" * 1000)
    cache.clean()
    sizes = [p.stat().st_size for p in (tmp_path / "cache").rglob("*.pkl")]
    assert 0 < sum(sizes) <= 10_000
