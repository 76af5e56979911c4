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
  `*.parameters.json` sit side by side), and for the Bicep units that use one of them as a
  module (`module x './t.json'`: such a template is evaluated through its callers only);
- a Terraform unit is scanned with the other units that write out one of its resource group
  names (the call index keeps each file's), because deployments meet only through a full
  identity (type, name, resource group): a spoke root looking up the hub root's zones shares
  them, and a finding in either depends on the other, as in the full scan;
- findings, and errors, are reported only for files in the directories of the changed files and
  of the local modules they call (a caller's arguments decide what its modules' resources look
  like, so a change in `live/` can create a finding in `modules/ampls/`), not in their callers
  or in unrelated code: a commit is not blocked by an old problem it did not touch. Errors with
  no file (a failing check) are always reported.

The search roots are the working directory (where pre-commit runs hooks: the repository root)
and the directories of changed files outside it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ampls_checks.discover import SKIPPED_DIRS, FileKind, display_path, inside_roots, kind_of, read_regular
from ampls_checks.model import ParseError, ScanReport
from ampls_checks.speed.call_index import CallIndex
from ampls_checks.speed.parsed_files import start_helper, wait_for_helper
from ampls_checks.units import bicep_module_calls, connected_units, reachable, relative_links, terraform_units

if TYPE_CHECKING:
    from ampls_checks.scan import ScanOptions
    from ampls_checks.speed.cache import Cache


@contextlib.contextmanager
def parsing_ahead(changed: list[str], cache_dir: str | None, max_bytes: int) -> Iterator[int | None]:
    """A forked helper that parses the changed Terraform files into the cache while this process
    imports the checks and plans the scan (speed/parsed_files.py). Yields its process id (None
    when none was started) and waits for it on the way out, whatever happened. Started before the
    scan's modules are imported, so this module imports none of them at the top."""
    helper = start_helper(changed, cache_dir, max_bytes)
    try:
        yield helper
    finally:
        wait_for_helper(helper)


@dataclass(frozen=True)
class Plan:
    files: list[str]  # what to scan, as paths to give `scan`
    directories: frozenset[str]  # real paths of the directories whose findings are reported
    refused: tuple[ParseError, ...] = ()  # changed files that are links out of their root


def _changed_inside(paths: list[str]) -> tuple[list[str], list[ParseError]]:
    """The real paths of the changed files, without those that resolve outside their root: the
    repository (the working directory) for a path under it, else the directory it is named in.
    A committed symlink to `/etc/...` or to a neighbouring checkout is refused, as a full scan
    refuses it (discover.py), and is an error entry."""
    cwd_real = os.path.realpath(os.getcwd())
    cwd_roots = [cwd_real, os.path.abspath(os.getcwd())]
    kept: set[str] = set()
    refused: list[ParseError] = []
    for path in paths:
        if not (os.path.isfile(path) and kind_of(os.path.basename(path))):
            continue
        absolute = os.path.abspath(path)
        real = os.path.realpath(path)
        root = cwd_real if inside_roots(absolute, cwd_roots) else os.path.realpath(os.path.dirname(absolute))
        if inside_roots(real, [root]):
            kept.add(real)
        else:
            refused.append(ParseError(display_path(path), "symlink points outside the repository; not followed"))
    return sorted(kept), refused


def _inside(path: str, roots: list[str]) -> bool:
    """Whether a file found by a walk of `roots` stays in them: only a link can leave (the walks
    do not enter linked directories), so only a link costs a realpath()."""
    return not os.path.islink(path) or inside_roots(os.path.realpath(path), roots)


def _read(path: str) -> bytes:
    try:
        return read_regular(path)
    except OSError:
        return b""


def _search_roots(changed: list[str]) -> list[str]:
    cwd = os.path.realpath(os.getcwd())
    roots = [cwd]
    for path in changed:
        directory = os.path.dirname(path)
        if not inside_roots(directory, [cwd]):
            roots.append(directory)
    return sorted(set(roots))


def _walk(roots: list[str], suffixes: tuple[str, ...], exclude: list[str]) -> list[str]:
    """Files under `roots` ending with one of `suffixes`, skipping what discovery skips.

    Only used to find the units of the changed files (callers of a changed module), so it is the
    cheapest walk that can do that: no symlinked directories, no per-file path arithmetic unless
    there are `--exclude` patterns. What is then scanned goes through the real discovery."""
    found: list[str] = []
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS and not _excluded(entry.path, exclude):
                        pending.append(entry.path)
                elif entry.name.endswith(suffixes) and entry.is_file() and not _excluded(entry.path, exclude):
                    found.append(entry.path)
            except OSError:
                continue
    return found


def _excluded(path: str, exclude: list[str]) -> bool:
    if not exclude:
        return False
    display = display_path(path)
    return any(fnmatch.fnmatch(display, p) or fnmatch.fnmatch(os.path.basename(path), p) for p in exclude)


def _index_key(cache: Cache, roots: list[str]) -> str:
    return cache.key("call-index", *roots)


def _load_index(cache: Cache | None, roots: list[str]) -> CallIndex:
    """The index of module calls kept by the last run from these roots (an empty one without a
    cache, which makes the walk read every file)."""
    if cache is not None:
        kept = cache.get(_index_key(cache, roots))
        if isinstance(kept, CallIndex):
            kept.changed = False
            return kept
    return CallIndex()


def _units_holding(directories: frozenset[str], files: dict[str, list[str]], calls: dict[str, set[str]]) -> set[str]:
    """The files of every unit that holds one of `directories`. Only their part of the call graph
    is split into units: the directories that call them, directly or not, and all that those
    call. Every caller of such a directory is in that part, so its roots are the roots of the
    whole graph that reach `directories`."""
    called_by: dict[str, set[str]] = {}
    for caller, targets in calls.items():
        for target in targets:
            called_by.setdefault(target, set()).add(caller)
    part = reachable(reachable(directories, called_by), calls)
    wanted: set[str] = set()
    for unit in terraform_units({d: files[d] for d in part if d in files}, calls):
        if any(os.path.dirname(path) in directories for path in unit):
            wanted.update(unit)
    return wanted


def _with_downloaded_modules(
    files: dict[str, list[str]], calls: dict[str, set[str]], exclude: list[str]
) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """The module directories `terraform init` downloaded for the roots among `files`, as the
    full scan follows them (units.remote_modules: the root's .terraform/modules/modules.json,
    only directories inside that .terraform/modules): each is called by its root, so a changed
    root file brings them, and their findings are reported (the root's arguments make them)."""
    marker = os.path.join(".terraform", "modules", "modules.json")
    owners = [d for d in files if os.path.isfile(os.path.join(d, marker))]
    if not owners:
        return files, calls
    from ampls_checks.units import remote_modules

    files, calls = dict(files), {d: set(targets) for d, targets in calls.items()}
    for owner in owners:
        for directory in remote_modules(owner).values():
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            found = [
                os.path.join(directory, n)
                for n in names
                if n.endswith((".tf", ".tf.json"))
                and os.path.isfile(os.path.join(directory, n))
                and not _excluded(os.path.join(directory, n), exclude)
            ]
            if found:
                files[directory] = found
                calls.setdefault(owner, set()).add(directory)
    return files, calls


def _units_sharing_groups(
    units: set[str], group_names: dict[str, set[str]], files: dict[str, list[str]], calls: dict[str, set[str]]
) -> set[str]:
    """The files of the other units that write out a resource group name the changed units
    write out. Two deployments are the same resource only on full identity (type, name and
    resource group, link.py), so a root module elsewhere in the repository decides a finding
    here only if it names one of these resource groups: a hub root declaring the zones a spoke
    root looks up by name, a workspace a rule in the changed unit sends to. Scanning those units
    with the changed ones gives the full scan's answer in the changed directories (the report
    stays restricted to them). Names built by interpolation are not seen (README)."""
    mine: set[str] = set()
    directories = {os.path.dirname(path) for path in units}
    for directory in directories:
        mine.update(group_names.get(directory, ()))
    if not mine:
        return set()
    related = frozenset(d for d, names in group_names.items() if d not in directories and not names.isdisjoint(mine))
    return _units_holding(related, files, calls) if related else set()


def plan(paths: list[str], exclude: list[str] | None = None, cache: Cache | None = None) -> Plan:
    """Which files to scan for these changed files, and where to report. With a `cache`, the
    module calls of unchanged files come from the index the previous run kept there."""
    exclude = exclude or []
    changed, refused = _changed_inside(paths)
    if not changed:
        return Plan([], frozenset(), tuple(refused))
    directories = frozenset(os.path.dirname(p) for p in changed)
    kinds = {kind_of(os.path.basename(p)) for p in changed}
    wanted: set[str] = set()
    reported: set[str] = set(directories)
    roots = _search_roots(changed)

    if kinds & {FileKind.TERRAFORM, FileKind.TFVARS}:
        index = _load_index(cache, roots)
        files, calls = index.walk(roots, (lambda path: _excluded(path, exclude)) if exclude else None)
        if cache is not None and index.changed:
            cache.put(_index_key(cache, roots), index)
        files, calls = _with_downloaded_modules(files, calls, exclude)
        units = _units_holding(directories, files, calls)
        wanted.update(units)
        wanted.update(_units_sharing_groups(units, index.group_names, files, calls))
        reported.update(reachable(directories, calls))

    json_wanted: set[str] = set()
    if FileKind.JSON in kinds:
        changed_json = {p for p in changed if kind_of(os.path.basename(p)) is FileKind.JSON}
        json_directories = set(directories)
        linked = _json_links(roots, exclude)
        if linked:
            members = set(linked) | changed_json | {t for targets in linked.values() for t in targets}
            for unit in connected_units(sorted(members), linked):
                if changed_json.intersection(unit):
                    json_directories.update(os.path.dirname(p) for p in unit)
            # a template it links is deployed with its parameters: findings there are its own
            reported.update(os.path.dirname(p) for p in reachable(changed_json, linked))
        for directory in sorted(json_directories):
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            json_wanted.update(
                os.path.join(directory, name)
                for name in names
                if kind_of(name) is FileKind.JSON
                and os.path.isfile(os.path.join(directory, name))
                and not _excluded(os.path.join(directory, name), exclude)
            )
        wanted.update(json_wanted)

    if FileKind.BICEP in kinds or json_wanted:
        bicep = _walk(roots, (".bicep", ".bicepparam"), exclude)
        modules = {path: bicep_module_calls(path, _read(path)) for path in bicep}
        changed_bicep = {p for p in changed if kind_of(os.path.basename(p)) is FileKind.BICEP}
        # an ARM template a Bicep file uses as a module is evaluated through its callers only
        # (units.plan_jobs), so a changed one (or one beside a changed file) brings them
        templates = {os.path.realpath(p) for p in json_wanted}
        seeds = changed_bicep | {p for p, targets in modules.items() if not templates.isdisjoint(targets)}
        for unit in terraform_units({path: [path] for path in bicep}, modules):
            if seeds.intersection(unit):
                wanted.update(unit)
                wanted.update(loaded for path in unit for loaded in _bicep_loads(path))
                wanted.update(t for path in unit for t in modules.get(path, ()) if _is_json_module(t))
        reported.update(os.path.dirname(p) for p in reachable(changed_bicep, modules))

    return Plan(sorted(w for w in wanted if _inside(w, roots)), frozenset(reported), tuple(refused))


def _json_links(roots: list[str], exclude: list[str]) -> dict[str, list[str]]:
    """ARM templates under `roots` that link others by a literal `templateLink.relativePath`:
    template -> linked templates (units.relative_links), as the scan joins them into one job."""
    found: dict[str, list[str]] = {}
    for path in _walk(roots, (".json",), exclude):
        data = _read(path)
        if b"elativePath" not in data and b"elativepath" not in data:
            continue
        targets = relative_links(path, data.decode("utf-8", "replace"))
        if targets:
            found[path] = targets
    return found


_LOAD = re.compile(rb"""\bload(?:Json|Yaml|Text)Content\(\s*'([^'$\n]{1,1000})'""")


def _bicep_loads(path: str) -> list[str]:
    """The files a Bicep file reads with `loadJsonContent('...')` and friends (their paths are
    literals in Bicep): the scan hands them to the Bicep job only when they are scanned too."""
    directory = os.path.dirname(path)
    found = []
    for target in _LOAD.findall(_read(path)):
        candidate = os.path.realpath(os.path.join(directory, target.decode("utf-8", "replace")))
        if os.path.isfile(candidate):
            found.append(candidate)
    return found


def _is_json_module(target: str) -> bool:
    """A module target that is a local ARM template the scan can read (scanned with its callers,
    who evaluate it)."""
    return target.lower().endswith(".json") and os.path.isfile(target)


def _in(file: str, directories: frozenset[str]) -> bool:
    return os.path.dirname(os.path.realpath(file)) in directories


def restrict(report: ScanReport, directories: frozenset[str]) -> ScanReport:
    """Only the findings, errors and `--verbose` notes in these directories (and errors that
    name no file)."""
    return replace(
        report,
        findings=[f for f in report.findings if _in(f.file, directories)],
        errors=[e for e in report.errors if e.file.startswith("<") or _in(e.file, directories)],
        notes=[n for n in report.notes if n.file.startswith("<") or _in(n.file, directories)],
        baselined=[f for f in report.baselined if _in(f.file, directories)],
    )


def scan_changed(paths: list[str], options: ScanOptions, helper: int | None = None) -> ScanReport:
    """Scan what the changed files belong to; report what is in their directories. `helper` is
    the process parsing the changed files ahead (parsed_files.py): the scan waits for it."""
    from ampls_checks.checks import all_checks
    from ampls_checks.scan import scan

    cache = None
    if options.use_cache:
        from ampls_checks.speed.cache import Cache

        cache = Cache(options.cache_dir)
    work = plan(paths, options.exclude, cache)
    if helper is not None:  # still parsing, most likely: load the Terraform evaluator meanwhile
        from ampls_checks.parsers.terraform import resources  # noqa: F401

    wait_for_helper(helper)
    if not work.files:
        return ScanReport(
            errors=list(work.refused), checks_run=list(options.checks) if options.checks is not None else all_checks()
        )
    report = restrict(scan(work.files, replace(options, keep_parsed_files=True)), work.directories)
    if work.refused:
        report.errors = sorted([*report.errors, *work.refused], key=lambda e: (e.file, e.line or 0))
    return report


def scan_paths(paths: list[str], options: ScanOptions) -> ScanReport:
    """A scan of files and directories named on the command line. A file named alone is read
    with the rest of its deployment unit (its module directory, the modules it calls and the
    root modules that call it, as for a changed file), because what it lacks may be in a
    sibling file; only the named files, and the directories named beside them, are reported.
    So scanning `main.tf` alone never reports what the scan of its directory does not."""
    from ampls_checks.scan import scan

    named = [p for p in paths if os.path.isfile(p) and kind_of(os.path.basename(p)) is not None]
    if not named:
        return scan(paths, options)
    work = plan(named, options.exclude)
    others = [p for p in paths if p not in named]
    report = scan([*others, *work.files], options)
    files = {os.path.realpath(p) for p in named}
    directories = [os.path.realpath(p) for p in others if os.path.isdir(p)]

    def wanted(file: str) -> bool:
        real = os.path.realpath(file)
        return real in files or inside_roots(real, directories)

    return replace(
        report,
        findings=[f for f in report.findings if wanted(f.file)],
        errors=[e for e in report.errors if e.file.startswith("<") or wanted(e.file)],
    )
