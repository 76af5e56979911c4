"""The parse cache and the process pool are optimisations: they must never change a result."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ampls_checks import scan as scan_module
from ampls_checks.discover import FileKind
from ampls_checks.scan import ScanOptions, ScanReport, scan
from ampls_checks.speed.cache import Cache
from ampls_checks.speed.stat_memo import StatMemo

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
    entries = list(cache_dir.rglob("*.json"))
    assert entries
    for number, entry in enumerate(entries):
        blob = entry.read_bytes()
        # truncate some, flip a payload byte in the others: both must be detected
        entry.write_bytes(blob[: len(blob) // 2] if number % 2 else blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    assert _outcome(scan(["."], options)) == expected


def test_cache_is_cleaned_down_to_its_size_limit(tmp_path: Path) -> None:
    cache = Cache(str(tmp_path / "cache"), max_bytes=10_000)
    for number in range(50):
        cache.put(cache.key(str(number)), StatMemo({"path": ((1, 2, 3, 4), 5, "x" * 1000)}))
    cache.clean()
    sizes = [p.stat().st_size for p in (tmp_path / "cache").rglob("*.json")]
    assert 0 < sum(sizes) <= 10_000


def _age_tree(root: Path, seconds: float = 30) -> None:
    then = time.time() - seconds
    for path in root.rglob("*"):
        os.utime(path, (then, then))


def test_a_warm_scan_reads_no_unchanged_file(tmp_path: Path, in_dir, monkeypatch) -> None:
    root = _tree(tmp_path)
    _age_tree(root)
    in_dir(root)
    options = ScanOptions(use_cache=True, cache_dir=str(tmp_path / "cache"), jobs=1)
    expected = _outcome(scan(["."], options))
    reads: list[str] = []
    real = scan_module.read_text
    monkeypatch.setattr(scan_module, "read_text", lambda c, limit: reads.append(c.display) or real(c, limit))
    assert _outcome(scan(["."], options)) == expected
    assert reads == []
    # the changed file is read first (for its hash); the others only because the result changed
    changed_file = os.path.join("examples", "terraform", "main.tf")
    (root / changed_file).write_text("# emptied\n")
    assert _outcome(scan(["."], options)) != expected
    assert reads[0] == changed_file and reads.count(changed_file) == 1


def test_an_edit_that_keeps_size_and_time_is_still_seen(tmp_path: Path, in_dir) -> None:
    root = tmp_path / "tree"
    shutil.copytree(REPO / "examples" / "terraform", root)
    _age_tree(root)
    in_dir(root)
    options = ScanOptions(use_cache=True, cache_dir=str(tmp_path / "cache"), jobs=1)
    before = scan(["."], options)
    assert "CKV_AMPLS_2" in {f.check_id for f in before.findings}
    module = root / "modules" / "ampls" / "main.tf"
    old = module.stat()
    text = module.read_text()
    module.write_text(text.replace('  query_access_mode     = "Open"', 'query_access_mode="PrivateOnly" '))
    os.utime(module, ns=(old.st_atime_ns, old.st_mtime_ns))  # same size, same modification time
    assert module.stat().st_size == old.st_size
    after = scan(["."], options)  # the change time still differs
    assert "CKV_AMPLS_2" not in {f.check_id for f in after.findings}


def test_bicep_files_are_split_by_module_graph_and_arm_by_directory(tmp_path: Path, in_dir) -> None:
    from ampls_checks.discover import discover
    from ampls_checks.scan import read_text
    from ampls_checks.units import plan_jobs

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.bicep").write_text("\ufeffmodule m './mod.bicep' = {\n  name: 'm'\n}\n")
    (tmp_path / "a" / "mod.bicep").write_text("param x string\n")
    (tmp_path / "a" / "remote.bicep").write_text("module r 'br/public:avm/res/x:1.0' = {\n  name: 'r'\n}\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "other.bicep").write_text("param y string\n")
    template = '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}'
    for directory in ("x", "y"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "azuredeploy.json").write_text(template)
    in_dir(tmp_path)
    found = discover(["."], [])
    by_kind: dict = {kind: [] for kind in FileKind}
    for candidate in found.files:
        data, _ = read_text(candidate, 1 << 20)
        by_kind[candidate.kind].append((candidate, data, data.decode("utf-8-sig")))
    jobs = {(job.kind, tuple(display for _r, display, _t in job.files)) for job in plan_jobs(by_kind)}
    join = os.path.join
    assert jobs == {
        ("bicep", (join("a", "main.bicep"), join("a", "mod.bicep"))),
        ("bicep", (join("a", "remote.bicep"),)),
        ("bicep", (join("b", "other.bicep"),)),
        ("arm", (join("x", "azuredeploy.json"),)),
        ("arm", (join("y", "azuredeploy.json"),)),
    }
