"""Lark parsers loaded from a verified snapshot in our cache directory, in a fraction of the time.

Both our grammars are lark LALR grammars (python-hcl2's for Terraform, pycep-parser's for Bicep).
Building such a parser from its grammar takes seconds; lark's own cache brings that to 75 ms for
HCL and 200 ms for Bicep, most of it rebuilding the parse table from lark's portable serial form.
That is most of the pre-commit hook's budget, so we keep a plain pickle of lark's parsing front
end instead, which loads in a quarter of the time.

Lark compares its two parser actions by identity (`action is Shift`), so they are written as
references to lark's own objects (pickle memoises those: the tens of thousands of actions in a
table cost one lookup each). What a parser holds but must not copy (the `re` or `regex` module, a
post-lexer) is written as a name and put back on loading. A snapshot is kept only after a copy read
back from it parses a sample to the same tree as the parser it was taken from; its file name is a
digest of everything it depends on (grammar, versions, this format), so a snapshot that does not
fit is never read; its payload carries a checksum, and on loading it may only name lark's classes.
It lives in the user's cache directory, not in a shared temporary directory where another user
could plant a pickle; when that directory cannot be written, lark's own cache is used instead.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any

FORMAT = b"AMPLS-LARK-SNAPSHOT-1\n"


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[str, Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(value): name for name, value in shared.items()}
        from lark.parsers.lalr_analysis import Reduce, Shift

        self._globals = {id(Shift): "Shift", id(Reduce): "Reduce"}

    def persistent_id(self, obj: Any) -> str | None:
        return self._names.get(id(obj))

    def reducer_override(self, obj: Any) -> Any:
        return self._globals.get(id(obj), NotImplemented)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: dict[str, Any]) -> None:
        super().__init__(file)
        self._shared = shared

    def persistent_load(self, pid: Any) -> Any:
        if pid not in self._shared:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}")
        return self._shared[pid]

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("lark.") or (module, name) == ("functools", "partial"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a lark parser")


def snapshot_path(directory: str | None, name: str, depends_on: list[bytes]) -> str:
    """Where the snapshot of parser `name` lives in cache `directory` (the default cache
    directory when None), named by a digest of what it `depends_on`."""
    import lark

    if directory is None:
        from ampls_checks.speed.cache_dir import default_cache_dir

        directory = default_cache_dir()

    digest = hashlib.blake2b(FORMAT, digest_size=16)
    digest.update(f"{lark.__version__}|{sys.version_info[:2]}".encode())
    for part in depends_on:
        digest.update(len(part).to_bytes(8, "little") + part)
    return os.path.join(directory, "parser", f"{name}-{digest.hexdigest()}.pkl")


def load(path: str, shared: dict[str, Any]) -> Any | None:
    """The parsing front end kept at `path`, or None if there is none or it is damaged."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n")
    if header != hashlib.blake2b(payload, digest_size=20).hexdigest().encode():
        return None
    try:
        return _Unpickler(io.BytesIO(payload), shared).load()
    except Exception:  # noqa: BLE001 - any damage means "no snapshot", never a crash
        return None


def _keep(path: str, parser: Any, shared: dict[str, Any], sample: str) -> Any:
    """A copy of `parser`'s front end read back from a snapshot written to `path`, if it parses
    `sample` as the parser does; the parser itself otherwise."""
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, shared).dump(parser.parser)
        payload = buffer.getvalue()
        copy = _Unpickler(io.BytesIO(payload), shared).load()
        if copy.parse(sample) != parser.parse(sample):
            return parser
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(hashlib.blake2b(payload, digest_size=20).hexdigest().encode() + b"\n" + payload)
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - a snapshot is only an optimisation
        return parser
    return copy


def snapshot_parser(path: str, build: Callable[[bool], Any], shared: dict[str, Any], sample: str) -> Any:
    """A parser with lark's `parse(text)`: from the snapshot at `path`, or built by `build(cache)`
    and kept there. `build(True)` asks for lark's own cache, used when `path` cannot be written."""
    loaded = load(path, shared)
    if loaded is not None:
        return loaded
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        writable = os.access(directory, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        return build(True)
    return _keep(path, build(False), shared, sample)
