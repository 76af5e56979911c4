"""The ARM template expression language, evaluated as far as a static scan can.

A JSON string that starts with `[` and ends with `]` is an expression (`[[` escapes a literal
bracket), written in the function-call language of "Template syntax and expressions"
(learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions):
`[concat(parameters('prefix'), '-ampls')]`, `[resourceId('Microsoft.Network/virtualNetworks',
variables('vnet'))]`, `[environment().suffixes.storage]`.

Values are plain Python values (str, int, bool, None, list, dict) plus:
- `Ref` (from the model) for resource ids: `resourceId(...)` is the declared resource's entity
  key when the template declares it, else a name-only reference (type and name lower-cased);
- `Unknown(reason)` for what only a deployment knows (`reference()`, `listKeys()`,
  `subscription().displayName`, a parameter without a value);
- symbols (model.symbol) for what is opaque but stable within a deployment: `uniqueString()` of
  known arguments, `resourceGroup().id`, `subscription().subscriptionId`.

Evaluation is bounded: every step spends from a `Budget` (the per-scan `--max-eval-steps`),
strings and arrays have size limits, loops follow ARM's own limit of 800 copies, and chains of
variables are cut at a depth. What goes over a bound is `Unknown`, never a hang or a crash.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.azure import Cloud
from ampls_checks.model import Ref, Unknown
from ampls_checks.parsers.common.format_items import format_pieces
from ampls_checks.parsers.common.template_functions import (
    CIDR_FUNCTIONS,
    ENVIRONMENTS,
    LAMBDA_FUNCTIONS,
    MAX_ITEMS,
    MAX_STRING,
    Budget,
    Lambda,
    concat_texts,
    contains_with,
    empty,
    has_opaque,
    index_of_with,
    intersection_with,
    items,
    join_with,
    length,
    object_keys,
    pad_left_with,
    range_function,
    same,
    shallow_merge,
    split,
    string_function,
    symbol_call,
    to_bool,
    to_int,
    try_get_with,
    union_with,
    unique_string,
)
from ampls_checks.parsers.common.template_functions import group_id as _group_id
from ampls_checks.parsers.common.template_functions import is_int as _is_int
from ampls_checks.parsers.common.template_functions import min_max as _min_max
from ampls_checks.parsers.common.template_functions import replace as _replace
from ampls_checks.parsers.common.template_functions import subscription_value as _subscription_value
from ampls_checks.parsers.common.template_functions import substring as _substring
from ampls_checks.parsers.common.template_functions import too_long as _too_long
from ampls_checks.parsers.common.template_functions import too_many as _too_many

# "Iterative loops in ARM templates": a copy count can't be negative or exceed 800.
MAX_COPY = 800
MAX_EXPRESSION_DEPTH = 100  # nested calls in one expression
MAX_REFERENCE_DEPTH = 64  # variables and parameters defined through each other

# ---------------------------------------------------------------------------------------------
# Syntax
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str  # lower case
    args: tuple[Any, ...]
    written: str  # the name as written, for messages


@dataclass(frozen=True)
class Member:
    obj: Any
    name: str
    safe: bool = False


@dataclass(frozen=True)
class Index:
    obj: Any
    key: Any
    safe: bool = False


class ExpressionError(Exception):
    """Text that is not a valid ARM expression."""


_EXPR_TOKEN = re.compile(
    r"""
    \s*
    (?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?[0-9]+(?:\.[0-9]+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?(?=\s*\())
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>\.\?|\[\?|[(),.\[\]])
      | (?P<end>\Z)
    )
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    while True:
        found = _EXPR_TOKEN.match(text, position)
        if found is None:
            raise ExpressionError(f"unexpected character {text[position:].lstrip()[:1]!r}")
        kind = found.lastgroup or ""
        if kind == "end":
            return out
        out.append((kind, found.group(kind)))
        position = found.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        if value is not None and token[1] != value:
            raise ExpressionError(f"expected {value!r}, found {token[1]!r}")
        self.position += 1
        return token

    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(f"calls nested deeper than {MAX_EXPRESSION_DEPTH} levels")
        node = self.primary()
        while True:
            token = self.peek()
            if token is None or token[1] not in (".", ".?", "[", "[?"):
                break
            self.take()
            if token[1] in (".", ".?"):
                kind, name = self.take()
                if kind not in ("ident", "name"):
                    raise ExpressionError(f"expected a property name after '.', found {name!r}")
                node = Member(node, name, token[1] == ".?")
            else:
                key = self.expression()
                self.take("]")
                node = Index(node, key, token[1] == "[?")
        self.depth -= 1
        return node

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return Lit(text[1:-1].replace("''", "'"))
        if kind == "number":
            return Lit(float(text) if "." in text else int(text))
        if kind == "name":
            self.take("(")
            args = []
            if self.peek() is not None and self.peek() != ("punct", ")"):
                args.append(self.expression())
                while self.peek() == ("punct", ","):
                    self.take()
                    args.append(self.expression())
            self.take(")")
            return Call(text.lower(), tuple(args), text)
        if kind == "ident" and text.lower() in ("true", "false", "null"):
            return Lit({"true": True, "false": False, "null": None}[text.lower()])
        raise ExpressionError(f"unexpected {text!r}")


@functools.lru_cache(maxsize=8192)
def parse_expression(text: str) -> Any:
    """The syntax tree of an expression (the text between the outer brackets)."""
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} after the expression")  # type: ignore[index]
    return node


