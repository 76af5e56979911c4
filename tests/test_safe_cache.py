"""What the tool reads from and writes to its cache can neither run code nor destroy data.

Every hostile input here is generated at test time. A payload that would run, runs
`touch MARKER`; each test asserts the marker never appears and the scan's result is unchanged.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ampls_checks.cli import main
from ampls_checks.model import ParseResult
from ampls_checks.parsers import JobSettings
from ampls_checks.parsers import parse_job as run_job
from ampls_checks.scan import ScanOptions, ScanReport, scan
from ampls_checks.speed import plain, safe_files
from ampls_checks.speed.cache import Cache
from ampls_checks.speed.cache_key import ENVIRONMENT_VARIABLE

from .conftest import FIXTURES, REPO

POSIX = pytest.mark.skipif(not hasattr(os, "getuid"), reason="owners and modes are POSIX")


class _Payload:
    """Pickles to a call of os.system: what a planted pickle would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _outcome(report: ScanReport) -> tuple[list[tuple], list[tuple]]:
    findings = [(f.check_id, f.file, f.start_line, f.resource, f.message) for f in report.findings]
    return findings, [(e.file, e.line, e.message) for e in report.errors]


@pytest.fixture
def project(tmp_path: Path, in_dir) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "terraform", root)
    in_dir(root)
    return root


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*.json") if p.parent.name != "parser")


def _sign(cache: Cache, path: Path, body: bytes) -> None:
    """Write `body` as the entry at `path`, with a valid MAC: what only a holder of the key can
    do. It shows the decoder holds on its own, whoever wrote the entry."""
    key = path.stem
    cache._check()
    path.write_bytes(b"AMPLSC2\n" + cache._mac(key, body) + body)


def _crafted_bodies(marker: Path) -> dict[str, bytes]:
    finding_with_wrong_types = {"Finding": [1, 2, "HIGH", None, 5, "x", 7, "m", "g", 0, 0, None]}
    return {
        "pickle": pickle.dumps(_Payload(marker)),
        "pickle-named-scan": b"scan\n" + pickle.dumps(_Payload(marker)),
        "wrong-types": b"scan\n" + json.dumps([[finding_with_wrong_types], [], [], 0]).encode(),
        "wrong-root": b"ParseResult\n" + json.dumps({"ParseResult": ["not a list", [], []]}).encode(),
        "unknown-class": b"ParseResult\n" + json.dumps({"Popen": [["touch", str(marker)]]}).encode(),
        "class-outside-the-field-type": b"ParseResult\n" + json.dumps({"Unknown": ["x"]}).encode(),
        "bool-for-int": b"scan\n" + json.dumps([[], [], [], True]).encode(),
        "deeply-nested": b"scan\n" + b"[" * 200_000 + b"]" * 200_000,
        "huge": b"StatMemo\n" + json.dumps({"StatMemo": [{"p": [[1, 2, 3, 4], 5, "x" * 4_000_000]}, 7]}).encode(),
        "huge-int": b"scan\n" + b"[[],[],[]," + b"9" * 5000 + b"]",
        "not-json": b"scan\n\xff\xfe",
        "no-root": b"{}",
    }


