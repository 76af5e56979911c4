"""python-hcl2's parser: found without importing `hcl2`, loaded from a snapshot in a few ms.

We never `import hcl2`: Checkov's fork `bc-python-hcl2` installs under that same import name, so
inside Checkov (the policy pack) `hcl2` is the fork. Reading python-hcl2's grammar file and
post-lexer from its own distribution keeps one parser, python-hcl2's, wherever we run.

Speed matters here because the pre-commit hook has 250 ms for everything. Building the LALR parser
from the grammar takes about two seconds; lark's own cache brings that to about 75 ms, most of it
rebuilding the parse table from lark's portable serial form. So we keep a plain pickle of lark's
parsing front end, which loads in about 20 ms. Lark compares parser actions by identity
(`action is Shift`) and holds the `re` module and our post-lexer: those are written as names and
put back on loading. A snapshot is written only after a copy read back from it parses a sample of
HCL to the same tree as the parser it was taken from; its file name carries the versions of lark,
Python, the grammar, the post-lexer and this format, so one that does not fit is never read; its
payload carries a checksum, and on loading only lark's classes may be named. It lives in the
user's cache directory, not in a shared temporary directory where another user could plant a
pickle. When that directory cannot be written, lark's own cache is used instead.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass
from typing import Any

_FORMAT = b"AMPLS-HCL-PARSER-2\n"


class HclParserUnavailable(Exception):
    """python-hcl2 is missing or is not the version we read."""


@dataclass(frozen=True)
class Hcl2Files:
    """Where python-hcl2's grammar and post-lexer are."""

    version: str
    grammar: str
    postlexer: str


@functools.lru_cache(maxsize=1)
def python_hcl2_files() -> Hcl2Files:
    """python-hcl2's files, found from its `.dist-info` directory on `sys.path`.

    Listing the path entries costs well under a millisecond; `importlib.metadata` costs 40 ms to
    import, so it is only the fallback for installs the listing does not understand."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found = [n for n in names if n.startswith("python_hcl2-") and n.endswith(".dist-info")]
        if len(found) != 1:
            continue
        version = found[0][len("python_hcl2-") : -len(".dist-info")]
        fork = any(n.startswith("bc_python_hcl2-") and n.endswith(".dist-info") for n in names)
        return _checked(version, os.path.join(entry or ".", "hcl2"), fork)
    return _from_metadata()


def _from_metadata() -> Hcl2Files:
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution("python-hcl2")
    except importlib.metadata.PackageNotFoundError:
        raise HclParserUnavailable("python-hcl2 is not installed; install ampls-checks with its dependencies") from None
    package = os.path.dirname(str(dist.locate_file("hcl2/hcl2.lark")))
    try:
        fork = importlib.metadata.distribution("bc-python-hcl2")
        same = os.path.realpath(str(fork.locate_file("hcl2"))) == os.path.realpath(package)
    except importlib.metadata.PackageNotFoundError:
        same = False
    return _checked(dist.version, package, same)


def _checked(version: str, package: str, overwritten_by_fork: bool) -> Hcl2Files:
    files = Hcl2Files(version, os.path.join(package, "hcl2.lark"), os.path.join(package, "postlexer.py"))
    if (
        not version.startswith("8.")
        or overwritten_by_fork
        or not os.path.isfile(files.grammar)
        or not os.path.isfile(files.postlexer)
    ):
        raise HclParserUnavailable(
            "python-hcl2 8.x is missing or overwritten: Checkov's fork bc-python-hcl2 installs the same "
            "'hcl2' files; install ampls-checks and checkov in separate environments (README, "
            "'Using it with Checkov')"
        )
    return files


# A sample that goes through most of the grammar: a snapshot must parse it exactly as lark does.
_SAMPLE = """
terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = ">= 3.0" }
  }
}
variable "names" {
  type    = list(object({ name = string, tags = optional(map(string), {}) }))
  default = []
}
locals {
  ids     = [for n in var.names : lower(n.name) if n.name != ""]
  by_name = { for i, n in var.names : n.name => i... }
  flag    = !var.enabled && (1 + 2 * 3 - 4 / 2 % 3) >= -1 || null == true
  picked  = var.enabled ? azurerm_resource.a[0].id : try(module.m.out["k"], "x")
  splat   = azurerm_resource.a[*].name
  legacy  = azurerm_resource.a.*.name
  text    = "pre-${var.x}-%{ if var.y }yes%{ else }no%{ endif }-${jsonencode({ a = 1.5e3 })}"
  doc     = <<-EOT
    heredoc ${var.x}
  EOT
}
# a comment
// another
/* and a block
   comment */
