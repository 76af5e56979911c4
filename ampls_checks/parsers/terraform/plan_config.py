"""Where a plan's resources are written: each address, module path included, mapped back to its
`resource "type" "name"` block in the configuration directory the plan was made from.

A plan (`terraform show -json`) says what will exist, not where it is written. Given the root
module directory, the module path of an address (`module.net.module.dns`) leads from the root
through each `module` block: a local source (`./modules/dns`) is a directory beside its caller,
a registry or git source is where `terraform init` downloaded it, as the root's
`.terraform/modules/modules.json` records (key `net.dns`). Only directories inside the root are
read, as a scan of the root would; a module found nowhere leaves its resources at their lines in
the plan file. Nothing here evaluates an expression: values come from the plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ampls_checks.discover import display_path, inside_roots, read_regular
from ampls_checks.model import ParseError
from ampls_checks.parsers.common.limits import MAX_MODULE_DEPTH
from ampls_checks.parsers.terraform.parse import (
    Decl,
    ModuleSource,
    TfFile,
    is_override_file,
    local_module_dir,
    parse_tf_file,
)
from ampls_checks.units import remote_modules

MAX_CONFIG_FILES = 2_000  # .tf files read for one plan, all module directories together


@dataclass
class ConfigTree:
    """The root module directory of a plan and the module directories its calls lead to, read on
    demand (a module no planned resource lives in is never read)."""

    root: str
    max_bytes: int
    errors: list[ParseError] = field(default_factory=list)
    files_read: int = 0
    _sources: dict[str, ModuleSource | None] = field(default_factory=dict)
    _remote: dict[str, str] | None = None

    @property
    def real_root(self) -> str:
        return os.path.realpath(self.root)

    @property
    def unit(self) -> str:
        """The deployment unit as a scan of the root names it: the directory its files show in."""
        source = self.source(self.real_root)
        if source is not None and source.files:
            return os.path.dirname(source.files[0].display)
        return display_path(self.root)

    def source(self, directory: str) -> ModuleSource | None:
        """The declarations of one directory's `.tf` files (override files merged last)."""
        if directory in self._sources:
            return self._sources[directory]
        self._sources[directory] = None
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".tf"))
        except OSError:
            return None
        parsed: list[TfFile] = []
        for name in sorted(names, key=lambda n: (is_override_file(n), n)):
            if self.files_read >= MAX_CONFIG_FILES:
                break
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            self.files_read += 1
            tf_file = self._read(path)
            if tf_file is not None:
                parsed.append(tf_file)
        module = ModuleSource(directory)
        for tf_file in parsed:
            module.add(tf_file)
        self._sources[directory] = module
        return module

    def _read(self, path: str) -> TfFile | None:
        display = display_path(path)
        try:
            data = read_regular(path, self.max_bytes + 1)
        except OSError as exc:
            self.errors.append(ParseError(display, f"cannot read file: {exc.strerror or exc}"))
            return None
        if len(data) > self.max_bytes:
            self.errors.append(ParseError(display, f"file is over the limit of {self.max_bytes} (--max-file-size)"))
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.errors.append(ParseError(display, f"not valid UTF-8 (byte {exc.start})"))
            return None
        parsed = parse_tf_file(path, display, text)
        if isinstance(parsed, ParseError):
            self.errors.append(parsed)
            return None
        return parsed

    def module_dir(self, names: tuple[str, ...]) -> str | None:
        """The directory of the module reached by the calls `names` (no instance keys), or None."""
        if len(names) > MAX_MODULE_DEPTH:
            return None
        directory = self.real_root
        for depth, name in enumerate(names):
            source = self.source(directory)
            call = source.module_calls.get(name) if source is not None else None
            if call is None:
                return None
            found = local_module_dir(directory, call.block)
            if found is None:
                found = self.remote().get(".".join(names[: depth + 1]))
            if found is None or not inside_roots(found, [self.real_root]):
                return None
            directory = found
        return directory

    def remote(self) -> dict[str, str]:
        if self._remote is None:
            self._remote = remote_modules(self.real_root)
        return self._remote

    def declaration(self, names: tuple[str, ...], mode: str, type_: str, name: str) -> Decl | None:
        """The block that declares `mode type.name` in the module reached by `names`."""
        directory = self.module_dir(names)
        source = self.source(directory) if directory is not None else None
        return source.resources.get((mode, type_, name)) if source is not None else None
