"""Evaluating Bicep: parameters, variables, resources, modules and loops, within bounds.

Values are plain Python values (str, int, bool, None, list, dict) plus:
- `Ref` (from the model) for resource ids: `scope.id` is `Ref(key=<the scope's entity key>)`
  (with its name and type, so the linker can still match by name), `resourceId(...)` a name-only
  `Ref`, and `'${vnet.id}/subnets/${name}'` the child's name-only `Ref`;
- `Unknown(reason)` for whatever cannot be known statically (a parameter without a default,
  properties of an `existing` resource, a runtime property);
- symbols (model.symbol) for what is opaque but stable within a deployment: `uniqueString()` of
  known arguments, `resourceGroup().id`, `subscription().subscriptionId`;
- handles for resources (`ResourceInstance`), modules (`ModuleHandle`) and scopes (`ScopeValue`).

Declarations are evaluated lazily and once (Bicep lets any declaration refer to any other), with
cycle detection and a step budget per entry file: a loop over a huge range, a deep module chain or
an endless evaluation become `Unknown`, never a hang.

`environment()` describes the cloud the template is deployed to, which a template does not say.
We take it from the cloud the scan checks against (`--cloud`), since the required zone names come
from the same choice; when the caller does not pass a cloud it stays `Unknown`, never a guess.
The storage suffixes are the documented `environment()` values: `core.windows.net` (AzureCloud),
`core.usgovcloudapi.net` (AzureUSGovernment), `core.chinacloudapi.cn` (AzureChinaCloud).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.azure import EXTERNAL_ENTITY_TYPES, Cloud
from ampls_checks.model import Note, Ref, Unknown
from ampls_checks.parsers.arm.parse import ModuleTemplate, decode_module_template, parse_module_template
from ampls_checks.parsers.bicep.registry import RestoredModule
from ampls_checks.parsers.bicep.syntax import (
    ArrayExpr,
    Attr,
    BicepFile,
    Binary,
    Call,
    Cond,
    Expr,
    ForExpr,
    IfExpr,
    Index,
    Lambda,
    Lit,
    Method,
    ModuleDecl,
    Name,
    Nested,
    NonNull,
    ObjectExpr,
    ResourceDecl,
    Spread,
    Str,
    TypeDecl,
    TypeExpr,
    Unary,
    body_object,
)
from ampls_checks.parsers.common.format_items import format_pieces
from ampls_checks.parsers.common.limits import EVAL_STEPS, MAX_MODULE_DEPTH
from ampls_checks.parsers.common.template_functions import (
    ENVIRONMENTS,
    MAX_ITEMS,
    MAX_STRING,
    Budget,
    BudgetExceeded,
    cidr_host,
    cidr_subnet,
    concat_texts,
    contains_with,
    empty,
    filter_function,
    group_by,
    has_opaque,
    index_of_with,
    intersection_with,
    items,
    join_with,
    length,
    map_function,
    map_values,
    object_keys,
    pad_left_with,
    parse_cidr,
    range_function,
    reduce_function,
    same,
    shallow_merge,
    sort_function,
    split,
    string_function,
    symbol_call,
    to_bool,
    to_int,
    to_object,
    try_get_with,
    union_with,
    unique_string,
)
from ampls_checks.parsers.common.template_functions import Lambda as LambdaValue
from ampls_checks.parsers.common.template_functions import group_id as _group_id
from ampls_checks.parsers.common.template_functions import is_int as _is_int
from ampls_checks.parsers.common.template_functions import min_max as _min_max
from ampls_checks.parsers.common.template_functions import replace as _replace
from ampls_checks.parsers.common.template_functions import subscription_value as _subscription_value
from ampls_checks.parsers.common.template_functions import substring as _substring
from ampls_checks.parsers.common.template_functions import too_long as _too_long
from ampls_checks.parsers.common.template_functions import too_many as _too_many

# "Iterative loops in Bicep": a loop's iterations can't be negative or exceed 800.
MAX_LOOP = 800
# MAX_ITEMS and MAX_STRING (arm_functions) bound sizes, which the step budget alone does not.
# Module instances under one entry file, all levels together: the step budget alone lets a fan-out
# of 16 levels x 800 build 45,000 instances (45 s); Terraform has the same bound per root.
MAX_MODULE_INSTANCES = 2_000

# Existing resources of these types become external entities (their name is what matters);
# any other `existing` resource is only ever referred to by name.
VNET_TYPE = "microsoft.network/virtualnetworks"

REMOTE_MODULE = re.compile(r"^(br:|br/|ts:|ts/)")


@dataclass
class SourceFile:
    real: str
    display: str
    lines: list[str]
    syntax: BicepFile


@dataclass
class Context:
    """What every instance of one entry file shares."""

    files: dict[str, SourceFile]  # by real path
    cloud: Cloud | None
    notes: list[Note]
    budget: Budget = field(default_factory=lambda: Budget(EVAL_STEPS))
    # what `loadJsonContent('x.json')` and friends may read: (Bicep file, path as written) ->
    # bytes, given by the scan (JSON files among the scanned ones); nothing else is read
    loads: Mapping[tuple[str, str], bytes] = field(default_factory=dict)
    module_instances: int = 0  # made so far under this entry file, all levels together
    # modules that are ARM templates (registry and template spec modules, local `.json` files),
    # by (real path of the Bicep file, reference as written): the template, or why it was not
    # read (units.Job.registry_modules)
    registry: Mapping[tuple[str, str], RestoredModule | str] = field(default_factory=dict)
    # restored templates decoded, by file: shared by the entry files of one job
    decoded: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScopeValue:
    """`resourceGroup(...)`: the resource group a resource or module is deployed to."""

    resource_group: Any  # str or Unknown
    own: bool = False  # the deployment's own group (`resourceGroup()` at the top): its id is a symbol


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated: the file instance, loop and lambda variables, and the
    resource whose body holds it (its nested resources are visible by their simple name)."""

    instance: Instance
    env: Mapping[str, Any]
    resource: ResourceInstance | None = None

    def with_vars(self, extra: Mapping[str, Any]) -> Scope:
        return Scope(self.instance, {**self.env, **extra}, self.resource)


@dataclass
class BodyValue:
    """A value read from a resource's body, with the path it came from (inside chains only)."""

    resource: ResourceInstance
    path: tuple[str | int, ...]
    value: Any


@dataclass
class OutputsView:
    module: ModuleHandle


