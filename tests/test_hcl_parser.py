"""The HCL parser snapshot: plain data, the same trees as lark's own parser, never trusted when
damaged, forged or not ours, and never lark's own pickle cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ampls_checks.parsers.terraform import hcl_parser as module
from ampls_checks.parsers.terraform.hcl_syntax import parse_hcl
from ampls_checks.speed import lark_snapshot
from ampls_checks.speed.cache_key import cache_key

REPO = Path(__file__).resolve().parent.parent


def _fresh(cache_dir: Path):  # the lru_cache would hand back the first parser of the session
    return module.hcl_parser.__wrapped__(str(cache_dir))


def _snapshot(cache_dir: Path) -> Path:
    found = list((cache_dir / "parser").glob("hcl-*.json"))
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache_dir = tmp_path_factory.mktemp("parser-cache")
    _fresh(cache_dir)
    return cache_dir


def _shared() -> dict:
    return {"postlexer": module._postlexer(module.python_hcl2_files())}


def _lark_parser():
    import lark

    files = module.python_hcl2_files()
    return lark.Lark.open(files.grammar, parser="lalr", propagate_positions=False, postlex=module._postlexer(files))


@pytest.fixture(scope="module")
def reference():
    return _lark_parser()


def _key() -> bytes:
    key, problem = cache_key()
    assert problem is None
    return key


def test_the_snapshot_parses_every_terraform_fixture_like_lark(built: Path, reference) -> None:
    loaded = _fresh(built)
    assert loaded.source_path == "<snapshot>"  # read from the snapshot, not rebuilt
    texts = [p.read_text() for p in sorted((REPO / "tests" / "fixtures" / "terraform").rglob("*.tf"))]
    assert len(texts) > 100
    for text in texts:
        assert loaded.parse(text + "\n") == reference.parse(text + "\n")


def test_the_snapshot_is_plain_json_and_no_pickle(built: Path) -> None:
    blob = _snapshot(built).read_bytes()
    assert blob.startswith(lark_snapshot.FORMAT)
    body = json.loads(blob[len(lark_snapshot.FORMAT) + 32 :])
    assert set(body) >= {"options", "memo", "table"}


@pytest.mark.parametrize("damage", ["truncate", "flip", "mac"])
def test_a_damaged_snapshot_is_never_used(built: Path, tmp_path: Path, damage: str) -> None:
    cache_dir = tmp_path / "cache"
    (cache_dir / "parser").mkdir(parents=True, mode=0o700)
    original = _snapshot(built).read_bytes()
    target = cache_dir / "parser" / _snapshot(built).name
    if damage == "truncate":
        target.write_bytes(original[: len(original) // 2])
    elif damage == "flip":
        target.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    else:
        start = len(lark_snapshot.FORMAT)
        target.write_bytes(original[:start] + b"0" * 32 + original[start + 32 :])
    damaged = target.read_bytes()
    shared = _shared()
    assert lark_snapshot.load(str(target), shared, _key()) is None
    # the scan still parses: it builds a new parser and replaces the damaged snapshot
    parser = _fresh(cache_dir)
    assert parser.parse('a = "b"\n') is not None
    assert target.read_bytes() != damaged
    assert lark_snapshot.load(str(target), shared, _key()) is not None


def test_a_snapshot_from_another_key_is_never_used(built: Path) -> None:
    assert lark_snapshot.load(str(_snapshot(built)), _shared(), b"k" * 32) is None


def test_an_unwritable_cache_directory_still_parses(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    parser = _fresh(blocker)
    assert parser.parse('a = "b"\n') is not None
    assert parse_hcl('resource "x" "y" {\n  a = 1\n}\n', str(blocker)).blocks[0].labels == ("x", "y")


def test_lark_is_never_asked_for_its_own_cache(tmp_path: Path, monkeypatch) -> None:
    """lark's `cache=True` keeps a pickle in the shared temporary directory: another local user
    could plant one there. A planted file in every place lark would look is never read."""
    import tempfile

    import lark

    real_init = lark.Lark.__init__
    asked: list[object] = []

    def spy(self, *args, **options):
        asked.append(options.get("cache"))
        return real_init(self, *args, **options)

    monkeypatch.setattr(lark.Lark, "__init__", spy)
    planted = Path(tempfile.gettempdir()) / "ampls-test-planted.lark-cache"
    marker = tmp_path / "ran"
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    planted.write_bytes(pickle.dumps(Payload()))
    try:
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        _fresh(blocker)  # no snapshot can be kept: built from the grammar
        assert asked and all(not cache for cache in asked)
        assert not marker.exists()
    finally:
        planted.unlink()
