"""ARM JSON deployment templates into the neutral model.

- A JSON file is a template when its `$schema` names a deployment template schema
  (`deploymentTemplate.json`, or the subscription, management group and tenant ones). Every other
  JSON file (package.json, tsconfig.json, parameter files...) is not ARM: no finding, no error.
  A file that claims a template schema but does not decode is an error with file and line.
- Each template is decoded once with `arm_json` (values that know their lines), then evaluated
  with `arm_expressions`: parameters (defaults, a `<name>.parameters.json` beside the template
  among the scanned files, then `--arm-parameters` files, which apply to every template that
  declares the parameter), variables, copy loops on resources, properties and variables,
  conditions, child resources written nested or with `parent/child` names, and nested
  `Microsoft.Resources/deployments` with inline templates (inner or outer evaluation scope).
- `languageVersion: "2.0"` (what Bicep writes for modern modules): resources keyed by symbolic
  name at any level, `definitions` (a parameter whose type is `nullable`, itself or through
  `$ref`, is null without a value), user-defined `functions`, `existing` resources and where they
  live, `reference('<symbolic name>')` of a nested deployment (its outputs), and a child whose
  name is unknown matched to its parent by the name expression Bicep writes for `parent:`.
- Every resource of a type the checks read is handed to the shared ARM-shape table
  (`arm_shape.build_entities`) as an `ArmResource`.
- Keys are `arm:<file>:<type>/<name>` in lower case (`#2`... for a second resource with the
  same type and name in one file); addresses are `<type>/<name>` as written
  (`Microsoft.Insights/privateLinkScopes/ampls-prod`), with the name's expression text when the
  name cannot be evaluated; `unit` is the template file.
- A resource whose copy count or condition cannot be evaluated is not analysed; it becomes an
  `UnresolvedResource` so that checks about something missing stay silent, and `--verbose`
  says why. Linked templates (`templateLink`) are not fetched, with the same effect.
- Inline suppressions are Checkov's ARM form: `"metadata": {"checkov": ["checkov:skip=ID: why"]}`
  on the resource (a single string works too).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.azure import ARM_KIND, EXTERNAL_ENTITY_TYPES, Cloud
from ampls_checks.model import (
    Entity,
    Language,
    Location,
    Note,
    ParseError,
    ParseResult,
    PrivateEndpoint,
    Ref,
    Suppression,
    Unknown,
    UnresolvedResource,
)
from ampls_checks.model import shown as shown_text
from ampls_checks.parsers.arm.expressions import (
    Call,
    ExpressionError,
    Lit,
    Scope,
    Template,
    copy_count,
    copy_loop,
    copy_specs,
    evaluate_value,
    expression_text,
    get_ci,
    key_ci,
    literal_text,
    parse_expression,
)
from ampls_checks.parsers.arm.json_lines import JsonArray, JsonDecodeError, JsonObject, decode
from ampls_checks.parsers.arm.shape import (
    RELEVANT_ARM_TYPES,
    ArmResource,
    build_entities,
    path_present,
)
from ampls_checks.parsers.common.limits import EVAL_STEPS, MAX_MODULE_DEPTH
from ampls_checks.parsers.common.template_functions import Budget, BudgetExceeded
from ampls_checks.suppress.comments import find_skips
from ampls_checks.units import reachable, relative_links

Path = tuple[str | int, ...]

TEMPLATE_SCHEMA = re.compile(r"(?:subscription|managementGroup|tenant)?DeploymentTemplate\.json", re.IGNORECASE)
PARAMETERS_SCHEMA = re.compile(r"deploymentParameters\.json", re.IGNORECASE)
# A file that does not decode is a template when it says so in its text.
CLAIMS_TEMPLATE = re.compile(r'"\$schema"\s*:\s*"[^"]*DeploymentTemplate\.json', re.IGNORECASE)
CLAIMS_PARAMETERS = re.compile(r'"\$schema"\s*:\s*"[^"]*deploymentParameters\.json', re.IGNORECASE)

DEPLOYMENTS = "microsoft.resources/deployments"
# Top-level keys of a resource that place or order it rather than describe it.
_NOT_BODY = frozenset({"resources", "copy", "condition", "dependson", "metadata", "comments", "existing", "scope"})

# The entity class each type would produce, for `UnresolvedResource.kind`. A zone group is part
# of its endpoint; a deployment can hold anything.
KIND_OF_TYPE = {**ARM_KIND, DEPLOYMENTS: "*"}
ZONE_GROUP_TYPE = "microsoft.network/privateendpoints/privatednszonegroups"


def is_template(value: Any) -> bool:
    schema = get_ci(value, "$schema") if isinstance(value, dict) else None
    return isinstance(schema, str) and TEMPLATE_SCHEMA.search(schema) is not None


def is_parameters(value: Any) -> bool:
    schema = get_ci(value, "$schema") if isinstance(value, dict) else None
    return isinstance(schema, str) and PARAMETERS_SCHEMA.search(schema) is not None


def parse_arm_files(
    files: list[tuple[str, str, str]],
    parameter_files: list[str],
    *,
    cloud: Cloud | None = None,
    max_steps: int | None = None,
) -> ParseResult:
    """Parse and evaluate ARM templates among JSON files given as (real path, display path, text).

    `parameter_files` (`--arm-parameters`) override defaults and beside-the-template parameter
    files in every template that declares the parameter. `cloud` is what `environment()`
    describes (unknown without it); `max_steps` the evaluation budget per template file."""
    result = ParseResult()
    templates: list[tuple[str, str, JsonObject]] = []
    links: dict[str, list[str]] = {}  # template -> the templates it links by relativePath
    parameter_docs: dict[str, JsonObject] = {}
    broken_parameters: dict[str, ParseError] = {}
    for real, display, text in files:
        try:
            value = decode(text)
        except JsonDecodeError as exc:
            error = ParseError(display, f"not valid JSON: {exc.message}", exc.line)
            if CLAIMS_TEMPLATE.search(text):
                result.errors.append(error)
            elif CLAIMS_PARAMETERS.search(text):
                broken_parameters[os.path.realpath(real)] = error  # an error only where it is used
            continue
        if is_template(value):
            templates.append((real, display, value))
            links[os.path.abspath(real)] = relative_links(os.path.abspath(real), text)
        elif is_parameters(value):
            parameter_docs[os.path.realpath(real)] = value
    explicit: list[dict[str, Any]] = []
    for path in parameter_files:
        values = _read_parameter_file(path, result)
        if values is not None:
            explicit.append(values)
    linked = {os.path.abspath(real): (display, template) for real, display, template in templates}
    # a template another links is deployed by it, with the parameters it passes, and not read
    # alone with its defaults; templates that only link each other are read alone (a cycle)
    targets = {t for source, found in links.items() for t in found if t != source and t in linked}
    roots = {p for p in linked if p not in targets}
    through_callers = reachable(roots, links) - roots
    for real, display, template in sorted(templates, key=lambda t: t[1]):
        if os.path.abspath(real) in through_callers:
            continue
        given: dict[str, Any] = {}
        beside = _beside_parameters(real)
        unreadable: Unknown | None = None
        if beside in parameter_docs:
            given.update(parameter_values(parameter_docs[beside]))
        elif beside in broken_parameters:
            error = broken_parameters[beside]
            if error not in result.errors:
                result.errors.append(error)
            # its values are not known, and the defaults may not be what is deployed
            unreadable = Unknown(f"the parameter file {error.file} is not valid JSON")
        for values in explicit:
            given.update(values)
        budget = Budget(max_steps if max_steps is not None else EVAL_STEPS)
        try:
            result.extend(
                _parse_template(display, template, given, cloud, budget, unreadable, os.path.abspath(real), linked)
            )
        except RecursionError:
            result.errors.append(ParseError(display, "template nested too deeply to analyse"))
        except Exception as exc:  # noqa: BLE001 - one template's failure must not cost the others
            result.errors.append(
                ParseError(display, f"internal error analysing this template: {type(exc).__name__}: {exc}")
            )
    return result


def _beside_parameters(real: str) -> str:
    stem, _ext = os.path.splitext(os.path.realpath(real))
    return stem + ".parameters.json"


def _read_parameter_file(path: str, result: ParseResult) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        result.errors.append(ParseError(path, f"cannot read ARM parameter file: {exc}"))
        return None
    try:
        value = decode(text)
    except JsonDecodeError as exc:
        result.errors.append(ParseError(path, f"not valid JSON: {exc.message}", exc.line))
        return None
    if not isinstance(value, dict) or not isinstance(get_ci(value, "parameters"), dict):
        result.errors.append(ParseError(path, "not an ARM parameter file (no 'parameters' object)"))
        return None
    return parameter_values(value)


def parameter_values(document: dict[str, Any]) -> dict[str, Any]:
    """The values of a parameter file by lower-case name; Key Vault references are unknown.
    Values in a parameter file are literals: ARM does not evaluate expressions in them."""
    out: dict[str, Any] = {}
    parameters = get_ci(document, "parameters")
    if not isinstance(parameters, dict):
        return out
    for name, entry in parameters.items():
        if not isinstance(entry, dict):
            continue
        if key_ci(entry, "value") is not None:
            out[name.lower()] = _plain(get_ci(entry, "value"))
        elif key_ci(entry, "reference") is not None:
            out[name.lower()] = Unknown(f"parameter {name!r} is a Key Vault reference")
    return out


def _plain(value: Any) -> Any:
    from ampls_checks.parsers.arm.json_lines import plain

    return plain(value)


# ---------------------------------------------------------------------------------------------
# One template file
# ---------------------------------------------------------------------------------------------


@dataclass
class Declared:
    """One resource instance (one copy) found while walking a template."""

    raw: JsonObject
    type: str  # full type as written
    name: Any  # full name: str or Unknown
    scope: Scope
    resource_group: Any  # where it is deployed: str, Unknown, or None (the deployment's own)
    address: str
    parent: Declared | None = None
    copy_index: int | None = None
    external: bool = False
    key: str = ""
    # a nested deployment's outputs, evaluated where its template is (None: none to read)
    outputs: Callable[[], Any] | None = None

    @property
    def arm_type(self) -> str:
        return self.type.lower()


@dataclass
class Walk:
    display: str
    cloud: Cloud | None
    budget: Budget
    declared: list[Declared] = field(default_factory=list)
    # what is not analysed, with its parent when known (a resource, or a type and name)
    unresolved: list[tuple[UnresolvedResource, Declared | tuple[str, str, Any] | None]] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    table: dict[tuple[str, str], list[Declared]] = field(default_factory=dict)
    # resources by (id of their template, lower-case symbolic name): what `reference()` names
    symbols: dict[tuple[int, str], Declared] = field(default_factory=dict)
    # resources by the syntax of their written name, built on first use (_parent_by_expression)
    written_names: dict[tuple[Any, ...], list[Declared]] | None = None
    keyed: bool = False  # every resource is walked and has its key
    # a template evaluated as a Bicep module (a restored registry module): its keys, unit and
    # addresses are those of the module call; locations stay in the template file
    root: Template | None = None  # the template's own scope, once made
    key_base: str = ""  # before `:<type>/<name>` in keys; `arm:<file>` by default
    unit: str = ""  # the deployment unit; the file by default
    address_prefix: str = ""  # before each address (`module.ampls.`)
    # templates of the job by absolute path, for `templateLink.relativePath` (display, document);
    # this template's own path and the linked templates on the way to it (cycles)
    linked: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    chain: tuple[str, ...] = ()
    pending_links: list[tuple[Declared, str, Any]] = field(default_factory=list)  # deployment, file, group
    linked_results: list[ParseResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key_base = self.key_base or f"arm:{self.display}"
        self.unit = self.unit or self.display

    def note(self, line: int, message: str) -> None:
        self.notes.append(Note(self.display, line, message))

    def reference(self, template: Template, target: Any, full: bool, scope: Scope, written_name: Any) -> Any:
        """`reference(target)` of a nested deployment declared in this file: its outputs, as
        Resource Manager returns them (`.outputs.<name>.value`; under `properties` with
        'Full'). Anything else `reference()` returns exists only once deployed. The deployment
        is named by symbolic name, by its resource id, or, when its name is unknown, by the
        same name expression written in the same template and copy (`written_name`, the syntax
        of the name in `resourceId('Microsoft.Resources/deployments', <name>)`)."""
        declared: Declared | None = None
        if isinstance(target, str):
            declared = self.symbols.get((id(template), target.lower()))
        elif isinstance(target, Ref) and target.key is not None:
            declared = next((d for d in self.declared if d.key == target.key), None)
        elif written_name is not None:
            found = self.by_written_name(DEPLOYMENTS, scope, (written_name,))
            declared = found[0] if len(found) == 1 else None
        if declared is None or declared.outputs is None:
            return Unknown("reference() returns values only Azure knows at deployment")
        outputs = template.memo("deployment outputs", declared.key or declared.address, declared.outputs)
        if isinstance(outputs, Unknown):
            return outputs
        return {"properties": {"outputs": outputs}} if full else {"outputs": outputs}

    def by_written_name(self, arm_type: str, scope: Scope, parts: tuple[Any, ...]) -> list[Declared]:
        """The resources of a type whose name is written as `parts` (`_name_parts`) in the
        template and copy of `scope`; none until the whole file is walked."""
        if not self.keyed:
            return []
        if self.written_names is None:
            self.written_names = {}
            for d in self.declared:
                written = _name_parts(d)
                if written is not None:
                    self.written_names.setdefault(_written_key(d.arm_type, d.scope, written), []).append(d)
        return self.written_names.get(_written_key(arm_type, scope, parts), [])

    def resolve_id(self, arm_type: str, name: str, group: Any) -> str | None:
        """The key of the one declared resource with this type and name (and group, when both
        sides know it)."""
        candidates = self.table.get((arm_type, name), [])
        if isinstance(group, str):
            candidates = [
                d
                for d in candidates
                if not isinstance(d.resource_group, str) or d.resource_group.lower() == group.lower()
            ]
        if len(candidates) > 1:
            # `existing` declarations of a resource the file also deploys (a nested template's
            # view of its parent) are that resource
            candidates = [d for d in candidates if not d.external]
        return candidates[0].key if len(candidates) == 1 else None


def _parse_template(
    display: str,
    template: JsonObject,
    given: dict[str, Any],
    cloud: Cloud | None,
    budget: Budget,
    not_given: Unknown | None = None,
    real: str = "",
    linked: Mapping[str, tuple[str, Any]] | None = None,
) -> ParseResult:
    """One template file; `not_given` is what parameters without a given value are, when their
    defaults cannot be trusted (the parameter file beside the template does not parse).
    `linked`: the job's templates by absolute path, which `templateLink.relativePath` reaches."""
    walk = Walk(display, cloud, budget, linked=linked or {}, chain=(real,) if real else ())
    return _walk_template(walk, template, {name: _given(value) for name, value in given.items()}, not_given, None)