_UNSET: Any = object()


# ---------------------------------------------------------------------------------------------
# Instances of a file, resources and modules
# ---------------------------------------------------------------------------------------------


class Instance:
    """One evaluation of one Bicep file: an entry file, or a module with its parameters.

    `prefix` goes before addresses (`module.ampls.`), `key_prefix` before keys (it also names
    the entry file so that a module used by two entry files yields distinct keys)."""

    def __init__(
        self,
        ctx: Context,
        file: SourceFile,
        unit: str,
        inputs: dict[str, Callable[[], Any]] | Unknown,
        prefix: str = "",
        key_prefix: str = "",
        resource_group: Any = None,
        chain: tuple[str, ...] = (),
    ) -> None:
        self.ctx = ctx
        self.file = file
        self.unit = unit
        self.inputs = inputs
        self.prefix = prefix
        self.key_prefix = key_prefix
        self.resource_group = resource_group
        self.chain = chain or (file.real,)
        self._cache: dict[tuple[str, str], Any] = {}
        self._resources = {r.symbol: r for r in file.syntax.resources}
        self._modules = {m.symbol: m for m in file.syntax.modules}

    def scope(self) -> Scope:
        return Scope(self, {})

    def _memo(self, kind: str, name: str, compute: Callable[[], Any]) -> Any:
        marker = (kind, name)
        if marker in self._cache:
            value = self._cache[marker]
            return Unknown(f"{kind} {name!r} refers to itself") if value is _UNSET else value
        self._cache[marker] = _UNSET
        try:
            value = compute()
        except BudgetExceeded as exc:
            value = Unknown(exc.reason)
        self._cache[marker] = value
        return value

    def lookup(self, name: str) -> Any:
        syntax = self.file.syntax
        if name in syntax.params:
            return self._memo("parameter", name, lambda: self._param(name))
        if name in syntax.variables:
            return self._memo("variable", name, lambda: evaluate(syntax.variables[name], self.scope()))
        if name in self._resources:
            return self._memo("resource", name, lambda: expand_resource(self, self._resources[name], None, {}))
        if name in self._modules:
            return self._memo("module", name, lambda: expand_module(self, self._modules[name]))
        return Unknown(f"{name!r} is not declared")

    def _param(self, name: str) -> Any:
        if isinstance(self.inputs, Unknown):
            return self.inputs
        if name in self.inputs:
            return self.inputs[name]()
        declared = self.file.syntax.params[name]
        if declared.default is not None:
            return evaluate(declared.default, self.scope())
        if nullable(declared.type, self.file.syntax.types):
            return None  # a `T?` parameter deployed without a value is null
        return Unknown(f"parameter {name!r} has no default value and no value passed in the scanned files")

    def output(self, name: str) -> Any:
        expr = self.file.syntax.outputs.get(name)
        if expr is None:
            return Unknown(f"output {name!r} is not declared in {self.file.display}")
        return self._memo("output", name, lambda: evaluate(expr, self.scope()))

    def resource_values(self) -> list[tuple[ResourceDecl, Any]]:
        return [(decl, self.lookup(decl.symbol)) for decl in self.file.syntax.resources]

    def module_values(self) -> list[tuple[ModuleDecl, Any]]:
        return [(decl, self.lookup(decl.symbol)) for decl in self.file.syntax.modules]


MAX_TYPE_ALIASES = 32  # type names followed to find whether a parameter's type is nullable


def nullable(written: TypeExpr | None, types: Mapping[str, TypeDecl]) -> bool:
    """Whether a type allows null: `T?`, or a type declared in the file as one (`type t = {...}?`),
    followed through further declared names. An imported type is not seen: not nullable here."""
    for _ in range(MAX_TYPE_ALIASES):
        if written is None:
            return False
        if written.kind == "nullable":
            return True
        if written.kind != "name" or written.value not in types:
            return False
        written = types[written.value].type
    return False


def _deploy_flag(condition: Expr | None, scope: Scope) -> Any:
    if condition is None:
        return True
    value = evaluate(condition, scope)
    if isinstance(value, (bool, Unknown)):
        return value
    return Unknown("the condition is not a boolean")


