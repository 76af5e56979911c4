"""Which Terraform files call which local modules, kept between runs and checked with `stat`.

The pre-commit hook must find the root modules that call a changed module, so it must know the
`source = "./..."` lines of every `.tf` file under the repository. Reading 4,000 files takes more
than half of the hook's 250 ms; a `stat` of each takes a tenth of that. So the hook keeps what it
found, per directory: the directory's modification time (which changes when an entry is added,
removed or renamed) with its relevant entries, and per file its modification time, size and the
module directories it calls. Whatever `stat` shows changed is listed or read again.

Like git's index, a record is trusted only if the file or directory had not been modified in the
two seconds before it was recorded: a file written twice within the clock's resolution keeps its
time, and a read racing such a write would otherwise be trusted forever.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .discover import SKIPPED_DIRS
from .units import local_calls

_RACY_NS = 2_000_000_000
SUFFIXES = (".tf", ".tfvars")


@dataclass
class _File:
    mtime_ns: int
    size: int
    recorded_ns: int
    calls: tuple[str, ...]


@dataclass
class _Directory:
    mtime_ns: int
    recorded_ns: int
    subdirectories: tuple[str, ...]
    files: dict[str, _File | None]  # None: listed, not yet read


def _trusted(mtime_ns: int, recorded_ns: int) -> bool:
    return mtime_ns + _RACY_NS <= recorded_ns


@dataclass
class CallIndex:
    """Directory path -> what it holds; `changed` tells whether it is worth saving."""

    directories: dict[str, _Directory] = field(default_factory=dict)
    changed: bool = False

    def walk(
        self, roots: list[str], excluded: Callable[[str], bool] | None = None
    ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """Every `.tf`/`.tfvars` file under `roots` by directory, and the local module
        directories each directory calls. `excluded(path) -> bool` prunes files and directories.
        Symbolic links to directories are not followed (as in discovery); the directories not
        reached are dropped from the index."""
        is_excluded = excluded or (lambda _path: False)
        files: dict[str, list[str]] = {}
        calls: dict[str, set[str]] = {}
        visited: dict[str, _Directory] = {}
        pending = list(roots)
        now = time.time_ns()
        while pending:
            directory = pending.pop()
            if directory in visited:
                continue
            record = self._directory(directory, now)
            if record is None:
                continue
            visited[directory] = record
            for name in record.subdirectories:
                path = os.path.join(directory, name)
                if not is_excluded(path):
                    pending.append(path)
            for name in list(record.files):
                path = os.path.join(directory, name)
                if is_excluded(path):
                    continue
                entry = self._file(record, name, path, directory, now)
                if entry is None:
                    continue
                files.setdefault(directory, []).append(path)
                if entry.calls:
                    calls.setdefault(directory, set()).update(entry.calls)
        if visited.keys() != self.directories.keys():
            self.changed = True
        self.directories = visited
        return files, calls

    def _directory(self, directory: str, now: int) -> _Directory | None:
        try:
            mtime = os.stat(directory).st_mtime_ns
        except OSError:
            return None
        known = self.directories.get(directory)
        if known is not None and known.mtime_ns == mtime and _trusted(mtime, known.recorded_ns):
            return known
        subdirectories: list[str] = []
        names: dict[str, _File | None] = {}
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name not in SKIPPED_DIRS:
                                subdirectories.append(entry.name)
                        elif entry.name.endswith(SUFFIXES) and entry.is_file():
                            old = known.files.get(entry.name) if known is not None else None
                            names[entry.name] = old
                    except OSError:
                        continue
        except OSError:
            return None
        self.changed = True
        return _Directory(mtime, now, tuple(sorted(subdirectories)), names)

    def _file(self, record: _Directory, name: str, path: str, directory: str, now: int) -> _File | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        known = record.files.get(name)
        if (
            known is not None
            and known.mtime_ns == status.st_mtime_ns
            and known.size == status.st_size
            and _trusted(known.mtime_ns, known.recorded_ns)
        ):
            return known
        calls: tuple[str, ...] = ()
        if name.endswith(".tf"):
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                data = b""
            # local_calls looks for `source = "./` or `"../`: most files hold neither.
            if b'"./' in data or b'"../' in data:
                calls = tuple(sorted(local_calls(directory, data)))
        entry = _File(status.st_mtime_ns, status.st_size, now, calls)
        record.files[name] = entry
        self.changed = True
        return entry
