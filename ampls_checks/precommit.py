"""Scanning what a commit changed (`--changed-files`, the pre-commit hook).

A hook receives only the changed files, but the checks are cross-file: an endpoint in one file
points at a scope in another, and a module's resources take their values from the module that
calls it. So the scan widens the changed files to what they belong to, and narrows the report
back to where they are:

- a changed `.tf` or `.tfvars` file stands for its module directory, and the scan covers every
  Terraform unit (a root module and the local modules it calls) that holds that directory: the
  directory itself, the modules it calls, and the root modules that call it, found under the
  search roots by the same raw-text reading of `source = "./..."` the scan uses to plan its work;
- a changed `.bicep` file stands for the Bicep files joined to it by local `module` declarations,
  callers and callees, the way the Bicep parser resolves them;
- a changed `.json` file stands for the JSON files of its directory (a template and its
  `*.parameters.json` sit side by side);
- findings, and errors, are reported only for files in the directories of the changed files and
  of the local modules they call (a caller's arguments decide what its modules' resources look
  like, so a change in `live/` can create a finding in `modules/ampls/`), not in their callers
  or in unrelated code: a commit is not blocked by an old problem it did not touch. Errors with
  no file (a failing check) are always reported.

The search roots are the working directory (where pre-commit runs hooks: the repository root)
and the directories of changed files outside it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from .checks import all_checks
from .discover import FileKind, discover, kind_of
from .scan import ScanOptions, ScanReport, scan
from .units import local_calls, terraform_units

_BICEP_MODULE = re.compile(rb"""^\s*module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'$]+)'""", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    files: list[str]  # what to scan, as paths to give `scan`
    directories: frozenset[str]  # real paths of the directories whose findings are reported


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _bicep_targets(path: str, data: bytes) -> set[str]:
    directory = os.path.dirname(path)
    targets = set()
    for match in _BICEP_MODULE.findall(data):
        target = match.decode("utf-8", "replace")
        if ":" in target:  # a registry or template spec reference (br:, ts:), never local
            continue
        targets.add(os.path.normpath(os.path.join(directory, target)))
    return targets


def _reach(starts: set[str] | frozenset[str], calls: dict[str, set[str]]) -> set[str]:
    """`starts` and everything they call, directly or not."""
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(calls.get(current, ()))
    return seen


def _search_roots(changed: list[str]) -> list[str]:
    cwd = os.path.realpath(os.getcwd())
    roots = [cwd]
    for path in changed:
        directory = os.path.dirname(path)
        if directory != cwd and not directory.startswith(cwd.rstrip(os.sep) + os.sep):
            roots.append(directory)
    return sorted(set(roots))


def plan(paths: list[str], exclude: list[str] | None = None) -> Plan:
    """Which files to scan for these changed files, and where to report."""
    changed = sorted({os.path.realpath(p) for p in paths if os.path.isfile(p) and kind_of(os.path.basename(p))})
    if not changed:
        return Plan([], frozenset())
    directories = frozenset(os.path.dirname(p) for p in changed)
    kinds = {kind_of(os.path.basename(p)) for p in changed}
    wanted: set[str] = set()
    reported: set[str] = set(directories)

    found = discover(_search_roots(changed), exclude)
    by_real: dict[str, str] = {}
    for candidate in found.files:
        by_real.setdefault(os.path.realpath(candidate.path), candidate.path)

    if kinds & {FileKind.TERRAFORM, FileKind.TFVARS}:
        files: dict[str, list[str]] = {}
        calls: dict[str, set[str]] = {}
        for real in by_real:
            kind = kind_of(os.path.basename(real))
            if kind not in (FileKind.TERRAFORM, FileKind.TFVARS):
                continue
            directory = os.path.dirname(real)
            files.setdefault(directory, []).append(real)
            if kind is FileKind.TERRAFORM:
                data = _read(real)
                if b"source" in data:
                    calls.setdefault(directory, set()).update(local_calls(directory, data))
        for unit in terraform_units(files, calls):
            if any(os.path.dirname(real) in directories for real in unit):
                wanted.update(unit)
        reported.update(_reach(directories, calls))

    if FileKind.BICEP in kinds:
        bicep = [real for real in by_real if kind_of(os.path.basename(real)) is FileKind.BICEP]
        modules = {real: _bicep_targets(real, _read(real)) for real in bicep}
        for unit in terraform_units({real: [real] for real in bicep}, modules):
            if any(real in changed for real in unit):
                wanted.update(unit)
        changed_bicep = {p for p in changed if kind_of(os.path.basename(p)) is FileKind.BICEP}
        reported.update(os.path.dirname(p) for p in _reach(changed_bicep, modules))

    if FileKind.JSON in kinds:
        wanted.update(
            real
            for real in by_real
            if kind_of(os.path.basename(real)) is FileKind.JSON and os.path.dirname(real) in directories
        )

    return Plan(sorted(by_real.get(real, real) for real in wanted), frozenset(reported))


def _in(file: str, directories: frozenset[str]) -> bool:
    return os.path.dirname(os.path.realpath(file)) in directories


def restrict(report: ScanReport, directories: frozenset[str]) -> ScanReport:
    """Only the findings and errors in these directories (and errors that name no file)."""
    return replace(
        report,
        findings=[f for f in report.findings if _in(f.file, directories)],
        errors=[e for e in report.errors if e.file.startswith("<") or _in(e.file, directories)],
    )


def scan_changed(paths: list[str], options: ScanOptions) -> ScanReport:
    """Scan what the changed files belong to; report what is in their directories."""
    work = plan(paths, options.exclude)
    if not work.files:
        return ScanReport(checks_run=list(options.checks) if options.checks is not None else all_checks())
    return restrict(scan(work.files, options), work.directories)