class ResourceInstance:
    """One resource (one loop item) as other expressions see it."""

    def __init__(
        self,
        instance: Instance,
        decl: ResourceDecl,
        local: str,
        env: Mapping[str, Any],
        lexical_parent: ResourceInstance | None,
        condition: Expr | None,
    ) -> None:
        self.instance = instance
        self.decl = decl
        self.local = local
        self.env = env
        self.lexical_parent = lexical_parent
        self.condition = condition
        self._props: dict[str, Any] = {}
        self._children: dict[str, Any] = {}
        self._deployed: Any = _UNSET

    @property
    def key(self) -> str:
        return f"bicep:{self.instance.file.display}:{self.instance.key_prefix}{self.local}"

    @property
    def address(self) -> str:
        return f"{self.instance.prefix}{self.local}"

    def scope(self) -> Scope:
        return Scope(self.instance, self.env, self)

    def deployed(self) -> Any:
        if self._deployed is _UNSET:
            outer = Scope(self.instance, self.env, self.lexical_parent)
            try:
                self._deployed = _deploy_flag(self.condition, outer)
            except BudgetExceeded as exc:
                self._deployed = Unknown(exc.reason)
        return self._deployed

    def _object(self) -> ObjectExpr | None:
        return body_object(self.decl.value)

    def prop(self, key: str) -> Any:
        """One top-level property of the body, evaluated on its own (None when not written)."""
        if key in self._props:
            value = self._props[key]
            return Unknown(f"{self.address}.{key} refers to itself") if value is _UNSET else value
        obj = self._object()
        pair = obj.pair(key) if obj is not None else None
        if pair is None:
            if obj is not None and obj.spreads:
                return Unknown(f"{self.address}.{key} may come from a spread (...) in the body")
            self._props[key] = None
            return None
        self._props[key] = _UNSET
        try:
            value = evaluate(pair.value, self.scope())
        except BudgetExceeded as exc:
            value = Unknown(exc.reason)
        self._props[key] = value
        return value

    def body(self) -> dict[str, Any] | Unknown:
        obj = self._object()
        if obj is None:
            return Unknown("the resource body is not an object")
        if obj.spreads:
            whole = evaluate(obj, self.scope())
            return whole if isinstance(whole, (dict, Unknown)) else Unknown("the resource body is not an object")
        out: dict[str, Any] = {}
        for pair in obj.pairs:
            if not isinstance(pair.key, str):
                return Unknown("a property name is computed")
            out[pair.key] = self.prop(pair.key)
        return out

    def child(self, decl: ResourceDecl) -> Any:
        if decl.symbol not in self._children:
            self._children[decl.symbol] = _UNSET
            try:
                value = expand_resource(self.instance, decl, self, self.env)
            except BudgetExceeded as exc:
                value = Unknown(exc.reason)
            self._children[decl.symbol] = value
        value = self._children[decl.symbol]
        return Unknown(f"{decl.symbol} refers to itself") if value is _UNSET else value

    def declared_child(self, name: str) -> ResourceDecl | None:
        for decl in self.decl.children:
            if decl.symbol == name:
                return decl
        return None

    def short_name(self) -> Any:
        name = self.prop("name")
        if name is None:
            return Unknown(f"{self.address} has no name")
        return name if isinstance(name, (str, Unknown)) else Unknown("the name is not a string")

    def full_type(self) -> str:
        written = self.decl.type
        if self.lexical_parent is not None and "/" not in written:
            return f"{self.lexical_parent.full_type()}/{written}"
        return written

    def _parent_property(self) -> ResourceInstance | Unknown | None:
        parent = self.prop("parent")
        if parent is None or isinstance(parent, Unknown):
            return parent
        if not isinstance(parent, ResourceInstance):
            return Unknown("parent is not a single resource")
        seen = {id(self)}  # a parent chain that comes back here would never end
        current: Any = parent
        while isinstance(current, ResourceInstance):
            if id(current) in seen:
                return Unknown("the parent chain loops")
            seen.add(id(current))
            current = current.lexical_parent or current.prop("parent")
        return parent

    def full_name(self) -> Any:
        name = self.short_name()
        parent = self.lexical_parent or self._parent_property()
        if parent is None or isinstance(name, Unknown):
            return name
        if isinstance(parent, Unknown):
            return parent
        parent_name = parent.full_name()
        return parent_name if isinstance(parent_name, Unknown) else f"{parent_name}/{name}"

    def resource_group(self) -> Any:
        scope = self.prop("scope")
        if isinstance(scope, ScopeValue):
            return scope.resource_group
        if scope is not None:
            return Unknown("the resource's scope is not a resource group")
        if self.lexical_parent is not None:
            return self.lexical_parent.resource_group()
        parent = self._parent_property()
        if isinstance(parent, ResourceInstance):
            return parent.resource_group()
        return self.instance.resource_group

    def parent_ref(self) -> Any:
        parent = self.lexical_parent or self._parent_property()
        if isinstance(parent, ResourceInstance):
            return parent.ref()
        if isinstance(parent, Unknown):
            return parent
        full_type = self.full_type()
        name = self.short_name()
        if isinstance(name, str) and "/" in name and full_type.count("/") >= 2:
            group = self.resource_group()
            return Ref(
                name=name.rsplit("/", 1)[0],
                arm_type=full_type.rsplit("/", 1)[0].lower(),
                resource_group=group.lower() if isinstance(group, str) else None,
            )
        return None

    def ref(self) -> Any:
        name = self.full_name()
        arm_type = self.full_type().lower()
        group = self.resource_group()
        group_name = group.lower() if isinstance(group, str) else None
        if self.decl.existing and arm_type not in EXTERNAL_ENTITY_TYPES:
            if isinstance(name, Unknown):
                return Unknown(f"the name of existing resource {self.address} is unknown: {name.reason}")
            return Ref(name=name, arm_type=arm_type, resource_group=group_name)
        return Ref(
            key=self.key,
            name=name if isinstance(name, str) else None,
            arm_type=arm_type,
            resource_group=group_name,
        )

    def attribute(self, name: str) -> Any:
        if name == "id":
            return self.ref()
        if name == "name":
            return self.short_name()
        if name == "type":
            return self.full_type()
        if name == "apiVersion":
            return self.decl.api_version or Unknown("api version inherited")
        if self.decl.existing:
            return Unknown(f"{self.address} is an existing resource: its {name} is not in the template")
        value = self.prop(name)
        if value is None:
            return Unknown(f"{self.address}.{name} is not written in the template (Azure sets it)")
        return BodyValue(self, (name,), value)


class ModuleHandle:
    """One module declaration (one loop item) and, once needed, the instance of its file."""

    def __init__(self, parent: Instance, decl: ModuleDecl, local: str, env: Mapping[str, Any], condition: Expr | None):
        self.parent = parent
        self.decl = decl
        self.local = local
        self.env = env
        self.condition = condition
        self._child: Instance | ArmModule | Unknown | None = None

    @property
    def address(self) -> str:
        return f"{self.parent.prefix}module.{self.local}"

    def deployed(self) -> Any:
        try:
            return _deploy_flag(self.condition, Scope(self.parent, self.env))
        except BudgetExceeded as exc:
            return Unknown(exc.reason)

    def child(self) -> Instance | ArmModule | Unknown:
        if self._child is None:
            self._child = Unknown(f"module {self.address} refers to itself")
            try:
                self._child = self._make_child()
            except BudgetExceeded as exc:
                self._child = Unknown(exc.reason)
        return self._child

    def _make_child(self) -> Instance | ArmModule | Unknown:
        path = self.decl.path
        restored: RestoredModule | None = None
        source: SourceFile | None = None
        if REMOTE_MODULE.match(path):
            found = self.parent.ctx.registry.get((os.path.realpath(self.parent.file.real), path))
            if not isinstance(found, RestoredModule):
                why = found or "it is not scanned"
                return Unknown(f"module {self.address} comes from a registry ({path}); {why}")
            restored = found
            target = path  # a restored module calls no file of ours: its template is compiled whole
        elif path.lower().endswith(".json"):
            # a local ARM template as a module: read by the scan like any JSON file it found
            found = self.parent.ctx.registry.get((os.path.realpath(self.parent.file.real), path))
            if not isinstance(found, RestoredModule):
                return Unknown(found or f"its template {path} is not among the scanned files")
            restored = found
            target = os.path.realpath(os.path.join(os.path.dirname(self.parent.file.real), path))
        else:
            target = os.path.realpath(os.path.join(os.path.dirname(self.parent.file.real), path))
            source = self.parent.ctx.files.get(target)
            if source is None:
                return Unknown(f"module {self.address} file {path} is not among the scanned Bicep files")
        if target in self.parent.chain or len(self.parent.chain) >= MAX_MODULE_DEPTH:
            return Unknown(f"module {self.address} calls itself or nests too deeply")
        self.parent.ctx.module_instances += 1
        if self.parent.ctx.module_instances > MAX_MODULE_INSTANCES:
            return Unknown(
                f"module {self.address}: more than {MAX_MODULE_INSTANCES} module instances under one entry file"
            )
        scope = Scope(self.parent, self.env)
        body = body_object(self.decl.value)
        params_pair = body.pair("params") if body is not None else None
        inputs: dict[str, Callable[[], Any]] | Unknown = {}
        if params_pair is not None:
            inputs = _module_inputs(params_pair.value, scope)
        group: Any = self.parent.resource_group
        scope_pair = body.pair("scope") if body is not None else None
        if scope_pair is not None:
            value = evaluate(scope_pair.value, scope)
            group = value.resource_group if isinstance(value, ScopeValue) else Unknown("module scope is not known")
        key_prefix = self.parent.key_prefix or f"{self.parent.file.display}>"
        if restored is not None:
            return ArmModule(self, restored, inputs, group, f"{key_prefix}module.{self.local}")
        assert source is not None
        return Instance(
            self.parent.ctx,
            source,
            self.parent.unit,
            inputs,
            prefix=f"{self.address}.",
            key_prefix=f"{key_prefix}module.{self.local}.",
            resource_group=group,
            chain=(*self.parent.chain, target),
        )

    def attribute(self, name: str) -> Any:
        if name == "outputs":
            return OutputsView(self)
        if name == "name":
            body = body_object(self.decl.value)
            pair = body.pair("name") if body is not None else None
            return evaluate(pair.value, Scope(self.parent, self.env)) if pair is not None else Unknown("no name")
        return Unknown(f"module property {name!r} is not known")

    def output(self, name: str) -> Any:
        child = self.child()
        return child if isinstance(child, Unknown) else child.output(name)


