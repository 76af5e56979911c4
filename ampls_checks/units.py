"""Splitting Terraform and Bicep files into deployment units before parsing, for the cache and
the pool.

A Terraform unit is a root module directory plus every local module directory it reaches; a
Bicep unit is an entry file plus every local module file it reaches. The call graph is read from
the raw text (`source = "./..."` or `"../..."`; `module name 'path'`): a module source must be a
literal string in both languages, so this finds every local call. It may also see a call that is
not one (a provisioner's `source`, a `module` line inside a multi-line string); that only makes a
unit larger, never wrong, because each unit is then evaluated by the real parser, which decides
roots again from the parsed module declarations.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ampls_checks.discover import Candidate, FileKind, display_path, read_regular

if TYPE_CHECKING:  # imported when used: the parsers package imports this module
    from ampls_checks.parsers.bicep.registry import BicepConfig, CachePath, RestoredModule

_LOCAL_SOURCE = re.compile(rb"""\bsource\s*=\s*"(\.\.?/[^"]*)\"""")
# `module <name> '<path>'` at the start of a line (after a byte order mark on the first one)
# `loadJsonContent('path')` and the other load functions, with a literal path (linear: one
# character class between fixed delimiters).
_LOAD_CALL = re.compile(r"\bload(?:JsonContent|TextContent|YamlContent|FileAsBase64)\(\s*'([^'\\$\n]+)'")
_BICEP_MODULE = re.compile(rb"""^(?:\xef\xbb\xbf)?[ \t]*module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'$]+)'""", re.MULTILINE)
# A `.bicepparam` file's template: `using './main.bicep'`.
# `module <name> '<reference>'` naming a registry module or template spec (`br:`, `br/alias:`,
# `ts:`, `ts/alias:`)
_BICEP_REGISTRY_MODULE = re.compile(
    r"""^(?:\ufeff)?[ \t]*module\s+[A-Za-z_][A-Za-z0-9_]*\s+'((?:br|ts)(?:/[A-Za-z0-9_.-]+)?:[^'$\s]+)'""", re.MULTILINE
)
# `module <name> '<path>.json'`: a local ARM template used as a module
_BICEP_JSON_MODULE = re.compile(
    r"""^(?:\ufeff)?[ \t]*module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'$\n]+\.[jJ][sS][oO][nN])'""", re.MULTILINE
)
_BICEP_USING = re.compile(rb"""^(?:\xef\xbb\xbf)?[ \t]*using[ \t]+'([^'$]+)'""", re.MULTILINE)


# Where a Terraform file names a resource group, in its raw text (what the pre-commit hook uses to
# find the root modules that may share resources with a changed one, see precommit.py): a
# literal assigned to a name that says resource group (`resource_group_name = "rg-x"`, a module
# argument `rg_name = "rg-x"`, a `.tfvars` value), the `name` of an `azurerm_resource_group`
# resource or data source, a variable's default when the variable's name says resource group,
# and the `/resourceGroups/<name>` segment of a literal resource id. Each pattern is anchored by
# a literal and bounded, so scanning stays linear in the file's size.
_LITERAL_ASSIGNMENT = re.compile(rb'\b([A-Za-z_][A-Za-z0-9_-]{0,99})"?[ \t]*[=:][ \t]*"([^"$\\\n]{1,90})"')
_GROUP_BLOCK = re.compile(
    rb'(?:resource|data)[ \t]+"azurerm_resource_group"[ \t]+"[^"\n]{0,200}"[ \t]*\{[^{}]{0,2000}?'
    rb'\bname[ \t]*=[ \t]*"([^"$\\\n]{1,90})"'
)
_GROUP_VARIABLE = re.compile(
    rb'variable[ \t]+"([^"\n]{1,100})"[ \t]*\{[^{}]{0,2000}?\bdefault[ \t]*=[ \t]*"([^"$\\\n]{1,90})"'
)
_GROUP_SEGMENT = re.compile(rb'/resourcegroups/([^/"$\\\s]{1,90})', re.IGNORECASE)