def _walk_template(
    walk: Walk,
    template: JsonObject,
    given: dict[str, Callable[[], Any]],
    not_given: Unknown | None,
    resource_group: Any,
) -> ParseResult:
    result = ParseResult()
    try:
        root = _make_template(walk, template, given, resource_group, not_given)
        walk.root = root
        if root is not None:
            _walk_resources(walk, template, Scope(root), None, None)
        _assign_keys(walk)
        walk.keyed = True
        for made in walk.templates:
            made._cache.clear()  # values computed before the keys were known hold no keys
        _follow_links(walk)
        resources = [_arm_resource(walk, d) for d in walk.declared if d.arm_type in RELEVANT_ARM_TYPES]
    except BudgetExceeded as exc:
        walk.root = None
        walk.note(template.line, f"{exc.reason}: the template is not analysed")
        result.entities.append(_unresolved_file(walk, template.line, template.end_line))
        result.notes.extend(walk.notes)
        return result
    except RecursionError:
        walk.root = None
        return ParseResult(errors=[ParseError(walk.display, "expressions nested too deeply to evaluate")])
    except Exception as exc:  # a bug in evaluation must not hide the other files' results
        walk.root = None
        return ParseResult(
            errors=[ParseError(walk.display, f"cannot evaluate this template ({type(exc).__name__}: {exc})")]
        )
    built = build_entities(resources)
    result.extend(built)
    for linked_result in walk.linked_results:
        result.extend(linked_result)
    result.errors.extend(walk.errors)
    result.notes.extend(walk.notes)
    _mark_unknown_zone_groups(walk, result.entities)
    unresolved = {u.key: u for u, _parent in walk.unresolved}  # one per resource, not per copy
    result.entities.extend(unresolved.values())
    return result


