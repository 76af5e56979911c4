"""Reading and writing the tool's own files (cache entries, parser tables, the cache key) so that
nobody else's file is ever trusted or damaged.

The cache directory may be shared, restored by CI from another branch, or planted inside a
checkout; a link in it may point anywhere the user can write. So: a directory or file is used
only if it belongs to the user and nobody else can write it; nothing is opened through a link;
every file is written under a fresh random name in its own directory (`mkstemp`, created with
`O_EXCL`, so it cannot be a link) and renamed into place, which replaces a link instead of
writing through it; and a failed write (a full disk) removes its temporary file.
"""

from __future__ import annotations

import contextlib
import os
import stat

MAX_READ_BYTES = 64 * 1024 * 1024


def foreign(status: os.stat_result) -> str | None:
    """Why a file or directory with this status must not be trusted, or None: it belongs to
    another user, or its group or others may write it. (No owners to compare on Windows.)"""
    getuid = getattr(os, "getuid", None)
    if getuid is not None and status.st_uid != getuid():
        return f"owned by user id {status.st_uid}, not by this user"
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable by group or others"
    return None


def trusted_directory(path: str, follow: bool = False) -> str | None:
    """Why directory `path` must not be used, or None when it is ours alone. `follow` accepts a
    link to such a directory (a user's own cache directory set to a link)."""
    try:
        status = os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if not stat.S_ISDIR(status.st_mode):
        return "is not a directory"
    return foreign(status)


def read_own_file(path: str, max_bytes: int = MAX_READ_BYTES, private: bool = False) -> bytes | None:
    """The bytes of regular file `path` if it is ours alone (and, if `private`, readable by
    nobody else), opened without following a link or blocking on a FIFO; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or foreign(status) or status.st_size > max_bytes:
            return None
        if private and status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > max_bytes:
                return None
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_file(path: str, data: bytes, replace: bool = True) -> bool:
    """Write `data` to `path` whole or not at all: a random temporary name in the same directory,
    then a rename (`replace`) or a hard link that fails if `path` exists (not `replace`). Never
    writes through a link; any failure removes the temporary file. Returns whether it landed."""
    import tempfile  # here: a warm scan writes nothing, and the import costs milliseconds

    directory = os.path.dirname(path) or "."
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".tmp")
    except OSError:
        return False
    landed = False
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.close(fd)
        fd = -1
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
            os.unlink(temporary)
        landed = True
    except OSError:
        pass
    finally:
        if fd >= 0:
            os.close(fd)
        if not landed or not replace:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return landed


def make_own_directory(path: str) -> str | None:
    """Create directory `path` (and its parents) for the user alone if missing; why it cannot be
    used, or None."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError as exc:
        return f"cannot be created: {exc.strerror or exc}"
    return trusted_directory(path)