def expression_text(value: str) -> str | None:
    """The expression inside a JSON string, or None when the string is a literal."""
    if len(value) >= 2 and value[0] == "[" and value[-1] == "]" and not value.startswith("[["):
        return value[1:-1]
    return None


def literal_text(value: str) -> str:
    """A literal string as ARM reads it: `[[` at the start of a bracketed string is one `[`."""
    if value.startswith("[[") and value.endswith("]"):
        return value[1:]
    return value


# ---------------------------------------------------------------------------------------------
# Evaluation environment
# ---------------------------------------------------------------------------------------------

_UNSET: Any = object()


@dataclass
class Template:
    """What the expressions of one template (or inner-scoped nested template) can read.

    `parameters` holds thunks (a value from a parameters file, a value passed by the outer
    template, or the default); `variables` holds functions that evaluate each variable where it
    is declared (on first use, once).
    `resolve_id` turns a resource id (type, names, resource group) into the declared resource's
    entity key when the file declares it."""

    display: str
    cloud: Cloud | None
    budget: Budget
    parameters: dict[str, Callable[[], Any]] = field(default_factory=dict)
    variables: dict[str, Callable[[Scope], Any]] = field(default_factory=dict)
    resource_group: Any = None  # str, Unknown, or None when not said (the deployment's own)
    resolve_id: Callable[[str, str, Any], str | None] = lambda _t, _n, _g: None
    # `reference(target, full, scope, written name)`: the outputs of a nested deployment the
    # file declares
    reference: Callable[[Any, bool, Scope, Any], Any] = lambda _target, _full, _scope, _written: Unknown(
        "reference() returns values only Azure knows at deployment"
    )
    # variables as written, by lower-case name (a nested template the compiler stores in one)
    written_variables: dict[str, Any] = field(default_factory=dict)
    # user-defined functions by lower-case `namespace.name`: parameter names and output value
    functions: dict[str, tuple[list[str], Any]] = field(default_factory=dict)
    depth: int = 0
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    def memo(self, kind: str, name: str, compute: Callable[[], Any]) -> Any:
        marker = (kind, name.lower())
        if marker in self._cache:
            value = self._cache[marker]
            return Unknown(f"{kind} {name!r} refers to itself") if value is _UNSET else value
        if self.depth >= MAX_REFERENCE_DEPTH:
            return Unknown(f"{kind}s defined through each other more than {MAX_REFERENCE_DEPTH} deep")
        self._cache[marker] = _UNSET
        self.depth += 1
        try:
            value = compute()
        finally:
            self.depth -= 1
            self._cache.pop(marker, None)
        self._cache[marker] = value
        return value


