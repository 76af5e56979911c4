"""Bicep files into the neutral model.

Each file is parsed once (`syntax.py`), evaluated (`bicep_eval`), and every
resource of a type the checks read is handed to the shared ARM-shape table
(`arm_shape.build_entities`) as an `ArmResource`, so Bicep, ARM JSON and azapi read one mapping.

- Entry files are the scanned Bicep files that no other scanned Bicep file uses as a local
  `module`; a module file is evaluated through each use, with the parameters it is given, and its
  resources are reported at the module file's own lines (`module.<name>.` before their address).
  Module files are only ever taken from the scanned files: nothing outside them is read.
- Keys are `bicep:<file>:<module path><symbol>[index]` (a module's path also names the entry
  file, so two entry files using one module give distinct keys); addresses are the symbolic
  names users wrote (`scope`, `zones[0]`, `scope::link`, `module.ampls.scope`); `unit` is the
  entry file.
- A resource whose loop or deploy condition cannot be evaluated is not analysed, and `--verbose`
  says why (as for Terraform's unknown `count`). `existing` zones, virtual networks and subnets
  become external entities (known by name, properties unknown); other `existing` resources are
  only referred to by name.
- A `.bicepparam` file (`using './main.bicep'` and `param x = value`) gives its template's
  parameters their values, as a parameter file does for an ARM template: the template is
  evaluated once per `.bicepparam` file that names it, and with its defaults only when none
  does. Parameter JSON files are not read for Bicep.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ampls_checks.azure import EXTERNAL_ENTITY_TYPES, Cloud
from ampls_checks.model import Language, Location, Note, ParseError, ParseResult, Unknown, UnresolvedResource
from ampls_checks.parsers.arm.parse import KIND_OF_TYPE
from ampls_checks.parsers.arm.shape import (
    RELEVANT_ARM_TYPES,
    ArmResource,
    build_entities,
    merge_existing_views,
    path_present,
)
from ampls_checks.parsers.bicep.evaluate import (
    REMOTE_MODULE,
    ArmModule,
    Budget,
    BudgetExceeded,
    Context,
    Instance,
    ModuleHandle,
    ResourceInstance,
    SourceFile,
    to_arm_value,
)
from ampls_checks.parsers.bicep.registry import RestoredModule
from ampls_checks.parsers.bicep.syntax import (
    ArrayExpr,
    ForExpr,
    ObjectExpr,
    ResourceDecl,
    body_object,
    parse_bicep,
)
from ampls_checks.parsers.common.limits import EVAL_STEPS
from ampls_checks.suppress.comments import skips_in_lines

Path = tuple[str | int, ...]

# Properties that place a resource rather than describe it.
_PLACEMENT = ("parent", "scope", "dependsOn")


def parse_bicep_files(
    files: list[tuple[str, str, str]],
    cloud: Cloud | None = None,
    max_steps: int | None = None,
    loads: dict[tuple[str, str], bytes] | None = None,
    registry: Mapping[tuple[str, str], RestoredModule | str] | None = None,
) -> ParseResult:
    """Parse and evaluate Bicep files given as (real path, display path, text).

    `cloud` is the cloud `environment()` describes (see `bicep_eval`); without it,
    `environment()` is unknown. `max_steps` is the evaluation budget per entry file
    (`--max-eval-steps`; default `limits.EVAL_STEPS`). `loads` holds the files the load
    functions may read, by (Bicep file as given, path as written); `registry` the restored
    registry and template spec modules (or why each is not), by (real path of the Bicep file,
    reference as written)."""
    result = ParseResult()
    sources: dict[str, SourceFile] = {}
    for real, display, text in files:
        try:
            syntax = parse_bicep(text)
        except RecursionError:
            result.errors.append(ParseError(display, "Bicep nested too deeply to parse"))
            continue
        except Exception as exc:  # a tree shape we did not expect must not stop the scan
            result.errors.append(ParseError(display, f"cannot read this Bicep ({type(exc).__name__}: {exc})"))
            continue
        # a declaration that cannot be read is an error; the rest of the file is still analysed
        result.errors.extend(ParseError(display, str(exc), exc.line) for exc in syntax.errors)
        sources[os.path.realpath(real)] = SourceFile(real, display, text.splitlines(), syntax)

    decoded: dict[str, Any] = {}  # registry modules' templates, decoded once for the job
    for source, values in _deployments(sources, result.notes):
        budget = Budget(max_steps if max_steps is not None else EVAL_STEPS)
        ctx = Context(sources, cloud, result.notes, budget, loads or {}, registry=registry or {}, decoded=decoded)
        if values is None:
            instance = Instance(ctx, source, source.display, {})
        else:
            instance = _with_parameters(ctx, source, values[0], values[1])
        resources: list[ArmResource] = []
        groups: dict[str, Any] = {}
        unresolved: list[UnresolvedResource] = []
        compiled: list[ParseResult] = []  # registry modules, read as ARM templates
        try:
            _collect(instance, resources, groups, unresolved, compiled)
        except BudgetExceeded as exc:
            # what was collected stands; the rest of this entry is left out, and said so
            result.notes.append(Note(source.display, 1, f"{exc.reason}: not all resources analysed"))
            unresolved.append(_unresolved(instance, source.display, 1, 1, "*"))
        except RecursionError:
            result.errors.append(ParseError(source.display, "expressions nested too deeply to evaluate"))
            continue
        except Exception as exc:  # a bug in evaluation must not hide the other files' results
            result.errors.append(
                ParseError(source.display, f"cannot evaluate this Bicep ({type(exc).__name__}: {exc})")
            )
            continue
        built = build_entities(resources)
        for entity in built.entities:
            if entity.resource_group is None and entity.key in groups:
                entity.resource_group = groups[entity.key]  # type: ignore[assignment]  # Maybe[str] | None
        merge_existing_views(built.entities)
        result.extend(built)
        result.entities.extend(unresolved)
        for module in compiled:
            result.extend(module)
    return result


def _deployments(
    sources: dict[str, SourceFile], notes: list[Note]
) -> list[tuple[SourceFile, tuple[SourceFile, bool] | None]]:
    """What to evaluate: each entry template with the `.bicepparam` files that name it in `using`
    (once per such file, as the deployments they describe), or with its defaults when none
    does; a template named by a `.bicepparam` file is deployed with it even when another file
    also uses it as a module. The flag says whether the template has several parameter files
    (their results then carry the parameter file in their keys)."""
    templates = {real: s for real, s in sources.items() if not real.endswith(".bicepparam")}
    by_template: dict[str, list[SourceFile]] = {}
    for real, source in sorted(sources.items(), key=lambda item: item[1].display):
        if not real.endswith(".bicepparam"):
            continue
        using = source.syntax.using
        if using is None:
            notes.append(Note(source.display, 1, "no `using` template: its values are not used"))
            continue
        if REMOTE_MODULE.match(using):
            notes.append(Note(source.display, 1, f"its template comes from a registry ({using}); it is not scanned"))
            continue
        target = os.path.realpath(os.path.join(os.path.dirname(real), using))
        if target not in templates:
            notes.append(Note(source.display, 1, f"its template {using} is not among the scanned Bicep files"))
            continue
        by_template.setdefault(target, []).append(source)
    out: list[tuple[SourceFile, tuple[SourceFile, bool] | None]] = []
    entries = _entry_files(templates)
    for source in entries:
        if os.path.realpath(source.real) not in by_template:
            out.append((source, None))
    for template in sorted((templates[t] for t in by_template), key=lambda s: s.display):
        files = by_template[os.path.realpath(template.real)]
        out.extend((template, (values, len(files) > 1)) for values in files)
    return out


def _with_parameters(ctx: Context, template: SourceFile, values: SourceFile, several: bool) -> Instance:
    """The template's instance with the values a `.bicepparam` file gives (each evaluated in that
    file, whose `var`s they may use); parameters it does not set keep their defaults."""
    given = Instance(ctx, values, values.display, {})
    inputs = {name: _lookup_in(given, name) for name in values.syntax.params}
    if not several:
        return Instance(ctx, template, template.display, inputs)
    return Instance(ctx, template, values.display, inputs, key_prefix=f"{values.display}>")


def _lookup_in(instance: Instance, name: str) -> Any:
    return lambda: instance.lookup(name)


def _local_modules(source: SourceFile, sources: dict[str, SourceFile]) -> list[str]:
    found = []
    for decl in source.syntax.modules:
        if REMOTE_MODULE.match(decl.path):
            continue
        target = os.path.realpath(os.path.join(os.path.dirname(source.real), decl.path))
        if target in sources and target != os.path.realpath(source.real):
            found.append(target)
    return found


def _entry_files(sources: dict[str, SourceFile]) -> list[SourceFile]:
    """Files no other file uses as a module; files only reachable through a cycle of modules
    are entries too, so nothing is silently skipped."""
    used = {target for source in sources.values() for target in _local_modules(source, sources)}
    entries = sorted((s for real, s in sources.items() if real not in used), key=lambda s: s.display)
    reached: set[str] = set()
    pending = [os.path.realpath(s.real) for s in entries]
    while pending:
        real = pending.pop()
        if real not in reached:
            reached.add(real)
            pending.extend(_local_modules(sources[real], sources))
    cycles = sorted((s for real, s in sources.items() if real not in reached), key=lambda s: s.display)
    return entries + cycles


# ---------------------------------------------------------------------------------------------
# Walking an instance: its resources, nested resources and modules
# ---------------------------------------------------------------------------------------------


def _note(instance: Instance, line: int, message: str) -> None:
    instance.ctx.notes.append(Note(instance.file.display, line, message))


def _items(value: Any, instance: Instance, line: int, address: str) -> list[Any]:
    if isinstance(value, Unknown):
        _note(instance, line, f"{address}: not analysed: {value.reason}")
        return []
    return value if isinstance(value, list) else [value]


def _unresolved(instance: Instance, address: str, line: int, end_line: int, kind: str) -> UnresolvedResource:
    """A resource (or module) whose instances are unknown: checks that look for something
    missing stay silent in its deployment, as for ARM and Terraform."""
    return UnresolvedResource(
        key=f"bicep:{instance.unit}:{address}[?]",
        address=address,
        location=Location(instance.file.display, line, end_line, Language.BICEP),
        unit=instance.unit,
        kind=kind,
    )


def _kind_of(decl: ResourceDecl) -> str | None:
    """The entity kind a declaration would produce; `*` when only its parent tells (nested).
    An `existing` resource counts only where it would be an entity (a zone, a network)."""
    if "/" not in decl.type:
        return None if decl.existing else "*"
    arm_type = decl.type.split("@", 1)[0].lower()
    if decl.existing and arm_type not in EXTERNAL_ENTITY_TYPES:
        return None
    return KIND_OF_TYPE.get(arm_type)


def _collect(
    instance: Instance,
    out: list[ArmResource],
    groups: dict[str, Any],
    unresolved: list[UnresolvedResource],
    compiled: list[ParseResult],
) -> None:
    for decl, value in instance.resource_values():
        address = f"{instance.prefix}{decl.symbol}"
        if isinstance(value, Unknown) and (kind := _kind_of(decl)) is not None:
            unresolved.append(_unresolved(instance, address, decl.line, decl.end_line, kind))
        _emit(instance, decl, value, out, groups, address, unresolved)
    for module, value in instance.module_values():
        address = f"{instance.prefix}module.{module.symbol}"
        if isinstance(value, Unknown):
            _not_followed(instance, module.line, address, value.reason, unresolved, module.path)
            continue
        for handle in value if isinstance(value, list) else [value]:
            if not isinstance(handle, ModuleHandle):
                continue
            deployed = handle.deployed()
            if deployed is False:
                continue
            if isinstance(deployed, Unknown):
                reason = f"its condition is unknown: {deployed.reason}"
                _not_followed(instance, module.line, handle.address, reason, unresolved, module.path)
                continue
            child = handle.child()
            if isinstance(child, ArmModule):
                made = child.template()
                if isinstance(made, Unknown):
                    _not_followed(instance, module.line, handle.address, made.reason, unresolved)
                else:
                    compiled.append(made.result)
                continue
            if isinstance(child, Unknown):
                _not_followed(instance, module.line, handle.address, child.reason, unresolved)
                continue
            _collect(child, out, groups, unresolved, compiled)


def _not_followed(
    instance: Instance,
    line: int,
    address: str,
    reason: str,
    unresolved: list[UnresolvedResource],
    path: str | None = None,
) -> None:
    """A module the scan did not follow (a registry or template spec module, a file it could not
    parse, a loop or condition it cannot evaluate) may deploy anything: it stands in the unit as
    a resource of unknown kind, so checks about something missing stay silent there. A local
    module whose file (and the modules it calls) declares nothing the checks read is only noted,
    as ARM counts a nested deployment by what its inline template declares."""
    _note(instance, line, f"{address}: module not followed: {reason}")
    if path is not None and not _may_deploy_entities(instance, path, set()):
        return
    unresolved.append(_unresolved(instance, address, line, line, "*"))


def _may_deploy_entities(instance: Instance, path: str, seen: set[str]) -> bool:
    """Whether the local module file `path` (relative to `instance`'s file) may declare an entity,
    itself or through the modules it calls; `True` whenever that cannot be told."""
    if REMOTE_MODULE.match(path):
        return True
    target = os.path.realpath(os.path.join(os.path.dirname(instance.file.real), path))
    return _file_may_deploy(instance.ctx.files, target, seen)


def _inline_deployment(decl: ResourceDecl) -> bool:
    """A `Microsoft.Resources/deployments` with its template written inline (AVM's telemetry):
    it holds what that template declares and nothing more, as ARM counts it."""
    if decl.type.split("@", 1)[0].lower() != "microsoft.resources/deployments":
        return False
    body = body_object(decl.value)
    properties = body.pair("properties") if body is not None else None
    if properties is None or not isinstance(properties.value, ObjectExpr):
        return False
    template = properties.value.pair("template")
    if template is None or not isinstance(template.value, ObjectExpr):
        return False
    return not any(pair.key == "resources" and not _empty_array(pair.value) for pair in template.value.pairs)


def _empty_array(value: Any) -> bool:
    return isinstance(value, ArrayExpr) and not value.items


def _file_may_deploy(files: Mapping[str, SourceFile], target: str, seen: set[str]) -> bool:
    source = files.get(target)
    if source is None or source.syntax.errors:
        return True  # not scanned, or declarations it could not read
    if target in seen:
        return False  # a cycle adds nothing new
    seen.add(target)
    pending = list(source.syntax.resources)
    while pending:
        decl = pending.pop()
        if _kind_of(decl) is not None and not _inline_deployment(decl):
            return True
        pending.extend(decl.children)
    for module in source.syntax.modules:
        if REMOTE_MODULE.match(module.path):
            return True
        child = os.path.realpath(os.path.join(os.path.dirname(target), module.path))
        if _file_may_deploy(files, child, seen):
            return True
    return False


def _emit(
    instance: Instance,
    decl: ResourceDecl,
    value: Any,
    out: list[ArmResource],
    groups: dict[str, Any],
    address: str,
    unresolved: list[UnresolvedResource],
) -> None:
    for resource in _items(value, instance, decl.line, address):
        if not isinstance(resource, ResourceInstance):
            continue
        deployed = resource.deployed()
        if deployed is False:
            continue
        if isinstance(deployed, Unknown):
            _note(instance, decl.line, f"{resource.address}: not analysed: its condition is unknown: {deployed.reason}")
            kind = KIND_OF_TYPE.get(resource.full_type().lower())
            if decl.existing and resource.full_type().lower() not in EXTERNAL_ENTITY_TYPES:
                kind = None  # only referred to, and of a type that never becomes an entity then
            if kind is not None:
                unresolved.append(_unresolved(instance, resource.address, decl.line, decl.end_line, kind))
            continue
        arm_type = resource.full_type().lower()
        if arm_type in RELEVANT_ARM_TYPES and (not decl.existing or arm_type in EXTERNAL_ENTITY_TYPES):
            out.append(_arm_resource(resource))
            group = resource.resource_group()
            if isinstance(group, (str, Unknown)):  # `scope: resourceGroup(<unknown>)` is unknown, not none
                groups[resource.key] = group
        for child in decl.children:
            _emit(
                instance, child, resource.child(child), out, groups, f"{resource.address}::{child.symbol}", unresolved
            )


def _arm_resource(resource: ResourceInstance) -> ArmResource:
    decl = resource.decl
    file = resource.instance.file
    body: dict[str, Any] = {}
    if not decl.existing:
        evaluated = resource.body()
        if isinstance(evaluated, Unknown):
            body = {"properties": evaluated}
        else:
            body = {k: to_arm_value(v) for k, v in evaluated.items() if k not in _PLACEMENT}
    name = resource.full_name()
    parent = resource.parent_ref()
    return ArmResource(
        type=resource.full_type(),
        name=name if isinstance(name, (str, Unknown)) else Unknown("the name is not a string"),
        body=body,
        key=resource.key,
        address=resource.address,
        location=Location(file.display, decl.line, decl.end_line, Language.BICEP),
        unit=resource.instance.unit,
        line_of=line_finder(decl, body),
        suppressions=_suppressions(decl, file.lines),
        parent=parent,
        external=decl.existing,
        api_version=decl.api_version or None,  # written in the declaration: `'type@version'`
        header_lines={"apiVersion": decl.line},
    )


def _suppressions(decl: ResourceDecl, lines: list[str]) -> list[Any]:
    """Skip comments in the resource's lines, leaving out those of its nested resources."""
    found = skips_in_lines(lines, decl.start_line, decl.end_line)
    nested = [(child.start_line, child.end_line) for child in decl.children]
    return [s for s in found if not any(start <= s.line <= end for start, end in nested)]


def line_finder(decl: ResourceDecl, body: dict[str, Any]) -> Any:
    """`line_of(path)`: None when the evaluated body has no value there; else the line where the
    path is written, or the nearest written line above it when a part is computed (a variable,
    a function call)."""

    def line_of(path: Path) -> int | None:
        if not path_present(body, path):
            return None
        node: Any = body_object(decl.value)
        line = decl.line
        for step in path:
            if isinstance(node, ObjectExpr) and isinstance(step, str):
                pair = node.pair(step)
                if pair is None:
                    return line
                node, line = pair.value, pair.line
            elif isinstance(node, ArrayExpr) and isinstance(step, int) and 0 <= step < len(node.items):
                node, line = node.items[step], node.lines[step]
            elif isinstance(node, ForExpr) and isinstance(step, int):
                node = node.body
                line = getattr(node, "line", line)
            else:
                return line
        return line

    return line_of
