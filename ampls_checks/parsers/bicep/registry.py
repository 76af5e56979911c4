"""Bicep registry modules and template specs, read where `bicep restore` put them.

`bicep restore` (and `bicep build`) copy each `br:` and `ts:` module into a local cache; nothing is
downloaded here, the scan only reads that copy. The layout is Bicep's own (Azure/bicep,
`OciArtifactRegistry.GetArtifactDirectory`, `TemplateSpecModuleArtifact`, `TagEncoder`):

- registry modules: `<cache>/br/<registry>/<repository>/<tag or digest>/main.json`, the registry
  in lower case with `:` (a port) written `$`, the repository with its `/` written `$`
  (`bicep$avm$res$network$private-endpoint`), a tag as written followed by `$` and, when it has
  upper-case letters, a hexadecimal mask of their positions (`0.7.1$`, `V1$1`), a digest with
  its `:` written `#` (`sha256#e3b0...`). `main.json` is the compiled ARM template.
- template specs: `<cache>/ts/<subscription>/<resource group>/<name>/<version>/main.json`, the
  whole path in lower case; `main.json` is the template spec version resource as Azure returns
  it, its template under `properties.mainTemplate`.
- `<cache>` is `cacheRootDirectory` of the `bicepconfig.json` that applies (`~/` is the home
  directory), else `~/.bicep` (Bicep reads no environment variable for it).
- aliases: `br/public:` is built in (`mcr.microsoft.com` with module path `bicep`); others come
  from `moduleAliases.br.<alias>` (`registry`, optional `modulePath`) and
  `moduleAliases.ts.<alias>` (`subscription`, `resourceGroup`) of the nearest `bicepconfig.json`
  above the Bicep file, as Bicep looks it up (the built-in `public` stays unless that file
  redefines it). Docs: learn.microsoft.com/azure/azure-resource-manager/bicep/
  bicep-config-modules, private-module-registry, template-specs.

This module only turns text into paths: reading the files is the caller's (units.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.parsers.arm.json_lines import JsonDecodeError, decode, plain

PUBLIC_ALIAS = ("mcr.microsoft.com", "bicep")
MAX_TAG = 128  # OciArtifactReferenceFacts.MaxTagLength
# OCI distribution spec: a tag, a digest, a path component of a repository.
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*")
_REGISTRY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?")
# A template spec's resource group, name and version (TemplateSpecModuleReference).
_RESOURCE_NAME = re.compile(r"[-\w.()]{0,89}[-\w()]")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class BicepConfig:
    """What a `bicepconfig.json` says about modules: aliases, and where the cache is."""

    br: Mapping[str, tuple[str, str]] = field(default_factory=lambda: {"public": PUBLIC_ALIAS})
    ts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    cache_root: str | None = None  # cacheRootDirectory, `~` expanded
    problem: str | None = None  # why the file could not be read, when it could not


def read_config(text: str, home: str | None) -> BicepConfig:
    """A `bicepconfig.json` (JSON with comments). A broken file gives the built-in aliases and
    names its problem, so a module that needs one of its aliases says why it is not resolved."""
    try:
        document = plain(decode(text))
    except (JsonDecodeError, RecursionError) as exc:
        return BicepConfig(problem=f"bicepconfig.json is not valid JSON ({exc})")
    if not isinstance(document, dict):
        return BicepConfig(problem="bicepconfig.json is not an object")
    aliases = document.get("moduleAliases")
    aliases = aliases if isinstance(aliases, dict) else {}
    br: dict[str, tuple[str, str]] = {"public": PUBLIC_ALIAS}
    for name, entry in _entries(aliases.get("br")):
        registry, path = entry.get("registry"), entry.get("modulePath", "")
        if isinstance(registry, str) and isinstance(path, str):
            br[name] = (registry, path)
        else:
            br.pop(name, None)  # Bicep refuses an alias without a registry
    ts: dict[str, tuple[str, str]] = {}
    for name, entry in _entries(aliases.get("ts")):
        subscription, group = entry.get("subscription"), entry.get("resourceGroup")
        if isinstance(subscription, str) and isinstance(group, str):
            ts[name] = (subscription, group)
    root = document.get("cacheRootDirectory")
    return BicepConfig(br=br, ts=ts, cache_root=_expand_home(root, home) if isinstance(root, str) and root else None)


def _entries(value: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        return []
    return [(name, entry) for name, entry in value.items() if isinstance(entry, dict)]


def _expand_home(path: str, home: str | None) -> str | None:
    """`~` and `~/...` as Bicep expands them (RootConfiguration.ExpandCacheRootDirectory)."""
    if path == "~" or path.startswith(("~/", "~\\")):
        return None if home is None else home + path[1:]
    return path


def default_cache(home: str | None) -> str | None:
    """Bicep's default cache: `.bicep` in the user's profile directory (FeatureProvider)."""
    return None if home is None else os.path.join(home, ".bicep")


@dataclass(frozen=True)
class CachePath:
    """Where a restored module lives, relative to the cache root, and how to read it."""

    parts: tuple[str, ...]  # directories under the cache root, then `main.json`
    template_spec: bool  # the template is under `properties.mainTemplate`


def cache_path(reference: str, config: BicepConfig) -> CachePath | str:
    """Where `bicep restore` puts the module `reference` (as written after `module x`), or why
    it cannot be told (an unknown alias, a reference Bicep itself would refuse)."""
    scheme, _, rest = reference.partition(":")
    kind, _, alias = scheme.partition("/")
    if kind == "br":
        if alias:
            found = config.br.get(alias)
            if found is None:
                return _unknown_alias("br", alias, config)
            registry, path = found
            rest = f"{registry}/{path.strip('/')}/{rest}" if path.strip("/") else f"{registry}/{rest}"
        return _oci_path(rest)
    if kind == "ts":
        if alias:
            group = config.ts.get(alias)
            if group is None:
                return _unknown_alias("ts", alias, config)
            rest = f"{group[0]}/{group[1]}/{rest}"
        return _template_spec_path(rest)
    return f"{scheme}: is not a registry or template spec reference"


def _unknown_alias(kind: str, alias: str, config: BicepConfig) -> str:
    if config.problem is not None:
        return f"alias {kind}/{alias} is not known: {config.problem}"
    return f"alias {kind}/{alias} is not defined in moduleAliases.{kind} of a bicepconfig.json above the file"


def _oci_path(reference: str) -> CachePath | str:
    """`<registry>/<repository>:<tag>` or `...@<digest>` (OciArtifactAddressComponents)."""
    registry, slash, rest = reference.partition("/")
    if not slash or not _REGISTRY.fullmatch(registry):
        return f"the registry of {reference!r} is not valid"
    at, colon = rest.find("@"), rest.rfind(":")
    if at >= 0:
        repository, version = rest[:at], rest[at + 1 :]
        if not _DIGEST.fullmatch(version):
            return f"the digest of {reference!r} is not valid"
        encoded = version.replace(":", "#")
    elif colon >= 0:
        repository, version = rest[:colon], rest[colon + 1 :]
        if not _TAG.fullmatch(version):
            return f"the tag of {reference!r} is not valid"
        encoded = encode_tag(version)
    else:
        return f"{reference!r} has no tag or digest"
    if not all(_COMPONENT.fullmatch(part) for part in repository.split("/")):
        return f"the repository of {reference!r} is not valid"
    directory = registry.replace(":", "$").lower()
    return CachePath(("br", directory, repository.replace("/", "$"), encoded, "main.json"), False)


def encode_tag(tag: str) -> str:
    """The tag as Bicep names its directory on case-insensitive file systems (TagEncoder): the
    tag, `$`, then the positions of its upper-case letters as a bit mask in hexadecimal, in
    64-bit words from the last, leading zeros only after the first word written."""
    mask = [0] * ((MAX_TAG + 63) // 64)
    for position, char in enumerate(tag):
        if char.isupper():
            mask[position // 64] |= 1 << (position % 64)
    out = [tag, "$"]
    started = False
    for word in reversed(mask):
        if word or started:
            out.append(f"{word:016x}" if started else f"{word:x}")
            started = True
    return "".join(out)


def _template_spec_path(reference: str) -> CachePath | str:
    """`<subscription>/<resource group>/<name>:<version>` (TemplateSpecModuleReference)."""
    path, colon, version = reference.rpartition(":")
    parts = path.split("/")
    if not colon or len(parts) != 3:
        return f"{reference!r} is not <subscription>/<resource group>/<name>:<version>"
    subscription, group, name = parts
    if not _GUID.fullmatch(subscription):
        return f"the subscription of {reference!r} is not a GUID"
    if not all(_RESOURCE_NAME.fullmatch(part) for part in (group, name, version)):
        return f"a name in {reference!r} is not valid"
    return CachePath(("ts", subscription.lower(), group.lower(), name.lower(), version.lower(), "main.json"), True)


@dataclass(frozen=True)
class RestoredModule:
    """A module's `main.json` as read from the cache (plain data: it goes to worker processes)."""

    display: str  # what reports show for the file
    text: str
    template_spec: bool