@dataclass(frozen=True)
class Scope:
    """A place where an expression is evaluated: its template, the copy loops around it (loop
    name in lower case -> index; `""` is the resource's own loop) and the variables of the
    lambdas it is inside (`lambdaVariables('x')`, by lower-case name)."""

    template: Template
    copies: Mapping[str, int] = field(default_factory=dict)
    lambdas: Mapping[str, Any] = field(default_factory=dict)

    def with_copy(self, name: str, index: int, resource_loop: bool = False) -> Scope:
        extra = {name.lower(): index}
        if resource_loop:
            extra[""] = index
        return Scope(self.template, {**self.copies, **extra}, self.lambdas)

    def with_lambda(self, values: Mapping[str, Any]) -> Scope:
        return Scope(self.template, self.copies, {**self.lambdas, **values})


def get_ci(obj: Mapping[str, Any], key: str) -> Any:
    """A template keyword, found without regard to case (ARM template keys are case-insensitive)."""
    if key in obj:
        return obj[key]
    lowered = key.lower()
    for name, value in obj.items():
        if name.lower() == lowered:
            return value
    return None


def key_ci(obj: Mapping[str, Any], key: str) -> str | None:
    lowered = key.lower()
    for name in obj:
        if name.lower() == lowered:
            return name
    return None


# ---------------------------------------------------------------------------------------------
# JSON values with expressions inside
# ---------------------------------------------------------------------------------------------


def evaluate_value(value: Any, scope: Scope) -> Any:
    """A template value with its expressions evaluated and property copy loops expanded."""
    scope.template.budget.spend()
    if isinstance(value, str):
        text = expression_text(value)
        if text is None:
            return literal_text(value)
        return evaluate_expression(text, scope)
    if isinstance(value, dict):
        return _object(value, scope)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return _too_many()
        return [evaluate_value(item, scope) for item in value]
    return value


def evaluate_expression(text: str, scope: Scope) -> Any:
    try:
        node = parse_expression(text)
    except ExpressionError as exc:
        return Unknown(f"not a valid expression ({exc}): [{_short(text)}]")
    return evaluate(node, scope)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def copy_specs(obj: Mapping[str, Any]) -> list[Any] | None:
    """The property copy loops of an object (`"copy": [{"name", "count", "input"}]`), or None."""
    specs = get_ci(obj, "copy")
    if isinstance(specs, list) and all(isinstance(s, dict) and get_ci(s, "input") is not None for s in specs):
        return specs
    return None


def _object(obj: Mapping[str, Any], scope: Scope) -> Any:
    out: dict[str, Any] = {}
    specs = copy_specs(obj)
    copy_key = key_ci(obj, "copy") if specs is not None else None
    for key, item in obj.items():
        if key == copy_key:
            continue
        name = evaluate_value(key, scope) if expression_text(key) is not None else literal_text(key)
        if isinstance(name, Unknown):
            return Unknown(f"a property name is unknown: {name.reason}")
        if not isinstance(name, str):
            return Unknown("a property name is not a string")
        out[name] = evaluate_value(item, scope)
    for spec in specs or []:
        name = evaluate_value(get_ci(spec, "name"), scope)
        if not isinstance(name, str):
            return name if isinstance(name, Unknown) else Unknown("a copy loop's name is not a string")
        out[name] = copy_loop(spec, scope, name, resource_loop=False)
    return out


def copy_count(count_value: Any, scope: Scope) -> int | Unknown:
    count = evaluate_value(count_value, scope)
    if isinstance(count, Unknown):
        return count
    if isinstance(count, bool) or not isinstance(count, int):
        return Unknown("the copy count is not a whole number")
    if count < 0 or count > MAX_COPY:
        return Unknown(f"a copy count of {count} is outside ARM's limit of 0 to {MAX_COPY}")
    return count