def _names_a_group(name: bytes) -> bool:
    lowered = name.lower().replace(b"-", b"_")
    return b"resource_group" in lowered or b"resourcegroup" in lowered or b"rg" in lowered.split(b"_")


def resource_group_names(data: bytes) -> set[str]:
    """The resource group names a Terraform file (`.tf`, `.tfvars`, `.tfvars.json`) writes out,
    lower-cased (Azure compares them without case). A superset is harmless: it only widens what
    the hook scans. What it cannot see is a name built by interpolation or from another file's
    output; the README says so."""
    lowered = data.lower()
    if b"group" not in lowered and b"rg" not in lowered:
        return set()
    found = {value for name, value in _LITERAL_ASSIGNMENT.findall(data) if _names_a_group(name)}
    found.update(_GROUP_BLOCK.findall(data))
    found.update(value for name, value in _GROUP_VARIABLE.findall(data) if _names_a_group(name))
    found.update(_GROUP_SEGMENT.findall(data))
    return {value.decode("utf-8", "replace").strip().lower() for value in found if value.strip()}


def local_calls(directory: str, data: bytes) -> set[str]:
    if b'"./' not in data and b'"../' not in data:  # most files call no local module
        return set()
    return {
        os.path.realpath(os.path.join(directory, m.decode("utf-8", "replace"))) for m in _LOCAL_SOURCE.findall(data)
    }


def bicep_module_calls(path: str, data: bytes) -> set[str]:
    """The local files a Bicep file uses as modules (real paths), from its raw text. A module path
    must be a literal in Bicep; one with a `:` names a registry or template spec, never a file.
    A `.bicepparam` file uses the template its `using` names: they are parsed together."""
    directory = os.path.dirname(path)
    pattern = _BICEP_USING if path.endswith(".bicepparam") else _BICEP_MODULE
    return {
        os.path.realpath(os.path.join(directory, target.decode("utf-8", "replace")))
        for target in pattern.findall(data)
        if b":" not in target
    }


def bicep_json_modules(text: str) -> list[str]:
    """The local ARM templates a Bicep file's `module` lines name (`module x './t.json'`), as
    written. Bicep deploys a `.json` module as the compiled template it is."""
    if ".json" not in text.lower():
        return []
    return sorted({p for p in _BICEP_JSON_MODULE.findall(text) if ":" not in p})


def reachable(starts: Iterable[str], calls: Mapping[str, Iterable[str]]) -> set[str]:
    """`starts` and every directory (or file) they call, directly or not."""
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(calls.get(current, ()))
    return seen


def terraform_units(files: dict[str, list[str]], calls: dict[str, set[str]]) -> list[list[str]]:
    """`files`: directory -> its files; `calls`: directory -> directories it calls.
    Returns one sorted list of files per unit, roots in sorted order."""
    directories = sorted(files)
    called = {target for d in directories for target in calls.get(d, set()) if target != d and target in files}
    roots = [d for d in directories if d not in called]
    covered: set[str] = set()
    units: list[list[str]] = []

    def reach(root: str) -> set[str]:
        return {d for d in reachable([root], calls) if d in files}

    for root in roots:
        members = reach(root)
        covered |= members
        units.append(sorted(f for d in members for f in files[d]))
    for directory in directories:  # directories only reached through a cycle
        if directory not in covered:
            members = reach(directory)
            covered |= members
            units.append(sorted(f for d in members for f in files[d]))
    return units


_RELATIVE_PATH = re.compile(r'"relativePath"\s*:\s*"([^"\[\\][^"\\]{0,999})"', re.IGNORECASE)