@dataclass
class ModuleTemplate:
    """A compiled template deployed as a Bicep module (a restored registry module or template
    spec): what it declares, and its outputs by name (evaluated on demand; unknown when the
    template could not be analysed)."""

    result: ParseResult
    outputs: Callable[[], dict[str, Any] | Unknown]


def decode_module_template(text: str) -> Any:
    """A restored module's `main.json` decoded, or the `JsonDecodeError` it gives: kept by the
    caller, so a module used many times (a loop, several calls) is decoded once. The walk never
    changes what it reads, so one decoded document serves every evaluation."""
    try:
        return decode(text)
    except JsonDecodeError as exc:
        return exc


def parse_module_template(
    display: str,
    document: Any,
    given: dict[str, Callable[[], Any]] | Unknown,
    *,
    template_spec: bool,
    cloud: Cloud | None,
    budget: Budget,
    key_base: str,
    unit: str,
    address_prefix: str,
    resource_group: Any,
    linked: Mapping[str, tuple[str, Any]] | None = None,
    chain: tuple[str, ...] = (),
) -> ModuleTemplate:
    """Evaluate `document` (`decode_module_template` of the `main.json` `bicep restore` wrote)
    as a nested deployment with the
    parameter values the Bicep module call passes (`given`, by name; all unknown when the call's
    `params` cannot be evaluated). Entities get the caller's `unit`, keys under `key_base` and
    addresses under `address_prefix`; their locations are the template's own lines in `display`.
    A template spec's file is the template spec version resource: its template is
    `properties.mainTemplate`. What cannot be read makes the whole module unknown."""
    walk = Walk(
        display,
        cloud,
        budget,
        key_base=key_base,
        unit=unit,
        address_prefix=address_prefix,
        linked=linked or {},
        chain=chain,
    )

    def unknown(why: str, line: int = 1, error: bool = True) -> ModuleTemplate:
        result = ParseResult(entities=[_unresolved_file(walk, line, line)])
        if error:
            result.errors.append(ParseError(display, why, line))
        else:
            caller = walk.address_prefix.rstrip(".")  # the note says which module call stays unknown
            result.notes.append(Note(display, line, f"{caller}: module not followed: {why}" if caller else why))
        return ModuleTemplate(result, lambda: Unknown(f"{display}: {why}"))

    if isinstance(document, JsonDecodeError):
        return unknown(f"not valid JSON: {document.message}", document.line)
    node = document
    if template_spec:
        properties = get_ci(node, "properties") if isinstance(node, dict) else None
        node = get_ci(properties, "mainTemplate") if isinstance(properties, dict) else None
        if not isinstance(node, JsonObject):
            return unknown("a template spec without properties.mainTemplate; not analysed", error=False)
    if not isinstance(node, JsonObject) or not is_template(node):
        return unknown("not an ARM deployment template; not analysed", error=False)
    passed = given if isinstance(given, dict) else {}
    not_given = given if isinstance(given, Unknown) else None
    result = _walk_template(walk, node, {k.lower(): v for k, v in passed.items()}, not_given, resource_group)
    root = walk.root
    if root is None:
        return ModuleTemplate(result, lambda: Unknown(f"{display} could not be analysed"))
    evaluate = _outputs(node, Scope(root))

    def outputs() -> dict[str, Any] | Unknown:
        values = evaluate()
        return {name.lower(): entry["value"] for name, entry in values.items()}

    return ModuleTemplate(result, outputs)


