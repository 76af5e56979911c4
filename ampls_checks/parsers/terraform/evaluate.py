"""A bounded evaluator for the Terraform expression language.

It evaluates what private link code really writes: references between resources, `var.`,
`local.`, `each.`, `count.index`, module outputs, indexing, splats, `for` expressions, templates,
conditionals and a small set of functions. Anything else evaluates to `Unknown` with a reason,
never to a guess. Evaluation is bounded by a step budget, so a self-referential local or a
million-element `for_each` ends as `Unknown` instead of a hang.

Values are plain Python (str, int, float, bool, None, list, dict) plus a few markers:
`Unknown`, `SymbolicId` (a resource's `.id`, known only as "the id of that resource"),
`NameOf` (a resource's `.name`: a real string that remembers which resource it names), and the
lazy views (`get_attr`) that resources and modules evaluate to.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ampls_checks.model import Unknown, has_symbol, symbol
from ampls_checks.parsers.terraform.hcl_syntax import (
    BinaryOp,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Lit,
    ObjectExpr,
    Opaque,
    Splat,
    Template,
    TupleExpr,
    UnaryOp,
    Var,
)


@dataclass(frozen=True)
class Failed(Unknown):
    """An expression that would fail in Terraform (an index out of range, a missing key or
    attribute, a type error), as opposed to one whose value is only known at apply time. Every
    consumer but `try()` and `can()` treats it as unknown; those two move past it, as Terraform
    does. An error wins over an unknown: `"${var.unset}-${local.list[9]}"` fails in Terraform."""


def carry(value: Unknown, reason: str) -> Unknown:
    """A new unknown that wraps `value`, still a failure when `value` was one."""
    return Failed(reason) if isinstance(value, Failed) else Unknown(reason)


def first_unknown(values: Any) -> Unknown | None:
    """The first failure among `values`, else the first unknown, else None."""
    found: Unknown | None = None
    for value in values:
        if isinstance(value, Failed):
            return value
        if found is None and isinstance(value, Unknown):
            found = value
    return found


class TfSet(list):  # type: ignore[type-arg]
    """A Terraform set: iterated with each element as both key and value."""


class BudgetExceeded(Exception):
    """Raised inside evaluation when the step budget of a module instance is spent."""


@dataclass(frozen=True)
class SymbolicId:
    """The `.id` of a resource declared in the scanned code: its value is only known at apply
    time, but *which* resource it identifies is known, and that is all the linker needs."""

    key: str


@dataclass(frozen=True)
class UnknownNameOf(Unknown):
    """A declared resource's name that cannot be evaluated (a variable without a value): the
    name is unknown, but a reference to it still says which resource it is, so a subnet whose
    `virtual_network_name` refers to `azurerm_virtual_network.this.name` is in that network."""

    ref_key: str = ""


class NameOf(str):
    """A resource's name as a string that also remembers the resource it came from."""

    ref_key: str

    def __new__(cls, value: str, ref_key: str) -> NameOf:
        obj = super().__new__(cls, value)
        obj.ref_key = ref_key
        return obj


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    if value is None:
        return "null"
    return type(value).__name__


SIZE_LIMIT = "size"  # the argument of a BudgetExceeded raised by the size budget
MAX_CELLS = 2_000_000  # what one module instance may build: characters, items and entries
ROOT_CELLS_FACTOR = 5  # a root and all its module instances build at most five times that