class ArmModule:
    """A registry module or template spec, as `bicep restore` left it, or a local `.json`
    module: a compiled ARM template, evaluated once by the ARM parser as a nested deployment
    with the parameters the module call passes (`arm.parse.parse_module_template`). Its
    resources belong to the caller's unit, under the caller's address
    (`module.ampls.Microsoft.Insights/privateLinkScopes/x`), at their lines in the template
    file; its outputs are what `module.outputs.x` reads."""

    def __init__(
        self,
        handle: ModuleHandle,
        restored: RestoredModule,
        inputs: dict[str, Callable[[], Any]] | Unknown,
        resource_group: Any,
        key_path: str,
    ) -> None:
        self.handle = handle
        self.restored = restored
        self.inputs = inputs
        self.resource_group = resource_group
        self.key_path = key_path
        self._result: ModuleTemplate | Unknown | None = None

    def template(self) -> ModuleTemplate | Unknown:
        if self._result is None:
            self._result = Unknown(f"module {self.handle.address} refers to itself")
            given: dict[str, Callable[[], Any]] | Unknown = self.inputs
            if isinstance(given, dict):
                given = {name: _as_arm(thunk) for name, thunk in given.items()}
            parent = self.handle.parent
            document = parent.ctx.decoded.get(self.restored.display)
            if document is None:
                document = parent.ctx.decoded[self.restored.display] = decode_module_template(self.restored.text)
            self._result = parse_module_template(
                self.restored.display,
                document,
                given,
                template_spec=self.restored.template_spec,
                cloud=parent.ctx.cloud,
                budget=parent.ctx.budget,
                key_base=f"bicep:{parent.unit}:{self.key_path}",
                unit=parent.unit,
                address_prefix=f"{self.handle.address}.",
                resource_group=self.resource_group,
            )
        return self._result

    def output(self, name: str) -> Any:
        made = self.template()
        if isinstance(made, Unknown):
            return made
        outputs = made.outputs()
        if isinstance(outputs, Unknown):
            return outputs
        return outputs.get(name.lower(), Unknown(f"module {self.handle.address} has no output {name!r}"))


def _as_arm(thunk: Callable[[], Any]) -> Callable[[], Any]:
    return lambda: to_arm_value(thunk())


def to_arm_value(value: Any) -> Any:
    """Evaluated values into ARM-shape values: handles of resources, modules and scopes are not
    values a property can hold (and `BodyValue` never leaves the evaluator)."""
    if isinstance(value, dict):
        return {k: to_arm_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_arm_value(v) for v in value]
    if isinstance(value, (ResourceInstance, ModuleHandle, ScopeValue, BodyValue, OutputsView)):
        return Unknown("a resource or module object where a value is expected")
    return value


def _module_inputs(value: Expr, scope: Scope) -> dict[str, Callable[[], Any]] | Unknown:
    if isinstance(value, ObjectExpr) and not value.spreads:
        inputs: dict[str, Callable[[], Any]] = {}
        for pair in value.pairs:
            if not isinstance(pair.key, str):
                return Unknown("a module parameter name is computed")
            inputs[pair.key] = _thunk(pair.value, scope)
        return inputs
    whole = evaluate(value, scope)
    if isinstance(whole, Unknown):
        return whole
    if not isinstance(whole, dict):
        return Unknown("module params is not an object")
    return {k: _constant(v) for k, v in whole.items()}


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _thunk(expr: Expr, scope: Scope) -> Callable[[], Any]:
    return lambda: evaluate(expr, scope)


def expand_resource(
    instance: Instance, decl: ResourceDecl, lexical_parent: ResourceInstance | None, env: Mapping[str, Any]
) -> Any:
    """A resource declaration as a value: one instance, a list (a loop), or Unknown."""
    base = f"{lexical_parent.local}::{decl.symbol}" if lexical_parent is not None else decl.symbol
    scope = Scope(instance, env, lexical_parent)
    value = decl.value
    if isinstance(value, ForExpr):
        envs = expand_loop(value, scope)
        if isinstance(envs, Unknown):
            return Unknown(f"the loop cannot be expanded: {envs.reason}")
        return [
            ResourceInstance(instance, decl, f"{base}[{i}]", item_env, lexical_parent, value.filter)
            for i, item_env in enumerate(envs)
        ]
    condition = value.condition if isinstance(value, IfExpr) else None
    return ResourceInstance(instance, decl, base, env, lexical_parent, condition)


