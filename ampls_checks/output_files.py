"""Opening the files the user names for output (`--format FORMAT:FILE`, `--output-file`,
`--create-baseline`, `graph -o`) without ever writing through a symbolic link.

CI runs the scan inside a checkout of someone else's pull request, and the workflow names its
output files inside that checkout (`results.sarif`, `.ampls-baseline.json`). A pull request can
commit a symbolic link under that name pointing at any file the CI user can write; opening it
normally would overwrite the link's target. So the last component of an output path is opened
with `O_NOFOLLOW`: a link there is refused with an error naming the file (exit 2), and the target
is left alone. Git cannot commit hard links, FIFOs or devices, so a link is the only such trap.

The one kind of link followed is the operating system's own: `/dev/stdout`, `/dev/stderr`,
`/dev/fd/N` (what a shell's process substitution `>(...)` passes). They live in `/dev` and `/proc`,
which no checkout can write into.
"""

from __future__ import annotations

import errno
import os
from typing import TextIO

# where the operating system's own links to open files live
_SYSTEM_LINK_DIRECTORIES = ("/dev/", "/proc/")


class OutputFileError(Exception):
    """An output file that cannot or must not be written; the message names it and says why."""


def open_output(path: str) -> TextIO:
    """Open `path` for writing text (created, or truncated), refusing a symbolic link.
    Raises `OutputFileError`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    if not _system_link(path):
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise OutputFileError(
                f"{path} is a symbolic link; ampls-checks does not write through links "
                "(remove the link, or name the file it points to)"
            ) from exc
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return os.fdopen(descriptor, "w", encoding="utf-8", errors="replace", newline="\n")


def write_output(path: str, text: str) -> None:
    """Write `text` to `path` (see `open_output`). Raises `OutputFileError`."""
    try:
        with open_output(path) as handle:
            handle.write(text)
    except OSError as exc:  # a full disk, a closed pipe
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _system_link(path: str) -> bool:
    """True for a link the operating system keeps (`/dev/stdout`, `/dev/fd/63`), whose directory
    no repository can put a file into."""
    if not os.path.islink(path):
        return False
    directory = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return (directory + "/").startswith(_SYSTEM_LINK_DIRECTORIES)
