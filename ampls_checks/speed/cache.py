"""A content-addressed cache of parse results, so a scan of unchanged files costs only reading them.

Keys are hashes of the tool version and the exact bytes (and display paths) of the files a result
was computed from, so a stale entry can never be found. An entry is plain JSON (`plain.py`), never
a pickle, decoded with every value checked against the type it must have, so an entry can at worst
be wrong, never run code; and each entry carries a MAC over its key and payload, made with a
secret key kept outside the cache directory (`cache_key.py`), so an entry written by anyone
without that key is ignored: it cannot even be wrong. A directory or entry that another user owns
or could write is not used at all (`safe_files.py`); entries are written under random temporary
names and renamed into place. The cache is cleaned by size, oldest entries first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import time
from typing import Any

from ampls_checks import __version__
from ampls_checks.speed import safe_files
from ampls_checks.speed.cache_dir import default_cache_dir

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
CLEAN_INTERVAL_SECONDS = 600
_MAGIC = b"AMPLSC2\n"
_MAC_SIZE = 32
_SUFFIX = ".json"
_OLD_SUFFIXES = (".pkl", ".tmp")  # pickles of earlier versions and temporary files: removed, never read


@functools.lru_cache(maxsize=1)
def _parser_versions() -> str:
    """What changes parse results besides our own version: python-hcl2's grammar file (its size
    and modification time stand for its version, at the cost of a stat, not of reading package
    metadata)."""
    from ampls_checks.parsers.terraform.hcl_parser import HclParserUnavailable, python_hcl2_files

    grammar = "none"
    try:
        stat = os.stat(python_hcl2_files().grammar)
        grammar = f"{stat.st_size}:{stat.st_mtime_ns}"
    except (HclParserUnavailable, OSError):
        pass
    return f"{__version__}|{_source_stamp()}|{grammar}|{sys.version_info[:2]}"


def _source_stamp() -> str:
    """The newest modification time of our own modules: an editable install changes its code
    without changing its version, and a cached result from older code must not be reused."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    newest = 0
    for directory, _dirs, files in os.walk(package):
        for name in files:
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    newest = max(newest, os.stat(os.path.join(directory, name)).st_mtime_ns)
    return str(newest)


ROOT_NAMES = ("scan", "ParseResult", "StatMemo", "CallIndex", "Body")


def _root_type(name: str) -> Any | None:
    """What an entry may hold: a name, stored in the entry, for each type the tool caches; an
    entry naming anything else is ignored. Imported one by one: a warm scan reads only its own."""
    if name == "scan":
        from ampls_checks.model import Finding, Note, ParseError

        return tuple[list[Finding], list[ParseError], list[Note], int]
    if name == "ParseResult":
        from ampls_checks.model import ParseResult

        return ParseResult
    if name == "StatMemo":
        from ampls_checks.speed.stat_memo import StatMemo

        return StatMemo
    if name == "CallIndex":
        from ampls_checks.speed.call_index import CallIndex

        return CallIndex
    if name == "Body":
        from ampls_checks.parsers.terraform.hcl_syntax import Body

        return Body
    return None


def _root_name(value: Any) -> str:
    return "scan" if isinstance(value, tuple) else type(value).__name__