def expand_module(instance: Instance, decl: ModuleDecl) -> Any:
    value = decl.value
    if isinstance(value, ForExpr):
        envs = expand_loop(value, instance.scope())
        if isinstance(envs, Unknown):
            return Unknown(f"the loop cannot be expanded: {envs.reason}")
        return [ModuleHandle(instance, decl, f"{decl.symbol}[{i}]", e, value.filter) for i, e in enumerate(envs)]
    condition = value.condition if isinstance(value, IfExpr) else None
    return ModuleHandle(instance, decl, decl.symbol, {}, condition)


def expand_loop(loop: ForExpr, scope: Scope) -> list[dict[str, Any]] | Unknown:
    """The variables of each iteration (filters are applied by the caller)."""
    items: list[Any]
    if loop.kind == "range":
        start, count = (evaluate(e, scope) for e in loop.source)
        for v in (start, count):
            if isinstance(v, Unknown):
                return v
        if not _is_int(start) or not _is_int(count) or count < 0:
            return Unknown("range() needs whole numbers")
        if count > MAX_LOOP:
            return Unknown(f"a loop of {count} iterations is over Bicep's limit of {MAX_LOOP}")
        items = list(range(start, start + count))
    else:
        source = evaluate(loop.source, scope)
        if isinstance(source, Unknown):
            return source
        if loop.kind == "items":
            if not isinstance(source, dict):
                return Unknown("items() needs an object")
            items = [{"key": k, "value": source[k]} for k in sorted(source, key=str.lower)]
        elif isinstance(source, list):
            items = source
        else:
            return Unknown("the loop does not iterate over an array")
        if len(items) > MAX_LOOP:
            return Unknown(f"a loop of {len(items)} iterations is over Bicep's limit of {MAX_LOOP}")
    envs = []
    for position, item in enumerate(items):
        env = {**scope.env}
        if loop.item is not None:
            env[loop.item] = item
        if loop.index is not None:
            env[loop.index] = position
        envs.append(env)
    return envs


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


def evaluate(expr: Expr, scope: Scope) -> Any:
    scope.instance.ctx.budget.spend()
    kind = type(expr)
    if kind in _BUILDERS:  # what is built is charged by its size (template_functions.Budget)
        return scope.instance.ctx.budget.build(_evaluate(expr, kind, scope))
    return _evaluate(expr, kind, scope)


def _evaluate(expr: Expr, kind: type, scope: Scope) -> Any:
    if kind is Lit:
        return expr.value
    if kind is Str:
        return _interpolate([p if isinstance(p, str) else evaluate(p, scope) for p in expr.parts])
    if kind is Name:
        return _lookup(expr.name, scope)
    if kind is Attr or kind is Index:
        return _chain(expr, scope)
    if kind is Nested:
        return _nested(evaluate(expr.obj, scope), expr.name)
    if kind is Call:
        return _call(expr, scope)
    if kind is Method:
        return Unknown(f"{expr.name}() returns values only Azure knows")
    if kind is Unary:
        return _unary(expr.op, evaluate(expr.operand, scope))
    if kind is Binary:
        return _binary(expr, scope)
    if kind is Cond:
        return _conditional(expr, scope)
    if kind is ArrayExpr:
        if len(expr.items) > MAX_ITEMS:
            return Unknown("array over the evaluation limit")
        return _array_items(expr, scope)
    if kind is ObjectExpr:
        return _object(expr, scope)
    if kind is ForExpr:
        return _loop_values(expr, scope)
    if kind is NonNull:
        return evaluate(expr.value, scope)
    if kind is Lambda:
        return _lambda(expr, scope)
    return Unknown(f"cannot evaluate {kind.__name__}")


_BUILDERS = frozenset({Str, Call, ArrayExpr, ObjectExpr, ForExpr})


def _array_items(expr: ArrayExpr, scope: Scope) -> Any:
    out: list[Any] = []
    for item in expr.items:
        if type(item) is not Spread:
            out.append(evaluate(item, scope))
            continue
        spread = evaluate(item.value, scope)
        if isinstance(spread, Unknown):
            return spread
        if not isinstance(spread, list):
            return Unknown("a spread (...) in an array needs an array")
        if len(out) + len(spread) > MAX_ITEMS:
            return _too_many()
        out.extend(spread)
    return out


def _object(expr: ObjectExpr, scope: Scope) -> Any:
    """Properties in order; a spread's properties come in where it is written (later ones win)."""
    out: dict[str, Any] = {}
    spreads = list(expr.spreads)
    for position, pair in enumerate((*expr.pairs, None)):
        while spreads and spreads[0][0] == position:
            spread = evaluate(spreads.pop(0)[1].value, scope)
            if isinstance(spread, Unknown):
                return spread
            if not isinstance(spread, dict):
                return Unknown("a spread (...) in an object needs an object")
            out.update(spread)
        if pair is None:
            break
        key = pair.key if isinstance(pair.key, str) else evaluate(pair.key, scope)
        if not isinstance(key, str):
            return key if isinstance(key, Unknown) else Unknown("a property name is not a string")
        out[key] = evaluate(pair.value, scope)
    return out


def _lookup(name: str, scope: Scope) -> Any:
    if name in scope.env:
        return scope.env[name]
    resource = scope.resource
    while resource is not None:
        decl = resource.declared_child(name)
        if decl is not None:
            return resource.child(decl)
        resource = resource.lexical_parent
    return scope.instance.lookup(name)


def _nested(value: Any, name: str) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResourceInstance):
        decl = value.declared_child(name)
        if decl is not None:
            return value.child(decl)
        return Unknown(f"{value.address} declares no nested resource {name!r}")
    return Unknown(f"'::{name}' needs a single resource")


def _chain(expr: Attr | Index, scope: Scope) -> Any:
    steps: list[Attr | Index] = []
    node: Any = expr
    while isinstance(node, (Attr, Index)):
        steps.append(node)
        node = node.obj
    current = evaluate(node, scope)
    for step in reversed(steps):
        if isinstance(step, Attr):
            current = _attr(current, step.name, step.safe)
        else:
            current = _index(current, evaluate(step.key, scope), step.safe)
        if isinstance(current, Unknown):
            return current
    return current.value if isinstance(current, BodyValue) else current


def _missing(what: str, safe: bool) -> Any:
    return None if safe else Unknown(f"{what} is not set")


