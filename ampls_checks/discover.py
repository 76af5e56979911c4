"""Finding the files to scan, and the cheap byte test that skips the ones that cannot matter.

The walk stays inside the roots it is given: a symlink is followed only when its target is inside
one of the roots, and a directory reached twice (a symlink loop) is walked once. A monorepo is
mostly unrelated files, so every candidate first passes `is_relevant`, a substring test on its
raw bytes, before any parser sees it.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field
from enum import Enum

from ampls_checks.azure import AZAPI_TYPES, TERRAFORM_KIND
from ampls_checks.model import ParseError

# Terraform resource types the parsers extract (terraform_resources.EXTRACTORS plus azapi; a test
# keeps the two in step). Kept here so the prefilter does not import the parsers.
TERRAFORM_TYPES = tuple(sorted([*TERRAFORM_KIND, *AZAPI_TYPES]))
# What the prefilter looks for: a few prefixes that cover every type above (a test checks it), and
# the blocks that carry values (variables, locals, modules, outputs). Fewer, shorter needles make
# the byte test three times faster than one needle per type; a wider match only parses a bit more.
TERRAFORM_TOKENS = (
    b"azurerm_monitor_",
    b"azurerm_private_",
    b"azurerm_log_analytics_workspace",
    b"azurerm_application_insights",
    b"azurerm_subnet",
    b"azurerm_virtual_network",
    b"azurerm_network_security_",
    b"azapi_",
    b"variable",
    b"locals",
    b"module",
    b"output",
)

# `.bicep`: a Bicep module cache (`bicep restore`) kept in the tree holds compiled modules, read
# through the modules that call them (--bicep-module-cache), never as templates of their own.
SKIPPED_DIRS = frozenset({".terraform", ".git", "node_modules", ".terragrunt-cache", ".bicep"})
MODULES_MANIFEST = "modules.json"  # .terraform/modules/modules.json, written by `terraform init`


class FileKind(str, Enum):
    TERRAFORM = "terraform"
    TFVARS = "tfvars"
    JSON = "json"
    BICEP = "bicep"


def kind_of(name: str) -> FileKind | None:
    if name.endswith(".tf"):
        return FileKind.TERRAFORM
    if name.endswith((".tfvars", ".tfvars.json")):
        return FileKind.TFVARS
    if name.endswith(".json") and not name.endswith(".tfvars.json") and not name.endswith(".tf.json"):
        return FileKind.JSON
    if name.endswith((".bicep", ".bicepparam")):  # a `.bicepparam` file gives a template its values
        return FileKind.BICEP
    return None


@dataclass(frozen=True)
class Candidate:
    path: str  # the path as walked (inside a root)
    display: str  # what reports show: relative to the working directory when under it
    kind: FileKind


@dataclass
class Discovery:
    files: list[Candidate] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)


def display_path(path: str, cwd: str | None = None) -> str:
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        relative = absolute
    shown = absolute if relative.startswith("..") else relative
    return shown.replace(os.sep, "/")


def inside_roots(path: str, roots: list[str]) -> bool:
    """Whether `path` is one of `roots` or below one (all real paths)."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _normalise_pattern(pattern: str) -> str:
    pattern = pattern.replace(os.sep, "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


def _child(display_dir: str, name: str) -> str:
    return name if display_dir == "." else f"{display_dir.rstrip('/')}/{name}"


def discover(paths: list[str], exclude: list[str] | None = None) -> Discovery:
    """Walk `paths` (files or directories) and return the candidate files.

    Real paths are resolved once per directory and only for symlinked files, and display paths
    are built by joining names: a monorepo walk must cost little more than the directory reads.
    """
    # `legacy/`, `./legacy` and `legacy` all mean the directory (and `legacy/*` what is in it)
    exclude = [_normalise_pattern(p) for p in exclude or []]
    found = Discovery()
    real_roots = [os.path.realpath(p) for p in paths]
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()

    def excluded(display: str) -> bool:
        return bool(exclude) and any(
            fnmatch.fnmatch(display, pattern) or fnmatch.fnmatch(os.path.basename(display), pattern)
            for pattern in exclude
        )

    def add_file(path: str, display: str, real: str | None) -> None:
        kind = kind_of(os.path.basename(path))
        if kind is None:
            return
        real = real or os.path.realpath(path)
        if real in seen_files or excluded(display):
            return
        if not inside_roots(real, real_roots):
            found.errors.append(ParseError(display, "symlink points outside the scanned roots; not followed"))
            return
        seen_files.add(real)
        found.files.append(Candidate(path, display, kind))

    for given in paths:
        if not os.path.lexists(given):
            found.errors.append(ParseError(display_path(given), "no such file or directory"))
            continue
        if os.path.isfile(given):
            add_file(given, display_path(given), None)
            continue
        stack: list[tuple[str, str, str | None]] = [(given, display_path(given), None)]
        while stack:
            directory, shown, known_real = stack.pop()
            # a directory entered by its own name under a resolved parent needs no realpath()
            real_dir = known_real or os.path.realpath(directory)
            if real_dir in seen_dirs:
                continue  # a loop or a second route to the same directory
            if not inside_roots(real_dir, real_roots):
                found.errors.append(ParseError(shown, "symlink points outside the scanned roots; not followed"))
                continue
            seen_dirs.add(real_dir)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                found.errors.append(ParseError(shown, f"cannot read directory: {exc.strerror}"))
                continue
            subdirs = []
            for entry in entries:
                display = _child(shown, entry.name)
                try:
                    if entry.is_dir():
                        if entry.name not in SKIPPED_DIRS and not excluded(display):
                            plain = not entry.is_symlink()
                            subdirs.append((entry.path, display, os.path.join(real_dir, entry.name) if plain else None))
                        elif entry.name == ".terraform" and not entry.is_symlink():
                            # after `terraform init`: the downloaded modules (only them, never
                            # providers), followed from their callers by modules.json
                            modules = os.path.join(entry.path, "modules")
                            if os.path.isfile(os.path.join(modules, MODULES_MANIFEST)) and not os.path.islink(modules):
                                subdirs.append((modules, _child(display, "modules"), None))
                    elif entry.is_file():
                        if kind_of(entry.name) is not None:
                            linked = entry.is_symlink()
                            add_file(entry.path, display, None if linked else os.path.join(real_dir, entry.name))
                    elif entry.is_symlink() and kind_of(entry.name) is not None:
                        # only a link we would have read matters; links to absent build output do not
                        found.errors.append(ParseError(display, "broken or looping symlink"))
                except OSError as exc:
                    found.errors.append(ParseError(display, f"cannot read: {exc.strerror}"))
            stack.extend(reversed(subdirs))
    found.files.sort(key=lambda c: c.display)
    return found


def _has_microsoft(data: bytes) -> bool:
    return b"microsoft." in data.lower()


def looks_like_terraform_plan(data: bytes) -> bool:
    """`terraform show -json PLANFILE` output: a directory scan does not read it (its findings would
    repeat the configuration's), but a user who saved one beside the code may mean to scan it."""
    return data.lstrip()[:1] == b"{" and b'"format_version"' in data[:4096] and b'"planned_values"' in data


def is_relevant(kind: FileKind, data: bytes, terraform_tokens: tuple[bytes, ...]) -> bool:
    """Could this file hold anything the checks read? A substring test, no parsing."""
    if kind is FileKind.TERRAFORM:
        return any(token in data for token in terraform_tokens)
    if kind is FileKind.JSON:
        # Deployment templates and parameter files name their schema; other JSON never does.
        return b"deploymentTemplate" in data or b"deploymentParameters" in data
    if kind is FileKind.BICEP:
        # resource types are case-insensitive: `microsoft.insights/...` is as valid as `Microsoft.`
        return (
            b"icrosoft." in data
            or b"ICROSOFT." in data
            or b"module " in data
            or b"using " in data  # a `.bicepparam` file
            or _has_microsoft(data)
        )
    return True


class NotARegularFile(OSError):
    """A path that is a FIFO, a device or a socket (perhaps swapped in after discovery)."""


def read_regular(path: str, limit: int = -1) -> bytes:
    """The bytes of a regular file, at most `limit` of them (all with -1). Opened without
    blocking and checked with fstat on the open descriptor, so a FIFO or a device put in the
    file's place after discovery is an error instead of a read that never returns."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotARegularFile(0, "not a regular file", path)
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        return handle.read(limit)