resource "azurerm_resource" "a" {
  count = length(var.names)
  dynamic "block" {
    for_each = var.names
    content {
      name = block.value.name
    }
  }
  args = concat(local.ids...)
}
"""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[str, Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(value): name for name, value in shared.items()}
        from lark.parsers.lalr_analysis import Reduce, Shift

        self._globals = {id(Shift): "Shift", id(Reduce): "Reduce"}

    def persistent_id(self, obj: Any) -> str | None:
        return self._names.get(id(obj))

    def reducer_override(self, obj: Any) -> Any:
        """lark's two parser actions are compared by identity: they are written as references
        to lark's own objects (pickle memoises those, so the 26,000 actions of the table cost
        one lookup each on loading, in C)."""
        return self._globals.get(id(obj), NotImplemented)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: dict[str, Any]) -> None:
        super().__init__(file)
        self._shared = shared

    def persistent_load(self, pid: Any) -> Any:
        if pid not in self._shared:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}")
        return self._shared[pid]

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("lark.") or (module, name) == ("functools", "partial"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a lark parser")


def _shared_objects(postlexer: Any) -> dict[str, Any]:
    """What the snapshot refers to by name instead of copying."""
    import re

    return {"re": re, "postlexer": postlexer}


def _postlexer(files: Hcl2Files) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("ampls_checks._python_hcl2_postlexer", files.postlexer)
    if spec is None or spec.loader is None:
        raise HclParserUnavailable("cannot load python-hcl2's post-lexer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PostLexer()


def _snapshot_path(directory: str, files: Hcl2Files, lark_version: str) -> str:
    digest = hashlib.blake2b(_FORMAT, digest_size=16)
    digest.update(f"{lark_version}|{sys.version_info[:2]}|{files.version}".encode())
    for path in (files.grammar, files.postlexer):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return os.path.join(directory, "parser", f"hcl-{digest.hexdigest()}.pkl")


def _load_snapshot(path: str, shared: dict[str, Any]) -> Any | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n")
    if header != hashlib.blake2b(payload, digest_size=20).hexdigest().encode():
        return None
    try:
        return _Unpickler(io.BytesIO(payload), shared).load()
    except Exception:  # noqa: BLE001 - any damage means "no snapshot", never a crash
        return None


def _write_snapshot(path: str, lark_module: Any, files: Hcl2Files, postlexer: Any) -> Any | None:
    """Build the parser, and keep a snapshot of it if a copy read back parses the sample the same.
    Returns the parser, or None when nothing could be written (the caller uses lark's cache)."""
    shared = _shared_objects(postlexer)
    parser = lark_module.Lark.open(files.grammar, parser="lalr", propagate_positions=False, postlex=postlexer)
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, shared).dump(parser.parser)
        payload = buffer.getvalue()
        copy = _Unpickler(io.BytesIO(payload), shared).load()
        if copy.parse(_SAMPLE) != parser.parse(_SAMPLE):
            return parser
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(hashlib.blake2b(payload, digest_size=20).hexdigest().encode() + b"\n" + payload)
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - a snapshot is only an optimisation
        return parser
    return copy


@functools.lru_cache(maxsize=4)
def hcl_parser(cache_dir: str | None = None) -> Any:
    """A parser with lark's `parse(text)`, for python-hcl2's grammar. `cache_dir` holds the
    snapshot (the default cache directory when None)."""
    files = python_hcl2_files()
    import lark as lark_module

    postlexer = _postlexer(files)
    if cache_dir is None:
        from ..cache import default_cache_dir

        cache_dir = default_cache_dir()
    try:
        path = _snapshot_path(cache_dir, files, lark_module.__version__)
    except OSError:
        path = ""
    if path:
        loaded = _load_snapshot(path, _shared_objects(postlexer))
        if loaded is not None:
            return loaded
        built = _write_snapshot(path, lark_module, files, postlexer)
        if built is not None and os.path.exists(path):
            return built
    return lark_module.Lark.open(files.grammar, parser="lalr", propagate_positions=False, postlex=postlexer, cache=True)