class Cache:
    """Entries by key. `refused` says why the cache is not used at all (the directory belongs to
    someone else or others can write it, or there is no secret key): then nothing is read or
    written, and the scan says so once with `--verbose`."""

    def __init__(self, directory: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory or default_cache_dir()
        self.max_bytes = max_bytes
        self.salt = _parser_versions().encode()
        self.writes = 0
        self._checked = False
        self._refused: str | None = None
        self._mac_key = b""

    @property
    def refused(self) -> str | None:
        self._check()
        return self._refused

    def _check(self) -> None:
        """Decide once, on first use, whether the cache can be used (a stat of the directory and
        the read of the key: a scan that never asks pays nothing)."""
        if self._checked:
            return
        self._checked = True
        from ampls_checks.speed.cache_key import cache_key

        problem = None
        if os.path.lexists(self.directory):
            problem = safe_files.trusted_directory(self.directory, follow=True)
        key, key_problem = cache_key()
        self._refused = f"cache directory {self.directory} is not used: {problem}" if problem else key_problem
        self._mac_key = key

    def key(self, *parts: bytes | str) -> str:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + _SUFFIX)

    def _mac(self, key: str, body: bytes) -> bytes:
        mac = hashlib.blake2b(key.encode(), key=self._mac_key, digest_size=_MAC_SIZE)
        mac.update(body)
        return mac.digest()

    def get(self, key: str) -> Any | None:
        """The value kept under `key`, or None: missing, not ours, not authenticated by our key,
        or not exactly of a type we cache."""
        self._check()
        if self._refused is not None:
            return None
        path = self._path(key)
        if safe_files.trusted_directory(os.path.dirname(path)) is not None:
            return None
        blob = safe_files.read_own_file(path)
        if blob is None:
            return None
        header = len(_MAGIC) + _MAC_SIZE
        body = blob[header:]
        if not blob.startswith(_MAGIC) or self._mac(key, body) != blob[len(_MAGIC) : header]:
            return None
        name, _, payload = body.partition(b"\n")
        from ampls_checks.speed import plain

        kind = _root_type(name.decode("ascii", "replace"))
        if kind is None:
            return None
        try:
            return plain.loads(payload, kind)
        except (plain.PlainDataError, TypeError, ValueError):  # an entry from another layout of our classes
            return None

    def put(self, key: str, value: Any) -> None:
        self._check()
        if self._refused is not None:
            return
        from ampls_checks.speed import plain

        name = _root_name(value)
        if name not in ROOT_NAMES:
            return
        try:
            body = name.encode() + b"\n" + plain.dumps(value)
        except (TypeError, ValueError, RecursionError):
            return
        path = self._path(key)
        if safe_files.make_own_directory(self.directory) or safe_files.make_own_directory(os.path.dirname(path)):
            return  # a read-only or foreign directory must not fail the scan
        if safe_files.write_file(path, _MAGIC + self._mac(key, body) + body):
            self.writes += 1

    def clean_now_and_then(self) -> None:
        """`clean`, at most once every `CLEAN_INTERVAL_SECONDS`: listing every entry costs tens of
        milliseconds on a large cache, too much to pay on every pre-commit run. Between two
        cleanings the cache can only outgrow its limit by what a few scans write. The time is
        kept as the modification time of an empty marker file, never written through a link."""
        self._check()
        if self._refused is not None:
            return
        marker = os.path.join(self.directory, "last-cleaned")
        try:
            status = os.lstat(marker)
            if not safe_files.foreign(status) and time.time() - status.st_mtime < CLEAN_INTERVAL_SECONDS:
                return
        except OSError:
            pass
        self.clean()
        safe_files.write_file(marker, b"")

    def clean(self) -> None:
        """Remove the oldest entries while the cache is over its size limit (pickles of earlier
        versions and stray temporary files first)."""
        entries: list[tuple[bool, float, int, str]] = []
        try:
            for bucket in os.scandir(self.directory):
                if not bucket.is_dir(follow_symlinks=False) or len(bucket.name) != 2:
                    continue
                for entry in os.scandir(bucket.path):
                    if entry.name.endswith(_OLD_SUFFIXES) or entry.name.endswith(_SUFFIX):
                        status = entry.stat(follow_symlinks=False)
                        current = entry.name.endswith(_SUFFIX) and not entry.name.startswith(".")
                        entries.append((current, status.st_mtime, status.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _current, _mtime, size, _path in entries)
        now = time.time()
        for current, mtime, size, path in sorted(entries):
            if current and total <= self.max_bytes:
                break
            if not current and path.endswith(".tmp") and now - mtime < 3600:
                continue  # maybe another scan's entry being written right now
            try:
                os.remove(path)
            except OSError:
                continue
            total -= size