def test_crafted_entries_with_a_valid_mac_run_nothing_and_change_nothing(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    assert expected[0], "the example has findings"
    entries = _entries(cache_dir)
    assert entries
    marker = tmp_path / "ran"
    cache = Cache(str(cache_dir))
    for name, body in _crafted_bodies(marker).items():
        for entry in entries:
            _sign(cache, entry, body)
        assert _outcome(scan(["."], options)) == expected, name
        assert not marker.exists(), name
        entries = _entries(cache_dir)


def test_an_entry_without_our_mac_is_ignored_even_when_it_fits(project: Path, tmp_path: Path) -> None:
    """A well-formed entry saying "no findings", written by someone without the key (a restored
    CI cache, a checkout), is not read: it cannot hide a finding."""
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    empty = b"scan\n" + plain.dumps(([], [], [], 0))
    forged = {
        "unkeyed-checksum": hashlib.blake2b(empty, digest_size=32).digest(),
        "another-key": hashlib.blake2b(b"k", key=b"another key", digest_size=32).digest(),
    }
    for name, mac in forged.items():
        for entry in _entries(cache_dir):
            entry.write_bytes(b"AMPLSC2\n" + mac + empty)
        assert _outcome(scan(["."], options)) == expected, name


def test_old_pickle_entries_are_never_read_and_are_cleaned(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Payload(marker))
    old_format = b"AMPLSC1\n" + hashlib.blake2b(payload, digest_size=32).digest() + payload
    planted = []
    for entry in _entries(cache_dir):
        old = entry.with_suffix(".pkl")
        old.write_bytes(old_format)  # the previous versions' name and format for the same key
        planted.append(old)
        entry.unlink()
    assert _outcome(scan(["."], options)) == expected
    assert not marker.exists()
    Cache(str(cache_dir)).clean()
    assert not any(p.exists() for p in planted)


def test_every_cached_type_round_trips_exactly() -> None:
    """The decoder rebuilds what the parsers produced, field for field, for every kind of job."""
    from ampls_checks.discover import discover
    from ampls_checks.scan import read_text
    from ampls_checks.units import plan_jobs

    found = discover([str(REPO / "examples"), str(FIXTURES / "terraform" / "ckv_ampls_6")])
    by_kind: dict = {}
    for candidate in found.files:
        data, _error = read_text(candidate, 10_000_000)
        if data is not None:
            by_kind.setdefault(candidate.kind, []).append((candidate, data, data.decode("utf-8-sig")))
    from ampls_checks.discover import FileKind

    jobs = plan_jobs({kind: by_kind.get(kind, []) for kind in FileKind})
    assert {job.kind for job in jobs} == {"terraform", "arm", "bicep"}
    entities = 0
    for job in jobs:
        result = run_job(job, JobSettings())
        again = plain.loads(plain.dumps(result), ParseResult)
        assert again == result
        entities += len(result.entities)
    assert entities > 50


@POSIX
def test_a_group_writable_cache_directory_is_not_used_and_said_once(project: Path, tmp_path: Path, capsys) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    os.chmod(cache_dir, 0o775)
    code = main([".", "--cache-dir", str(cache_dir), "--verbose"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("is not used") == 1
    assert "writable by group or others" in err
    assert list(cache_dir.iterdir()) == []
    # the same scan from a directory that is the user's alone uses it
    os.chmod(cache_dir, 0o700)
    assert main([".", "--cache-dir", str(cache_dir)]) == 1
    assert _entries(cache_dir)


@POSIX
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="changing an owner needs root")
def test_an_entry_owned_by_someone_else_is_not_read(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    cache = Cache(str(cache_dir))
    empty = b"scan\n" + plain.dumps(([], [], [], 0))
    for entry in _entries(cache_dir):
        _sign(cache, entry, empty)  # would hide every finding, if it were read
        os.chown(entry, 4242, 4242)
    assert _outcome(scan(["."], options)) == expected


@POSIX
def test_a_group_writable_entry_is_not_read(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    cache = Cache(str(cache_dir))
    empty = b"scan\n" + plain.dumps(([], [], [], 0))
    for entry in _entries(cache_dir):
        _sign(cache, entry, empty)
        os.chmod(entry, 0o666)
    assert _outcome(scan(["."], options)) == expected


def test_a_last_cleaned_link_never_touches_its_target(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    old = time.time() - 3600
    os.utime(victim, (old, old))
    (cache_dir / "last-cleaned").symlink_to(victim)
    scan(["."], ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1))
    assert victim.read_text() == "precious\n"
    assert not (cache_dir / "last-cleaned").is_symlink()


def test_entry_paths_that_are_links_are_neither_read_nor_written_through(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    expected = _outcome(scan(["."], options))
    victims = []
    for number, entry in enumerate(_entries(cache_dir)):
        victim = tmp_path / f"victim-{number}"
        shutil.copy(entry, victim)  # a genuine entry, so that following the link would "work"
        entry.unlink()
        entry.symlink_to(victim)
        victims.append((victim, victim.read_bytes()))
    reads: list[str] = []
    real = safe_files.read_own_file

    def spy(path: str, *args, **kwargs):
        result = real(path, *args, **kwargs)
        if result is not None:
            reads.append(path)
        return result

    import ampls_checks.speed.safe_files as module

    module.read_own_file = spy
    try:
        assert _outcome(scan(["."], options)) == expected
    finally:
        module.read_own_file = real
    assert not [r for r in reads if r.endswith(".json") and "/parser/" not in r]
    for victim, content in victims:
        assert victim.read_bytes() == content  # the rewrite replaced the link, not the file
    assert not any(p.is_symlink() for p in _entries(cache_dir))


def test_a_linked_bucket_directory_is_not_used(tmp_path: Path) -> None:
    cache = Cache(str(tmp_path / "cache"))
    key = cache.key("x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "cache").mkdir(mode=0o700)
    (tmp_path / "cache" / key[:2]).symlink_to(elsewhere)
    cache.put(key, ParseResult())
    assert list(elsewhere.iterdir()) == []
    assert cache.get(key) is None


def test_a_full_disk_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    cache = Cache(str(cache_dir))
    cache.put(cache.key("first"), ParseResult())  # the directories exist; the key is read
    assert cache.writes == 1
    real_write = os.write

    def full(fd: int, data) -> int:
        if len(data) > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    cache.put(cache.key("second"), ParseResult(errors=[]))
    monkeypatch.undo()
    assert cache.writes == 1
    names = [p.name for p in cache_dir.rglob("*") if p.is_file()]
    assert len(names) == 1 and names[0].endswith(".json")
    assert cache.get(cache.key("second")) is None


def test_a_short_environment_key_disables_the_cache(project: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "short")
    cache_dir = tmp_path / "cache"
    assert main([".", "--cache-dir", str(cache_dir), "--verbose"]) == 1
    assert capsys.readouterr().err.count("shorter than 16") == 1
    assert not cache_dir.exists() or _entries(cache_dir) == []


def test_entries_written_with_one_key_are_ignored_with_another(project: Path, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    options = ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1)
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "the protected branch's secret")
    expected = _outcome(scan(["."], options))
    empty = b"scan\n" + plain.dumps(([], [], [], 0))
    cache = Cache(str(cache_dir))
    for entry in _entries(cache_dir):
        _sign(cache, entry, empty)  # as a pipeline holding that key could
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "a pull request's own key, not the secret")
    assert _outcome(scan(["."], options)) == expected


@POSIX
def test_a_key_file_others_can_read_is_not_used(tmp_path: Path, monkeypatch) -> None:
    from ampls_checks.speed.cache_key import cache_key, key_file

    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key, problem = cache_key()
    assert problem is None and len(key) == 32
    assert cache_key()[0] == key  # kept
    assert os.stat(key_file()).st_mode & 0o077 == 0
    os.chmod(key_file(), 0o644)
    key, problem = cache_key()
    assert key == b"" and problem is not None and "readable by others" in problem


def test_a_crafted_parser_table_runs_nothing_and_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    from ampls_checks.parsers.terraform import hcl_parser as module
    from ampls_checks.speed import lark_snapshot
    from ampls_checks.speed.cache_key import cache_key

    cache_dir = tmp_path / "cache"
    text = (REPO / "examples" / "terraform" / "main.tf").read_text()
    expected = module.hcl_parser.__wrapped__(str(cache_dir)).parse(text)
    (snapshot,) = (cache_dir / "parser").glob("hcl-*.json")
    original = snapshot.read_bytes()
    good = json.loads(original[len(lark_snapshot.FORMAT) + 32 :])
    marker = tmp_path / "ran"
    crafted = {
        "pickle": pickle.dumps(_Payload(marker)),
        "foreign-type": json.dumps({**good, "postlexer": {"__type__": "Popen", "args": ["touch", str(marker)]}}),
        "object-as-terminal": json.dumps({**good, "terminals": [{"__type__": "X"}, *good["terminals"][1:]]}),
        "bad-rule": json.dumps({**good, "rules": [["start", "not a size", "start", False, None, 0]]}),
        "keep-out-of-range": json.dumps({**good, "rules": [["start", 1, "start", False, [[5, False, 0]], 0]]}),
        "terminal-out-of-range": json.dumps({**good, "lexer_states": [[[10_000], []]] * len(good["lexer_states"])}),
        "action-out-of-range": json.dumps({**good, "codes": ["I", "/////w=="]}),
        "packed-garbage": json.dumps({**good, "token_ids": ["B", "!!"]}),
        "unknown-ignored": json.dumps({**good, "ignore": ["NOT_A_TERMINAL"]}),
        "deeply-nested": "[" * 100_000 + "]" * 100_000,
    }
    key, _problem = cache_key()
    for name, body in crafted.items():
        data = body if isinstance(body, bytes) else body.encode()
        snapshot.write_bytes(lark_snapshot.FORMAT + lark_snapshot._mac(key, data) + data)
        assert lark_snapshot.load(str(snapshot), key) is None, name
        assert module.hcl_parser.__wrapped__(str(cache_dir)).parse(text) == expected, name
        assert not marker.exists(), name


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs fork")
def test_the_pre_commit_helper_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "x" "y" {}\n')
    script = f"""
import sys, time
from ampls_checks.speed import parsed_files
parsed_files._parse_into_cache = lambda *args: time.sleep(60)  # a helper that would outlive us
pid = parsed_files.start_helper([{str(tmp_path / "main.tf")!r}], {str(tmp_path / "cache")!r}, 1000000)
print(pid, flush=True)
time.sleep(60)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=REPO)
    assert parent.stdout is not None
    helper = int(parent.stdout.readline())
    time.sleep(0.3)
    assert _alive(helper)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 5
    while _alive(helper) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(helper)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] not in "ZX"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def test_results_are_the_same_when_the_cache_directory_is_refused(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    expected = _outcome(scan(["."], ScanOptions(jobs=1)))
    if hasattr(os, "getuid"):
        os.chmod(cache_dir, 0o777)
    report = scan(["."], ScanOptions(use_cache=True, cache_dir=str(cache_dir), jobs=1))
    assert _outcome(report) == expected
    if hasattr(os, "getuid"):
        assert [n.message for n in report.notes if n.file == "<cache>"] == [
            f"cache directory {cache_dir} is not used: writable by group or others"
        ]


def test_indexes_stored_as_columns_round_trip_and_reject_what_does_not_fit() -> None:
    from ampls_checks.speed.call_index import CallIndex, _Listing
    from ampls_checks.speed.stat_memo import StatMemo

    files = StatMemo({"/r/a.tf": ((1, 2, 3, 4), 5, ("/r/m",)), "/r/b.tf": ((6, 7, 8, 9), 10, ())}, True)
    index = CallIndex({"/r": _Listing((1, 2, 3, 4), 5, ("m",), ("a.tf", "b.tf"))}, files, False)
    assert plain.loads(plain.dumps(index), CallIndex) == index
    digests = StatMemo({"a.tf": ((1, 2, 3, 4), 5, "ab" * 20)})
    assert plain.loads(plain.dumps(digests), StatMemo) == digests
    good = json.loads(plain.dumps(digests))["StatMemo"]
    crafted = [
        [good[0], good[1][:3], good[2], good[3], good[4]],  # a stamp short
        [good[0], [*good[1][:3], "4"], good[2], good[3], good[4]],  # a string for a number
        [good[0], [*good[1][:3], True], good[2], good[3], good[4]],  # a boolean for a number
        [good[0], good[1], good[2], [{"Popen": ["x"]}], good[4]],  # an object for a value
        [good[0] * 2, good[1] * 2, good[2] * 2, good[3] * 2, good[4]],  # one path twice
        [good[0], good[1], good[2], good[3], "yes"],
        good[:4],
    ]
    for columns in crafted:
        with pytest.raises(plain.PlainDataError):
            plain.loads(json.dumps({"StatMemo": columns}).encode(), StatMemo)
    with pytest.raises(plain.PlainDataError):
        plain.loads(json.dumps({"StatMemo": good}).encode(), CallIndex)  # another class than asked
