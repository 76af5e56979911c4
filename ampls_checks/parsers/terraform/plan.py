"""Terraform plan JSON (`terraform show -json PLANFILE`) into the same entities as the HCL path.

The input follows HashiCorp's "JSON Output Format" (developer.hashicorp.com/terraform/internals/
json-format). Format versions 0.x (Terraform 0.12 to 1.0) and 1.x (1.1 on) are read; the
document says a reader must reject any other major version, and that minor versions only add
properties, which are ignored here.

- Values come from `planned_values` (the root module and every `child_modules` entry, remote
  modules included). That representation omits values unknown until apply, or writes them as
  null, so `resource_changes[].change.after_unknown` says which they are: those stay `Unknown`
  (never a finding; `--verbose` says "known only after apply").
- Edges whose ids are unknown until apply come from `configuration`: an attribute's expression
  lists its `references` (`azurerm_private_dns_zone.x.id`, `module.dns.zone_id`, `var.ids`)
  in the module that writes it; each is followed to the planned resource instance it names
  (through module outputs and the caller's inputs), and an unknown value whose references name
  exactly the resources it can hold becomes that resource's id, as `azurerm_x.y.id` does in HCL.
- The resource type tables and the attribute mapping are the HCL path's (`resources.EXTRACTORS`,
  `azapi`): a plan resource is handed to the same extractor as a `ResourceView` whose values are
  the plan's. Lines are those of the `resource` block in the configuration directory when one is
  given (plan_config.py), else those of the resource in the plan file.

A plan is input like any other: its size is bounded by the scan's file limit, its nesting by the
JSON decoder's, and reference following by `MAX_REFERENCE_STEPS` per attribute and
`MAX_PLAN_REFERENCE_STEPS` per plan.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from ampls_checks.azure import AZAPI_TYPES
from ampls_checks.model import Language, Location, Note, ParseError, ParseResult, Unknown, UnresolvedResource
from ampls_checks.parsers.arm.json_lines import MAX_DEPTH, JsonArray, JsonDecodeError, JsonObject, decode
from ampls_checks.parsers.common.limits import MAX_MODULE_DEPTH
from ampls_checks.parsers.terraform.azapi import azapi_entities
from ampls_checks.parsers.terraform.evaluate import NameOf, SymbolicId, UnknownNameOf
from ampls_checks.parsers.terraform.hcl_syntax import Attribute, Block, Body, Lit
from ampls_checks.parsers.terraform.parse import BlockView, ModuleInstance, ResourceView, TfFile, instance_suffix
from ampls_checks.parsers.terraform.plan_config import ConfigTree
from ampls_checks.parsers.terraform.resources import EXTRACTORS, Reader

ACCEPTED_FORMAT_MAJORS = ("0", "1")
AFTER_APPLY = "known only after apply (after_unknown in the plan)"
MAX_RESOURCES = 200_000  # resource instances in one plan
MAX_REFERENCE_STEPS = 1_000  # references followed to resolve one attribute
MAX_PLAN_REFERENCE_STEPS = 500_000  # and for one plan, all attributes together
MAX_REFERENCES = 200  # references of one expression that are read
MAX_REFERENCE_LENGTH = 1_000
MAX_AZAPI_BODY = 1_000_000  # characters of an azapi v1 body string decoded as JSON

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DIGITS = re.compile(r"[0-9]+")
_JSON = json.JSONDecoder()


def load_plan(display: str, text: str, config: ConfigTree | None = None) -> ParseResult:
    """The entities of one plan file. Errors (not JSON, not a plan, an unsupported format
    version) are a `ParseError` naming the file; the rest of the scan goes on."""
    result = ParseResult()
    try:
        document = _decode(text)
    except JsonDecodeError as exc:
        result.errors.append(ParseError(display, f"invalid JSON: {exc.message}", exc.line))
        return result
    problem = _format_problem(document)
    if problem is not None:
        result.errors.append(ParseError(display, problem, 1))
        return result
    assert isinstance(document, JsonObject)
    plan = Plan(display, document, config)
    plan.read()
    views: dict[str, list[ResourceView]] = {}
    for resource in plan.resources:
        extractor = EXTRACTORS.get((resource.mode, resource.type))
        is_azapi = resource.mode == "resource" and resource.type in AZAPI_TYPES
        if extractor is None and not is_azapi:
            continue
        view = plan.view(resource)
        if is_azapi:
            views.setdefault(resource.type, []).append(view)
            continue
        assert extractor is not None
        try:
            result.entities.extend(extractor(view, Reader(view, result.notes, view.address)))
        except RecursionError:
            where = view.block.line
            result.errors.append(ParseError(view.file.display, f"{view.address}: value nested too deeply", where))
    if views:
        result.entities.extend(
            azapi_entities(views.get("azapi_resource", []), views.get("azapi_update_resource", []), result.entities)
        )
    result.entities.extend(plan.unseen())
    result.entities.extend(plan.incomplete())
    result.notes.extend(plan.notes)
    result.errors.extend(plan.errors)
    if config is not None:
        result.errors.extend(config.errors)
    return result


def _decode(text: str) -> Any:
    """The plan with the line of every object, array and key. `terraform show -json` writes one
    line, where every line is 1: that common case takes the standard library's decoder, several
    times faster than the line-keeping one, which reads everything else (and says where a broken
    file breaks)."""
    if text.count("\n", 0, len(text) - 1) == 0:
        try:
            return _on_line_one(json.loads(text), 0)
        except (ValueError, RecursionError, JsonDecodeError):
            pass  # the line-keeping decoder says what is wrong, and where
    return decode(text)


def _on_line_one(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise JsonDecodeError(f"nested deeper than {MAX_DEPTH} levels", 1)
    if isinstance(value, dict):
        obj = JsonObject(1)
        for key, item in value.items():
            obj[key] = _on_line_one(item, depth + 1)
            obj.key_lines[key] = 1
        return obj
    if isinstance(value, list):
        array = JsonArray(1)
        array.extend(_on_line_one(item, depth + 1) for item in value)
        array.item_lines = [1] * len(value)
        return array
    return value


def _format_problem(document: Any) -> str | None:
    """Why `document` is not a plan this reader accepts, or None."""
    if not isinstance(document, dict) or "format_version" not in document:
        return "not a Terraform plan in JSON (`terraform show -json PLANFILE`): no format_version"
    version = document["format_version"]
    if not isinstance(version, str) or version.split(".")[0] not in ACCEPTED_FORMAT_MAJORS:
        return (
            f"unsupported plan format_version {json.dumps(version)[:40]}: this version reads "
            f"{', '.join(m + '.x' for m in ACCEPTED_FORMAT_MAJORS)}"
        )
    if not isinstance(document.get("planned_values"), dict):
        return "not a Terraform plan: no planned_values (a state file? scan the configuration instead)"
    return None


@dataclass
class PlanResource:
    """One planned resource instance."""

    address: str
    module_path: str  # 'module.a["x"].module.b', "" for the root module
    calls: tuple[str, ...]  # the module call names of module_path, without instance keys
    mode: str  # "resource" or "data", as HCL names the blocks
    type: str
    name: str
    index: Any
    values: dict[str, Any]  # planned values, with Unknown where after_unknown says so
    node: JsonObject  # the resource's object in planned_values, for lines

    @property
    def config_address(self) -> str:
        return f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"


@dataclass
class _PlanInstance:
    """What an extractor reads of a view's module instance: its deployment unit."""

    unit: str
    path: str


