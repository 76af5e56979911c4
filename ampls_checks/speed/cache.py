"""A content-addressed cache of parse results, so a scan of unchanged files costs only reading them.

Keys are hashes of the tool version and the exact bytes (and display paths) of the files a result
was computed from, so a stale entry can never be found. Each entry stores a checksum of its
payload: a truncated or corrupt entry is ignored (and removed), never trusted. Entries are plain
pickles of our own dataclasses in a directory the user owns; the cache is cleaned by size, oldest
entries first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import time
from typing import Any

from ampls_checks import __version__
from ampls_checks.speed.cache_dir import default_cache_dir

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
CLEAN_INTERVAL_SECONDS = 600
_MAGIC = b"AMPLSC1\n"


@functools.lru_cache(maxsize=1)
def _parser_versions() -> str:
    """What changes parse results besides our own version: python-hcl2's grammar file (its size
    and modification time stand for its version, at the cost of a stat, not of reading package
    metadata) and Python's pickle format."""
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


class Cache:
    def __init__(self, directory: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory or default_cache_dir()
        self.max_bytes = max_bytes
        self.salt = _parser_versions().encode()
        self.writes = 0

    def key(self, *parts: bytes | str) -> str:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".pkl")

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                blob = handle.read()
        except OSError:
            return None
        header_size = len(_MAGIC) + 32
        if len(blob) < header_size or not blob.startswith(_MAGIC):
            self._discard(path)
            return None
        checksum, payload = blob[len(_MAGIC) : header_size], blob[header_size:]
        if hashlib.blake2b(payload, digest_size=32).digest() != checksum:
            self._discard(path)
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # an entry from another layout of our classes: recompute
            self._discard(path)
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            import tempfile  # here: a warm scan writes nothing, and the import costs milliseconds

            fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + hashlib.blake2b(payload, digest_size=32).digest() + payload)
            os.replace(temporary, path)  # atomic: readers see the old entry or the whole new one
        except OSError:
            return  # a read-only or full disk must not fail the scan
        self.writes += 1

    def _discard(self, path: str) -> None:
        with contextlib.suppress(OSError):
            os.remove(path)

    def clean_now_and_then(self) -> None:
        """`clean`, at most once every `CLEAN_INTERVAL_SECONDS`: listing every entry costs tens of
        milliseconds on a large cache, too much to pay on every pre-commit run. Between two
        cleanings the cache can only outgrow its limit by what a few scans write."""
        marker = os.path.join(self.directory, "last-cleaned")
        try:
            if time.time() - os.stat(marker).st_mtime < CLEAN_INTERVAL_SECONDS:
                return
        except OSError:
            pass
        self.clean()
        with contextlib.suppress(OSError), open(marker, "w"):
            pass

    def clean(self) -> None:
        """Remove the oldest entries while the cache is over its size limit."""
        entries: list[tuple[float, int, str]] = []
        try:
            for bucket in os.scandir(self.directory):
                if not bucket.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(bucket.path):
                    if entry.name.endswith((".pkl", ".tmp")):
                        stat = entry.stat(follow_symlinks=False)
                        entries.append((stat.st_mtime, stat.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            self._discard(path)
            total -= size
