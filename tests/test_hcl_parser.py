"""The HCL parser snapshot: the same trees as lark's own parser, and never trusted when damaged."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from pathlib import Path

import pytest

from ampls_checks.parsers.terraform import hcl_parser as module
from ampls_checks.parsers.terraform.hcl_syntax import parse_hcl
from ampls_checks.speed import lark_snapshot

REPO = Path(__file__).resolve().parent.parent


def _fresh(cache_dir: Path):  # the lru_cache would hand back the first parser of the session
    return module.hcl_parser.__wrapped__(str(cache_dir))


def _snapshot(cache_dir: Path) -> Path:
    found = list((cache_dir / "parser").glob("hcl-*.pkl"))
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache_dir = tmp_path_factory.mktemp("parser-cache")
    _fresh(cache_dir)
    return cache_dir


def _shared() -> dict:
    import re

    return {"re": re, "postlexer": module._postlexer(module.python_hcl2_files())}


def _lark_parser():
    import lark

    files = module.python_hcl2_files()
    return lark.Lark.open(
        files.grammar, parser="lalr", propagate_positions=False, postlex=module._postlexer(files), cache=True
    )


def test_the_snapshot_parses_every_terraform_fixture_like_lark(built: Path) -> None:
    loaded = _fresh(built)
    assert type(loaded).__name__ == "ParsingFrontend"  # read from the snapshot, not rebuilt
    reference = _lark_parser()
    texts = [p.read_text() for p in sorted((REPO / "tests" / "fixtures" / "terraform").rglob("*.tf"))]
    assert len(texts) > 100
    for text in texts:
        assert loaded.parse(text + "\n") == reference.parse(text + "\n")


@pytest.mark.parametrize("damage", ["truncate", "flip", "checksum"])
def test_a_damaged_snapshot_is_never_used(built: Path, tmp_path: Path, damage: str) -> None:
    cache_dir = tmp_path / "cache"
    (cache_dir / "parser").mkdir(parents=True)
    original = _snapshot(built).read_bytes()
    target = cache_dir / "parser" / _snapshot(built).name
    if damage == "truncate":
        target.write_bytes(original[: len(original) // 2])
    elif damage == "flip":
        target.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    else:
        target.write_bytes(b"0" * 40 + original[40:])
    shared = _shared()
    assert lark_snapshot.load(str(target), shared) is None
    # the scan still parses: it builds a new parser and replaces the damaged snapshot
    parser = _fresh(cache_dir)
    assert parser.parse('a = "b"\n') is not None
    assert target.read_bytes() != original[: len(original) // 2]
    assert lark_snapshot.load(str(target), shared) is not None


def test_a_snapshot_naming_anything_but_lark_is_refused(tmp_path: Path) -> None:
    payload = pickle.dumps(os.system)  # what a planted pickle would use to run a command
    path = tmp_path / "planted.pkl"
    path.write_bytes(hashlib.blake2b(payload, digest_size=20).hexdigest().encode() + b"\n" + payload)
    shared = _shared()
    assert lark_snapshot.load(str(path), shared) is None
    with pytest.raises(pickle.UnpicklingError):
        lark_snapshot._Unpickler(io.BytesIO(payload), shared).load()


def test_an_unwritable_cache_directory_still_parses(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    parser = _fresh(blocker)
    assert parser.parse('a = "b"\n') is not None
    assert parse_hcl('resource "x" "y" {\n  a = 1\n}\n', str(blocker)).blocks[0].labels == ("x", "y")