def copy_loop(spec: Mapping[str, Any], scope: Scope, name: str, resource_loop: bool) -> Any:
    """The array a property (or variable) copy loop builds."""
    count = copy_count(get_ci(spec, "count"), scope)
    if isinstance(count, Unknown):
        return Unknown(f"copy loop {name!r}: {count.reason}")
    template = get_ci(spec, "input")
    return [evaluate_value(template, scope.with_copy(name, i, resource_loop)) for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


def evaluate(node: Any, scope: Scope) -> Any:
    scope.template.budget.spend()
    kind = type(node)
    if kind is Lit:
        return node.value
    if kind is Call:
        return _call(node, scope)
    if kind is Member:
        return _member(evaluate(node.obj, scope), node.name, node.safe)
    if kind is Index:
        obj = evaluate(node.obj, scope)
        key = evaluate(node.key, scope)
        return _index(obj, key, node.safe)
    return Unknown(f"cannot evaluate {kind.__name__}")


def _member(value: Any, name: str, safe: bool) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        found = get_ci(value, name)  # property names of objects are case-insensitive
        if found is None and key_ci(value, name) is None:
            return None if safe else Unknown(f"property {name!r} is not set")
        return found
    if value is None and safe:
        return None
    if isinstance(value, Ref):
        return Unknown(f"a resource id has no property {name!r}")
    return Unknown(f"a {type(value).__name__} has no property {name!r}")


def _index(value: Any, key: Any, safe: bool) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return key
    if isinstance(value, list):
        if not _is_int(key):
            return Unknown("an array index is not a whole number")
        if 0 <= key < len(value):
            return value[key]
        return None if safe else Unknown(f"index {key} is outside the array")
    if isinstance(value, dict) and isinstance(key, str):
        return _member(value, key, safe)
    if value is None and safe:
        return None
    return Unknown(f"cannot index a {type(value).__name__}")


def _call(node: Call, scope: Scope) -> Any:
    name = node.name
    lazy = _LAZY_FUNCTIONS.get(name)
    if lazy is not None:
        return lazy(node, scope)
    if "." in name:
        return _user_function(node, scope)
    function = FUNCTIONS.get(name)
    if function is None:
        if name in RUNTIME or name.startswith("list"):
            return Unknown(f"{node.written}() returns values only Azure knows at deployment")
        return Unknown(f"{node.written}() is not evaluated")
    args = [evaluate(a, scope) for a in node.args]
    for arg in args:
        if isinstance(arg, Unknown) and name not in _TAKES_UNKNOWN:
            return arg
    opaque = symbol_call(name, args)
    if opaque is not None:
        return opaque
    try:
        result = function(scope, args)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError, RecursionError):
        return Unknown(f"{node.written}() could not be evaluated with these arguments")
    return scope.template.budget.build(result)  # charged by its size (template_functions.Budget)


# -- template functions -----------------------------------------------------------------------


def _parameters(scope: Scope, args: list[Any]) -> Any:
    (name,) = args
    if not isinstance(name, str):
        return Unknown("parameters() needs a name")
    template = scope.template
    thunk = template.parameters.get(name.lower())
    if thunk is None:
        return Unknown(f"parameter {name!r} is not declared")
    return template.memo("parameter", name, thunk)


def _variables(scope: Scope, args: list[Any]) -> Any:
    (name,) = args
    if not isinstance(name, str):
        return Unknown("variables() needs a name")
    template = scope.template
    if name.lower() not in template.variables:
        return Unknown(f"variable {name!r} is not declared")
    compute = template.variables[name.lower()]
    # a variable is evaluated where it is declared: no copy loop of the caller reaches it
    return template.memo("variable", name, lambda: compute(Scope(template)))


def _reference(node: Call, scope: Scope) -> Any:
    """`reference(target[, apiVersion][, 'Full'])`: what the template itself declares of a
    nested deployment (its outputs); everything else only Azure knows. A deployment whose name
    is unknown is still found by how its name is written:
    `reference(resourceId('Microsoft.Resources/deployments', <name as written>))`."""
    if not node.args:
        return Unknown("reference() needs a resource")
    args = [evaluate(a, scope) for a in node.args]
    full = any(isinstance(a, str) and a.lower() == "full" for a in args[1:])
    written: Any = None
    target = node.args[0]
    if (
        isinstance(args[0], Unknown)
        and type(target) is Call
        and target.name == "resourceid"
        and len(target.args) == 2
        and type(target.args[0]) is Lit
        and isinstance(target.args[0].value, str)
        and target.args[0].value.lower() == "microsoft.resources/deployments"
    ):
        written = target.args[1]
    if isinstance(args[0], Unknown) and written is None:
        return args[0]
    return scope.template.reference(args[0], full, scope, written)


