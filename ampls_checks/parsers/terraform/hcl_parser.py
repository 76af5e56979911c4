"""python-hcl2's parser, found without importing `hcl2`, run from tables kept as a snapshot.

We never `import hcl2`: Checkov's fork `bc-python-hcl2` installs under that same import name, so
inside Checkov (the policy pack) `hcl2` is the fork. Reading python-hcl2's grammar file and
post-lexer from its own distribution keeps one parser, python-hcl2's, wherever we run. lark builds
that parser from the grammar once (seconds); its tables are kept as plain data in the cache
directory and run by our own runtime (lark_snapshot.py, lalr.py), so later runs import neither
lark nor the post-lexer. lark's own cache (a pickle) is never used.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, replace
from typing import Any


class HclParserUnavailable(Exception):
    """python-hcl2 is missing or is not the version we read."""


@dataclass(frozen=True)
class Hcl2Files:
    """Where python-hcl2's grammar and post-lexer are, and which lark would build the parser."""

    version: str
    grammar: str
    postlexer: str
    lark_version: str = "unknown"


@functools.lru_cache(maxsize=1)
def python_hcl2_files() -> Hcl2Files:
    """python-hcl2's files, found from its `.dist-info` directory on `sys.path`.

    Listing the path entries costs well under a millisecond; `importlib.metadata` costs 40 ms to
    import, so it is only the fallback for installs the listing does not understand."""
    lark_version = "unknown"
    found_hcl2: tuple[str, str, bool] | None = None
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        if lark_version == "unknown":
            larks = [n for n in names if n.startswith("lark-") and n.endswith(".dist-info")]
            if len(larks) == 1:
                lark_version = larks[0][len("lark-") : -len(".dist-info")]
        found = [n for n in names if n.startswith("python_hcl2-") and n.endswith(".dist-info")]
        if found_hcl2 is None and len(found) == 1:
            version = found[0][len("python_hcl2-") : -len(".dist-info")]
            fork = any(n.startswith("bc_python_hcl2-") and n.endswith(".dist-info") for n in names)
            found_hcl2 = (version, os.path.join(entry or ".", "hcl2"), fork)
        if found_hcl2 is not None and lark_version != "unknown":
            break
    if found_hcl2 is not None:
        return replace(_checked(*found_hcl2), lark_version=lark_version)
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
    try:
        lark_version = importlib.metadata.version("lark")
    except importlib.metadata.PackageNotFoundError:
        lark_version = "unknown"
    return replace(_checked(dist.version, package, same), lark_version=lark_version)


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
  long = var.a
    && var.b
    || var.c ? 1 : 2
  in = { if = true, for = false, null = "x" }
  num = -1.5e-3 + 1 - 2
}
in "label" {}
"""
# Samples whose errors must come out the same: an unclosed block, a character no terminal takes,
# a token where none fits, a token only another lexer state knows.
_BAD_SAMPLES = ["a = {\n  b = 1\n", "a = 1 @ 2\n", "a = = 1\n", 'a = "x" "y"\n', "a = 1\n}\n", "a = <<EOT\nx\n"]


def _postlexer(files: Hcl2Files) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("ampls_checks._python_hcl2_postlexer", files.postlexer)
    if spec is None or spec.loader is None:
        raise HclParserUnavailable("cannot load python-hcl2's post-lexer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PostLexer()


@functools.lru_cache(maxsize=4)
def hcl_parser(cache_dir: str | None = None) -> Any:
    """A parser with lark's `parse(text)`, for python-hcl2's grammar. `cache_dir` holds the
    snapshot (the default cache directory when None)."""

    from ampls_checks.speed import lark_snapshot

    files = python_hcl2_files()

    def build() -> tuple[Any, Any]:
        import lark

        postlexer = _postlexer(files)
        return lark.Lark.open(files.grammar, parser="lalr", propagate_positions=False, postlex=postlexer), postlexer

    try:
        with open(files.grammar, "rb") as grammar, open(files.postlexer, "rb") as code:
            depends_on = [files.version.encode(), files.lark_version.encode(), grammar.read(), code.read()]
    except OSError:
        return build()[0]
    path = lark_snapshot.snapshot_path(cache_dir, "hcl", depends_on)
    return lark_snapshot.snapshot_parser(path, build, [_SAMPLE + "\n", *_BAD_SAMPLES])