class Plan:
    """A decoded plan: its resource instances, its configuration, and the views handed to the
    extractors."""

    def __init__(self, display: str, document: JsonObject, config: ConfigTree | None) -> None:
        self.display = display
        self.document = document
        self.config = config
        self.unit = config.unit if config is not None else display
        self.plan_file = TfFile(display, display, Body({}, []), "")  # no skip comments in a plan
        self.resources: list[PlanResource] = []
        self.module_instances: set[str] = {""}
        # (caller's module instance path, call name) -> the call's instances, in the plan's order
        self._instances_of: dict[tuple[str, str], list[str]] = {}
        self.notes: list[Note] = []
        self.errors: list[ParseError] = []
        self.steps = 0
        self.total_steps = 0
        self.over_budget = False
        self._memo: dict[tuple[int, str], list[Target]] = {}
        self._by_resource: dict[tuple[str, str, str, str], list[PlanResource]] = {}
        self._configs: dict[tuple[str, ...], JsonObject] = {}
        self._config_resources: dict[tuple[str, ...], dict[str, JsonObject]] = {}
        self._calls_seen: list[tuple[str, tuple[str, ...], str, JsonObject]] = []

    # -- reading ------------------------------------------------------------------------------

    def read(self) -> None:
        after_unknown = self._after_unknown()
        root = _obj(self.document.get("planned_values")).get("root_module")
        for module_path, calls, module in self._modules(_obj(root)):
            self.module_instances.add(module_path)
            if calls:
                parent = parent_module_path(module_path)
                self._instances_of.setdefault((parent or "", calls[-1]), []).append(module_path)
            for item in _arr(module.get("resources")):
                resource = self._resource(_obj(item), module_path, calls, after_unknown)
                if resource is None:
                    continue
                if len(self.resources) >= MAX_RESOURCES:
                    message = f"more than {MAX_RESOURCES} resource instances; the rest are not read"
                    self.errors.append(ParseError(self.display, message))
                    return
                self.resources.append(resource)
                key = (resource.module_path, resource.mode, resource.type, resource.name)
                self._by_resource.setdefault(key, []).append(resource)
        configuration = _obj(self.document.get("configuration")).get("root_module")
        self._index_config(_obj(configuration), ())

    def _after_unknown(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for change in _arr(self.document.get("resource_changes")):
            change = _obj(change)
            address = change.get("address")
            details = _obj(change.get("change"))
            if isinstance(address, str) and "deposed" not in change:
                found[address] = details.get("after_unknown")
        return found

    def _modules(self, root: JsonObject) -> Iterator[tuple[str, tuple[str, ...], JsonObject]]:
        pending: list[tuple[str, tuple[str, ...], JsonObject]] = [("", (), root)]
        while pending:
            path, calls, module = pending.pop(0)
            yield path, calls, module
            if len(calls) >= MAX_MODULE_DEPTH:
                continue
            for child in _arr(module.get("child_modules")):
                child = _obj(child)
                address = child.get("address")
                steps = module_steps(address) if isinstance(address, str) else None
                if steps is None or len(steps) != len(calls) + 1:
                    continue
                pending.append((cast(str, address), tuple(name for name, _key in steps), child))

    def _resource(
        self, item: JsonObject, module_path: str, calls: tuple[str, ...], after_unknown: dict[str, Any]
    ) -> PlanResource | None:
        address, mode, type_, name = (item.get(k) for k in ("address", "mode", "type", "name"))
        if not all(isinstance(v, str) for v in (address, mode, type_, name)) or mode not in ("managed", "data"):
            return None
        assert isinstance(address, str) and isinstance(type_, str) and isinstance(name, str)
        values = item.get("values")
        planned = with_unknowns(values if isinstance(values, dict) else {}, after_unknown.get(address))
        return PlanResource(
            address=address,
            module_path=module_path,
            calls=calls,
            mode="resource" if mode == "managed" else "data",
            type=type_,
            name=name,
            index=item.get("index"),
            values=planned if isinstance(planned, dict) else {},
            node=item,
        )

    def _index_config(self, module: JsonObject, calls: tuple[str, ...]) -> None:
        self._configs[calls] = module
        if len(calls) >= MAX_MODULE_DEPTH:
            return
        for name, call in _obj(module.get("module_calls")).items():
            call = _obj(call)
            self._calls_seen.append((name, calls, str(call.get("source", "")), call))
            self._index_config(_obj(call.get("module")), (*calls, name))

    # -- views --------------------------------------------------------------------------------

    def view(self, resource: PlanResource) -> PlanResourceView:
        expressions = _obj(self._config_resource(resource.calls, resource.config_address).get("expressions"))
        declared = (
            self.config.declaration(resource.calls, resource.mode, resource.type, resource.name)
            if self.config is not None
            else None
        )
        if declared is not None:
            block, tf_file = declared.block, declared.file
        else:
            if self.config is not None:
                self.notes.append(
                    Note(
                        self.display,
                        resource.node.line,
                        f"{resource.address}: no resource block found for it in the configuration directory; "
                        "reported at its line in the plan",
                    )
                )
            block, tf_file = _synthetic_block(resource.node, resource.type, resource.name), self.plan_file
        return PlanResourceView(self, resource, block, tf_file, expressions)

    def _config_resource(self, calls: tuple[str, ...], config_address: str) -> JsonObject:
        if calls not in self._config_resources:
            module = self._configs.get(calls)
            self._config_resources[calls] = {
                str(item.get("address")): item
                for item in map(_obj, _arr(module.get("resources") if module is not None else None))
            }
        return self._config_resources[calls].get(config_address, JsonObject(0))

    def key_of(self, resource: PlanResource) -> str:
        return f"tf:{self.unit}:{resource.address}"

    # -- references ---------------------------------------------------------------------------

    def targets(self, expression: Any, module_path: str, calls: tuple[str, ...], depth: int = 0) -> list[Target]:
        """The planned resource instances an expression's references name, in their order; none
        when following them costs more than the budget (a part of them would be a guess)."""
        refs = _obj(expression).get("references")
        if not isinstance(refs, list) or depth > 2 * MAX_MODULE_DEPTH:
            return []
        if depth == 0:
            self.steps = 0  # each attribute has its own budget, and the plan a total
        memo = (id(expression), module_path)  # a module output or input, read for many instances
        if depth > 0 and memo in self._memo:
            self.steps += 1
            self.total_steps += 1
            return self._memo[memo]
        texts = list(dict.fromkeys(r for r in refs[:MAX_REFERENCES] if isinstance(r, str)))
        found: list[Target] = []
        for text in _widest([t for t in texts if len(t) <= MAX_REFERENCE_LENGTH]):
            self.steps += 1
            self.total_steps += 1
            if self._spent():
                return []
            steps = traversal(text)
            if steps:
                found.extend(self._follow(steps, module_path, calls, depth))
        if self._spent():
            return []
        out: list[Target] = []
        seen: set[str] = set()
        for target in found:
            if target.resource.address not in seen:
                seen.add(target.resource.address)
                out.append(target)
        if depth > 0:
            self._memo[memo] = out
        return out

    def _spent(self) -> bool:
        if self.steps <= MAX_REFERENCE_STEPS and self.total_steps <= MAX_PLAN_REFERENCE_STEPS:
            return False
        if not self.over_budget:
            self.over_budget = True
            self.notes.append(
                Note(self.display, 1, "references too many to follow: ids unknown until apply stay unknown")
            )
        return True

    def _follow(self, steps: list[Any], module_path: str, calls: tuple[str, ...], depth: int) -> list[Target]:
        head = steps[0]
        if head == "var" and len(steps) >= 2 and calls:
            caller_path = parent_module_path(module_path)
            if caller_path is None:
                return []
            call = _obj(_obj(self._configs.get(calls[:-1], JsonObject(0)).get("module_calls")).get(calls[-1]))
            expression = _obj(call.get("expressions")).get(str(steps[1]))
            return self.targets(expression, caller_path, calls[:-1], depth + 1)
        if head == "module" and len(steps) >= 2 and isinstance(steps[1], str):
            rest = steps[2:]
            key = rest[0] if rest and isinstance(rest[0], _Index) else None
            rest = rest[1:] if key is not None else rest
            output = rest[0] if rest and isinstance(rest[0], str) else None
            child_calls = (*calls, steps[1])
            child_config = self._configs.get(child_calls)
            if output is None or child_config is None:
                return []
            expression = _obj(_obj(_obj(child_config.get("outputs")).get(output)).get("expression"))
            prefix = f"{module_path}.module.{steps[1]}" if module_path else f"module.{steps[1]}"
            found: list[Target] = []
            for instance in self._instances_of.get((module_path, steps[1]), []):
                if self._spent():
                    break
                if key is None or instance == prefix + instance_suffix(key.value):
                    found.extend(self.targets(expression, instance, child_calls, depth + 1))
            return found
        if head in ("local", "each", "count", "path", "terraform", "self", "var", "module"):
            return []  # the configuration representation has no locals; the rest names no resource
        mode = "resource"
        if head == "data":
            mode, steps = "data", steps[1:]
        if len(steps) < 2 or not all(isinstance(s, str) for s in steps[:2]):
            return []
        type_, name, rest = steps[0], steps[1], steps[2:]
        key = rest[0] if rest and isinstance(rest[0], _Index) else None
        rest = rest[1:] if key is not None else rest
        attribute = rest[0] if rest and isinstance(rest[0], str) else None
        instances = self._by_resource.get((module_path, mode, type_, name), [])
        if key is not None:
            instances = [r for r in instances if r.index == key.value]
        return [Target(r, attribute) for r in instances]

    def unseen(self) -> list[UnresolvedResource]:
        """Module calls of the configuration that have no instance in `planned_values` and may
        declare what the checks read: the plan shows nothing of them, so, as for a module call the
        HCL path does not follow, the checks about something missing stay silent in the unit."""
        present = {module_calls_of(i) for i in self.module_instances}
        out: list[UnresolvedResource] = []
        for name, calls, source, call in self._calls_seen:
            if calls not in present or (*calls, name) in present:
                continue  # its caller is itself absent (reported), or it has instances
            if _constant_zero(call) or not _declares_relevant(_obj(call.get("module"))):
                continue
            address = ".".join(f"module.{c}" for c in (*calls, name))
            where = Location(self.display, call.line, call.end_line, Language.TERRAFORM)
            directory = self.config.module_dir(calls) if self.config is not None else None
            module = self.config.source(directory) if self.config is not None and directory is not None else None
            declared = module.module_calls.get(name) if module is not None else None
            if declared is not None:
                where = Location(declared.file.display, declared.block.line, declared.block.end_line)
            self.notes.append(
                Note(
                    where.file,
                    where.start_line,
                    f"{address}: module call (source {json.dumps(source)}) has no instance in planned_values: "
                    "what it declares is unknown",
                )
            )
            out.append(
                UnresolvedResource(
                    key=f"tf:{self.unit}:{address}[?]", address=address, location=where, unit=self.unit, kind="*"
                )
            )
        return out

    def incomplete(self) -> list[UnresolvedResource]:
        """A plan that failed part-way (`errored`) or leaves changes for later (`complete` false:
        deferred actions, `-target`) does not show everything the configuration creates: the
        checks about something missing stay silent in its unit."""
        errored = self.document.get("errored") is True
        if not errored and self.document.get("complete") is not False:
            return []
        why = "errored" if errored else "not complete (deferred or targeted changes)"
        self.notes.append(Note(self.display, 1, f"the plan is {why}: what it does not show is unknown"))
        where = Location(self.display, 1, 1, Language.TERRAFORM)
        return [UnresolvedResource(key=f"tf:{self.unit}:plan[?]", address="(plan)", location=where, unit=self.unit)]


@dataclass
class Target:
    """A planned resource instance a reference names, and the attribute it reads (None: the
    whole object, as `[for z in azurerm_private_dns_zone.z : z.id]` lists it)."""

    resource: PlanResource
    attribute: str | None


def _widest(texts: list[str]) -> list[str]:
    """Terraform lists every step of a reference (`a.b.id`, then `a.b`): the longest ones, in
    order. Each text is looked up among the sorted others, never compared with each of them."""
    ordered = sorted(texts)

    def extended(text: str) -> bool:
        for mark in (".", "["):
            at = bisect.bisect_left(ordered, text + mark)
            if at < len(ordered) and ordered[at].startswith(text + mark):
                return True
        return False

    return [t for t in texts if not extended(t)]


@dataclass(frozen=True)
class _Index:
    value: Any


def traversal(text: str) -> list[Any] | None:
    """`azurerm_x.y["k"].id` -> ["azurerm_x", "y", _Index("k"), "id"]; None when not a plain
    traversal. Linear in the text."""
    match = _IDENT.match(text)
    if match is None:
        return None
    steps: list[Any] = [match.group()]
    position = match.end()
    while position < len(text):
        if text[position] == ".":
            match = _IDENT.match(text, position + 1)
            if match is None:
                return None
            steps.append(match.group())
            position = match.end()
        elif text[position] == "[":
            if text.startswith('"', position + 1):
                try:
                    value, end = _JSON.raw_decode(text, position + 1)
                except ValueError:
                    return None
                if not isinstance(value, str) or not text.startswith("]", end):
                    return None
                steps.append(_Index(value))
                position = end + 1
            else:
                digits = _DIGITS.match(text, position + 1)
                if digits is None or not text.startswith("]", digits.end()):
                    return None
                steps.append(_Index(int(digits.group())))
                position = digits.end() + 1
        else:
            return None
    return steps


def module_steps(address: str) -> list[tuple[str, Any]] | None:
    """`module.a["x"].module.b` -> [("a", "x"), ("b", None)]; None when not a module path."""
    steps = traversal(address) if len(address) <= MAX_REFERENCE_LENGTH * 4 else None
    if not steps:
        return None
    out: list[tuple[str, Any]] = []
    position = 0
    while position < len(steps):
        if steps[position] != "module" or position + 1 >= len(steps) or not isinstance(steps[position + 1], str):
            return None
        name = steps[position + 1]
        position += 2
        key = None
        if position < len(steps) and isinstance(steps[position], _Index):
            key = steps[position].value
            position += 1
        out.append((name, key))
    return out


def module_calls_of(module_path: str) -> tuple[str, ...] | None:
    if module_path == "":
        return ()
    steps = module_steps(module_path)
    return tuple(name for name, _key in steps) if steps is not None else None


def parent_module_path(module_path: str) -> str | None:
    steps = module_steps(module_path)
    if not steps:
        return None
    return ".".join(f"module.{name}{instance_suffix(key)}" for name, key in steps[:-1])


def with_unknowns(values: Any, unknown: Any) -> Any:
    """Planned values with `Unknown` where `after_unknown` marks a value unknown until apply
    (`true` for a leaf or a whole collection, a structure of the value's shape otherwise)."""
    if unknown is True:
        return Unknown(AFTER_APPLY)
    if isinstance(unknown, dict):
        base = values if isinstance(values, dict) else {}
        merged = dict(base)
        for name, marks in unknown.items():
            merged[name] = with_unknowns(base.get(name), marks)
        return merged
    if isinstance(unknown, list):
        base_list = values if isinstance(values, list) else []
        length = max(len(base_list), len(unknown))
        return [
            with_unknowns(base_list[i] if i < len(base_list) else None, unknown[i] if i < len(unknown) else None)
            for i in range(length)
        ]
    return values


def _constant_zero(call: JsonObject) -> bool:
    """A module call whose `count` is the constant 0 or whose `for_each` is constantly empty."""
    count = _obj(call.get("count_expression"))
    each = _obj(call.get("for_each_expression"))
    if "constant_value" in count:
        return count["constant_value"] == 0
    if "constant_value" in each:
        return each["constant_value"] in ({}, [], None)
    return False


def _declares_relevant(module: JsonObject, depth: int = 0) -> bool:
    """Whether a module's configuration (or a module it calls) declares a type the checks read."""
    for item in _arr(module.get("resources")):
        item = _obj(item)
        mode = "data" if item.get("mode") == "data" else "resource"
        if (mode, item.get("type")) in EXTRACTORS or item.get("type") in AZAPI_TYPES:
            return True
    if depth >= MAX_MODULE_DEPTH:
        return True  # too deep to know: it may declare anything
    return any(
        _declares_relevant(_obj(_obj(call).get("module")), depth + 1)
        for call in _obj(module.get("module_calls")).values()
    )


def _synthetic_block(node: JsonObject, type_: str, name: str) -> Block:
    """A block standing for a resource of the plan file: its lines, and each value's line."""
    values = node.get("values")
    return Block("resource", (type_, name), Body(_attributes(values), []), node.line, node.end_line)


def _attributes(values: Any) -> dict[str, Attribute]:
    if not isinstance(values, JsonObject):
        return {}
    return {k: Attribute(k, Lit(None), line, line) for k, line in values.key_lines.items()}


def _obj(value: Any) -> JsonObject:
    return value if isinstance(value, JsonObject) else JsonObject(0)


def _arr(value: Any) -> JsonArray:
    return value if isinstance(value, JsonArray) else JsonArray(0)


class PlanBlockView(BlockView):
    """A block (a resource, or one nested block) whose values are the plan's, read by the
    extractors as they read an HCL block: `has` is "the plan gives a value" (null is not
    written), `value` the planned value with references resolved (`resolve`), `blocks` the
    nested blocks the planned value holds. Lines and skip comments come from `block`: the HCL
    block when the configuration is given, a stand-in with the plan file's lines otherwise."""

    def __init__(
        self,
        plan: Plan,
        resource: PlanResource,
        values: dict[str, Any],
        block: Block,
        tf_file: TfFile,
        expressions: JsonObject,
        node: JsonObject | None,
    ) -> None:
        instance = _PlanInstance(plan.unit, resource.module_path)
        # extractors read only `instance.unit`; the HCL evaluator behind `instance` is never used
        super().__init__(cast(ModuleInstance, instance), block, {}, tf_file)
        self.plan = plan
        self.resource = resource
        self.values = values
        self.expressions = expressions
        self.node = node

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def value(self, name: str) -> Any:
        raw = self.values.get(name)
        if raw is None:
            return None
        if name == "body" and self.resource.type in AZAPI_TYPES and isinstance(raw, str) and len(raw) <= MAX_AZAPI_BODY:
            try:
                return json.loads(raw)  # azapi v1: `body = jsonencode({...})` is planned as a string
            except (ValueError, RecursionError):
                return Unknown("azapi body is not JSON")
        expression = self.expressions.get(name)
        if not isinstance(expression, JsonObject) or "references" not in expression:
            return raw
        targets = self.plan.targets(expression, self.resource.module_path, self.resource.calls)
        return resolve(raw, targets, self.plan)

    def blocks(self, block_type: str) -> list[BlockView] | Unknown:
        raw = self.values.get(block_type)
        if raw is None:
            return []
        if isinstance(raw, Unknown):
            return raw
        if not isinstance(raw, list):
            return []
        written = self.expressions.get(block_type)
        written_list = written if isinstance(written, list) else []
        nodes = self.node.get(block_type) if self.node is not None else None
        hcl_blocks = self.block.body.blocks_of(block_type) if self.file is not self.plan.plan_file else []
        out: list[BlockView] = []
        for position, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            node = nodes[position] if isinstance(nodes, JsonArray) and position < len(nodes) else None
            node = node if isinstance(node, JsonObject) else None
            if len(hcl_blocks) == len(raw):
                block = hcl_blocks[position]
            elif self.file is not self.plan.plan_file:  # generated by a `dynamic` block: the resource's lines
                block = Block(block_type, (), Body({}, []), self.block.line, self.block.end_line)
            else:
                line = node.line if node is not None else self.block.line
                end = node.end_line if node is not None else self.block.end_line
                block = Block(block_type, (), Body(_attributes(node), []), line, end)
            expressions = written_list[position] if len(written_list) == len(raw) else None
            out.append(PlanBlockView(self.plan, self.resource, item, block, self.file, _obj(expressions), node))
        return out


class PlanResourceView(ResourceView, PlanBlockView):
    """One planned resource instance, with the address and entity key the HCL path gives it."""

    def __init__(
        self, plan: Plan, resource: PlanResource, block: Block, tf_file: TfFile, expressions: JsonObject
    ) -> None:
        values_node = resource.node.get("values")
        PlanBlockView.__init__(
            self,
            plan,
            resource,
            resource.values,
            block,
            tf_file,
            expressions,
            values_node if isinstance(values_node, JsonObject) else None,
        )
        self.moved = {}
        self.mode = resource.mode
        self.type = resource.type
        self.name = resource.name
        self.instance_key = resource.index
        self._cache = {}
        self._running = set()

    @property
    def address(self) -> str:
        return self.resource.address

    @property
    def entity_key(self) -> str:
        return self.plan.key_of(self.resource)

    def has(self, name: str) -> bool:
        return PlanBlockView.has(self, name)

    def value(self, name: str) -> Any:
        return PlanBlockView.value(self, name)

    def blocks(self, block_type: str) -> list[BlockView] | Unknown:
        return PlanBlockView.blocks(self, block_type)


def resolve(value: Any, targets: list[Target], plan: Plan) -> Any:
    """A planned value read with the resources its expression refers to, as the HCL path reads
    `azurerm_x.y.id` (a `SymbolicId`) and `azurerm_x.y.name` (a `NameOf`):

    - an unknown value whose expression names exactly one resource by its id (or as a whole
      object) is that resource's id; one that names exactly one resource's name is that name;
    - a list whose unknown elements are as many as the resources named by id, in order, holds
      their ids (`[azurerm_private_dns_zone.a.id, azurerm_private_dns_zone.b.id]`, or
      `[for z in azurerm_private_dns_zone.z : z.id]` over all its instances);
    - a known string equal to the planned id (or name) of exactly one resource its expression
      names is that resource's id (or name).
    Only resources the checks read count: an id built on another (a resource group's) is no id of
    it. Anything else stays as planned: an unknown the references do not pin down stays unknown.
    """
    by_id = [t for t in targets if t.attribute in (None, "id")]
    by_name = [t for t in targets if t.attribute == "name"]
    if not all(_read_by_checks(t.resource) for t in by_id):
        # `"${azurerm_resource_group.rg.id}/providers/..."`: an id built on a resource no check
        # reads is not that resource (it would read as "an endpoint to something else")
        return value
    if isinstance(value, Unknown):
        if len(by_id) == 1 and not by_name:
            return SymbolicId(plan.key_of(by_id[0].resource))
        if len(by_name) == 1 and not by_id:
            return UnknownNameOf(value.reason, plan.key_of(by_name[0].resource))
        return value
    if isinstance(value, str):
        return _known(value, by_id, by_name, plan)
    if isinstance(value, list):
        out = [_known(item, by_id, [], plan) if isinstance(item, str) else item for item in value]
        unknown_positions = [i for i, item in enumerate(out) if isinstance(item, Unknown)]
        known = {v.key for v in out if isinstance(v, SymbolicId)}
        pending = [t for t in by_id if plan.key_of(t.resource) not in known]
        if unknown_positions and len(unknown_positions) == len(pending) and not by_name:
            for position, target in zip(unknown_positions, pending, strict=True):
                out[position] = SymbolicId(plan.key_of(target.resource))
        return out
    return value


def _read_by_checks(resource: PlanResource) -> bool:
    return (resource.mode, resource.type) in EXTRACTORS or (
        resource.mode == "resource" and resource.type in AZAPI_TYPES
    )


def _known(value: str, by_id: list[Target], by_name: list[Target], plan: Plan) -> Any:
    """A known string that is the planned id (or name) of exactly one resource its expression
    names: that resource's id (or name), as the HCL path reads it. A string built around a
    reference (`"${azurerm_x.y.id}/sub"`) equals neither, and stays a string."""
    ids = [t for t in by_id if t.resource.values.get("id") == value]
    if len(ids) == 1:
        return SymbolicId(plan.key_of(ids[0].resource))
    named = [t for t in by_name if t.resource.values.get("name") == value]
    if len(named) == 1:
        return NameOf(value, plan.key_of(named[0].resource))
    return value