def _lambda_variables(scope: Scope, args: list[Any]) -> Any:
    (name,) = args
    if not isinstance(name, str):
        return Unknown("lambdaVariables() needs a name")
    if name.lower() not in scope.lambdas:
        return Unknown(f"lambdaVariables({name!r}) outside a lambda with that variable")
    return scope.lambdas[name.lower()]


def _copy_index(scope: Scope, args: list[Any]) -> Any:
    loop, offset = "", 0
    if len(args) == 2:
        loop, offset = args
    elif len(args) == 1:
        if isinstance(args[0], str):
            loop = args[0]
        else:
            offset = args[0]
    if not isinstance(loop, str) or not _is_int(offset):
        return Unknown("copyIndex() arguments do not fit")
    index = scope.copies.get(loop.lower())
    if index is None:
        where = f"loop {loop!r}" if loop else "a copy loop"
        return Unknown(f"copyIndex() outside {where}")
    return index + offset


# -- resource functions -----------------------------------------------------------------------


def _is_type(text: Any) -> bool:
    return isinstance(text, str) and "/" in text and "." in text.split("/", 1)[0]


def _resource_id(scope: Scope, args: list[Any]) -> Any:
    """`resourceId([subscriptionId], [resourceGroupName], type, name1, name2...)`."""
    if not all(isinstance(a, str) for a in args):
        return Unknown("resourceId() arguments are not all strings")
    position = next((i for i, a in enumerate(args) if _is_type(a)), None)
    if position is None or position > 2:
        return Unknown("resourceId() without a resource type")
    type_name, names = args[position], args[position + 1 :]
    if not names or len(names) != type_name.count("/"):
        return Unknown("resourceId() names do not match the type's segments")
    group: Any = args[position - 1] if position >= 1 else scope.template.resource_group
    return make_ref(scope.template, type_name, "/".join(names), group)


def make_ref(template: Template, type_name: str, name: str, group: Any) -> Ref:
    group_name = group.lower() if isinstance(group, str) else None
    key = template.resolve_id(type_name.lower(), name.lower(), group)
    return Ref(key=key, name=name.lower(), arm_type=type_name.lower(), resource_group=group_name)


def _scope_resource_id(scope: Scope, args: list[Any]) -> Any:
    """`subscriptionResourceId` / `tenantResourceId`: no resource group."""
    if not all(isinstance(a, str) for a in args):
        return Unknown("resource id arguments are not all strings")
    position = next((i for i, a in enumerate(args) if _is_type(a)), None)
    if position is None:
        return Unknown("resource id without a resource type")
    type_name, names = args[position], args[position + 1 :]
    if not names or len(names) != type_name.count("/"):
        return Unknown("resource id names do not match the type's segments")
    return Ref(name="/".join(names).lower(), arm_type=type_name.lower())


def _resource_group(scope: Scope, args: list[Any]) -> Any:
    group = scope.template.resource_group
    name = group if group is not None else Unknown("the resource group deployed to is known only at deployment")
    where = "resourceGroup() properties other than name and id are known only at deployment"
    return {"name": name, "id": _group_id(group), "location": Unknown(where), "tags": Unknown(where)}


def _subscription(scope: Scope, args: list[Any]) -> Any:
    if args:
        return Unknown("subscription() of another subscription is known only at deployment")
    return _subscription_value()


def _environment(scope: Scope, args: list[Any]) -> Any:
    cloud = scope.template.cloud
    if cloud is None:
        return Unknown("environment() depends on the cloud the template is deployed to")
    return ENVIRONMENTS[cloud]


# -- strings ----------------------------------------------------------------------------------


def _text(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, Ref):
        return Unknown("a resource id inside a string")
    return Unknown(f"a {type(value).__name__} inside a string")


