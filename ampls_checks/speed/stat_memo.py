"""Remembering what was derived from a file's bytes for as long as `stat` says they are the same.

A warm scan and the pre-commit hook would otherwise read every file of a large repository on
every run, only to find it unchanged. A `stat` costs a tenth of a read. A record holds the
file's modification and change times, size and inode (a rewrite, a `chmod`, a replacement by
rename all change one of them) and is trusted only if the file had not been modified in the two
seconds before it was recorded: like git's index, this guards against a file written twice
within the clock's resolution, which keeps its time while its bytes change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

RACY_NS = 2_000_000_000

Stamp = tuple[int, int, int, int]


def stamp_of(status: os.stat_result) -> Stamp:
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)


def trusted(recorded_stamp: Stamp, recorded_ns: int) -> bool:
    """Whether a record taken at `recorded_ns` can stand for the bytes: their last modification
    was long enough before it."""
    return recorded_stamp[0] + RACY_NS <= recorded_ns


@dataclass
class StatMemo:
    """Path -> (stamp, when recorded, value). `changed` tells whether it is worth saving."""

    entries: dict[str, tuple[Stamp, int, Any]] = field(default_factory=dict)
    changed: bool = False

    def get(self, path: str, status: os.stat_result) -> Any | None:
        entry = self.entries.get(path)
        if entry is not None and entry[0] == stamp_of(status) and trusted(entry[0], entry[1]):
            return entry[2]
        return None

    def put(self, path: str, status: os.stat_result, value: Any, now_ns: int) -> None:
        self.entries[path] = (stamp_of(status), now_ns, value)
        self.changed = True

    def carry(self, previous: StatMemo, path: str, status: os.stat_result) -> Any | None:
        """`previous`'s value for `path` if `status` still vouches for it, kept in this memo too
        (a new memo holds only the paths a run saw, so files gone from the tree fall out)."""
        value = previous.get(path, status)
        if value is not None:
            self.entries[path] = previous.entries[path]
        return value

    def __plain__(self) -> list[Any]:
        """Columns (paths, stamps flattened, record times, values, changed) for `plain.py`: an
        index of thousands of files then decodes at C speed instead of a call per value."""
        paths = list(self.entries)
        records = list(self.entries.values())
        stamps = [number for stamp, _when, _value in records for number in stamp]
        values = [list(v) if isinstance(v, tuple) else v for _stamp, _when, v in records]
        return [paths, stamps, [when for _stamp, when, _value in records], values, self.changed]

    @classmethod
    def __from_plain__(cls, raw: Any) -> StatMemo:
        """`__plain__`'s columns back, every value's type checked; raises PlainDataError."""
        from ampls_checks.speed.plain import PlainDataError, integers, plain_value, strings

        if type(raw) is not list or len(raw) != 5:
            raise PlainDataError("StatMemo: expected five columns")
        paths = strings(raw[0], "StatMemo paths")
        count = len(paths)
        stamps = integers(raw[1], "StatMemo stamps", 4 * count)
        recorded = integers(raw[2], "StatMemo times", count)
        values, changed = raw[3], raw[4]
        if type(values) is not list or len(values) != count or type(changed) is not bool:
            raise PlainDataError("StatMemo: malformed values")
        if not set(map(type, values)) <= {str}:
            values = [() if v == [] else plain_value(v) for v in values]  # mostly empty: no call
        numbers = iter(stamps)
        stamp_of_each = zip(numbers, numbers, numbers, numbers, strict=False)  # four at a time
        entries = dict(zip(paths, zip(stamp_of_each, recorded, values, strict=False), strict=False))
        if len(entries) != count:
            raise PlainDataError("StatMemo: a path twice")
        return cls(entries, changed)

    def replaces(self, previous: StatMemo) -> bool:
        """Whether this memo, built by a run from `previous`, differs from it: worth saving."""
        return self.changed or self.entries.keys() != previous.entries.keys()
