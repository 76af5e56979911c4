"""Which Terraform files call which local modules, kept between runs and checked with `stat`.

The pre-commit hook must find the root modules that call a changed module, so it must know the
`source = "./..."` lines of every `.tf` file under the repository, and the root modules that may
share resources with a changed one by full identity, so it keeps the resource group names each
file writes out (precommit.py says why). Reading 4,000 files takes more
than half of the hook's 250 ms; a `stat` of each takes a tenth of that. So the hook keeps what it
found, per directory: the directory's modification time (which changes when an entry is added,
removed or renamed) with its relevant entries, and per file its modification time, size and the
module directories it calls. Whatever `stat` shows changed is listed or read again.

Records are checked and trusted as `stat_memo` explains.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.discover import SKIPPED_DIRS, inside_roots, read_regular
from ampls_checks.speed.stat_memo import RACY_NS, Stamp, StatMemo, stamp_of, trusted
from ampls_checks.units import local_calls, resource_group_names

SUFFIXES = (".tf", ".tfvars", ".tfvars.json")  # what discover.kind_of calls Terraform
# Records read again only because their `stat` changed (same calls, same listing) are saved once
# there are more than this many: saving the index costs as much as reading a few hundred files,
# and the hook's own edited file, modified a moment ago, is never trusted the next run anyway.
SAVE_AFTER_REFRESHED = 32
_GROUP = "rg:"  # marks a resource group name among a file's calls (absolute paths)


@dataclass
class _Listing:
    stamp: Stamp
    recorded_ns: int
    subdirectories: tuple[str, ...]
    files: tuple[str, ...]


@dataclass
class CallIndex:
    """Directory -> its listing, and Terraform file -> the module directories it calls and the
    resource group names it writes out.
    `changed` tells whether it is worth saving."""

    directories: dict[str, _Listing] = field(default_factory=dict)
    files: StatMemo = field(default_factory=StatMemo)
    changed: bool = False
    # The resource group names each directory's files write out (units.resource_group_names),
    # from the last `walk`; kept in the index with each file's calls.
    group_names: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    _restructured: bool = field(default=False, repr=False, compare=False)  # this walk's findings
    _refreshed: int = field(default=0, repr=False, compare=False)

    def __plain__(self) -> list[Any]:
        """Columns for `plain.py` (an index of a large repository decodes at C speed)."""
        listings = list(self.directories.values())
        return [
            list(self.directories),
            [number for listing in listings for number in listing.stamp],
            [listing.recorded_ns for listing in listings],
            [list(listing.subdirectories) for listing in listings],
            [list(listing.files) for listing in listings],
            self.files.__plain__(),
            self.changed,
        ]

    @classmethod
    def __from_plain__(cls, raw: Any) -> CallIndex:
        """`__plain__`'s columns back, every value's type checked; raises PlainDataError."""
        from ampls_checks.speed.plain import PlainDataError, integers, strings

        if type(raw) is not list or len(raw) != 7 or type(raw[6]) is not bool:
            raise PlainDataError("CallIndex: expected seven columns")
        directories = strings(raw[0], "CallIndex directories")
        count = len(directories)
        stamps = integers(raw[1], "CallIndex stamps", 4 * count)
        recorded = integers(raw[2], "CallIndex times", count)
        names = []
        for column in (raw[3], raw[4]):
            if type(column) is not list or len(column) != count:
                raise PlainDataError("CallIndex: malformed listings")
            names.append([tuple(strings(entry, "CallIndex listing")) for entry in column])
        numbers = iter(stamps)
        listings = {
            directory: _Listing(stamp, when, subdirectories, files)
            for directory, stamp, when, subdirectories, files in zip(
                directories, zip(numbers, numbers, numbers, numbers, strict=False), recorded, *names, strict=False
            )
        }
        return cls(listings, StatMemo.__from_plain__(raw[5]), raw[6])

    def walk(
        self, roots: list[str], excluded: Callable[[str], bool] | None = None
    ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """Every `.tf`/`.tfvars` file under `roots` by directory, and the local module
        directories each directory calls. `excluded(path) -> bool` prunes files and directories.
        Links to directories are not followed (as in discovery), and a linked file is read only
        when its target is inside `roots` (roots are real paths): this reading happens before
        discovery, which is what keeps a scan inside its roots. What the walk does not reach
        leaves the index."""
        files: dict[str, list[str]] = {}
        calls: dict[str, set[str]] = {}
        groups: dict[str, set[str]] = {}
        visited: dict[str, _Listing] = {}
        previous = self.files.entries
        kept: dict[str, tuple[Stamp, int, Any]] = {}
        pending = list(roots)
        now = time.time_ns()
        self._restructured = False
        self._refreshed = 0
        is_link, is_regular, lstat = stat.S_ISLNK, stat.S_ISREG, os.lstat
        while pending:
            directory = pending.pop()
            if directory in visited:
                continue
            listing = self._listing(directory, now)
            if listing is None:
                continue
            visited[directory] = listing
            # os.path.join, without its cost per file
            prefix = directory if directory.endswith(os.sep) else directory + os.sep
            subdirectories = [prefix + n for n in listing.subdirectories]
            names = [prefix + n for n in listing.files]
            if excluded is not None:
                subdirectories = [path for path in subdirectories if not excluded(path)]
                names = [path for path in names if not excluded(path)]
            pending.extend(subdirectories)
            here: list[str] = []
            for path in names:
                try:
                    status = lstat(path)
                    # A linked file belongs to the unit (discovery decides whether its target is
                    # in the roots), but it is read here only if its target is inside them.
                    linked = is_link(status.st_mode)
                    if linked:
                        status = os.stat(path)
                except OSError:
                    continue
                if not is_regular(status.st_mode):
                    continue
                # StatMemo.get, inline: this loop runs for every Terraform file of the repository
                record = previous.get(path)
                stamp = (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)
                if record is not None and record[0] == stamp and stamp[0] + RACY_NS <= record[1]:
                    kept[path] = record
                    found = record[2]
                else:
                    readable = not linked or inside_roots(os.path.realpath(path), roots)
                    found = _read_calls(path, directory) if readable else ()
                    kept[path] = (stamp, now, found)
                    if record is None or tuple(record[2]) != found:
                        self._restructured = True
                    else:
                        self._refreshed += 1
                here.append(path)
                for value in found:
                    if value.startswith(_GROUP):
                        groups.setdefault(directory, set()).add(value[len(_GROUP) :])
                    else:
                        calls.setdefault(directory, set()).add(value)
            if here:
                files[directory] = here
        if (
            self._restructured
            or self._refreshed > SAVE_AFTER_REFRESHED
            or visited.keys() != self.directories.keys()
            or kept.keys() != previous.keys()
        ):
            self.changed = True
        self.directories = visited
        self.files = StatMemo(kept)
        self.group_names = groups
        return files, calls

    def _listing(self, directory: str, now: int) -> _Listing | None:
        try:
            status = os.stat(directory)
        except OSError:
            return None
        known = self.directories.get(directory)
        if known is not None and known.stamp == stamp_of(status) and trusted(known.stamp, known.recorded_ns):
            return known
        subdirectories: list[str] = []
        names: list[str] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name not in SKIPPED_DIRS:
                                subdirectories.append(entry.name)
                        elif entry.name.endswith(SUFFIXES) and entry.is_file():
                            names.append(entry.name)
                    except OSError:
                        continue
        except OSError:
            return None
        listing = _Listing(stamp_of(status), now, tuple(sorted(subdirectories)), tuple(sorted(names)))
        if known is None or (known.subdirectories, known.files) != (listing.subdirectories, listing.files):
            self._restructured = True
        else:
            self._refreshed += 1
        return listing


def _read_calls(path: str, directory: str) -> tuple[str, ...]:
    """A file's record: the module directories it calls (`.tf` files), then the resource group
    names it writes out, each marked with `_GROUP` (no directory path starts with it)."""
    try:
        data = read_regular(path)
    except OSError:
        return ()
    calls = sorted(local_calls(directory, data)) if path.endswith(".tf") else []
    return (*calls, *sorted(_GROUP + name for name in resource_group_names(data)))