def _attr(value: Any, name: str, safe: bool) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, BodyValue):
        inner = value.value
        if name == "id" and isinstance(inner, dict) and "id" not in inner:
            subnet = _subnet_ref(value)
            if subnet is not None:
                return subnet
        if isinstance(inner, dict):
            if name in inner:
                return BodyValue(value.resource, (*value.path, name), inner[name])
            where = ".".join(str(p) for p in (*value.path, name))
            return None if safe else Unknown(f"{value.resource.address}.{where} is not in the template (Azure sets it)")
        return _attr(inner, name, safe)
    if isinstance(value, ResourceInstance):
        return value.attribute(name)
    if isinstance(value, ModuleHandle):
        return value.attribute(name)
    if isinstance(value, OutputsView):
        return value.module.output(name)
    if isinstance(value, ScopeValue):
        if name == "name":
            return value.resource_group
        if name == "id":
            return _group_id(None if value.own else value.resource_group)
        return Unknown(f"resourceGroup().{name} is known only to Azure")
    if isinstance(value, dict):
        return value[name] if name in value else _missing(f"property {name!r}", safe)
    if value is None:
        return None if safe else Unknown(f"null has no property {name!r}")
    if isinstance(value, list) and value and isinstance(value[0], ResourceInstance):
        return Unknown(f"a resource loop needs an index before .{name}")
    return Unknown(f"a {type(value).__name__} has no property {name!r}")


def _index(value: Any, key: Any, safe: bool) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return key
    if isinstance(value, BodyValue):
        inner = value.value
        if isinstance(inner, list) and _is_int(key):
            if 0 <= key < len(inner):
                return BodyValue(value.resource, (*value.path, key), inner[key])
            return _missing(f"element {key}", safe)
        if isinstance(inner, dict) and isinstance(key, str):
            return _attr(value, key, safe)
        return _index(inner, key, safe)
    if isinstance(value, list):
        if not _is_int(key):
            return Unknown("an array index is not a whole number")
        return value[key] if 0 <= key < len(value) else _missing(f"element {key}", safe)
    if isinstance(key, str):
        return _attr(value, key, safe)
    if value is None and safe:
        return None
    return Unknown(f"cannot index a {type(value).__name__}")


def _subnet_ref(value: BodyValue) -> Ref | None:
    """`vnet.properties.subnets[i].id`: the subnet declared inside the vnet body. Its key follows
    `arm_shape._vnet`, which names such subnets `<vnet key>/subnets/<name or position>`."""
    resource = value.resource
    if resource.full_type().lower() != VNET_TYPE or len(value.path) != 3 or value.path[:2] != ("properties", "subnets"):
        return None
    position = value.path[2]
    name = value.value.get("name")
    vnet_name = resource.full_name()
    group = resource.resource_group()
    return Ref(
        key=f"{resource.key}/subnets/{name if isinstance(name, str) else position}",
        name=f"{vnet_name}/{name}" if isinstance(vnet_name, str) and isinstance(name, str) else None,
        arm_type=f"{VNET_TYPE}/subnets",
        resource_group=group.lower() if isinstance(group, str) else None,
    )


def _loop_values(loop: ForExpr, scope: Scope) -> Any:
    envs = expand_loop(loop, scope)
    if isinstance(envs, Unknown):
        return envs
    out = []
    for env in envs:
        inner = Scope(scope.instance, env, scope.resource)
        if loop.filter is not None:
            keep = evaluate(loop.filter, inner)
            if isinstance(keep, Unknown):
                return Unknown(f"a loop filter is unknown: {keep.reason}")
            if keep is not True:
                continue
        out.append(evaluate(loop.body, inner))
    return out


# -- strings ----------------------------------------------------------------------------------


def _text(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    return Unknown(f"a {type(value).__name__} inside a string")


def _interpolate(values: list[Any]) -> Any:
    if values and isinstance(values[0], Ref):
        return _child_ref(values[0], values[1:])
    return concat_texts(values, _interpolated_text)


def _interpolated_text(value: Any) -> Any:
    if isinstance(value, Ref):
        return Unknown("a resource id inside a string")
    return _text(value)


def _child_ref(base: Ref, rest: list[Any]) -> Any:
    """`'${vnet.id}/subnets/${name}'`: the child resource's id, as a name-only reference."""
    if all(v == "" for v in rest):
        return base  # '${scope.id}' is the id itself
    texts = [_text(v) for v in rest]
    for text in texts:
        if isinstance(text, Unknown):
            return text
    suffix = "".join(t for t in texts if isinstance(t, str))
    segments = suffix.strip("/").split("/") if suffix.strip("/") else []
    if not suffix.startswith("/") or not segments or len(segments) % 2 or base.name is None or base.arm_type is None:
        return Unknown("a resource id inside a string")
    types = segments[0::2]
    names = segments[1::2]
    return Ref(
        name="/".join([base.name, *names]),
        arm_type="/".join([base.arm_type, *(t.lower() for t in types)]),
        resource_group=base.resource_group,
    )


# -- operators --------------------------------------------------------------------------------


def _unary(op: str, value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if op == "!":
        return (not value) if isinstance(value, bool) else Unknown("'!' needs a boolean")
    return -value if _is_int(value) else Unknown("'-' needs a number")


def _binary(expr: Binary, scope: Scope) -> Any:
    op = expr.op
    left = evaluate(expr.left, scope)
    if op == "??":
        if isinstance(left, Unknown):
            return left
        return evaluate(expr.right, scope) if left is None else left
    if op in ("&&", "||"):
        deciding = op == "||"  # the value that settles the result on its own
        if left is deciding:
            return deciding
        right = evaluate(expr.right, scope)
        if right is deciding:
            return deciding
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
            if not isinstance(value, bool):
                return Unknown(f"'{op}' needs booleans")
        return not deciding
    right = evaluate(expr.right, scope)
    if op in ("==", "!="):
        same = _same(left, right)
        return same if isinstance(same, Unknown) else (same if op == "==" else not same)
    if op in ("=~", "!~"):
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        if not isinstance(left, str) or not isinstance(right, str):
            return Unknown(f"'{op}' needs strings")
        equal = left.lower() == right.lower()
        return equal if op == "=~" else not equal
    for value in (left, right):
        if isinstance(value, Unknown):
            return value
    if op in ("<", "<=", ">", ">="):
        if not ((_is_int(left) and _is_int(right)) or (isinstance(left, str) and isinstance(right, str))):
            return Unknown(f"'{op}' needs two numbers or two strings")
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if not (_is_int(left) and _is_int(right)):
        return Unknown(f"'{op}' needs numbers")
    if op == "+":
        return _int64(left + right)
    if op == "-":
        return _int64(left - right)
    if op == "*":
        return _int64(left * right)
    if right == 0:
        return Unknown("division by zero")
    quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)  # truncates like .NET
    return _int64(quotient) if op == "/" else left - quotient * right


def _int64(value: int) -> int | Unknown:
    """Bicep integers are 64-bit: a result outside that range fails the deployment."""
    return value if -(2**63) <= value < 2**63 else Unknown("integer overflow")


def _conditional(expr: Cond, scope: Scope) -> Any:
    test = evaluate(expr.test, scope)
    if test is True:
        return evaluate(expr.then, scope)
    if test is False:
        return evaluate(expr.other, scope)
    then = evaluate(expr.then, scope)
    other = evaluate(expr.other, scope)
    if _same(then, other) is True:
        return then  # both branches give the same value
    if isinstance(test, Unknown):
        return Unknown(f"the condition is unknown: {test.reason}")
    return Unknown("the condition is not a boolean")


# -- functions --------------------------------------------------------------------------------


def _lambda(expr: Lambda, scope: Scope) -> LambdaValue:
    """`x => body`: the body is evaluated when a function applies the lambda, with its variables
    bound, in the scope where it is written (the shared `map`, `filter`, `reduce`...)."""

    def call(values: list[Any]) -> Any:
        return evaluate(expr.body, scope.with_vars(dict(zip(expr.params, values, strict=False))))

    return LambdaValue(tuple(expr.params), call)


def _call(expr: Call, scope: Scope) -> Any:
    name = expr.name
    args = [evaluate(a, scope) for a in expr.args]
    if name == "any":
        return args[0] if args else None
    function = FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"{name}() is not evaluated")
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
    opaque = symbol_call(name, args)
    if opaque is not None:
        return opaque
    try:
        return function(scope, args)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError):
        return Unknown(f"{name}() could not be evaluated with these arguments")