def relative_links(path: str, text: str) -> list[str]:
    """The files an ARM template links by a literal `templateLink.relativePath` (relative to the
    template's own file), as absolute paths; expressions are not read here."""
    directory = os.path.dirname(path)
    return [os.path.abspath(os.path.join(directory, found)) for found in _RELATIVE_PATH.findall(text)]


def connected_units(files: list[str], calls: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """`files` grouped so that a file and every file it calls (or that calls it) are in one
    group: each file is in exactly one group, so it is parsed once per run even when several
    entry files use it (`terraform_units` gives a unit per root, which repeats shared files).
    Groups are sorted lists, in the order of their first file."""
    known = set(files)
    parent = {f: f for f in files}

    def find(item: str) -> str:
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    for source in files:
        for target in calls.get(source, ()):
            if target in known:
                a, b = find(source), find(target)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for f in sorted(files):
        groups.setdefault(find(f), []).append(f)
    return list(groups.values())


@dataclass
class Job:
    """A piece of parsing that stands alone (parsers.parse_job): one Terraform unit, ARM files of one directory, or
    one Bicep unit."""

    kind: str
    files: list[tuple[str, str, str]]  # real path, display path, text
    key: str = ""
    # Bicep: the files its `loadJsonContent('...')` and friends read, by (Bicep file, path as
    # written); only JSON files among the scanned files, so only inside the scan roots.
    loads: dict[tuple[str, str], bytes] = field(default_factory=dict)
    # Terraform: per root directory with a `.terraform/modules/modules.json`, module key -> the
    # real directory `terraform init` downloaded that module to (remote_modules)
    remote_modules: dict[str, dict[str, str]] = field(default_factory=dict)
    # Bicep: modules that are compiled ARM templates, by (real path of the Bicep file, reference
    # as written): for registry and template spec modules the `main.json` `bicep restore` left in
    # the module cache, for a local `.json` module the scanned template; or why there is none
    registry_modules: dict[tuple[str, str], RestoredModule | str] = field(default_factory=dict)


def plan_jobs(
    by_kind: dict[FileKind, list[tuple[Candidate, bytes, str]]],
    json_files: list[tuple[Candidate, bytes]] | None = None,
    module_cache: ModuleCache | None = None,
) -> list[Job]:
    """The parse jobs for the files read, by kind: a Terraform unit, the ARM files of one
    directory, a group of Bicep files joined by modules. Each job stands alone, so it can be
    cached and pooled on its own. `json_files` are all the JSON files discovered (templates or
    not): those a Bicep file loads (`loadJsonContent('./zones.json')`) go with its job, and the
    `bicepconfig.json` files among them give the module aliases. `module_cache` is where
    `bicep restore` put registry modules (none read without it)."""
    jobs: list[Job] = []
    terraform = by_kind[FileKind.TERRAFORM] + by_kind[FileKind.TFVARS]
    if terraform:
        item_of = {os.path.abspath(c.path): (c, data, text) for c, data, text in terraform}
        files: dict[str, list[str]] = {}
        calls: dict[str, set[str]] = {}
        real_directories: dict[str, str] = {}  # realpath costs a stat per path component
        for real, (_c, data, _t) in item_of.items():
            parent = os.path.dirname(real)
            directory = real_directories.get(parent)
            if directory is None:
                directory = real_directories[parent] = os.path.realpath(parent)
            files.setdefault(directory, []).append(real)
            if real.endswith(".tf"):
                calls.setdefault(directory, set()).update(local_calls(directory, data))
        downloaded: dict[str, dict[str, str]] = {}
        marker = os.sep + os.path.join(".terraform", "modules") + os.sep
        owners = {d[: d.find(marker)] for d in files if marker in d}  # discovery found downloaded modules
        for directory in sorted(owners & set(files)):
            downloaded[directory] = remote_modules(directory)
            calls.setdefault(directory, set()).update(downloaded[directory].values())
        for unit in terraform_units(files, calls):
            in_unit = set(unit)
            remote = {d: found for d, found in downloaded.items() if files[d][0] in in_unit}
            given = [(real, item_of[real][0].display, item_of[real][2]) for real in unit]
            jobs.append(Job("terraform", given, remote_modules=remote))
    bicep = {os.path.realpath(c.path): (c, data, text) for c, data, text in by_kind[FileKind.BICEP]}
    uses = {real: bicep_module_calls(real, data) for real, (_c, data, _t) in bicep.items()}
    # ARM templates a scanned Bicep file uses as modules: evaluated through their callers only,
    # with the values they pass, as a Bicep file used as a module is (never with its defaults)
    json_modules = {
        target
        for real, targets in uses.items()
        if not real.endswith(".bicepparam")
        for target in targets
        if target.lower().endswith(".json")
    }
    # ARM: a job a directory (a template reads only the parameter file beside it), directories
    # joined when a template links one of another by a literal `templateLink.relativePath`
    arm: dict[str, list[tuple[str, str, str]]] = {}
    links: dict[str, set[str]] = {}
    for c, _d, text in by_kind[FileKind.JSON]:
        if json_modules and os.path.realpath(c.path) in json_modules:
            continue
        real = os.path.abspath(c.path)
        directory = os.path.dirname(real)
        arm.setdefault(directory, []).append((real, c.display, text))
        for target in relative_links(real, text):
            links.setdefault(directory, set()).add(os.path.dirname(target))
    for group in connected_units(sorted(arm), links):
        jobs.append(Job("arm", [item for directory in group for item in arm[directory]]))
    if bicep:
        loadable = _Loadable(json_files or [])
        configs = _BicepConfigs(json_files or [])
        read: dict[tuple[str, int], RestoredModule | str] = {}  # a module many files use is read once
        for unit in connected_units(list(bicep), uses):  # a file shared by modules: parsed once
            members = [bicep[real] for real in unit]
            given = [(os.path.abspath(c.path), c.display, text) for c, _d, text in members]
            restored: dict[tuple[str, str], RestoredModule | str] = {}
            for real in unit:
                for reference in registry_references(bicep[real][2]):
                    config = configs.for_file(real)  # one object per bicepconfig.json (and one default)
                    memo = (reference, id(config))
                    if memo not in read:
                        read[memo] = _restored(reference, config, module_cache)
                    restored[(real, reference)] = read[memo]
                if not real.endswith(".bicepparam"):
                    for path in bicep_json_modules(bicep[real][2]):
                        restored[(real, path)] = loadable.template(real, path)
            jobs.append(Job("bicep", given, loads=loadable.for_files(given), registry_modules=restored))
    return jobs


class _Loadable:
    """JSON files a Bicep file may load, found by the literal paths of its load calls (Bicep
    wants them literal). Never a file outside the discovered ones: discovery already keeps to the
    scan roots and refuses symlinks out of them."""

    def __init__(self, json_files: list[tuple[Candidate, bytes]]) -> None:
        self.json_files = json_files
        self._by_real: dict[str, bytes] | None = None
        self._candidates: dict[str, Candidate] | None = None
        self._templates: dict[str, RestoredModule | str] = {}

    def for_files(self, files: list[tuple[str, str, str]]) -> dict[tuple[str, str], bytes]:
        out: dict[tuple[str, str], bytes] = {}
        for real, _display, text in files:
            if "load" not in text:
                continue
            for literal in _LOAD_CALL.findall(text):
                target = os.path.realpath(os.path.join(os.path.dirname(real), literal))
                data = self.by_real().get(target)
                if data is not None:
                    out[(real, literal)] = data
        return out

    def by_real(self) -> dict[str, bytes]:
        if self._by_real is None:
            self._by_real = {os.path.realpath(c.path): data for c, data in self.json_files}
        return self._by_real

    def template(self, caller: str, path: str) -> RestoredModule | str:
        """The ARM template a Bicep file (real path `caller`) uses as the module `path`: read
        only if the scan read it (inside the roots, a regular file, within --max-file-size),
        decoded once for all its callers; else why not."""
        target = os.path.realpath(os.path.join(os.path.dirname(caller), path))
        if target not in self._templates:
            self._templates[target] = self._template(target, path)
        return self._templates[target]

    def _template(self, target: str, path: str) -> RestoredModule | str:
        if self._candidates is None:
            self._candidates = {os.path.realpath(c.path): c for c, _data in self.json_files}
        candidate = self._candidates.get(target)
        if candidate is None:
            if not os.path.lexists(target):
                return f"its template {path} does not exist"
            return (
                f"its template {path} is not among the scanned files (outside the scan roots, excluded, "
                "or not readable); not read"
            )
        text, why = _template_text(self.by_real()[target], candidate.display)
        if text is None:
            return why
        from ampls_checks.parsers.bicep.registry import RestoredModule

        return RestoredModule(candidate.display, text, False)


MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def remote_modules(root: str) -> dict[str, str]:
    """Where `terraform init` put the registry and git modules a root module calls: module key
    (`a`, `a.b` for a call inside module a) -> real directory, from the root's
    `.terraform/modules/modules.json`. Only directories inside that `.terraform/modules` count:
    the manifest is input like any other file and must not lead the scan out of the roots.
    Nothing is downloaded; a missing or broken manifest leaves the calls unfollowed."""
    modules = os.path.join(root, ".terraform", "modules")
    try:
        data = read_regular(os.path.join(modules, "modules.json"), MAX_MANIFEST_BYTES + 1)
        if len(data) > MAX_MANIFEST_BYTES:
            return {}
        manifest = json.loads(data.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return {}
    entries = manifest.get("Modules") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return {}
    base = os.path.realpath(modules)
    found: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key, directory = entry.get("Key"), entry.get("Dir")
        if not isinstance(key, str) or not key or not isinstance(directory, str) or "\x00" in directory:
            continue
        real = os.path.realpath(os.path.join(root, directory))
        if real.startswith(base + os.sep) and os.path.isdir(real):
            found[key] = real
    return found


def registry_references(text: str) -> list[str]:
    """The registry and template spec references a Bicep file's `module` lines name."""
    if "br" not in text and "ts" not in text:
        return []
    return sorted(set(_BICEP_REGISTRY_MODULE.findall(text)))


MAX_CONFIG_BYTES = 1024 * 1024
MAX_FINGERPRINT_ENTRIES = 200_000  # restored modules listed for the scan cache's key


class _BicepConfigs:
    """The `bicepconfig.json` that applies to a Bicep file: the nearest one in its directory or
    above, as Bicep looks it up, among the discovered files only (so inside the scan roots)."""

    def __init__(self, json_files: list[tuple[Candidate, bytes]]) -> None:
        self.by_directory: dict[str, bytes] = {
            os.path.dirname(os.path.realpath(c.path)): data
            for c, data in json_files
            if os.path.basename(c.path) == "bicepconfig.json" and len(data) <= MAX_CONFIG_BYTES
        }
        self._read: dict[str, BicepConfig] = {}
        self._default: BicepConfig | None = None

    def for_file(self, real: str) -> BicepConfig:
        directory = os.path.dirname(real)
        while True:
            if directory in self.by_directory:
                if directory not in self._read:
                    from ampls_checks.parsers.bicep.registry import read_config

                    text = self.by_directory[directory].decode("utf-8-sig", "replace")
                    self._read[directory] = read_config(text, _home())
                return self._read[directory]
            parent = os.path.dirname(directory)
            if parent == directory:
                if self._default is None:
                    from ampls_checks.parsers.bicep.registry import BicepConfig

                    self._default = BicepConfig()
                return self._default
            directory = parent


def _home() -> str | None:
    home = os.path.expanduser("~")
    return None if home == "~" else home


@dataclass(frozen=True)
class ModuleCache:
    """Where `bicep restore` put registry modules: `--bicep-module-cache`, else Bicep's default
    `~/.bicep`. A `cacheRootDirectory` in a scanned `bicepconfig.json` is not followed on its
    own (a repository must not make the scan read elsewhere): the note names it, and the user
    passes it with `--bicep-module-cache`. Files are read only below the cache's real path,
    regular, at most `max_bytes`."""

    root: str | None
    max_bytes: int

    @classmethod
    def of(cls, given: str | None, max_bytes: int) -> ModuleCache:
        from ampls_checks.parsers.bicep.registry import default_cache

        return cls(given if given else default_cache(_home()), max_bytes)

    def fingerprint(self) -> str:
        """What the restored modules are, for the whole-scan cache key: path, size, change time
        and inode of every `main.json` where `bicep restore` puts them (a stat each, no read);
        a cache too large to list is never vouched for."""
        if self.root is None:
            return "no module cache"
        entries: list[str] = [self.root]
        for pattern in (("br", 3), ("ts", 4)):
            pending = [(os.path.join(self.root, pattern[0]), 0)]
            while pending:
                directory, depth = pending.pop()
                try:
                    with os.scandir(directory) as listing:
                        found = list(listing)
                except OSError:
                    continue
                for entry in found:
                    if depth < pattern[1] and entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, depth + 1))
                    elif depth == pattern[1] and entry.name == "main.json":
                        try:
                            status = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        entries.append(f"{entry.path}:{status.st_size}:{status.st_mtime_ns}:{status.st_ino}")
                if len(entries) > MAX_FINGERPRINT_ENTRIES:
                    return f"too large: {os.urandom(8).hex()}"
        return repr(sorted(entries))