def _given(value: Any) -> Callable[[], Any]:
    return lambda: value


def _unresolved_file(walk: Walk, line: int, end_line: int) -> UnresolvedResource:
    return UnresolvedResource(
        key=f"{walk.key_base}:?".lower(),
        address=walk.address_prefix.rstrip(".") or walk.display,
        location=Location(walk.display, line, end_line, Language.ARM),
        unit=walk.unit,
        kind="*",
    )


def _make_template(
    walk: Walk,
    node: JsonObject,
    given: dict[str, Callable[[], Any]],
    resource_group: Any,
    not_given: Unknown | None = None,
) -> Template | None:
    template = Template(walk.display, walk.cloud, walk.budget, resource_group=resource_group)
    template.resolve_id = walk.resolve_id
    template.reference = functools.partial(walk.reference, template)
    walk.templates.append(template)
    definitions = get_ci(node, "definitions")
    definitions = definitions if isinstance(definitions, dict) else {}
    template.functions = _functions(node)
    parameters = get_ci(node, "parameters")
    if isinstance(parameters, dict):
        for name, spec in parameters.items():
            nullable = _nullable(spec, definitions)
            template.parameters[name.lower()] = _parameter(template, name, spec, given, not_given, nullable)
    elif parameters is not None:
        walk.errors.append(ParseError(walk.display, "'parameters' is not an object", _key_line(node, "parameters")))
        return None
    variables = get_ci(node, "variables")
    if isinstance(variables, dict):
        for name, raw in variables.items():
            if name.lower() == "copy" and isinstance(raw, list):
                for spec in raw:  # variable copy loops: each builds the array it names
                    if isinstance(spec, dict) and isinstance(get_ci(spec, "name"), str):
                        loop = get_ci(spec, "name")
                        template.variables[loop.lower()] = _variable_loop(spec, loop)
                continue
            template.variables[name.lower()] = _variable(raw)
            template.written_variables[name.lower()] = raw
    elif variables is not None:
        walk.errors.append(ParseError(walk.display, "'variables' is not an object", _key_line(node, "variables")))
        return None
    return template


def _parameter(
    template: Template,
    name: str,
    spec: Any,
    given: dict[str, Callable[[], Any]],
    not_given: Unknown | None,
    nullable: bool,
) -> Callable[[], Any]:
    """A parameter's value: given, else its default, else null when its type is nullable (a
    Bicep `T?` parameter: deployed without a value, it is null), else unknown."""
    if name.lower() in given:
        return given[name.lower()]
    if not_given is not None:
        return _given(not_given)
    default = get_ci(spec, "defaultValue") if isinstance(spec, dict) else None
    if isinstance(spec, dict) and key_ci(spec, "defaultValue") is not None:
        return lambda: evaluate_value(default, Scope(template))
    if nullable:
        return _given(None)
    return lambda: Unknown(f"parameter {name!r} has no default value and no value in a parameter file")


MAX_TYPE_REFS = 32  # `$ref` chains followed to find whether a type is nullable


def _nullable(spec: Any, definitions: dict[str, Any]) -> bool:
    """Whether a parameter's type allows null: `"nullable": true` on it, or on the definition its
    `$ref` names (`#/definitions/<name>`, languageVersion 2.0 user-defined types), followed
    through further `$ref`s."""
    for _ in range(MAX_TYPE_REFS):
        if not isinstance(spec, dict):
            return False
        if get_ci(spec, "nullable") is True:
            return True
        ref = get_ci(spec, "$ref")
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            return False
        spec = get_ci(definitions, ref.removeprefix("#/definitions/"))
    return False


def _functions(node: JsonObject) -> dict[str, tuple[list[str], Any]]:
    """User-defined functions (`"functions": [{"namespace", "members": {name: {"parameters",
    "output": {"value"}}}}]`) by lower-case `namespace.name`."""
    out: dict[str, tuple[list[str], Any]] = {}
    declared = get_ci(node, "functions")
    for space in declared if isinstance(declared, list) else []:
        namespace = get_ci(space, "namespace") if isinstance(space, dict) else None
        members = get_ci(space, "members") if isinstance(space, dict) else None
        if not isinstance(namespace, str) or not isinstance(members, dict):
            continue
        for name, member in members.items():
            if not isinstance(member, dict):
                continue
            parameters = get_ci(member, "parameters")
            output = get_ci(member, "output")
            names = [get_ci(p, "name") for p in parameters] if isinstance(parameters, list) else []
            if not isinstance(output, dict) or key_ci(output, "value") is None:
                continue
            if not all(isinstance(n, str) for n in names):
                continue
            out[f"{namespace}.{name}".lower()] = (names, get_ci(output, "value"))
    return out