def _strings(args: list[Any]) -> list[str]:
    if not all(isinstance(a, str) for a in args):
        raise TypeError("strings expected")
    return args


def _concat(scope: Scope, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        if sum(len(a) for a in args) > MAX_ITEMS:
            return _too_many()
        return [v for a in args for v in a]
    if args and isinstance(args[0], Ref):
        return _child_ref(args[0], args[1:])
    return _interpolate(args)


def _format(scope: Scope, args: list[Any]) -> Any:
    template, values = args[0], args[1:]
    if not isinstance(template, str):
        return Unknown("format() needs a format string")
    out: list[str] = []
    size = len(template)
    for piece in format_pieces(template, any_braces=True):
        if isinstance(piece, str):
            out.append(piece)
            continue
        if piece.index is None:
            return Unknown(f"format specifier {piece.text} is not evaluated")
        value = _text(values[piece.index]) if piece.index < len(values) else Unknown("format() argument missing")
        if isinstance(value, Unknown):
            return value
        size += len(value)
        if size > MAX_STRING:
            return _too_long()
        out.append(value)
    return "".join(out)


def _resource_id(scope: Scope, args: list[Any]) -> Any:
    """`resourceId([subscriptionId], [resourceGroupName], type, name1, name2...)` as a name-only
    reference. The type is the first argument that looks like `Namespace.Provider/type`."""
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
    if not all(isinstance(a, str) for a in args):
        return Unknown("resourceId() arguments are not strings")
    position = next((i for i, a in enumerate(args) if "/" in a and "." in a.split("/", 1)[0]), None)
    if position is None or position > 2:
        return Unknown("resourceId() without a resource type")
    type_name, names = args[position], args[position + 1 :]
    if len(names) != type_name.count("/"):
        return Unknown("resourceId() names do not match the type")
    group = args[position - 1] if position >= 1 else None
    if group is None and isinstance(scope.instance.resource_group, str):
        group = scope.instance.resource_group
    return Ref(name="/".join(names), arm_type=type_name.lower(), resource_group=group.lower() if group else None)


def _scope_resource_id(scope: Scope, args: list[Any]) -> Any:
    """`subscriptionResourceId` / `tenantResourceId`: a name-only reference without a group."""
    strings = [a for a in args if isinstance(a, str)]
    position = next((i for i, a in enumerate(strings) if "/" in a and "." in a.split("/", 1)[0]), None)
    if position is None or len(strings) != len(args):
        return Unknown("resource id arguments are not known")
    type_name, names = strings[position], strings[position + 1 :]
    if len(names) != type_name.count("/"):
        return Unknown("resource id names do not match the type")
    return Ref(name="/".join(names), arm_type=type_name.lower())


def _resource_group(scope: Scope, args: list[Any]) -> Any:
    if not args:
        group = scope.instance.resource_group
        if group is None:
            return ScopeValue(Unknown("the resource group deployed to is not known"), own=True)
        return ScopeValue(group)
    name = args[-1]
    return ScopeValue(name if isinstance(name, str) else Unknown("resource group name is not a string"))


def _environment(scope: Scope, args: list[Any]) -> Any:
    cloud = scope.instance.ctx.cloud
    if cloud is None:
        return Unknown("environment() depends on the cloud the template is deployed to")
    return ENVIRONMENTS[cloud]


def _take(scope: Scope, args: list[Any]) -> Any:
    value, count = args
    if not _is_int(count) or not isinstance(value, (str, list)):
        return Unknown("take() needs a string or an array and a number")
    return value[: max(count, 0)]


def _skip(scope: Scope, args: list[Any]) -> Any:
    value, count = args
    if not _is_int(count) or not isinstance(value, (str, list)):
        return Unknown("skip() needs a string or an array and a number")
    return value[max(count, 0) :]


def _first_last(which: int) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        value = args[0]
        if isinstance(value, (str, list)):
            return value[which] if value else None if isinstance(value, list) else ""
        return Unknown("first() and last() need a string or an array")

    return apply


def _string(scope: Scope, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return value
    if _has_opaque(value):
        return Unknown("string() of a value only Azure knows")
    if isinstance(value, (dict, list)) or value is None:
        if _size(value, MAX_STRING) > MAX_STRING:
            return _too_long()
        return json.dumps(value, separators=(",", ":"))
    return _text(value)


def _size(value: Any, limit: int) -> int:
    """A rough size of a value (elements plus characters), counted up to just past `limit`."""
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        total += 1 + (len(item) if isinstance(item, str) else 0)
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
            total += sum(len(k) for k in item)
    return total


def _json(scope: Scope, args: list[Any]) -> Any:
    if not isinstance(args[0], str):
        return Unknown("json() needs a string")
    return json.loads(args[0])


def _array(scope: Scope, args: list[Any]) -> Any:
    return args[0] if isinstance(args[0], list) else [args[0]]


def _flatten(scope: Scope, args: list[Any]) -> Any:
    if not isinstance(args[0], list) or not all(isinstance(a, list) for a in args[0]):
        return Unknown("flatten() needs an array of arrays")
    if sum(len(a) for a in args[0]) > MAX_ITEMS:
        return _too_many()
    return [v for inner in args[0] for v in inner]


def _subscription(scope: Scope, args: list[Any]) -> Any:
    if args:
        return Unknown("subscription() of another subscription is known only at deployment")
    return _subscription_value()


def _unknown_value(reason: str) -> Callable[[Scope, list[Any]], Any]:
    return lambda scope, args: Unknown(reason)


# Values only Azure knows, which no comparison can decide.
_OPAQUE = (Unknown, Ref, ResourceInstance, ModuleHandle, ScopeValue, OutputsView, LambdaValue)


def _same(a: Any, b: Any) -> Any:
    return same(a, b, _OPAQUE)


def _has_opaque(value: Any) -> bool:
    return has_opaque(value, _OPAQUE)


def _loaded(scope: Scope, args: list[Any], function: str) -> bytes | Unknown:
    path = args[0] if args else None
    if not isinstance(path, str):
        return Unknown(f"{function}() needs a file path")
    data = scope.instance.ctx.loads.get((scope.instance.file.real, path))
    if data is None:
        return Unknown(f"{function}('{path}') is not read: only JSON files among the scanned files are")
    return data


def _decoded(data: bytes, function: str) -> str | Unknown:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Unknown(f"{function}(): the file is not UTF-8")
    return text if len(text) <= MAX_STRING else _too_long()


_JSON_PATH_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]")


def _load_json_content(scope: Scope, args: list[Any]) -> Any:
    """`loadJsonContent(path, [jsonPath], [encoding])`, with a simple JSON path (`$.a.b[0]`)."""
    data = _loaded(scope, args, "loadJsonContent")
    if isinstance(data, Unknown):
        return data
    text = _decoded(data, "loadJsonContent")
    if isinstance(text, Unknown):
        return text
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return Unknown("loadJsonContent(): the file is not valid JSON")
    if len(args) > 1 and args[1] is not None:
        path = args[1]
        if not isinstance(path, str):
            return Unknown("loadJsonContent(): the JSON path is not a string")
        rest = path[1:] if path.startswith("$") else path
        position = 0
        while position < len(rest):
            step = _JSON_PATH_STEP.match(rest, position)
            if step is None:
                return Unknown(f"loadJsonContent(): JSON path {path!r} is not evaluated")
            key: Any = step.group(1) or step.group(3)
            if step.group(2) is not None:
                key = int(step.group(2))
            value = _index(value, key, False)
            if isinstance(value, Unknown):
                return value
            position = step.end()
    return value


def _load_text_content(scope: Scope, args: list[Any]) -> Any:
    data = _loaded(scope, args, "loadTextContent")
    return data if isinstance(data, Unknown) else _decoded(data, "loadTextContent")


def _load_file_as_base64(scope: Scope, args: list[Any]) -> Any:
    import base64

    data = _loaded(scope, args, "loadFileAsBase64")
    if isinstance(data, Unknown):
        return data
    return base64.b64encode(data).decode("ascii") if len(data) * 4 // 3 <= MAX_STRING else _too_long()


FUNCTIONS: dict[str, Callable[[Scope, list[Any]], Any]] = {
    "loadJsonContent": _load_json_content,
    "loadTextContent": _load_text_content,
    "loadFileAsBase64": _load_file_as_base64,
    "loadYamlContent": _unknown_value("loadYamlContent() is not read: only JSON files among the scanned files are"),
    "array": _array,
    "concat": _concat,
    "contains": contains_with(_same),
    "empty": empty,
    "first": _first_last(0),
    "last": _first_last(-1),
    "flatten": _flatten,
    "intersection": intersection_with(_same),
    "length": length,
    "max": _min_max(max),
    "min": _min_max(min),
    "skip": _skip,
    "take": _take,
    "union": union_with(_same),
    "environment": _environment,
    "deployment": _unknown_value("deployment() is known only at deployment"),
    "resourceGroup": _resource_group,
    "subscription": _subscription,
    "managementGroup": _unknown_value("managementGroup() is known only at deployment"),
    "tenant": _unknown_value("tenant() is known only at deployment"),
    "resourceId": _resource_id,
    "subscriptionResourceId": _scope_resource_id,
    "tenantResourceId": _scope_resource_id,
    "format": _format,
    "replace": _replace,
    "toLower": string_function(str.lower),
    "toUpper": string_function(str.upper),
    "trim": string_function(str.strip),
    "startsWith": string_function(lambda s, p: s.lower().startswith(_strings([p])[0].lower())),
    "endsWith": string_function(lambda s, p: s.lower().endswith(_strings([p])[0].lower())),
    "split": split,
    "join": join_with(_text),
    "string": _string,
    "int": to_int,
    "bool": to_bool,
    "json": _json,
    "padLeft": pad_left_with(_text),
    "substring": _substring,
    "indexOf": index_of_with(_same, last=False),
    "lastIndexOf": index_of_with(_same, last=True),
    "uniqueString": unique_string,
    "guid": _unknown_value("guid() is a hash computed at deployment"),
    "range": range_function,
    "items": items,
    "objectKeys": object_keys,
    "shallowMerge": shallow_merge,
    "tryGet": try_get_with(lambda value, key: _index(value, key, True)),
    "map": map_function,
    "filter": filter_function,
    "reduce": reduce_function,
    "sort": sort_function,
    "toObject": to_object,
    "groupBy": group_by,
    "mapValues": map_values,
    "parseCidr": parse_cidr,
    "cidrSubnet": cidr_subnet,
    "cidrHost": cidr_host,
}
