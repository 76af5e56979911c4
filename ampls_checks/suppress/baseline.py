"""Baseline files: adopt the scanner on an existing repository without fixing everything first.

`--create-baseline FILE` records the findings of today; `--baseline FILE` then reports only the
findings that are not in it. A finding is matched by its check id, its file and its resource
address, never by its line: adding a resource above an old finding, or reformatting a block,
must not make it new again. The message breaks ties when one resource has several findings of
one check (CKV_AMPLS_11 names each exceeded limit); a changed message alone does not make a
finding new.

The file is JSON, sorted, one entry per finding, with paths relative to the baseline file's own
directory, so that it diffs well in review and reads the same from any working directory:

    {"tool": "ampls-checks", "version": 1,
     "findings": [{"check_id": "CKV_AMPLS_1", "file": "infra/main.tf",
                   "resource": "azurerm_monitor_private_link_scope.hub", "message": "..."}]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ampls_checks.model import Finding

FORMAT_VERSION = 1
TOOL = "ampls-checks"


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one; the message names the file."""


@dataclass(frozen=True, order=True)
class Entry:
    file: str  # relative to the baseline file's directory, `/` separators
    check_id: str
    resource: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.check_id, self.file, self.resource)


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[Entry, ...]

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))


def relative_file(file: str, directory: str) -> str:
    """A finding's file (as reported: relative to the working directory, or absolute) relative
    to `directory`, with `/` separators."""
    absolute = os.path.abspath(file)
    try:
        relative = os.path.relpath(absolute, directory)
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


def entries_for(findings: Iterable[Finding], directory: str) -> list[Entry]:
    return sorted(
        Entry(relative_file(f.file, directory), f.check_id, f.resource, f.message)
        for f in findings
        if f.suppression is None
    )


def render(findings: Iterable[Finding], path: str) -> str:
    """The baseline file's text for these findings (suppressed ones are left out: the inline
    comment already accounts for them)."""
    directory = os.path.dirname(os.path.abspath(path))
    document = {
        "tool": TOOL,
        "version": FORMAT_VERSION,
        "findings": [
            {"check_id": e.check_id, "file": e.file, "resource": e.resource, "message": e.message}
            for e in entries_for(findings, directory)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def write(findings: Iterable[Finding], path: str) -> None:
    """Write the baseline; raises `BaselineError` when the file cannot be written."""
    text = render(findings, path)
    from ampls_checks.output_files import OutputFileError, write_output

    try:
        write_output(path, text)
    except OutputFileError as exc:
        raise BaselineError(f"baseline: {exc}") from exc


def load(path: str) -> Baseline:
    """Read a baseline file; raises `BaselineError` for a missing, unreadable or malformed one."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("tool") != TOOL:
        raise BaselineError(f"baseline {path} was not written by {TOOL} --create-baseline")
    if document.get("version") != FORMAT_VERSION:
        raise BaselineError(f"baseline {path} has version {document.get('version')!r}; expected {FORMAT_VERSION}")
    items = document.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"baseline {path} has no findings list")
    entries = []
    for number, item in enumerate(items):
        fields = ("check_id", "file", "resource")
        if not isinstance(item, dict) or not all(isinstance(item.get(name), str) for name in fields):
            raise BaselineError(f"baseline {path}: entry {number} lacks check_id, file or resource")
        message = item.get("message")
        entries.append(
            Entry(item["file"], item["check_id"], item["resource"], message if isinstance(message, str) else "")
        )
    return Baseline(path, tuple(entries))


def split(findings: list[Finding], baseline: Baseline) -> tuple[list[Finding], list[Finding]]:
    """(new, known): the findings the baseline does not hold, and those it does, each in input
    order. Each baseline entry matches at most one finding: first a finding with the same
    message, then any finding with the same check, file and resource."""
    remaining: dict[tuple[str, str, str], list[str]] = {}
    for entry in baseline.entries:
        remaining.setdefault(entry.key, []).append(entry.message)
    directory = baseline.directory
    keyed = [(f, (f.check_id, relative_file(f.file, directory), f.resource)) for f in findings]
    known_ids: set[int] = set()
    for exact in (True, False):
        for position, (finding, key) in enumerate(keyed):
            if position in known_ids or finding.suppression is not None:
                continue
            messages = remaining.get(key)
            if not messages:
                continue
            if exact:
                if finding.message not in messages:
                    continue
                messages.remove(finding.message)
            else:
                messages.pop(0)
            known_ids.add(position)
    new = [f for position, (f, _k) in enumerate(keyed) if position not in known_ids]
    known = [f for position, (f, _k) in enumerate(keyed) if position in known_ids]
    return new, known