def _variable(raw: Any) -> Callable[[Scope], Any]:
    return lambda scope: evaluate_value(raw, scope)


def _variable_loop(spec: Any, name: str) -> Callable[[Scope], Any]:
    return lambda scope: copy_loop(spec, scope, name, resource_loop=False)


def _key_line(node: JsonObject, key: str) -> int:
    written = key_ci(node, key)
    return node.key_lines.get(written, node.line) if written is not None else node.line


def _walk_resources(walk: Walk, holder: JsonObject, scope: Scope, parent: Declared | None, deploy_group: Any) -> None:
    """The resources of a template (`holder` is the template) or nested in a resource."""
    resources = get_ci(holder, "resources")
    if resources is None:
        return
    items: list[Any]
    symbols: list[str | None]
    if isinstance(resources, JsonArray):
        items = list(resources)
        lines = resources.item_lines
        symbols = [None] * len(items)
    elif isinstance(resources, JsonObject) and (parent is None or parent.arm_type == DEPLOYMENTS):
        # languageVersion 2.0 templates (nested ones too) key resources by symbolic name
        items = list(resources.values())
        lines = [resources.key_lines.get(k, resources.line) for k in resources]
        symbols = list(resources)
    else:
        walk.errors.append(ParseError(walk.display, "'resources' is not an array", _key_line(holder, "resources")))
        return
    for raw, line, symbol in zip(items, lines, symbols, strict=True):
        if not isinstance(raw, JsonObject):
            walk.errors.append(ParseError(walk.display, "a resource is not an object", line))
            continue
        _expand(walk, raw, scope, parent, deploy_group, symbol)


def _written_name(raw: JsonObject) -> str:
    name = get_ci(raw, "name")
    return name if isinstance(name, str) else "?"


def _expand(
    walk: Walk, raw: JsonObject, scope: Scope, parent: Declared | None, deploy_group: Any, symbol: str | None = None
) -> None:
    written_type = evaluate_value(get_ci(raw, "type"), scope)
    if not isinstance(written_type, str):
        reason = written_type.reason if isinstance(written_type, Unknown) else "the type is not a string"
        walk.note(raw.line, f"a resource is not analysed: its type is unknown: {reason}")
        _add_unresolved(walk, raw, "?", "*", parent)
        return
    full_type = written_type
    nested_short = parent is not None and parent.arm_type != DEPLOYMENTS and not _has_namespace(written_type)
    if nested_short and parent is not None:
        full_type = f"{parent.type}/{written_type}"
    copy = get_ci(raw, "copy")
    scopes: list[tuple[Scope, int | None]] = [(scope, None)]
    if isinstance(copy, dict):
        loop = evaluate_value(get_ci(copy, "name"), scope)
        count = copy_count(get_ci(copy, "count"), scope)
        if not isinstance(loop, str) or isinstance(count, Unknown):
            reason = count.reason if isinstance(count, Unknown) else "the copy loop has no name"
            walk.note(raw.line, f"{full_type}/{_written_name(raw)}: not analysed: {reason}")
            _add_unresolved_tree(walk, raw, full_type, parent)
            return
        scopes = [(scope.with_copy(loop, i, resource_loop=True), i) for i in range(count)]
    for instance_scope, index in scopes:
        condition_key = key_ci(raw, "condition")
        if condition_key is not None:
            condition = evaluate_value(raw[condition_key], instance_scope)
            if condition is False:
                continue
            if condition is not True:
                reason = condition.reason if isinstance(condition, Unknown) else "the condition is not a boolean"
                walk.note(
                    raw.line, f"{full_type}/{_written_name(raw)}: not analysed: its condition is unknown: {reason}"
                )
                _add_unresolved_tree(walk, raw, full_type, parent or _named_parent(raw, full_type, instance_scope))
                continue
        name = evaluate_value(get_ci(raw, "name"), instance_scope)
        if not isinstance(name, (str, Unknown)):
            name = Unknown("the name is not a string")
        if nested_short and parent is not None and isinstance(name, str):
            name = f"{parent.name}/{name}" if isinstance(parent.name, str) else parent.name
        written = _written_name(raw) + (f"[{index}]" if index is not None else "")
        shown = shown_text(name) if isinstance(name, str) else written
        existing = get_ci(raw, "existing") is True
        group = deploy_group if deploy_group is not None else (parent.resource_group if parent else None)
        if existing and key_ci(raw, "resourceGroup") is not None:
            # languageVersion 2.0: a resource only referred to says where it lives
            group = evaluate_value(get_ci(raw, "resourceGroup"), instance_scope)
        declared = Declared(
            raw=raw,
            type=full_type,
            name=name,
            scope=instance_scope,
            resource_group=group,
            address=f"{walk.address_prefix}{full_type}/{shown}",
            parent=parent if parent is not None and parent.arm_type != DEPLOYMENTS else None,
            copy_index=index,
            external=existing,
        )
        walk.declared.append(declared)
        if symbol is not None:
            # `reference('name')`, `reference('name[2]')` for one copy of a loop (languageVersion 2.0)
            written = symbol if index is None else f"{symbol}[{index}]"
            walk.symbols[(id(scope.template), written.lower())] = declared
        if declared.arm_type == DEPLOYMENTS:
            _nested_deployment(walk, declared)
        _walk_resources(walk, raw, instance_scope, declared, deploy_group)


def _named_parent(raw: JsonObject, full_type: str, scope: Scope) -> tuple[str, str, Any] | None:
    """The parent a top-level child resource names (`pe/default`), when its name is known."""
    name = evaluate_value(get_ci(raw, "name"), scope)
    if full_type.count("/") < 2 or not isinstance(name, str) or "/" not in name:
        return None
    return (full_type.rsplit("/", 1)[0].lower(), name.rsplit("/", 1)[0].lower(), scope.template.resource_group)


def _has_namespace(type_name: str) -> bool:
    return "/" in type_name and "." in type_name.split("/", 1)[0]