def child_ref(base: Ref, suffix: str) -> Any:
    """`concat(resourceId(vnet), '/subnets/', name)`: the child's id, as a name-only reference."""
    segments = suffix.strip("/").split("/") if suffix.strip("/") else []
    if not suffix.startswith("/") or not segments or len(segments) % 2 or base.name is None or base.arm_type is None:
        return Unknown("a resource id inside a string")
    return Ref(
        name="/".join([base.name, *(n.lower() for n in segments[1::2])]),
        arm_type="/".join([base.arm_type, *(t.lower() for t in segments[0::2])]),
        resource_group=base.resource_group,
    )


def _join_texts(values: list[Any]) -> Any:
    if values and isinstance(values[0], Ref):
        rest = _join_texts(values[1:])
        if isinstance(rest, Unknown):
            return rest
        return values[0] if rest == "" else child_ref(values[0], rest)
    return concat_texts(values, _text)


def _concat(scope: Scope, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        if sum(len(a) for a in args) > MAX_ITEMS:
            return _too_many()
        return [v for a in args for v in a]
    return _join_texts(args)


def _format(scope: Scope, args: list[Any]) -> Any:
    template, values = args[0], args[1:]
    if not isinstance(template, str):
        return Unknown("format() needs a format string")
    pieces: list[Any] = []
    for piece in format_pieces(template, any_braces=False):
        if isinstance(piece, str):
            pieces.append(piece)
        elif piece.index is None:
            return Unknown(f"format specifier {piece.text} is not evaluated")
        elif piece.index >= len(values):
            return Unknown("format() argument missing")
        else:
            pieces.append(values[piece.index])
    pieces = [p for p in pieces if p != ""] or [""]
    return _join_texts(pieces)


def _starts_ends(start: bool) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        text, part = args
        if not isinstance(text, str) or not isinstance(part, str):
            return Unknown("startsWith() and endsWith() need strings")
        lowered, needle = text.lower(), part.lower()  # case-insensitive in ARM
        return lowered.startswith(needle) if start else lowered.endswith(needle)

    return apply


def _string(scope: Scope, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, str):
        return value
    if _has_opaque(value):
        return Unknown("string() of a value only Azure knows")
    if isinstance(value, (dict, list)) or value is None:
        text = json.dumps(value, separators=(",", ":"))
        return text if len(text) <= MAX_STRING else _too_long()
    return _text(value)


# -- arrays and objects -----------------------------------------------------------------------


def _first_last(which: int) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        (value,) = args
        if isinstance(value, str):
            return value[which] if value else ""
        if isinstance(value, list):
            return value[which] if value else None
        return Unknown("first() and last() need a string or an array")

    return apply


def _take_skip(take: bool) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        value, count = args
        if not _is_int(count) or not isinstance(value, (str, list)):
            return Unknown("take() and skip() need a string or an array and a number")
        count = max(count, 0)
        return value[:count] if take else value[count:]

    return apply


def _create_array(scope: Scope, args: list[Any]) -> Any:
    return list(args)


def _create_object(scope: Scope, args: list[Any]) -> Any:
    if len(args) % 2:
        return Unknown("createObject() needs key and value pairs")
    out: dict[str, Any] = {}
    for key, value in zip(args[0::2], args[1::2], strict=True):
        if not isinstance(key, str):
            return Unknown("createObject() keys must be strings")
        out[key] = value
    return out


def _array(scope: Scope, args: list[Any]) -> Any:
    (value,) = args
    return value if isinstance(value, list) else [value]


def _flatten(scope: Scope, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list) or not all(isinstance(a, list) for a in value):
        return Unknown("flatten() needs an array of arrays")
    if sum(len(a) for a in value) > MAX_ITEMS:
        return _too_many()
    return [v for inner in value for v in inner]


def _json(scope: Scope, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, str):
        return Unknown("json() needs a string")
    from ampls_checks.parsers.arm.json_lines import JsonDecodeError, decode, plain

    try:
        return plain(decode(value))
    except JsonDecodeError as exc:
        return Unknown(f"json() of text that is not JSON: {exc.message}")


# -- logic and numbers ------------------------------------------------------------------------


def _equals(scope: Scope, args: list[Any]) -> Any:
    a, b = args
    return _same(a, b)


def _not(scope: Scope, args: list[Any]) -> Any:
    (value,) = args
    return (not value) if isinstance(value, bool) else Unknown("not() needs a boolean")


def _compare(operation: Callable[[Any, Any], bool]) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        a, b = args
        if (_is_int(a) and _is_int(b)) or (isinstance(a, str) and isinstance(b, str)):
            return operation(a, b)
        return Unknown("comparison needs two numbers or two strings")

    return apply


def _int64(value: int) -> int | Unknown:
    return value if -(2**63) <= value < 2**63 else Unknown("integer overflow")


def _arith(operation: str) -> Callable[[Scope, list[Any]], Any]:
    def apply(scope: Scope, args: list[Any]) -> Any:
        a, b = args
        if not (_is_int(a) and _is_int(b)):
            return Unknown(f"{operation}() needs whole numbers")
        if operation == "add":
            return _int64(a + b)
        if operation == "sub":
            return _int64(a - b)
        if operation == "mul":
            return _int64(a * b)
        if b == 0:
            return Unknown("division by zero")
        quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)  # truncates toward zero
        return _int64(quotient) if operation == "div" else a - quotient * b

    return apply