@dataclass
class Budget:
    """Steps left for one module instance; shared by everything evaluated in it. A budget may
    draw on a `parent` too: all instances of one root share a total, so module fan-out
    (a for_each of modules that each call modules with for_each) stays bounded.

    Steps alone do not bound memory: a local that doubles a string, 64 of them in a row, takes 64
    steps. So `cells` is charged too, by the size of every value built (a string's length, a
    collection's items counted all the way down, shared parts as often as they are shared)."""

    steps: int
    parent: Budget | None = None
    cells: int = MAX_CELLS

    def spend(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise BudgetExceeded()
        if self.parent is not None:
            self.parent.spend(n)

    def build(self, value: Any) -> None:
        """Charge the size of a value just built; raises BudgetExceeded past the limit. The
        count stops at what is left, so counting never costs more than the budget allows."""
        self.charge(cells(value, self.cells_left()))

    def charge(self, n: int) -> None:
        self.cells -= n
        if self.cells < 0:
            raise BudgetExceeded(SIZE_LIMIT)
        if self.parent is not None:
            self.parent.charge(n)

    def cells_left(self) -> int:
        left = self.cells
        if self.parent is not None:
            left = min(left, self.parent.cells_left())
        return max(left, 0)


def cells(value: Any, limit: int) -> int:
    """The size of a value (characters of strings, items of collections, all the way down),
    counted up to a little past `limit`. Shared parts count each time they appear: that is what
    printing or walking the value costs."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) or 1
        elif isinstance(item, list):
            total += 1
            stack.extend(item)
        elif isinstance(item, dict):
            total += 1 + sum(len(key) for key in item)
            stack.extend(item.values())
        else:
            total += 1
        if total > limit:
            break
    return total


MAX_COLLECTION = 10_000
MAX_FORMAT_WIDTH = 1000  # format("%0999999d", 1) would build a string of that width
MAX_INT_BITS = 4096  # integers past this are unknown: str() of them has a limit, and they grow fast


class Evaluator:
    """Evaluates expressions against a resolver for the top-level names.

    `resolve_root(name)` answers for `var`, `local`, `module`, `data`, resource types and so on;
    `env` holds names bound by `for` expressions, `each` and `count`.
    """

    def __init__(self, resolve_root: Callable[[str], Any], budget: Budget) -> None:
        self.resolve_root = resolve_root
        self.budget = budget

    def eval(self, expr: Expr, env: Mapping[str, Any] | None = None) -> Any:
        self.budget.spend()
        env = env or {}
        method = _DISPATCH.get(type(expr))
        if method is None:
            return Unknown(f"unsupported expression {type(expr).__name__}")
        value = method(self, expr, env)
        if type(expr) in _BUILDERS and isinstance(value, (str, list, dict)):
            self.budget.build(value)
        return value

    # -- leaves ---------------------------------------------------------------------------

    def _lit(self, expr: Lit, env: Mapping[str, Any]) -> Any:
        return expr.value

    def _opaque(self, expr: Opaque, env: Mapping[str, Any]) -> Any:
        return Unknown(expr.reason)

    def _var(self, expr: Var, env: Mapping[str, Any]) -> Any:
        if expr.name in env:
            return env[expr.name]
        return self.resolve_root(expr.name)

    # -- traversal ------------------------------------------------------------------------

    def _get_attr(self, expr: GetAttr, env: Mapping[str, Any]) -> Any:
        return get_attr(self.eval(expr.obj, env), expr.name)

    def _index(self, expr: Index, env: Mapping[str, Any]) -> Any:
        return index(self.eval(expr.obj, env), self.eval(expr.key, env))

    def _splat(self, expr: Splat, env: Mapping[str, Any]) -> Any:
        base = self.eval(expr.obj, env)
        if isinstance(base, Unknown):
            return base
        if base is None:
            items: list[Any] = []
        elif isinstance(base, list):
            items = base
        elif isinstance(base, dict) and not expr.steps:
            items = [base]
        else:
            items = [base]
        out = []
        for item in items:
            value = item
            for _kind, arg in expr.steps:
                if isinstance(arg, str):  # ("attr", name)
                    value = get_attr(value, arg)
                else:  # ("index", key)
                    value = index(value, self.eval(arg, env))
            out.append(value)
        return out

    # -- constructors ---------------------------------------------------------------------

    def _template(self, expr: Template, env: Mapping[str, Any]) -> Any:
        pieces: list[str] = []
        unknown: Unknown | None = None
        for part in expr.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            text = to_template_string(self.eval(part, env))
            if isinstance(text, Failed):
                return text
            if isinstance(text, Unknown):
                unknown = unknown or text  # a later part may still fail, which wins
                continue
            pieces.append(text)
        return unknown if unknown is not None else "".join(pieces)

    def _tuple(self, expr: TupleExpr, env: Mapping[str, Any]) -> Any:
        return [self.eval(item, env) for item in expr.items]

    def _object(self, expr: ObjectExpr, env: Mapping[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = self.eval(key_expr, env)
            if isinstance(key, Unknown):
                return carry(key, f"object key is unknown ({key.reason})")
            if not isinstance(key, (str, int, float, bool)):
                return Failed("object key is not a string")
            out[str(key) if not isinstance(key, bool) else str(key).lower()] = self.eval(value_expr, env)
        return out

    def _for(self, expr: ForExpr, env: Mapping[str, Any]) -> Any:
        collection = self.eval(expr.collection, env)
        if isinstance(collection, Unknown):
            return collection
        pairs = iterate_pairs(collection)
        if isinstance(pairs, Unknown):
            return pairs
        self.budget.spend(len(pairs))
        list_out: list[Any] = []
        dict_out: dict[str, Any] = {}
        for key, value in pairs:
            inner = dict(env)
            inner[expr.value_var] = value
            if expr.key_var is not None:
                inner[expr.key_var] = key
            if expr.condition is not None:
                keep = to_bool(self.eval(expr.condition, inner))
                if isinstance(keep, Unknown):
                    return carry(keep, f"for condition is unknown ({keep.reason})")
                if not keep:
                    continue
            if not expr.is_object:
                list_out.append(self.eval(expr.value, inner))
                continue
            assert expr.key is not None
            out_key = self.eval(expr.key, inner)
            if isinstance(out_key, Unknown):
                return carry(out_key, f"for key is unknown ({out_key.reason})")
            out_key = to_template_string(out_key)
            if isinstance(out_key, Unknown):
                return out_key
            out_value = self.eval(expr.value, inner)
            if expr.grouping:
                dict_out.setdefault(out_key, []).append(out_value)
            else:
                dict_out[out_key] = out_value
        return dict_out if expr.is_object else list_out

    # -- operators ------------------------------------------------------------------------

    def _conditional(self, expr: Conditional, env: Mapping[str, Any]) -> Any:
        condition = self.eval(expr.condition, env)
        if isinstance(condition, Unknown):
            return carry(condition, f"condition is unknown ({condition.reason})")
        truth = to_bool(condition)
        if isinstance(truth, Unknown):
            return truth
        return self.eval(expr.if_true if truth else expr.if_false, env)

    def _unary(self, expr: UnaryOp, env: Mapping[str, Any]) -> Any:
        value = self.eval(expr.operand, env)
        if isinstance(value, Unknown):
            return value
        if expr.op == "!":
            truth = to_bool(value)
            return truth if isinstance(truth, Unknown) else not truth
        number = to_number(value)
        return number if isinstance(number, Unknown) else -number

    def _binary(self, expr: BinaryOp, env: Mapping[str, Any]) -> Any:
        left = self.eval(expr.left, env)
        op = expr.op
        # Short-circuit only as far as the result is certain.
        if op in ("&&", "||") and not isinstance(left, Unknown):
            truth = to_bool(left)
            if not isinstance(truth, Unknown):
                if op == "&&" and not truth:
                    return False
                if op == "||" and truth:
                    return True
        right = self.eval(expr.right, env)
        unknown = first_unknown((left, right))
        if unknown is not None:
            return unknown
        if op in ("==", "!="):
            self.budget.build([left, right])
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            same = _equal(left, right)
            return same if isinstance(same, Unknown) else not same
        if op in ("&&", "||"):
            truth = to_bool(right)
            return truth
        a, b = to_number(left), to_number(right)
        if isinstance(a, Unknown):
            return a
        if isinstance(b, Unknown):
            return b
        try:
            if (
                op == "*"
                and isinstance(a, int)
                and isinstance(b, int)
                and a.bit_length() + b.bit_length() > MAX_INT_BITS
            ):
                return Unknown("a product over the evaluation limit of numbers")
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            if op == "%":
                return a % b
            if op == "<":
                return a < b
            if op == ">":
                return a > b
            if op == "<=":
                return a <= b
            if op == ">=":
                return a >= b
        except (ZeroDivisionError, OverflowError):
            return Unknown(f"arithmetic error in {op}")
        return Unknown(f"unsupported operator {op}")

    # -- functions ------------------------------------------------------------------------

    def _call(self, expr: Call, env: Mapping[str, Any]) -> Any:
        name = expr.name.split("::")[-1] if expr.name.startswith("provider::") else expr.name
        if name in ("try", "can") and not expr.expand_last:
            return self._try(expr, env) if name == "try" else self._can(expr, env)
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"function {expr.name}() is not evaluated")
        args = [self.eval(a, env) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if not isinstance(last, list):
                return Failed("expanded argument is not a list")
            args.extend(last)
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
        if name not in _SYMBOL_SAFE and any(has_symbol(a) for a in args):
            if name == "substr" and isinstance(args[0], str):
                written = ", ".join(a if isinstance(a, str) else json.dumps(a) for a in args)
                return symbol(f"substr({written})")  # a cut of a symbol: a symbol of the cut
            return Unknown(f"{name}() of a value known only to Azure (model.symbol)")
        # Work a function does: over its arguments' items for most, all the way down for those
        # that compare or render whole values (called in a loop, each call costs that again).
        if name in _WALKING:
            self.budget.build(args)
        else:
            self.budget.charge(sum(len(a) for a in args if isinstance(a, (str, list, dict))))
        try:
            return function(*args)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
            return Failed(f"{name}() failed: {exc}")

    def _try(self, expr: Call, env: Mapping[str, Any]) -> Any:
        """Terraform's try() (hcl ext/tryfunc): the first argument that evaluates without an
        error. An argument whose value depends on something unknown makes the whole result
        unknown: once known it may succeed or fail, and which argument wins is not decided. An
        argument is evaluated only when every one before it failed."""
        if not expr.args:
            return Failed("try() needs at least one argument")
        for arg in expr.args:
            value = self.eval(arg, env)
            self.budget.build(value)  # _outcome walks the value: a try() in a loop pays for it
            state = _outcome(value)
            if state == "failed":
                continue
            if state == "unknown":
                return value if isinstance(value, Unknown) else Unknown("try() argument holds an unknown value")
            return value
        return Failed("no try() argument could be evaluated")

    def _can(self, expr: Call, env: Mapping[str, Any]) -> Any:
        """Terraform's can(): false when its argument fails, true when it evaluates, unknown
        while it depends on something unknown."""
        if len(expr.args) != 1:
            return Failed("can() needs one argument")
        value = self.eval(expr.args[0], env)
        self.budget.build(value)
        state = _outcome(value)
        if state == "unknown":
            return Unknown("can() of an unknown value")
        return state == "known"


_DISPATCH: dict[type, Callable[[Evaluator, Any, Mapping[str, Any]], Any]] = {
    Lit: Evaluator._lit,
    Opaque: Evaluator._opaque,
    Var: Evaluator._var,
    GetAttr: Evaluator._get_attr,
    Index: Evaluator._index,
    Splat: Evaluator._splat,
    Template: Evaluator._template,
    TupleExpr: Evaluator._tuple,
    ObjectExpr: Evaluator._object,
    ForExpr: Evaluator._for,
    Conditional: Evaluator._conditional,
    UnaryOp: Evaluator._unary,
    BinaryOp: Evaluator._binary,
    Call: Evaluator._call,
}


# ---------------------------------------------------------------------------------------------
# Value helpers
# ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, NameOf) else value


def _holds_unknown(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Unknown):
        return True
    if depth > 50:
        return True
    if isinstance(value, list):
        return any(_holds_unknown(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds_unknown(v, depth + 1) for v in value.values())
    return False


def _outcome(value: Any) -> str:
    """ "failed" when evaluating `value` met an error anywhere in it (Terraform would have
    stopped there), "unknown" when some part is unknown, "known" otherwise."""
    state = "known"
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Failed):
            return "failed"
        if isinstance(item, Unknown):
            state = "unknown"
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return state


def _equal(left: Any, right: Any) -> Any:
    """`==` that does not decide when either side holds an unknown value."""
    if _holds_unknown(left) or _holds_unknown(right):
        return Unknown("comparison with an unknown value")
    same = _plain(left) == _plain(right)
    if not same and (_holds_symbol(left) or _holds_symbol(right)):
        return Unknown("comparison with a value known only to Azure (model.symbol)")
    return same


def _holds_symbol(value: Any, depth: int = 0) -> bool:
    if depth > 50:
        return True
    if isinstance(value, list):
        return any(_holds_symbol(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(has_symbol(k) or _holds_symbol(v, depth + 1) for k, v in value.items())
    return has_symbol(value)


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, _JsonValue):
        return Failed(f"cannot read .{name} of a string")  # jsonencode() builds a string
    if isinstance(value, dict):
        if name in value:
            return value[name]
        return Failed(f"attribute {name!r} not found")
    lookup = getattr(value, "get_attr", None)
    if lookup is not None:
        return lookup(name)
    namespace = getattr(value, "lookup", None)
    if namespace is not None:
        return namespace(name)
    if value is None or isinstance(value, (str, int, float, bool, list, SymbolicId)):
        # Terraform: "Attempt to get attribute from null value", "Unsupported attribute"
        return Failed(f"cannot read .{name} of a {_type_name(value)}")
    return Unknown(f"cannot read .{name} of a {_type_name(value)}")


def index(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return carry(key, f"index is unknown ({key.reason})")
    if value is None:
        return Failed("cannot index a null value")
    if isinstance(value, TfSet):
        return Failed("a set cannot be indexed (tolist() first)")
    if isinstance(value, list):
        number = to_number(key)
        if isinstance(number, Unknown):
            return number
        if number != int(number):
            return Failed("list index is not a whole number")
        position = int(number)
        if 0 <= position < len(value):
            return value[position]
        return Failed(f"index {position} out of range")
    if isinstance(value, dict):
        text = to_template_string(key)
        if isinstance(text, Unknown):
            return text
        if text in value:
            return value[text]
        return Failed(f"key {text!r} not found")
    lookup = getattr(value, "get_attr", None)
    if lookup is not None and isinstance(key, str):
        return lookup(key)
    if isinstance(value, (str, int, float, bool, SymbolicId)):
        return Failed(f"cannot index a {_type_name(value)}")
    return Unknown(f"cannot index a {_type_name(value)}")


def iterate_pairs(collection: Any) -> list[tuple[Any, Any]] | Unknown:
    """(key, value) pairs as a `for` expression or `for_each` sees them."""
    if isinstance(collection, list):
        if len(collection) > MAX_COLLECTION:
            return Unknown(f"collection of {len(collection)} elements is over the evaluation limit")
        if isinstance(collection, TfSet):
            return [(item, item) for item in collection]
        return list(enumerate(collection))
    if isinstance(collection, dict):
        if len(collection) > MAX_COLLECTION:
            return Unknown(f"collection of {len(collection)} elements is over the evaluation limit")
        return sorted(collection.items())
    return Unknown(f"cannot iterate over a {_type_name(collection)}")


def to_bool(value: Any) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return Failed(f"expected a bool, got a {_type_name(value)}")


def to_number(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Failed("expected a number, got a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else Unknown("not a finite number")
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                return number if math.isfinite(number) else Unknown("not a finite number")
    return Failed(f"expected a number, got a {_type_name(value)}")


def to_template_string(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            return Unknown("a number over the evaluation limit")
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, SymbolicId):
        return Unknown("a resource id is only known after apply")
    if value is None or isinstance(value, (list, dict)):
        return Failed(f"cannot use a {_type_name(value)} in a string")  # Terraform: an error
    return Unknown(f"cannot use a {_type_name(value)} in a string")


# ---------------------------------------------------------------------------------------------
# Functions: the ones private link code calls. Each gets evaluated arguments.
# ---------------------------------------------------------------------------------------------


def _strs(*values: Any) -> list[str]:
    out = []
    for v in values:
        text = to_template_string(v)
        if isinstance(text, Unknown):
            raise ValueError(text.reason)
        out.append(text)
    return out


def _fn_toset(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("toset() needs a list")
    seen: list[Any] = []
    texts: set[str] = set()  # strings by hash: a set of 10,000 names is not 50 million comparisons
    for item in value:
        if isinstance(item, Unknown):
            return Unknown(f"set element is unknown ({item.reason})")
        if isinstance(item, (dict, list)):
            if item not in seen:
                seen.append(item)
            continue
        text = to_template_string(item)
        if isinstance(text, Unknown):
            return text
        if text not in texts:
            texts.add(text)
            seen.append(text)
    # Terraform sets of strings iterate in lexical order.
    if all(isinstance(s, str) for s in seen):
        return TfSet(sorted(seen))
    return TfSet(seen)


def _fn_tolist(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)  # a set becomes a plain list: indexes, not elements, as keys
    raise TypeError("tolist() needs a list or set")


def _fn_length(value: Any) -> Any:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise TypeError("length() needs a collection or string")


def _fn_values(value: Any) -> Any:
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    raise TypeError("values() needs a map")


def _fn_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return sorted(value)
    raise TypeError("keys() needs a map")


def _fn_concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat() needs lists")
        out.extend(item)
    return out


def _fn_format(spec: Any, *args: Any) -> Any:
    (text,) = _strs(spec)
    out: list[str] = []
    i = 0
    next_arg = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if text.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        j = i + 1
        while j < len(text) and not text[j].isalpha():
            j += 1
        if j >= len(text) or next_arg >= len(args):
            raise ValueError("bad format string")
        verb = text[j]
        flags = text[i + 1 : j]
        arg = args[next_arg]
        next_arg += 1
        if isinstance(arg, Unknown):
            return arg
        # flags then a width, checked by hand: `[-+ 0]*\d*` as a pattern backtracks quadratically
        # on a long run of zeros; a width past MAX_FORMAT_WIDTH would build a huge string
        width = flags.lstrip("-+ 0")
        if width and not (width.isascii() and width.isdigit()) or len(width) > len(str(MAX_FORMAT_WIDTH)):
            return Unknown(f"format verb %{flags[:20]}{verb} is not evaluated")
        if width and int(width) > MAX_FORMAT_WIDTH:
            return Unknown(f"format width {width} is over the evaluation limit")
        if verb == "d":
            number = to_number(arg)
            if isinstance(number, Unknown) or number != int(number):
                raise ValueError("%d needs a whole number")
            out.append(("%" + flags + "d") % int(number))
        elif verb in ("s", "v"):
            if verb == "v" and isinstance(arg, (list, dict)):
                rendered = json.dumps(arg, separators=(",", ":"))
            else:
                rendered = _strs(arg)[0]
            out.append(("%" + flags + "s") % rendered)
        elif verb == "q":
            out.append(json.dumps(_strs(arg)[0]))
        else:
            raise ValueError(f"format verb %{verb} is not evaluated")
        i = j + 1
    if next_arg < len(args):
        raise ValueError("format() got more arguments than verbs")
    return "".join(out)


def _fn_replace(value: Any, old: Any, new: Any) -> Any:
    text, search, replacement = _strs(value, old, new)
    if len(search) > 2 and search.startswith("/") and search.endswith("/"):
        raise ValueError("regular-expression replace is not evaluated")
    return text.replace(search, replacement)


def _fn_lower(value: Any) -> Any:
    return _strs(value)[0].lower()


def _fn_upper(value: Any) -> Any:
    return _strs(value)[0].upper()


def _fn_merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError("merge() needs maps")
        out.update(item)
    return out


def _fn_lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(mapping, Unknown):
        return mapping
    if not isinstance(mapping, dict):
        raise TypeError("lookup() needs a map")
    (text,) = _strs(key)
    if text in mapping:
        return mapping[text]
    if default:
        return default[0]
    raise KeyError(text)


def _fn_coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return value
        if value is not None and value != "":
            return value
    raise ValueError("no non-null argument")


def _fn_join(separator: Any, items: Any) -> Any:
    if not isinstance(items, list):
        raise TypeError("join() needs a list")
    return _strs(separator)[0].join(_strs(*items))


def _fn_flatten(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("flatten() needs a list")
    out: list[Any] = []
    for item in value:
        if isinstance(item, list):
            out.extend(_fn_flatten(item))
        else:
            out.append(item)
    return out


def _fn_element(items: Any, position: Any) -> Any:
    if not isinstance(items, list) or not items:
        raise TypeError("element() needs a non-empty list")
    return items[int(to_number(position)) % len(items)]


def _fn_contains(items: Any, value: Any) -> Any:
    if not isinstance(items, list):
        raise TypeError("contains() needs a list")
    if _holds_unknown(value):
        return Unknown("contains() of an unknown value")
    if _plain(value) in [_plain(i) for i in items]:
        return True
    return Unknown("contains(): the list holds unknown values") if _holds_unknown(items) else False


def _fn_tostring(value: Any) -> Any:
    return None if value is None else _strs(value)[0]  # tostring(null) is null


def _fn_jsonencode(value: Any) -> Any:
    return _JsonValue(value)


def _fn_substr(value: Any, offset: Any, length: Any) -> Any:
    (text,) = _strs(value)
    start, size = int(to_number(offset)), int(to_number(length))
    return text[start:] if size < 0 else text[start : start + size]


def _fn_distinct(items: Any) -> Any:
    if not isinstance(items, list):
        raise TypeError("distinct() needs a list")
    out: list[Any] = []
    seen: set[Any] = set()  # strings and numbers by hash; only collections compared one by one
    for item in items:
        key = (type(item).__name__, item) if isinstance(item, (str, int, float, bool)) else None
        if key is not None:
            if key not in seen:
                seen.add(key)
                out.append(item)
        elif item not in out:
            out.append(item)
    return out


def _fn_range(*args: Any) -> Any:
    numbers = [to_number(a) for a in args]
    if any(isinstance(n, Unknown) for n in numbers) or not 1 <= len(numbers) <= 3:
        raise ValueError("range() needs one to three numbers")
    start, limit, step = (0, numbers[0], 1) if len(numbers) == 1 else (numbers[0], numbers[1], 1)
    if len(numbers) == 3:
        step = numbers[2]
    if step == 0:
        raise ValueError("range() step is zero")
    size = max(0, int((limit - start + (step - (1 if step > 0 else -1))) // step))
    if size > MAX_COLLECTION:
        return Unknown(f"range() of {size} elements is over the evaluation limit")
    return [start + i * step for i in range(size)]


def _fn_split(separator: Any, value: Any) -> Any:
    sep, text = _strs(separator, value)
    return text.split(sep) if sep else list(text)


def _fn_zipmap(keys: Any, values: Any) -> Any:
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        raise TypeError("zipmap() needs two lists of the same length")
    return dict(zip(_strs(*keys), values, strict=True))


def _fn_tomap(value: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError("tomap() needs an object")
    return dict(value)


def _fn_one(items: Any) -> Any:
    if not isinstance(items, list) or len(items) > 1:
        raise ValueError("one() needs a list of at most one element")
    return items[0] if items else None


def _fn_compact(items: Any) -> Any:
    if not isinstance(items, list):
        raise TypeError("compact() needs a list")
    return [i for i in items if i is not None and i != ""]


def _fn_index(items: Any, value: Any) -> Any:
    if not isinstance(items, list):
        raise TypeError("index() needs a list")
    return [_plain(i) for i in items].index(_plain(value))


def _fn_formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise ValueError("formatlist() lists differ in length")
    size = lengths.pop() if lengths else 1
    return [_fn_format(spec, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(size)]


def _fn_setproduct(*sets: Any) -> Any:
    if not all(isinstance(s, list) for s in sets):
        raise TypeError("setproduct() needs lists")
    total = 1
    for items in sets:
        total *= len(items)
    if total > MAX_COLLECTION:
        return Unknown(f"setproduct() of {total} elements is over the evaluation limit")
    return [list(combination) for combination in itertools.product(*sets)]


def _fn_cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    import ipaddress  # only cidrsubnet() needs it

    network = ipaddress.ip_network(_strs(prefix)[0], strict=False)
    bits, number = int(to_number(newbits)), int(to_number(netnum))
    new_prefix = network.prefixlen + bits
    if bits < 0 or new_prefix > network.max_prefixlen or not 0 <= number < 2**bits:
        raise ValueError("cidrsubnet() arguments out of range")
    size = 2 ** (network.max_prefixlen - new_prefix)
    return str(ipaddress.ip_network((int(network.network_address) + number * size, new_prefix)))


class _JsonValue(dict):  # type: ignore[type-arg]
    """`jsonencode(x)`: kept structured, because azapi v1 bodies are read, not sent."""

    def __init__(self, value: Any) -> None:
        super().__init__({"__json__": value})


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "toset": _fn_toset,
    "tolist": _fn_tolist,
    "tomap": _fn_tomap,
    "index": _fn_index,
    "formatlist": _fn_formatlist,
    "setproduct": _fn_setproduct,
    "cidrsubnet": _fn_cidrsubnet,
    "range": _fn_range,
    "split": _fn_split,
    "zipmap": _fn_zipmap,
    "one": _fn_one,
    "compact": _fn_compact,
    "trimspace": lambda v: _strs(v)[0].strip(),
    "length": _fn_length,
    "values": _fn_values,
    "keys": _fn_keys,
    "concat": _fn_concat,
    "format": _fn_format,
    "replace": _fn_replace,
    "lower": _fn_lower,
    "upper": _fn_upper,
    "merge": _fn_merge,
    "lookup": _fn_lookup,
    "coalesce": _fn_coalesce,
    "join": _fn_join,
    "flatten": _fn_flatten,
    "element": _fn_element,
    "contains": _fn_contains,
    "tostring": _fn_tostring,
    "jsonencode": _fn_jsonencode,
    "substr": _fn_substr,
    "distinct": _fn_distinct,
}

# Functions that take a string holding a symbol (model.symbol) as it is: they keep it whole or
# compare it knowingly; any other would measure the symbol's own text (length(), split()...).
_SYMBOL_SAFE = frozenset(
    {"format", "lower", "upper", "replace", "trimspace", "tostring", "coalesce", "join", "concat", "merge", "lookup"}
)
# Functions whose work is the whole size of their arguments (compared, rendered or flattened).
_WALKING = frozenset({"contains", "distinct", "toset", "index", "format", "formatlist", "flatten", "jsonencode"})
# Expressions that build a new value: what they return is charged to the size budget.
_BUILDERS = frozenset({Template, TupleExpr, ObjectExpr, ForExpr, Call, Splat})
