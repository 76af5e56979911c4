"""Terraform: directories of `.tf` files evaluated as modules, then turned into model entities.

A Terraform module is a directory. References resolve inside it, and two directories share
nothing unless one calls the other as a local module (`source = "./..."`). So the unit of work
is a module *instance*: a directory plus the input values its caller (or `terraform.tfvars`)
gives it. Resources are expanded by `count` and `for_each` into one entity per instance, each
reported at its own file and line; resources of a local module are reported where the module's
files write them, under the caller's address (`module.x.azurerm_...`).
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.model import Language, Location, Note, ParseError, Suppression, Unknown, subscription_symbol, symbol
from ampls_checks.parsers.common.limits import EVAL_STEPS, MAX_MODULE_DEPTH
from ampls_checks.parsers.terraform.evaluate import (
    MAX_CELLS,
    MAX_COLLECTION,
    SIZE_LIMIT,
    Budget,
    BudgetExceeded,
    Evaluator,
    NameOf,
    SymbolicId,
    UnknownNameOf,
    iterate_pairs,
    to_template_string,
)
from ampls_checks.parsers.terraform.hcl_syntax import (
    Attribute,
    Block,
    Body,
    Call,
    Expr,
    GetAttr,
    HclSyntaxError,
    Lit,
    ObjectExpr,
    TupleExpr,
    Var,
    parse_hcl,
)
from ampls_checks.suppress.comments import skips_in_lines

EVAL_STEPS_PER_MODULE = EVAL_STEPS
MAX_MODULE_INSTANCES = 2_000  # per root module, all levels together
ROOT_BUDGET_FACTOR = 25  # a root and its modules share 25 module budgets in total


@dataclass
class TfFile:
    """One parsed file: `path` is the real path, `display` what reports show."""

    path: str
    display: str
    body: Body
    text: str

    skip_memo: dict[tuple[int, int], list[Suppression]] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def lines(self) -> list[str]:
        """Split once per file, not once per resource that looks for skip comments."""
        return self.text.splitlines()

    def skips(self, start_line: int, end_line: int) -> list[Suppression]:
        """The skip comments of a block, read once: every `count` instance of the block asks."""
        key = (start_line, end_line)
        if key not in self.skip_memo:
            self.skip_memo[key] = skips_in_lines(self.lines, start_line, end_line)
        return list(self.skip_memo[key])


@dataclass
class Decl:
    """A top-level declaration and the file it lives in; `moved` names the attributes an override
    file replaced, with that file (their lines are lines of it)."""

    block: Block
    file: TfFile
    moved: dict[str, TfFile] = field(default_factory=dict)


@dataclass
class ModuleSource:
    """The declarations of one directory, merged across its files."""

    directory: str
    files: list[TfFile] = field(default_factory=list)
    variables: dict[str, Decl] = field(default_factory=dict)
    locals: dict[str, tuple[Attribute, TfFile]] = field(default_factory=dict)
    outputs: dict[str, Decl] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], Decl] = field(default_factory=dict)
    module_calls: dict[str, Decl] = field(default_factory=dict)
    tfvars: dict[str, Any] = field(default_factory=dict)

    def add(self, tf_file: TfFile) -> None:
        """Add one file's declarations. Override files (`override.tf`, `*_override.tf`) must come
        after the others: Terraform merges them into the blocks they name, argument by argument
        (nested blocks of a type replace the original's), instead of declaring new ones."""
        self.files.append(tf_file)
        override = is_override_file(tf_file.path)
        for block in tf_file.body.blocks:
            labels = block.labels
            if block.type == "variable" and labels:
                self._put(self.variables, labels[0], block, tf_file, override)
            elif block.type == "locals":
                for name, attr in block.body.attributes.items():
                    self.locals[name] = (attr, tf_file)
            elif block.type == "output" and labels:
                self._put(self.outputs, labels[0], block, tf_file, override)
            elif block.type in ("resource", "data") and len(labels) >= 2:
                self._put(self.resources, (block.type, labels[0], labels[1]), block, tf_file, override)
            elif block.type == "module" and labels:
                self._put(self.module_calls, labels[0], block, tf_file, override)

    @staticmethod
    def _put(table: dict[Any, Decl], key: Any, block: Block, tf_file: TfFile, override: bool) -> None:
        original = table.get(key)
        if not override or original is None:
            table[key] = Decl(block, tf_file)
            return
        attributes = {**original.block.body.attributes, **block.body.attributes}
        replaced = {b.type for b in block.body.blocks}
        nested = [b for b in original.block.body.blocks if b.type not in replaced] + block.body.blocks
        merged = Block(
            original.block.type,
            original.block.labels,
            Body(attributes, nested),
            original.block.line,
            original.block.end_line,
        )
        moved = dict(original.moved)
        moved.update({name: tf_file for name in block.body.attributes})
        table[key] = Decl(merged, original.file, moved)


def _is_false(attr: Attribute | None) -> bool:
    return attr is not None and isinstance(attr.expr, Lit) and attr.expr.value is False


def is_override_file(path: str) -> bool:
    name = os.path.basename(path)
    return name in ("override.tf", "override.tf.json") or name.endswith(("_override.tf", "_override.tf.json"))


def local_module_dir(caller_dir: str, block: Block) -> str | None:
    """The directory of a local module call, or None for a remote or computed source."""
    attr = block.body.attributes.get("source")
    if attr is None or not isinstance(attr.expr, Lit):
        return None
    source = attr.expr.value
    if not isinstance(source, str) or not (source.startswith("./") or source.startswith("../")):
        return None
    # real paths: a module directory reached through a symlink inside the root is the same module
    return os.path.realpath(os.path.join(caller_dir, source))


@dataclass
class Thunk:
    """An input expression evaluated lazily in the caller's instance."""

    instance: ModuleInstance
    expr: Expr
    env: Mapping[str, Any]
    value: Any = None
    done: bool = False
    running: bool = False

    def force(self) -> Any:
        if self.done:
            return self.value
        if self.running:
            return Unknown("circular reference between module inputs")
        self.running = True
        try:
            self.value = self.instance.evaluate(self.expr, self.env)
        finally:
            self.running = False
        self.done = True
        return self.value


class ModuleInstance:
    """One instantiation of a module directory with its inputs."""

    def __init__(
        self,
        source: ModuleSource,
        path: str,
        unit: str,
        inputs: dict[str, Any],
        load_module: Callable[[str], ModuleSource | None],
        chain: tuple[str, ...],
        steps: int = EVAL_STEPS_PER_MODULE,
        total: Budget | None = None,
        instance_count: list[int] | None = None,
        module_key: str = "",
        remote: Mapping[str, str] | None = None,
        provider_scope: str = "",
    ) -> None:
        self.source = source
        self.path = path  # address prefix, "" for a root, 'module.a["x"].' for a child
        self.unit = unit
        self.inputs = inputs  # name -> Thunk or plain value (tfvars)
        self.load_module = load_module
        self.chain = chain
        self.steps = steps
        # one total for the root and every module instance under it
        self.total = total if total is not None else Budget(steps * ROOT_BUDGET_FACTOR)
        self.budget = Budget(steps, self.total)
        self.instance_count = instance_count if instance_count is not None else [0]
        # `a.b` for module.a's module.b, as `terraform init` keys its modules.json; `remote`: that
        # manifest's key -> downloaded directory, the root's, shared by every instance under it
        self.module_key = module_key
        self.remote = remote or {}
        # which provider configurations this instance's default providers are: the root's ("")
        # unless a module call on the way passed `providers`, then that call's address
        self.provider_scope = provider_scope
        self.evaluator = Evaluator(self.resolve_root, self.budget)
        self._locals: dict[str, Any] = {}
        self._locals_running: set[str] = set()
        self._resources: dict[tuple[str, str, str], Any] = {}
        self._modules: dict[str, Any] = {}
        self.children: list[ModuleInstance] = []
        self.notes: list[Note] = []

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(self, expr: Expr, env: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.evaluator.eval(expr, env)
        except BudgetExceeded as exc:
            if exc.args == (SIZE_LIMIT,):
                return Unknown(f"evaluation size limit reached (values built past {MAX_CELLS} characters and items)")
            return Unknown("evaluation step limit reached (see --max-eval-steps)")
        except RecursionError:
            return Unknown("expression nested too deeply to evaluate")
        except (ArithmeticError, ValueError) as exc:  # an infinite number reaching int(), say
            return Unknown(f"arithmetic that cannot be evaluated ({type(exc).__name__})")

    def resolve_root(self, name: str) -> Any:
        if name == "var":
            return _Namespace(self.variable)
        if name == "local":
            return _Namespace(self.local)
        if name == "module":
            return _Namespace(self.module_value)
        if name == "data":
            return _Namespace(lambda type_: _Namespace(lambda n: self.resource_value("data", type_, n)))
        if name == "path":
            return {"module": Unknown("path.module"), "root": Unknown("path.root"), "cwd": Unknown("path.cwd")}
        if name == "terraform":
            return {"workspace": Unknown("terraform.workspace depends on the workspace selected")}
        if name in ("each", "count", "self"):
            return Unknown(f"{name} used outside a resource that defines it")
        if "_" in name:
            return _Namespace(lambda n: self.resource_value("resource", name, n))
        return Unknown(f"unknown name {name!r}")

    def variable(self, name: str) -> Any:
        decl = self.source.variables.get(name)
        if name in self.inputs:
            value = self.inputs[name]
            value = value.force() if isinstance(value, Thunk) else value
        elif decl is None:
            return Unknown(f"variable {name!r} is not declared")
        else:
            default = decl.block.body.attributes.get("default")
            if default is None:
                return Unknown(f"variable {name!r} has no default and no value in the scanned tfvars")
            value = self.evaluate(default.expr, {})
        if value is None and decl is not None and _is_false(decl.block.body.attributes.get("nullable")):
            default = decl.block.body.attributes.get("default")  # a null input takes the default
            value = self.evaluate(default.expr, {}) if default is not None else value
        type_attr = decl.block.body.attributes.get("type") if decl is not None else None
        if type_attr is not None:
            try:
                value = convert_to_type(type_attr.expr, self.apply_type_defaults(type_attr.expr, value))
            except RecursionError:
                return Unknown(f"type of variable {name!r} nested too deeply")
            if isinstance(value, _NotConverted):
                return Unknown(f"variable {name!r}: {value.reason}, which terraform plan refuses")
        return value

    def apply_type_defaults(self, type_expr: Expr, value: Any) -> Any:
        """Fill `optional(type, default)` attributes of object types, as Terraform does when a
        value is converted to the variable's type. Returns a new value; inputs are shared."""
        if not isinstance(type_expr, Call) or value is None or isinstance(value, Unknown):
            return value
        args = type_expr.args
        if type_expr.name == "object" and args and isinstance(args[0], ObjectExpr) and isinstance(value, dict):
            out = dict(value)
            for key_expr, attribute_type in args[0].items:
                key = key_expr.value if isinstance(key_expr, Lit) else None
                if not isinstance(key, str):
                    continue
                if isinstance(attribute_type, Call) and attribute_type.name == "optional" and attribute_type.args:
                    if out.get(key) is None:
                        out[key] = self.evaluate(attribute_type.args[1], {}) if len(attribute_type.args) > 1 else None
                    attribute_type = attribute_type.args[0]
                if key in out:
                    out[key] = self.apply_type_defaults(attribute_type, out[key])
            return out
        if type_expr.name in ("list", "set") and args and isinstance(value, list):
            return [self.apply_type_defaults(args[0], item) for item in value]
        if type_expr.name == "map" and args and isinstance(value, dict):
            return {k: self.apply_type_defaults(args[0], v) for k, v in value.items()}
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        found = self.source.locals.get(name)
        if found is None:
            return Unknown(f"local {name!r} is not declared")
        if name in self._locals_running:
            return Unknown(f"local {name!r} refers to itself")
        self._locals_running.add(name)
        try:
            value = self.evaluate(found[0].expr, {})
        finally:
            self._locals_running.discard(name)
        self._locals[name] = value
        return value

    def resource_value(self, mode: str, type_: str, name: str) -> Any:
        key = (mode, type_, name)
        if key in self._resources:
            return self._resources[key]
        decl = self.source.resources.get(key)
        if decl is None:
            prefix = "data." if mode == "data" else ""
            value: Any = Unknown(f"{prefix}{type_}.{name} is not declared in the scanned files")
        else:
            self._resources[key] = Unknown(f"{type_}.{name} refers to itself")
            value = self._expand(decl, lambda k, env: ResourceView(self, decl, k, env))
        self._resources[key] = value
        return value

    def module_value(self, name: str) -> Any:
        if name in self._modules:
            return self._modules[name]
        decl = self.source.module_calls.get(name)
        if decl is None:
            value: Any = Unknown(f"module {name!r} is not declared")
        else:
            self._modules[name] = Unknown(f"module {name!r} refers to itself")
            # the instances left under this root bound the expansion before any is made: a count
            # of 10,000 at each of 17 levels must not build 10,000 unknowns per instance
            left = MAX_MODULE_INSTANCES - self.instance_count[0]
            value = self._expand(decl, lambda k, env: self._module_instance(name, decl, k, env), left)
        self._modules[name] = value
        return value

    def _expand(self, decl: Decl, make: Callable[[Any, dict[str, Any]], Any], left: int | None = None) -> Any:
        """Apply `count` / `for_each`: one object, a list of them, or a map of them. `left`: how
        many module instances the root may still make (None for resources)."""
        over = Unknown(f"more than {MAX_MODULE_INSTANCES} module instances under one root")
        attrs = decl.block.body.attributes
        if "count" in attrs:
            count = self.evaluate(attrs["count"].expr, {})
            if isinstance(count, Unknown):
                return Unknown(f"count is unknown ({count.reason})")
            if (
                isinstance(count, bool)
                or not isinstance(count, (int, float))
                or not math.isfinite(count)
                or count < 0
                or count != int(count)
            ):
                return Unknown("count is not a whole number")
            if count > MAX_COLLECTION:
                return Unknown(f"count of {int(count)} is over the evaluation limit")
            if left is not None and count > left:
                return over
            return [make(i, {"count": {"index": i}}) for i in range(int(count))]
        if "for_each" in attrs:
            collection = self.evaluate(attrs["for_each"].expr, {})
            if isinstance(collection, Unknown):
                return Unknown(f"for_each is unknown ({collection.reason})")
            if isinstance(collection, list):  # a set of strings: keys are the values
                pairs = []
                for item in collection:
                    text = to_template_string(item)
                    if isinstance(text, Unknown):
                        return Unknown(f"for_each set element is unknown ({text.reason})")
                    pairs.append((text, text))
                if len(pairs) > MAX_COLLECTION:
                    return Unknown("for_each is over the evaluation limit")
            else:
                found = iterate_pairs(collection)
                if isinstance(found, Unknown):
                    return Unknown(f"for_each cannot be expanded ({found.reason})")
                pairs = found
            if left is not None and len(pairs) > left:
                return over
            return {k: make(k, {"each": {"key": k, "value": v}}) for k, v in pairs}
        return make(None, {})

    def _module_instance(self, name: str, decl: Decl, key: Any, env: dict[str, Any]) -> Any:
        self.instance_count[0] += 1
        if self.instance_count[0] > MAX_MODULE_INSTANCES:
            return Unknown(f"module {name!r}: more than {MAX_MODULE_INSTANCES} module instances under one root")
        child_key = f"{self.module_key}.{name}" if self.module_key else name
        child_dir = local_module_dir(self.source.directory, decl.block) or self.remote.get(child_key)
        if child_dir is None:
            return Unknown(
                f"module {name!r} is not a local module and no .terraform/modules/modules.json of the root "
                f"(written by `terraform init`) gives its key {child_key!r}; its outputs are unknown"
            )
        if len(self.chain) >= MAX_MODULE_DEPTH or child_dir in self.chain:
            return Unknown(f"module {name!r} calls itself or nests too deeply")
        source = self.load_module(child_dir)
        if source is None:
            return Unknown(f"module {name!r} source {child_dir} is outside the scanned roots or empty")
        inputs = {
            arg: Thunk(self, attr.expr, env)
            for arg, attr in decl.block.body.attributes.items()
            if arg not in ("source", "version", "count", "for_each", "providers", "depends_on")
        }
        child_path = f"{self.path}module.{name}{instance_suffix(key)}."
        child_scope = child_path if "providers" in decl.block.body.attributes else self.provider_scope
        child = ModuleInstance(
            source,
            child_path,
            self.unit,
            inputs,
            self.load_module,
            (*self.chain, child_dir),
            self.steps,
            self.total,
            self.instance_count,
            child_key,
            self.remote,
            child_scope,
        )
        self.children.append(child)
        return ModuleView(child)


def instance_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    # Quoted the way Terraform prints instance keys: escapes, never raw control characters.
    return "[" + json.dumps(str(key), ensure_ascii=False) + "]"


@dataclass(frozen=True)
class _NotConverted(Unknown):
    """A value that does not convert to its variable's declared type."""


def convert_to_type(type_expr: Expr, value: Any) -> Any:
    """A variable's value converted to its declared type, as Terraform converts every value it
    is given (a default, a caller's input, `.tfvars`, `.tfvars.json`, `-var`): "3" for a
    `number` is 3, 3 for a `string` is "3", "true" for a `bool` is true, element by element
    inside collections and objects. `any` and what this does not model stay as they are."""
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(type_expr, Var):
        return _convert_primitive(type_expr.name, value)
    if not isinstance(type_expr, Call) or not type_expr.args:
        return value
    kind, args = type_expr.name, type_expr.args
    if kind == "optional":
        return convert_to_type(args[0], value)
    if kind in ("list", "set") and isinstance(value, list):
        items = [convert_to_type(args[0], item) for item in value]
        failed = next((i for i in items if isinstance(i, _NotConverted)), None)
        return failed if failed is not None else type(value)(items) if type(value) is not list else items
    if kind == "map" and isinstance(value, dict):
        converted = {k: convert_to_type(args[0], v) for k, v in value.items()}
        failed = next((v for v in converted.values() if isinstance(v, _NotConverted)), None)
        return failed if failed is not None else converted
    if kind == "object" and isinstance(value, dict) and isinstance(args[0], ObjectExpr):
        out = dict(value)
        for key_expr, attribute_type in args[0].items:
            key = key_expr.value if isinstance(key_expr, Lit) else getattr(key_expr, "name", None)
            if isinstance(key, str) and key in out:
                out[key] = convert_to_type(attribute_type, out[key])
                if isinstance(out[key], _NotConverted):
                    return out[key]
        return out
    if kind == "tuple" and isinstance(value, list) and isinstance(args[0], TupleExpr):
        types = args[0].items
        if len(types) != len(value):
            return _NotConverted(f"a tuple of {len(value)} elements for a tuple type of {len(types)}")
        items = [convert_to_type(t, v) for t, v in zip(types, value, strict=True)]
        failed = next((i for i in items if isinstance(i, _NotConverted)), None)
        return failed if failed is not None else items
    return value


def _convert_primitive(kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            text = to_template_string(value)
            return text if isinstance(text, str) else value
        if isinstance(value, (list, dict)):
            return _NotConverted("a collection given for a string")
        return value
    if kind == "number":
        if isinstance(value, (bool, list, dict)):
            return _NotConverted(f"a {type(value).__name__} given for a number")
        if isinstance(value, str) and not isinstance(value, NameOf):
            try:
                return int(value)
            except ValueError:
                try:
                    number = float(value)
                except ValueError:
                    return _NotConverted(f"{value[:40]!r} given for a number")
                return number if math.isfinite(number) else _NotConverted("not a finite number")
        return value
    if kind == "bool":
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if isinstance(value, (int, float, list, dict)) and not isinstance(value, bool):
            return _NotConverted(f"a {type(value).__name__} given for a bool")
        return value
    return value


class _Namespace:
    def __init__(self, lookup: Callable[[str], Any]) -> None:
        self.lookup = lookup


class ModuleView:
    """`module.x` (one instance): outputs evaluated in the child instance on demand."""

    def __init__(self, instance: ModuleInstance) -> None:
        self.instance = instance

    def get_attr(self, name: str) -> Any:
        decl = self.instance.source.outputs.get(name)
        if decl is None:
            return Unknown(f"output {name!r} is not declared")
        value = decl.block.body.attributes.get("value")
        if value is None:
            return Unknown(f"output {name!r} has no value")
        return self.instance.evaluate(value.expr, {})


class BlockView:
    """A block as the extractors read it: values, lines and nested blocks, evaluated in the
    environment of its resource instance (`each`, `count`, a dynamic block's iterator)."""

    def __init__(self, instance: ModuleInstance, block: Block, env: dict[str, Any], file: TfFile) -> None:
        self.instance = instance
        self.block = block
        self.env = env
        self.file = file

    def has(self, name: str) -> bool:
        return name in self.block.body.attributes

    def value(self, name: str) -> Any:
        """The evaluated attribute; `None` when it is not written (the caller applies defaults)."""
        attr = self.block.body.attributes.get(name)
        if attr is None:
            return None
        return self.instance.evaluate(attr.expr, self.env)

    def line(self, name: str) -> int:
        attr = self.block.body.attributes.get(name)
        return attr.line if attr is not None else self.block.line

    def location(self) -> Location:
        return Location(self.file.display, self.block.line, self.block.end_line, Language.TERRAFORM)

    def skips(self) -> list[Suppression]:
        """`checkov:skip=` comments written inside this block."""
        return self.file.skips(self.block.line, self.block.end_line)

    def blocks(self, block_type: str) -> list[BlockView] | Unknown:
        """Static nested blocks plus those a `dynamic` block generates."""
        out = [BlockView(self.instance, b, self.env, self.file) for b in self.block.body.blocks_of(block_type)]
        for dynamic in self.block.body.blocks_of("dynamic"):
            if dynamic.labels[:1] != (block_type,):
                continue
            content = dynamic.body.blocks_of("content")
            if not content:
                continue
            iterator_attr = dynamic.body.attributes.get("iterator")
            iterator = block_type
            if iterator_attr is not None and hasattr(iterator_attr.expr, "name"):
                iterator = iterator_attr.expr.name  # `iterator = zone` is a bare name
            for_each = dynamic.body.attributes.get("for_each")
            if for_each is None:
                continue
            collection = self.instance.evaluate(for_each.expr, self.env)
            if isinstance(collection, Unknown):
                return Unknown(f"dynamic {block_type} for_each is unknown ({collection.reason})")
            pairs = iterate_pairs(collection)
            if isinstance(pairs, Unknown):
                return pairs
            for k, v in pairs:
                env = dict(self.env)
                env[iterator] = {"key": k, "value": v}
                out.append(BlockView(self.instance, content[0], env, self.file))
        return out


class ResourceView(BlockView):
    """One instance of a resource or data block (after `count` / `for_each`)."""

    def __init__(self, instance: ModuleInstance, decl: Decl, key: Any, env: dict[str, Any]) -> None:
        super().__init__(instance, decl.block, env, decl.file)
        self.moved = decl.moved
        self.mode = decl.block.type
        self.type = decl.block.labels[0]
        self.name = decl.block.labels[1]
        self.instance_key = key
        self._cache: dict[str, Any] = {}
        self._running: set[str] = set()

    @property
    def address(self) -> str:
        prefix = "data." if self.mode == "data" else ""
        return f"{self.instance.path}{prefix}{self.type}.{self.name}{instance_suffix(self.instance_key)}"

    @property
    def entity_key(self) -> str:
        return f"tf:{self.instance.unit}:{self.address}"

    def get_attr(self, name: str) -> Any:
        if self.mode == "data" and self.type in CLIENT_CONFIG:
            found = self._client_config(name)
            if found is not None:
                return found
        if name == "id":
            return SymbolicId(self.entity_key)
        if name in self._cache:
            return self._cache[name]
        if name in self._running:
            return Unknown(f"{self.address}.{name} refers to itself")
        if not self.has(name):
            return Unknown(f"{self.address}.{name} is computed by the provider")
        self._running.add(name)
        try:
            value = self.value(name)
        finally:
            self._running.discard(name)
        if name == "name" and isinstance(value, str):
            value = NameOf(value, self.entity_key)
        elif name == "name" and isinstance(value, Unknown):
            value = UnknownNameOf(value.reason, self.entity_key)
        self._cache[name] = value
        return value

    def _client_config(self, name: str) -> Any:
        """The subscription, tenant and identity a provider configuration works with: opaque but
        one value per configuration (model.symbol), so ids built from them parse and link. None
        for any other attribute."""
        provider, attributes = CLIENT_CONFIG[self.type]
        if name not in attributes or (self.type == "azurerm_subscription" and self.has("subscription_id")):
            return None
        explicit = self.block.body.attributes.get("provider")
        if explicit is not None:
            expr = explicit.expr
            if isinstance(expr, GetAttr) and isinstance(expr.obj, Var):
                provider = f"{expr.obj.name}.{expr.name}"
            elif isinstance(expr, Var):
                provider = expr.name
            else:
                return Unknown(f"{self.address}: provider is not a provider reference")
        configuration = f"{self.instance.provider_scope}{provider}"
        if name == "subscription_id":
            return subscription_symbol(configuration)
        if name in ("id", "subscription_resource_id"):
            return f"/subscriptions/{subscription_symbol(configuration)}"
        return symbol(f"{configuration}.{name}")


# Data sources whose attributes are the provider configuration's own ids (provider, attributes):
# known to Azure only, the same wherever that configuration is used.
CLIENT_CONFIG: dict[str, tuple[str, frozenset[str]]] = {
    "azurerm_client_config": ("azurerm", frozenset({"tenant_id", "subscription_id", "object_id", "client_id"})),
    "azapi_client_config": (
        "azapi",
        frozenset({"tenant_id", "subscription_id", "object_id", "subscription_resource_id"}),
    ),
    "azurerm_subscription": ("azurerm", frozenset({"tenant_id", "subscription_id", "id"})),
}


# ---------------------------------------------------------------------------------------------
# Loading a tree of directories
# ---------------------------------------------------------------------------------------------


def parse_tf_file(path: str, display: str, text: str, parser_dir: str | None = None) -> TfFile | ParseError:
    if path.endswith(".tfvars.json"):
        return _parse_tfvars_json(path, display, text)
    try:
        body = parse_hcl(text, parser_dir)
    except HclSyntaxError as exc:
        return ParseError(display, str(exc), exc.line)
    return TfFile(path, display, body, text)


def _parse_tfvars_json(path: str, display: str, text: str) -> TfFile | ParseError:
    """`terraform.tfvars.json` / `*.auto.tfvars.json`: a JSON object of literal values."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return ParseError(display, f"invalid JSON: {exc}"[:200], getattr(exc, "lineno", None))
    if not isinstance(document, dict):
        return ParseError(display, "a .tfvars.json file must hold a JSON object", 1)
    attributes = {name: Attribute(name, Lit(value), 1, 1) for name, value in document.items()}
    return TfFile(path, display, Body(attributes, []), text)


def read_tfvars(tf_file: TfFile) -> dict[str, Any]:
    """Literal values from a `.tfvars` file (they cannot refer to anything)."""
    evaluator = Evaluator(lambda n: Unknown(f"{n} cannot be used in tfvars"), Budget(EVAL_STEPS_PER_MODULE))
    values: dict[str, Any] = {}
    for name, attr in tf_file.body.attributes.items():
        try:
            values[name] = evaluator.eval(attr.expr, {})
        except (BudgetExceeded, RecursionError):
            values[name] = Unknown("tfvars value too large to evaluate")
    return values


def is_tfvars_for_root(filename: str) -> bool:
    return filename in ("terraform.tfvars", "terraform.tfvars.json") or filename.endswith(
        (".auto.tfvars", ".auto.tfvars.json")
    )


def iter_instances(root: ModuleInstance) -> Iterator[ModuleInstance]:
    """Every instance reachable from a root, creating child instances as module calls expand."""
    pending = [root]
    while pending:
        instance = pending.pop(0)
        yield instance
        for name in list(instance.source.module_calls):
            instance.module_value(name)
        # Each child instance is created once (module values are cached), so no repeats here.
        pending.extend(instance.children)