def _restored(reference: str, config: BicepConfig, cache: ModuleCache | None) -> RestoredModule | str:
    """The restored module `reference` names, or why it is not read."""
    from ampls_checks.parsers.bicep.registry import cache_path

    where = cache_path(reference, config)
    if isinstance(where, str):
        return where
    if cache is None or cache.root is None:
        return "no Bicep module cache is known (--bicep-module-cache)"
    return _read_restored(where, cache, config)


def _read_restored(where: CachePath, cache: ModuleCache, config: BicepConfig) -> RestoredModule | str:
    assert cache.root is not None
    path = os.path.join(cache.root, *where.parts)
    shown = display_path(path)
    hint = ""
    if config.cache_root is not None and os.path.abspath(config.cache_root) != os.path.abspath(cache.root):
        hint = f" (bicepconfig.json sets cacheRootDirectory {config.cache_root}: pass it with --bicep-module-cache)"
    base = os.path.realpath(cache.root)
    real = os.path.realpath(path)
    if not real.startswith(base.rstrip(os.sep) + os.sep):
        return f"{shown} leads out of the module cache; not read"
    try:
        data = read_regular(real, cache.max_bytes + 1)
    except FileNotFoundError:
        return f"not in the module cache at {shown}: run `bicep restore`{hint}"
    except OSError as exc:
        return f"cannot read {shown}: {exc.strerror or exc}"
    if len(data) > cache.max_bytes:
        return f"{shown} is over the limit of {cache.max_bytes} bytes (--max-file-size); not read"
    text, why = _template_text(data, shown)
    if text is None:
        return why
    from ampls_checks.parsers.bicep.registry import RestoredModule

    return RestoredModule(shown, text, where.template_spec)


def _template_text(data: bytes, shown: str) -> tuple[str, str] | tuple[None, str]:
    """A compiled template's text (UTF-8, or UTF-16 with a byte order mark as the Azure CLI
    writes it), or None and why it is not read."""
    if b"\x00" in data[:4096] and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return None, f"{shown} is not a text file; not read"
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, f"{shown} is not UTF-8; not read"
    return text, ""