def _constant(value: Any) -> Callable[[Scope, list[Any]], Any]:
    return lambda scope, args: value


def _if(node: Call, scope: Scope) -> Any:
    if len(node.args) != 3:
        return Unknown("if() needs three arguments")
    test = evaluate(node.args[0], scope)
    if test is True:
        return evaluate(node.args[1], scope)
    if test is False:
        return evaluate(node.args[2], scope)
    then, other = evaluate(node.args[1], scope), evaluate(node.args[2], scope)
    if _same(then, other) is True:
        return then  # both branches give the same value
    return Unknown(f"the condition is unknown: {test.reason}" if isinstance(test, Unknown) else "if() needs a boolean")


def _and_or(deciding: bool) -> Callable[[Call, Scope], Any]:
    def apply(node: Call, scope: Scope) -> Any:
        unknown: Unknown | None = None
        for arg in node.args:
            value = evaluate(arg, scope)
            if value is deciding:
                return deciding  # the value that settles the result on its own
            if isinstance(value, Unknown):
                unknown = unknown or value
            elif not isinstance(value, bool):
                return Unknown("and() and or() need booleans")
        return unknown if unknown is not None else not deciding

    return apply


def _coalesce(node: Call, scope: Scope) -> Any:
    for arg in node.args:
        value = evaluate(arg, scope)
        if isinstance(value, Unknown):
            return value
        if value is not None:
            return value
    return None


def _lambda(node: Call, scope: Scope) -> Any:
    """`lambda('a', 'b', body)`: the body is evaluated when the lambda is applied, with
    `lambdaVariables('a')` bound, in the scope where the lambda is written."""
    if not node.args:
        return Unknown("lambda() needs a body")
    names = [evaluate(a, scope) for a in node.args[:-1]]
    if not all(isinstance(n, str) for n in names):
        return Unknown("lambda() variable names must be strings")
    body = node.args[-1]
    params = tuple(n.lower() for n in names)

    def call(values: list[Any]) -> Any:
        return evaluate(body, scope.with_lambda(dict(zip(params, values, strict=False))))

    return Lambda(params, call)


def _user_function(node: Call, scope: Scope) -> Any:
    """A user-defined function (`namespace.name(...)`, from the template's `functions`): its
    output is evaluated with its own parameters only, as ARM does (a function cannot read the
    template's parameters or variables)."""
    template = scope.template
    function = template.functions.get(node.name)
    if function is None:
        return Unknown(f"{node.written}() is not declared")
    if template.depth >= MAX_REFERENCE_DEPTH:
        return Unknown(f"user-defined functions call each other more than {MAX_REFERENCE_DEPTH} deep")
    names, output = function
    args = [evaluate(a, scope) for a in node.args]
    if len(args) != len(names):
        return Unknown(f"{node.written}() takes {len(names)} arguments")
    inner = Template(template.display, template.cloud, template.budget, resource_group=template.resource_group)
    inner.functions = template.functions
    inner.resolve_id = template.resolve_id
    inner.depth = template.depth + 1
    for name, value in zip(names, args, strict=True):
        inner.parameters[name.lower()] = functools.partial(lambda v: v, value)
    return evaluate_value(output, Scope(inner))