def _add_unresolved(
    walk: Walk, raw: JsonObject, full_type: str, kind: str | None, parent: Declared | tuple[str, str, Any] | None
) -> None:
    if kind is None:
        return
    name = _written_name(raw)
    walk.unresolved.append(
        (
            UnresolvedResource(
                key=f"{walk.key_base}:{full_type}/{name}@{raw.line}[?]".lower(),
                address=f"{walk.address_prefix}{full_type}/{name}",
                location=Location(walk.display, raw.line, raw.end_line, Language.ARM),
                unit=walk.unit,
                kind=kind,
            ),
            parent,
        )
    )


def _add_unresolved_tree(
    walk: Walk, raw: JsonObject, full_type: str, parent: Declared | tuple[str, str, Any] | None
) -> None:
    """A resource that is not analysed, and what is declared inside it."""
    _add_unresolved(walk, raw, full_type, _unresolved_kind(raw, full_type), parent)
    pending: list[tuple[JsonObject, str]] = [(raw, full_type)]
    while pending:
        holder, holder_type = pending.pop()
        nested = get_ci(holder, "resources")
        if holder_type.lower() == DEPLOYMENTS:
            inner = get_ci(get_ci(holder, "properties") or {}, "template")
            nested = get_ci(inner, "resources") if isinstance(inner, dict) else None
            if nested is None:
                continue
        children = nested.values() if isinstance(nested, dict) else nested if isinstance(nested, list) else []
        for child in children:
            if not isinstance(child, JsonObject):
                continue
            child_type = get_ci(child, "type")
            if not isinstance(child_type, str) or expression_text(child_type) is not None:
                _add_unresolved(walk, child, "?", "*", None)
                continue
            if holder_type.lower() != DEPLOYMENTS and not _has_namespace(child_type):
                child_type = f"{holder_type}/{child_type}"
            _add_unresolved(walk, child, child_type, _unresolved_kind(child, child_type), None)
            pending.append((child, child_type))


def _unresolved_kind(raw: JsonObject, full_type: str) -> str | None:
    """What a resource that is not analysed may be. A deployment with an inline template holds
    exactly what that template declares, which is counted on its own: the deployment itself is
    nothing more. A resource only referred to (`existing`) is an entity only of the types
    `EXTERNAL_ENTITY_TYPES` names: anything else would never be one."""
    if get_ci(raw, "existing") is True and full_type.lower() not in EXTERNAL_ENTITY_TYPES:
        return None
    if full_type.lower() == DEPLOYMENTS:
        properties = get_ci(raw, "properties")
        if isinstance(properties, dict) and isinstance(get_ci(properties, "template"), dict):
            return None
    return KIND_OF_TYPE.get(full_type.lower())


def _nested_deployment(walk: Walk, deployment: Declared) -> None:
    """`Microsoft.Resources/deployments` with an inline template: its resources are walked with
    the scope its `expressionEvaluationOptions` says (`outer`, the default, reads the outer
    template's parameters and variables; `inner` its own, given by `properties.parameters`)."""
    raw, scope = deployment.raw, deployment.scope
    properties = get_ci(raw, "properties")
    if not isinstance(properties, JsonObject):
        return
    inner = _written_template(get_ci(properties, "template"), scope)
    if inner is None:
        link = get_ci(properties, "templateLink")
        if link is not None:
            target, why = _linked_file(walk, link)
            if target is not None:
                group = evaluate_value(get_ci(raw, "resourceGroup"), scope) if key_ci(raw, "resourceGroup") else None
                walk.pending_links.append(
                    (deployment, target, group if group is not None else deployment.resource_group)
                )
                return
            walk.note(raw.line, f"{deployment.address}: {why}; not analysed")
            _add_unresolved(walk, raw, deployment.type, "*", None)
        return
    if not isinstance(inner, JsonObject):
        walk.note(raw.line, f"{deployment.address}: the nested template is not written inline; not analysed")
        _add_unresolved(walk, raw, deployment.type, "*", None)
        return
    group = evaluate_value(get_ci(raw, "resourceGroup"), scope) if key_ci(raw, "resourceGroup") else None
    if group is None:
        group = deployment.resource_group
    options = get_ci(properties, "expressionEvaluationOptions")
    mode = get_ci(options, "scope") if isinstance(options, dict) else None
    if isinstance(mode, str) and mode.lower() == "inner":
        passed: dict[str, Callable[[], Any]] = {}
        values = get_ci(properties, "parameters")
        if isinstance(values, dict):
            for name, entry in values.items():
                if isinstance(entry, dict) and key_ci(entry, "reference") is not None:
                    passed[name.lower()] = _given(Unknown(f"parameter {name!r} is a Key Vault reference"))
                elif isinstance(entry, (JsonObject, str)):
                    # `{"value": ...}`, or one expression that builds it (Bicep writes a
                    # conditional value as `"[if(c, createObject('value', x), ...)]"`)
                    passed[name.lower()] = _outer_value(entry, scope)
        template = _make_template(walk, inner, passed, group)
        if template is None:
            return
        deployment.outputs = _outputs(inner, Scope(template))
        _walk_resources(walk, inner, Scope(template), deployment, group)
    else:
        deployment.outputs = _outputs(inner, scope)
        _walk_resources(walk, inner, scope, deployment, group)


def _linked_file(walk: Walk, link: Any) -> tuple[str | None, str]:
    """The scanned template a `templateLink` names by a literal `relativePath` (relative to the
    linking template's file, as Resource Manager resolves it), or None and why it is not
    followed: a `uri` is never fetched."""
    relative = get_ci(link, "relativePath") if isinstance(link, dict) else None
    if not isinstance(relative, str):
        uri = get_ci(link, "uri") if isinstance(link, dict) else None
        shown = f" {uri[:200]!r}" if isinstance(uri, str) else ""
        return None, f"the linked template{shown} is not fetched"
    if relative.startswith("[") or not walk.chain:
        return None, "the linked template's relativePath is an expression, which is not followed"
    target = os.path.abspath(os.path.join(os.path.dirname(walk.chain[-1]), relative))
    if target not in walk.linked:
        return None, f"the linked template {relative[:200]!r} is not among the scanned templates"
    if target in walk.chain or len(walk.chain) >= MAX_MODULE_DEPTH:
        return None, f"the linked template {relative[:200]!r} links back to itself or nests too deeply"
    return target, ""


