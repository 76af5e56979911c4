"""The HCL parser snapshot: plain data run by our own LALR runtime, the same trees, tokens,
places and errors as lark's own parser, never trusted when damaged, forged or not ours, never
lark's own pickle cache, and no lark import once the snapshot exists."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from ampls_checks.parsers.terraform import hcl_parser as module
from ampls_checks.parsers.terraform import lalr
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


def test_the_snapshot_parses_every_terraform_file_like_lark(built: Path, reference) -> None:
    """Trees, token types and texts, lines and columns (lark's and ours, compared through
    `lark_snapshot.shape`), on every .tf file of the repository."""
    loaded = _fresh(built)
    assert isinstance(loaded, lalr.Parser)  # read from the snapshot, not rebuilt by lark
    texts = []
    for path in sorted([*(REPO / "tests").rglob("*.tf"), *(REPO / "examples").rglob("*.tf")]):
        try:
            texts.append(path.read_text())
        except UnicodeDecodeError:
            continue  # the scan reports it before parsing
    assert len(texts) > 250
    parsed = 0
    for text in texts:
        expected = lark_snapshot.outcome(reference, text + "\n")
        assert lark_snapshot.outcome(loaded, text + "\n") == expected
        if expected[0] != "error":
            parsed += 1
            assert loaded.parse(text + "\n") == reference.parse(text + "\n")
    assert parsed > 250


def test_the_snapshot_fails_like_lark_on_broken_files(built: Path, reference) -> None:
    """Mutated fixtures (characters inserted, deleted, copied): the same tree or the same error
    (kind, line, unexpected token or character) as lark's parser. Seeded: the same every run."""
    loaded = _fresh(built)
    texts = [p.read_text() for p in sorted((REPO / "tests" / "fixtures" / "terraform").rglob("*.tf"))]
    chance = random.Random(13)
    alphabet = "{}[]()=,:.\"'\n \t$%<>-+*/!?&|#~\\abcxyz019_@`\r"
    errors = 0
    for _ in range(1500):
        text = chance.choice(texts)
        for _edit in range(chance.randint(1, 3)):
            at = chance.randrange(len(text) + 1)
            roll = chance.random()
            if roll < 0.4:
                text = text[:at] + chance.choice(alphabet) + text[at:]
            elif roll < 0.8:
                text = text[:at] + text[at + chance.randint(1, 5) :]
            else:
                start = chance.randrange(len(text) + 1)
                text = text[:at] + text[start : start + 20] + text[at:]
        expected = lark_snapshot.outcome(reference, text + "\n")
        errors += expected[0] == "error"
        assert lark_snapshot.outcome(loaded, text + "\n") == expected, text
    assert errors > 500  # the mutations do break files


def test_the_snapshot_is_plain_json_and_no_pickle(built: Path) -> None:
    blob = _snapshot(built).read_bytes()
    assert blob.startswith(lark_snapshot.FORMAT)
    body = json.loads(blob[len(lark_snapshot.FORMAT) + 32 :])
    assert set(body) >= {"terminals", "lexer_states", "codes", "rules"}


def test_parsing_from_the_snapshot_imports_no_lark(built: Path) -> None:
    """The point of the runtime: the hook's parse of an edited file loads neither lark nor
    python-hcl2's post-lexer (which imports lark)."""
    code = (
        "import sys\n"
        "from ampls_checks.parsers.terraform.hcl_syntax import parse_hcl\n"
        f'body = parse_hcl(\'resource "x" "y" {{\\n  a = 1\\n}}\\n\', {str(built)!r})\n'
        "assert body.blocks[0].labels == ('x', 'y'), body\n"
        "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith(('lark.', 'hcl2'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


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
    assert lark_snapshot.load(str(target), _key()) is None
    # the scan still parses: it builds a new parser and replaces the damaged snapshot
    parser = _fresh(cache_dir)
    assert parser.parse('a = "b"\n') is not None
    assert target.read_bytes() != damaged
    assert lark_snapshot.load(str(target), _key()) is not None


def test_a_snapshot_from_another_key_is_never_used(built: Path) -> None:
    assert lark_snapshot.load(str(_snapshot(built)), b"k" * 32) is None


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