_LAZY_FUNCTIONS: dict[str, Callable[[Call, Scope], Any]] = {
    "if": _if,
    "and": _and_or(False),
    "or": _and_or(True),
    "coalesce": _coalesce,
    "lambda": _lambda,
    "reference": _reference,
}

# Functions whose arguments may be unknown without the result being unknown.
_TAKES_UNKNOWN: frozenset[str] = frozenset({"createarray", "createobject", "array"})

# Functions whose result exists only at deployment.
RUNTIME = frozenset(
    {
        "deployment",
        "guid",
        "newguid",
        "utcnow",
        "managementgroup",
        "tenant",
        "providers",
        "pickzones",
        "extensionresourceid",
        "managementgroupresourceid",
        "resourceinfo",
        "base64",
        "base64tostring",
        "base64tojson",
        "datauri",
        "datauritostring",
        "uri",
        "uricomponent",
        "uricomponenttostring",
        "dateTimeAdd".lower(),
        "datetimefromepoch",
        "datetimetoepoch",
        "deployer",
    }
)

# Values only Azure knows, which no comparison can decide.
_OPAQUE = (Unknown, Ref, Lambda)


def _same(a: Any, b: Any) -> Any:
    return same(a, b, _OPAQUE)


def _has_opaque(value: Any) -> bool:
    return has_opaque(value, _OPAQUE)


FUNCTIONS: dict[str, Callable[[Scope, list[Any]], Any]] = {
    "parameters": _parameters,
    "variables": _variables,
    "copyindex": _copy_index,
    "resourceid": _resource_id,
    "subscriptionresourceid": _scope_resource_id,
    "tenantresourceid": _scope_resource_id,
    "resourcegroup": _resource_group,
    "uniquestring": unique_string,
    "subscription": _subscription,
    "environment": _environment,
    "concat": _concat,
    "format": _format,
    "replace": _replace,
    "tolower": string_function(str.lower),
    "toupper": string_function(str.upper),
    "trim": string_function(str.strip),
    "startswith": _starts_ends(True),
    "endswith": _starts_ends(False),
    "split": split,
    "join": join_with(_text),
    "substring": _substring,
    "padleft": pad_left_with(_text),
    "string": _string,
    "indexof": index_of_with(_same, last=False),
    "lastindexof": index_of_with(_same, last=True),
    "length": length,
    "empty": empty,
    "contains": contains_with(_same),
    "first": _first_last(0),
    "last": _first_last(-1),
    "take": _take_skip(True),
    "skip": _take_skip(False),
    "range": range_function,
    "createarray": _create_array,
    "createobject": _create_object,
    "array": _array,
    "union": union_with(_same),
    "intersection": intersection_with(_same),
    "flatten": _flatten,
    "items": items,
    "objectkeys": object_keys,
    "shallowmerge": shallow_merge,
    "tryget": try_get_with(lambda value, key: _index(value, key, True)),
    "lambdavariables": _lambda_variables,
    **LAMBDA_FUNCTIONS,
    **CIDR_FUNCTIONS,
    "json": _json,
    "equals": _equals,
    "not": _not,
    "greater": _compare(lambda a, b: a > b),
    "greaterorequals": _compare(lambda a, b: a >= b),
    "less": _compare(lambda a, b: a < b),
    "lessorequals": _compare(lambda a, b: a <= b),
    "add": _arith("add"),
    "sub": _arith("sub"),
    "mul": _arith("mul"),
    "div": _arith("div"),
    "mod": _arith("mod"),
    "min": _min_max(min),
    "max": _min_max(max),
    "int": to_int,
    "bool": to_bool,
    "true": _constant(True),
    "false": _constant(False),
    "null": _constant(None),
}