def _follow_links(walk: Walk) -> None:
    """Deploy each template linked by `relativePath` (found while walking) as Resource Manager
    does: its own parameters, given by the deployment's `parameters` (evaluated in the linking
    template), its resources in the same deployment unit at their own file and lines under the
    deployment's address, its outputs what `reference()` of the deployment reads. Done once the
    linking template's keys are known, so ids passed in name their resources."""
    for deployment, target, group in walk.pending_links:
        display, document = walk.linked[target]
        properties = get_ci(deployment.raw, "properties")
        values = get_ci(properties, "parameters") if isinstance(properties, dict) else None
        passed: dict[str, Callable[[], Any]] = {}
        if isinstance(values, dict):
            for name, entry in values.items():
                if isinstance(entry, dict) and key_ci(entry, "reference") is not None:
                    passed[name] = _given(Unknown(f"parameter {name!r} is a Key Vault reference"))
                elif isinstance(entry, (JsonObject, str)):
                    passed[name] = _outer_value(entry, deployment.scope)
        module = parse_module_template(
            display,
            document,
            passed,
            template_spec=False,
            cloud=walk.cloud,
            budget=walk.budget,
            key_base=f"{walk.key_base}>{deployment.address}".lower(),
            unit=walk.unit,
            address_prefix=f"{walk.address_prefix}{deployment.address}.",
            resource_group=group,
            linked=walk.linked,
            chain=(*walk.chain, target),
        )
        walk.linked_results.append(module.result)
        deployment.outputs = _module_outputs(module)


def _module_outputs(module: ModuleTemplate) -> Callable[[], Any]:
    def outputs() -> Any:
        values = module.outputs()
        if isinstance(values, Unknown):
            return values
        return {name: {"value": value} for name, value in values.items()}

    return outputs


def _outputs(template: JsonObject, scope: Scope) -> Callable[[], Any]:
    """A nested template's outputs as `reference()` shows them: `{name: {"type", "value"}}`,
    an output copy loop building its array."""

    def evaluate() -> Any:
        declared = get_ci(template, "outputs")
        if not isinstance(declared, dict):
            return {}
        out: dict[str, Any] = {}
        for name, spec in declared.items():
            if not isinstance(spec, dict):
                continue
            loop = get_ci(spec, "copy")
            if isinstance(loop, dict) and key_ci(loop, "input") is not None:
                value = copy_loop(loop, scope, name, resource_loop=True)  # copyIndex() names no loop
            else:
                value = evaluate_value(get_ci(spec, "value"), scope)
            out[name] = {"type": get_ci(spec, "type"), "value": value}
        return out

    return evaluate


VARIABLE_REFERENCE = re.compile(r"\[\s*variables\(\s*'([^']*)'\s*\)\s*\]", re.IGNORECASE)


def _written_template(value: Any, scope: Scope) -> Any:
    """A nested template as written: inline, or (what Bicep writes for
    `template: loadJsonContent('t.json')`) `"[variables('$fxv#0')]"`, a variable holding it."""
    if isinstance(value, str):
        named = VARIABLE_REFERENCE.fullmatch(value)
        if named is not None:
            written = scope.template.written_variables.get(named.group(1).lower())
            if isinstance(written, JsonObject):
                return written
    return value


def _outer_value(entry: JsonObject | str, scope: Scope) -> Callable[[], Any]:
    """A parameter value passed to an inner-scoped template (`{"value": ...}`, or built by a
    property copy loop named `value`), evaluated in the outer template's scope."""

    def value() -> Any:
        evaluated = evaluate_value(entry, scope)
        if isinstance(evaluated, Unknown):
            return evaluated
        if not isinstance(evaluated, dict) or key_ci(evaluated, "value") is None:
            return Unknown("a parameter passed without a value")
        return get_ci(evaluated, "value")

    return value


# ---------------------------------------------------------------------------------------------
# Keys, references and the ARM shape
# ---------------------------------------------------------------------------------------------


def _assign_keys(walk: Walk) -> None:
    seen: dict[str, int] = {}
    for declared in walk.declared:
        if isinstance(declared.name, str):
            base = f"{walk.key_base}:{declared.type}/{declared.name}".lower()
        else:
            index = f"[{declared.copy_index}]" if declared.copy_index is not None else ""
            base = f"{walk.key_base}:{declared.type}/{_written_name(declared.raw)}@{declared.raw.line}{index}".lower()
        count = seen.get(base, 0) + 1
        seen[base] = count
        declared.key = base if count == 1 else f"{base}#{count}"
        if count > 1:
            declared.address = f"{declared.address}#{count}"
        if isinstance(declared.name, str):
            walk.table.setdefault((declared.arm_type, declared.name.lower()), []).append(declared)


def _name_parts(declared: Declared) -> tuple[Any, ...] | None:
    """The syntax of each segment of a resource's written name: `format('{0}/{1}', a, b)` is
    (a, b), a one-segment name its own expression (a literal is `Lit`)."""
    written = get_ci(declared.raw, "name")
    if not isinstance(written, str):
        return None
    text = expression_text(written)
    if text is None:
        return (Lit(literal_text(written)),)
    try:
        node = parse_expression(text)
    except ExpressionError:
        return None
    segments = declared.arm_type.count("/")
    if segments == 1:
        return (node,)
    pattern = "/".join(f"{{{i}}}" for i in range(segments))
    if not (isinstance(node, Call) and node.name == "format" and len(node.args) == segments + 1):
        return None
    if node.args[0] != Lit(pattern):
        return None
    return node.args[1:]


def _parent_by_expression(walk: Walk, declared: Declared) -> Declared | None:
    """The parent of a top-level child whose name is unknown. Bicep writes a child declared with
    `parent:` as `format('{0}/{1}', <the parent's name>, <its own>)`: the one resource of the
    parent type whose name is written as the same expression, in the same template and copy, is
    the parent (the same expression there has the same value, known or not)."""
    parts = _name_parts(declared)
    if parts is None or len(parts) < 2:
        return None
    matches = walk.by_written_name(declared.arm_type.rsplit("/", 1)[0], declared.scope, parts[:-1])
    return matches[0] if len(matches) == 1 else None


def _written_key(arm_type: str, scope: Scope, parts: tuple[Any, ...]) -> tuple[Any, ...]:
    return (arm_type, id(scope.template), tuple(sorted(scope.copies.items())), parts)


def _parent_ref(walk: Walk, declared: Declared) -> Any:
    parent = declared.parent
    if parent is None and isinstance(declared.name, Unknown) and declared.arm_type.count("/") >= 2:
        parent = _parent_by_expression(walk, declared)
    if parent is not None and parent.arm_type != DEPLOYMENTS:
        group = parent.resource_group
        return Ref(
            key=parent.key,
            name=parent.name.lower() if isinstance(parent.name, str) else None,
            arm_type=parent.arm_type,
            resource_group=group.lower() if isinstance(group, str) else None,
        )
    if declared.arm_type.count("/") < 2:
        return None
    if isinstance(declared.name, Unknown):
        return declared.name
    if "/" not in declared.name:
        return Unknown(f"the name {declared.name!r} does not name the parent")
    parent_type = declared.arm_type.rsplit("/", 1)[0]
    parent_name = declared.name.rsplit("/", 1)[0].lower()
    group = declared.resource_group
    return Ref(
        key=walk.resolve_id(parent_type, parent_name, group),
        name=parent_name,
        arm_type=parent_type,
        resource_group=group.lower() if isinstance(group, str) else None,
    )


def _arm_resource(walk: Walk, declared: Declared) -> ArmResource:
    raw = declared.raw
    body: dict[str, Any] = {}
    if not declared.external:
        for key, value in raw.items():
            if key.lower() in _NOT_BODY:
                continue
            body[key] = evaluate_value(value, declared.scope)
    group = declared.resource_group
    return ArmResource(
        type=declared.type,
        name=declared.name,
        body=body,
        key=declared.key,
        address=declared.address,
        location=Location(walk.display, raw.line, raw.end_line, Language.ARM),
        unit=walk.unit,
        line_of=line_finder(raw, body),
        suppressions=suppressions(raw),
        parent=_parent_ref(walk, declared),
        external=declared.external,
        resource_group=group if isinstance(group, (str, Unknown)) else None,
    )


def _mark_unknown_zone_groups(walk: Walk, entities: list[Entity]) -> None:
    """An endpoint whose zone group is not analysed may well have one: its groups are unknown."""
    endpoints = {e.key: e for e in entities if isinstance(e, PrivateEndpoint)}
    for unresolved, parent in walk.unresolved:
        if "/privatednszonegroups/" not in unresolved.key:
            continue
        key = parent.key if isinstance(parent, Declared) else walk.resolve_id(*parent) if parent else None
        if key in endpoints:
            endpoints[key].zone_groups = Unknown(f"zone group {unresolved.address} is not analysed")


def suppressions(raw: JsonObject) -> list[Suppression]:
    """Checkov's ARM skips: `"metadata": {"checkov": ["checkov:skip=ID: reason", ...]}`."""
    metadata = get_ci(raw, "metadata")
    if not isinstance(metadata, JsonObject):
        return []
    key = key_ci(metadata, "checkov")
    if key is None:
        return []
    value = metadata[key]
    items: list[tuple[Any, int]]
    if isinstance(value, JsonArray):
        items = list(zip(value, value.item_lines, strict=True))
    else:
        items = [(value, metadata.key_lines.get(key, raw.line))]
    found = []
    for item, line in items:
        if not isinstance(item, str):
            continue
        # `checkov:skip=` items read as the comments of the other languages do (any case, and
        # wildcards such as CKV_AMPLS_*); a bare upper-case id is Checkov's older ARM form
        written = find_skips(item)
        match = written[0] if written else skip_item(item)
        if match is not None:
            found.append(Suppression(match[0].upper(), match[1], line))
    return found


def skip_item(item: str) -> tuple[str, str] | None:
    """Checkov's older ARM form, `CKV_ID` or `CKV_ID: reason` (optionally after `checkov:` and
    `skip=`): (id, reason), or None. Scanned by hand, linear in the item (see suppress.comments)."""
    position = len(item) - len(item.lstrip())
    for prefix in ("checkov:", "skip="):
        if item.startswith(prefix, position):
            position += len(prefix)
    while position < len(item) and item[position].isspace():
        position += 1
    end = position
    if end < len(item) and "A" <= item[end] <= "Z":
        end += 1
        while end < len(item) and (item[end] == "_" or "A" <= item[end] <= "Z" or "0" <= item[end] <= "9"):
            end += 1
    if end == position:
        return None
    rest = item[end:].lstrip()
    if not rest:
        return item[position:end], ""
    if rest[0] == ":":
        return item[position:end], rest[1:].strip()
    return None


def line_finder(raw: JsonObject, body: dict[str, Any]) -> Callable[[Path], int | None]:
    """`line_of(path)`: None when the evaluated body has no value there; else the line where the
    path is written, or the nearest written line above it when a part is computed (an
    expression, a property copy loop)."""

    def line_of(path: Path) -> int | None:
        if not path_present(body, path):
            return None
        node: Any = raw
        line = raw.line
        in_loop = False
        for step in path:
            if in_loop and isinstance(step, int):
                in_loop = False  # every item of a property loop is written once, as its input
                continue
            in_loop = False
            if isinstance(node, JsonObject) and isinstance(step, str):
                if step in node:
                    node, line = node[step], node.key_lines.get(step, line)
                    continue
                spec = _loop_of(node, step)
                if spec is None:
                    return line
                input_key = key_ci(spec, "input")
                node, line = spec[input_key], spec.key_lines.get(input_key or "", spec.line)
                in_loop = True
            elif isinstance(node, JsonArray) and isinstance(step, int) and 0 <= step < len(node):
                node, line = node[step], node.item_lines[step]
            else:
                return line
        return line

    return line_of


def _loop_of(node: JsonObject, name: str) -> Any:
    for spec in copy_specs(node) or []:
        if isinstance(spec, JsonObject) and get_ci(spec, "name") == name:
            return spec
    return None
