"""Bicep syntax: pycep-parser's lark tree turned into a small expression tree with lines.

We parse with `pycep-parser` (0.5.1, the version Checkov pins) so that the scanner reads exactly
the Bicep that Checkov reads, and a file pycep cannot parse is an error here too. We do not use its
JSON output, for three reasons measured on 0.5.1:

- it carries lines only for top-level declarations and nested resources (`__start_line__` /
  `__end_line__` on each element's attributes with `add_line_numbers=True`), never for
  properties, while findings must point at `ingestionAccessMode: 'Open'`;
- an object holding two nested child resources keeps only the last one (`dict()` over pairs that
  all use the key `__child_resource__`);
- its grammar has no operator precedence: every binary operator, `.` and `? :` nest to the right,
  so `x.y == 'a' ? 1 : 2` comes out as `x.(y == ('a' ? 1 : 2))`.

So we take the lark tree (`propagate_positions=True` gives every node its lines and offsets),
flatten each operator chain back into a token sequence and re-parse it with Bicep's documented
precedence ("Bicep operators": accessors, unary, multiplicative, additive, relational, equality,
`&&`, `||`, `??`, then `? :`). A parenthesized group is found by the source characters around the
node (lark drops the parentheses but keeps the offsets). pycep leaves `${...}` inside strings
unparsed; we split them out and parse each one with the same grammar.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


class BicepSyntaxError(Exception):
    """pycep-parser cannot read the file (or an interpolation in it); `line` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class Str:
    """A quoted string; `parts` are text (escapes already applied) and `${...}` expressions."""

    parts: tuple[Any, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier: a parameter, variable, resource, module or loop variable."""

    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Attr:
    obj: Any
    name: str
    line: int
    safe: bool = False  # `.?`: null instead of an error when missing


@dataclass(frozen=True, slots=True)
class Index:
    obj: Any
    key: Any
    line: int
    safe: bool = False


@dataclass(frozen=True, slots=True)
class Nested:
    """`parent::child`, a nested resource seen from outside its parent."""

    obj: Any
    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    """A built-in function; `name` is pycep's rule name (`to_lower`, `resource_id`...).
    `param` is the lambda parameter of `filter(array, x => ...)`."""

    name: str
    args: tuple[Any, ...]
    line: int
    param: str | None = None


@dataclass(frozen=True, slots=True)
class Method:
    """`resource.listKeys()` and friends: values only Azure knows."""

    obj: Any
    name: str
    args: tuple[Any, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "!" or "-"
    operand: Any
    line: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Any
    right: Any
    line: int


@dataclass(frozen=True, slots=True)
class Cond:
    test: Any
    then: Any
    other: Any
    line: int


@dataclass(frozen=True, slots=True)
class ArrayExpr:
    items: tuple[Any, ...]
    lines: tuple[int, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Pair:
    key: Any  # str, or Str for an interpolated key
    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    pairs: tuple[Pair, ...]
    children: tuple[ResourceDecl, ...]
    line: int
    end_line: int

    def pair(self, key: str) -> Pair | None:
        for pair in self.pairs:
            if pair.key == key:
                return pair
        return None


@dataclass(frozen=True, slots=True)
class ForExpr:
    """`[for ... in ...: (if (filter))? body]`. `kind` is `array`, `items` (over an object's
    entries) or `range` (`source` is then a (start, count) pair)."""

    kind: str
    item: str | None
    index: str | None
    source: Any
    filter: Any
    body: Any
    line: int


@dataclass(frozen=True, slots=True)
class IfExpr:
    """A deploy condition: `resource x '...' = if (condition) { ... }`."""

    condition: Any
    body: Any
    line: int


Expr = Any  # one of the classes above


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceDecl:
    """`type` is as written: full for top-level declarations, usually relative (`subnets`) for
    nested ones. `line` is the line of the `resource` keyword, `start_line` includes decorators."""

    symbol: str
    type: str
    api_version: str
    existing: bool
    value: Expr  # ObjectExpr, ForExpr or IfExpr
    line: int
    start_line: int
    end_line: int

    @property
    def children(self) -> tuple[ResourceDecl, ...]:
        body = body_object(self.value)
        return body.children if body is not None else ()


@dataclass(frozen=True, slots=True)
class ModuleDecl:
    symbol: str
    path: str
    value: Expr
    line: int
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class ParamDecl:
    name: str
    default: Expr | None
    line: int


@dataclass
class BicepFile:
    params: dict[str, ParamDecl] = field(default_factory=dict)
    variables: dict[str, Expr] = field(default_factory=dict)
    resources: list[ResourceDecl] = field(default_factory=list)
    modules: list[ModuleDecl] = field(default_factory=list)
    outputs: dict[str, Expr] = field(default_factory=dict)
    target_scope: str = "resourceGroup"


def body_object(value: Expr) -> ObjectExpr | None:
    """The object literal of a resource or module body, through loops and conditions."""
    while isinstance(value, (ForExpr, IfExpr)):
        value = value.body
    return value if isinstance(value, ObjectExpr) else None


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _bicep_parser(cache_dir: str | None) -> Any:
    """pycep-parser's grammar, built the way pycep builds it (LALR, positions, the `regex`
    module), from a snapshot in `cache_dir` (lark_snapshot.py): a tenth of a second to load where
    lark's own cache takes three or four."""
    import regex
    from pycep.main import LARK_GRAMMAR  # imported on first use: Bicep scans only

    from ampls_checks.speed import lark_snapshot

    def build(cache: bool) -> Any:
        from lark import Lark

        return Lark(grammar=LARK_GRAMMAR, parser="lalr", propagate_positions=True, regex=True, cache=cache)

    path = lark_snapshot.snapshot_path(cache_dir, "bicep", [LARK_GRAMMAR.encode(), regex.__version__.encode()])
    return lark_snapshot.snapshot_parser(path, build, {"regex": regex}, _SAMPLE)


# A sample that goes through most of pycep's grammar: a snapshot must parse it exactly as lark does.
_SAMPLE = """@description('Where the scope lives')
param location string = resourceGroup().location
@allowed([
  'Open'
  'PrivateOnly'
])
param mode string = 'PrivateOnly'
param names array = []
var zones = [for name in names: 'privatelink.${toLower(name)}']
var flag = !empty(names) && (length(names) > 1 || mode == 'Open')
var multi = '''
a ${literal}
'''
resource scope 'microsoft.insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-${uniqueString(resourceGroup().id)}'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: mode
      queryAccessMode: flag ? 'Open' : 'PrivateOnly'
    }
  }
}
resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {
  name: 'vnet'
}
resource links 'Microsoft.Network/privateDnsZones@2020-06-01' = [for (zone, i) in zones: if (i < 5) {
  name: zone
  location: 'global'
}]
module child './child.bicep' = {
  name: 'child'
  params: {
    id: scope.id
    items: union(names, [1, 2])
  }
}
output id string = scope.properties.accessModeSettings.ingestionAccessMode
"""


_LIMITATION = "pycep-parser 0.5.1 does not read every Bicep construct"
_IDENTIFIER_BEFORE = re.compile(r"([A-Za-z_][\w.]*)\s*$")


def _lark_problem(exc: Exception, source: str) -> tuple[str, int | None]:
    """What lark stumbled on, in words, and the line."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    line = getattr(exc, "line", None)
    line = line if isinstance(line, int) and line > 0 else None
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return "unexpected end of file", line
    if isinstance(exc, UnexpectedToken):
        token = str(exc.token)
        start = getattr(exc.token, "start_pos", None)
        if token == "(" and isinstance(start, int):
            called = _IDENTIFIER_BEFORE.search(source[:start])
            if called:  # pycep's grammar lists the functions it knows; others fail here
                return f"function {called.group(1)}() is not in its grammar", line
        what = f"unexpected {token.strip() or repr(token)!r}"
        return (what + f" at column {exc.column}" if exc.column else what), line
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r} at column {exc.column}", line
    return type(exc).__name__, line


def parse_bicep(text: str, parser_dir: str | None = None) -> BicepFile:
    """Parse one file; raises `BicepSyntaxError` for anything pycep-parser cannot read.
    `parser_dir` is where the parser snapshot is kept (the default cache directory when None)."""
    from lark.exceptions import LarkError
    from pycep.validator import BicepValidator

    if not text.strip():
        return BicepFile()
    if not BicepValidator.is_valid(text):
        raise BicepSyntaxError("pycep-parser cannot parse this Bicep: unbalanced ''' multi-line string")
    try:
        tree = _bicep_parser(parser_dir).parse(text)
    except LarkError as exc:
        what, line = _lark_problem(exc, text)
        raise BicepSyntaxError(f"pycep-parser cannot parse this Bicep: {what} ({_LIMITATION})", line) from None
    return _Converter(text, 0, parser_dir).file(tree)


def parse_expression(text: str, line: int, parser_dir: str | None = None) -> Expr:
    """One expression (the inside of `${...}`), parsed with the same grammar; lines are `line`."""
    from lark.exceptions import LarkError

    source = f"var interpolation = {text}\n"
    try:
        tree = _bicep_parser(parser_dir).parse(source)
    except LarkError as exc:
        what, _ = _lark_problem(exc, source)
        message = f"pycep-parser cannot parse the interpolation ${{{text}}}: {what} ({_LIMITATION})"
        raise BicepSyntaxError(message, line) from None
    var = next(c for c in tree.children if _is_tree(c))
    return _Converter(source, line - 1, parser_dir).value(var.children[-1])


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data")


def _is_token(node: Any) -> bool:
    return node is not None and not hasattr(node, "data")


# Binary operators by pycep rule name, with Bicep's precedence (higher binds tighter).
_BINARY = {
    "multiply": ("*", 8),
    "divide": ("/", 8),
    "modulo": ("%", 8),
    "add": ("+", 7),
    "substract": ("-", 7),
    "less_than": ("<", 6),
    "less_than_or_equals": ("<=", 6),
    "greater_than": (">", 6),
    "greater_than_or_equals": (">=", 6),
    "equals": ("==", 5),
    "not_equals": ("!=", 5),
    "equals_case_insens": ("=~", 5),
    "not_equals_case_insens": ("!~", 5),
    "and_op": ("&&", 4),
    "or_op": ("||", 3),
    "coalesce": ("??", 2),
}
_PRECEDENCE = {symbol: bp for symbol, bp in _BINARY.values()}
_UNARY_BP = 9
_TERNARY_BP = 1

_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


class _Converter:
    """One lark tree (and the source it came from) into the dataclasses above."""

    def __init__(self, source: str, line_offset: int, parser_dir: str | None = None) -> None:
        self.source = source
        self.offset = line_offset
        self.parser_dir = parser_dir

    def line(self, node: Any) -> int:
        if _is_tree(node):
            meta = node.meta
            return (meta.line if not meta.empty else 1) + self.offset
        return (getattr(node, "line", None) or 1) + self.offset

    def end_line(self, node: Any) -> int:
        meta = node.meta
        return (meta.end_line if not meta.empty else 1) + self.offset

    # -- declarations --------------------------------------------------------------------

    def file(self, tree: Any) -> BicepFile:
        out = BicepFile()
        for element in tree.children:
            if not _is_tree(element):
                continue
            kind = element.data
            children = element.children
            if kind == "param":
                _decorators, name, _type, default = children
                out.params[str(name)] = ParamDecl(
                    str(name), self.value(default) if default is not None else None, self.line(name)
                )
            elif kind == "var":
                _decorators, name, value = children
                out.variables[str(name)] = self.value(value)
            elif kind == "output":
                _decorators, name, _type, value = children
                out.outputs[str(name)] = self.value(value)
            elif kind == "resource":
                out.resources.append(self.resource(element))
            elif kind == "module":
                _decorators, name, path, value = children
                out.modules.append(
                    ModuleDecl(
                        str(name),
                        self.unquote(path.children[0]),
                        self.value(value),
                        self.line(name),
                        self.line(element),
                        self.end_line(element),
                    )
                )
            elif kind == "scope":
                out.target_scope = self.unquote(children[0])
        return out

    def resource(self, element: Any) -> ResourceDecl:
        _decorators, name, type_api, existing, value = element.children
        type_name, _, api = self.unquote(type_api.children[0]).partition("@")
        return ResourceDecl(
            str(name),
            type_name,
            api,
            existing is not None,
            self.value(value),
            self.line(name),
            self.line(element),
            self.end_line(element),
        )

    def child_resource(self, node: Any) -> ResourceDecl:
        name, type_token, existing, body = node.children
        type_name, _, api = self.unquote(type_token).partition("@")
        # pycep's child_resource rule swallows the newlines after the body: end at the brace
        return ResourceDecl(
            str(name),
            type_name,
            api,
            existing is not None,
            self.value(body),
            self.line(name),
            self.line(node),
            self.end_line(body),
        )

    def unquote(self, token: Any) -> str:
        text = str(token)
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            return "".join(p for p in self.string_parts(text[1:-1], self.line(token)) if isinstance(p, str))
        return text

    # -- values --------------------------------------------------------------------------

    def value(self, node: Any) -> Expr:
        if node is None:
            return Lit(None, 1 + self.offset)
        if not _is_tree(node):
            return self.token(node)
        kind = node.data
        line = self.line(node)
        handler = getattr(self, f"v_{kind}", None)
        if handler is not None:
            return handler(node, line)
        raise BicepSyntaxError(f"unsupported Bicep construct {kind!r}", line)

    def token(self, token: Any) -> Expr:
        line = self.line(token)
        kind = token.type
        if kind == "STRING":
            return Name(str(token), line)
        if kind == "INT":
            return Lit(int(token), line)
        if kind in ("QUOTED_INTERPOLATION", "QUOTED_STRING"):
            return self.string(str(token)[1:-1], line)
        if kind == "MULTI_LINE_STRING":
            return Lit(_multi_line(str(token)), line)
        raise BicepSyntaxError(f"unsupported Bicep token {kind}", line)

    def v_string(self, node: Any, line: int) -> Expr:
        return self.token(node.children[0])

    def v_multi_line_string(self, node: Any, line: int) -> Expr:
        return Lit(_multi_line(str(node.children[0])), line)

    def v_int(self, node: Any, line: int) -> Expr:
        return Lit(int(node.children[0]), line)

    def v_true(self, node: Any, line: int) -> Expr:
        return Lit(True, line)

    def v_false(self, node: Any, line: int) -> Expr:
        return Lit(False, line)

    def v_null(self, node: Any, line: int) -> Expr:
        return Lit(None, line)

    def v_array(self, node: Any, line: int) -> Expr:
        items = [c for c in node.children if c is not None]
        return ArrayExpr(tuple(self.value(c) for c in items), tuple(self.line(c) for c in items), line)

    def v_object(self, node: Any, line: int) -> Expr:
        pairs: list[Pair] = []
        children: list[ResourceDecl] = []
        for child in node.children:
            if not _is_tree(child):
                continue
            if child.data == "pair":
                key_node, value_node = child.children[0], child.children[1]
                key_token = key_node.children[0]
                key: Any = str(key_token)
                if key_token.type in ("QUOTED_INTERPOLATION", "QUOTED_STRING"):
                    parsed = self.string(key[1:-1], self.line(key_token))
                    key = parsed.value if isinstance(parsed, Lit) else parsed
                pairs.append(Pair(key, self.value(value_node), self.line(child)))
            elif child.data == "child_resource":
                children.append(self.child_resource(child))
        return ObjectExpr(tuple(pairs), tuple(children), line, self.end_line(node))

    def v_loop(self, node: Any, line: int) -> Expr:
        head, condition, body = node.children
        parts = head.children
        kind = head.data
        if kind == "loop_array":
            item, index, source = str(parts[0]), None, self.value(parts[1])
            form = "array"
        elif kind == "loop_array_index":
            item, index, source = str(parts[0]), str(parts[1]), self.value(parts[2])
            form = "array"
        elif kind == "loop_object":
            item, index, source = str(parts[0]), None, self.value(parts[1])
            form = "items"
        else:  # loop_range: `i in range(a, n)` or `(x, i) in range(a, n)`
            first, second, start, count = parts
            item, index = (str(first), str(second)) if first is not None else (str(second), None)
            source = (self.value(start), self.value(count))
            form = "range"
        return ForExpr(
            form,
            item,
            index,
            source,
            self.value(condition) if condition is not None else None,
            self.value(body),
            line,
        )

    def v_deploy_condition(self, node: Any, line: int) -> Expr:
        condition, body = (c for c in node.children if _is_tree(c))
        return IfExpr(self.value(condition), self.value(body), line)

    def v_function(self, node: Any, line: int) -> Expr:
        inner = node.children[0]
        name = str(inner.data)
        args: list[Expr] = []
        param: str | None = None
        trailing: list[Any] = []
        for child in inner.children:
            if child is None:
                continue
            if _is_tree(child):
                args.append(self.value(child))
            elif child.type == "LIST_FUNC_NAME":
                name = str(child)
            elif name == "filter" and param is None and len(args) == 1:
                param = str(child)
            else:
                trailing.append(child)
        expr: Expr = Call(name, tuple(args), line, param)
        for token in trailing:  # `resourceGroup().location`, `split(x, '/')[1]`
            if token.type == "INT":
                expr = Index(expr, Lit(int(token), line), line)
            elif token.type == "STRING":
                expr = Attr(expr, str(token), line)
            else:  # loadJsonContent's INDEXED paths: not something we evaluate
                expr = Call("unsupported_accessor", (expr,), line)
        return expr

    def v_operator(self, node: Any, line: int) -> Expr:
        items = self.flatten(node, top=True)
        return _Pratt(items, line).parse()

    # -- operator chains -----------------------------------------------------------------

    def parenthesized(self, node: Any) -> bool:
        meta = node.meta
        if meta.empty:
            return False
        before = self.source[: meta.start_pos].rstrip()
        after = self.source[meta.end_pos :].lstrip()
        return before.endswith("(") and after.startswith(")")

    def flatten(self, node: Any, top: bool = False) -> list[tuple[Any, ...]]:
        """An operator chain as a token sequence: ("atom", expr), ("bin", op), ("?",), (":",),
        ("pre", op), ("dot", safe), ("nested",), ("index", expr, safe), ("method", name, args)."""
        if not _is_tree(node) or node.data != "operator":
            return [("atom", self.value(node))]
        if not top and self.parenthesized(node):
            return [("atom", self.value_group(node))]
        op = node.children[0]
        kind = op.data
        parts = [c for c in op.children if c is not None]
        line = self.line(op)
        if kind in _BINARY:
            left, right = parts
            return [*self.flatten(left), ("bin", _BINARY[kind][0], line), *self.flatten(right)]
        if kind == "conditional":
            test, then, other = parts
            return [*self.flatten(test), ("?", line), *self.flatten(then), (":", line), *self.flatten(other)]
        if kind == "not_op":
            return [("pre", "!", line), *self.flatten(parts[0])]
        if kind == "minus":
            return [("pre", "-", line), *self.flatten(parts[0])]
        if kind == "property_accessor":
            left, right = parts
            safe = self.between(left, right).count("?") > 0
            return [*self.flatten(left), ("dot", safe, line), *self.flatten(right)]
        if kind == "nested_resource_accessor":
            left, right = parts
            return [*self.flatten(left), ("nested", line), *self.flatten(right)]
        if kind == "index_accessor":
            left, key = parts
            safe = self.between(left, key).count("?") > 0
            return [*self.flatten(left), ("index", self.value(key), safe, line)]
        if kind == "function_accessor":
            left, name, *args = parts
            return [*self.flatten(left), ("method", str(name), tuple(self.value(a) for a in args), line)]
        raise BicepSyntaxError(f"unsupported Bicep operator {kind!r}", line)

    def value_group(self, node: Any) -> Expr:
        return _Pratt(self.flatten(node, top=True), self.line(node)).parse()

    def between(self, left: Any, right: Any) -> str:
        if not (_is_tree(left) and _is_tree(right)) or left.meta.empty or right.meta.empty:
            return ""
        return self.source[left.meta.end_pos : right.meta.start_pos]

    # -- strings -------------------------------------------------------------------------

    def string(self, body: str, line: int) -> Expr:
        parts = self.string_parts(body, line)
        if all(isinstance(p, str) for p in parts):
            return Lit("".join(parts), line)
        return Str(tuple(parts), line)

    def string_parts(self, body: str, line: int) -> list[Any]:
        """Text and `${...}` parts of a single-quoted string's inside, escapes applied."""
        parts: list[Any] = []
        text: list[str] = []
        i = 0
        while i < len(body):
            char = body[i]
            if char == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                if nxt == "u" and body[i + 2 : i + 3] == "{":
                    end = body.find("}", i + 3)
                    if end < 0:
                        raise BicepSyntaxError("unterminated \\u{...} escape in a string", line)
                    try:
                        text.append(chr(int(body[i + 3 : end], 16)))
                    except (ValueError, OverflowError):
                        raise BicepSyntaxError(f"invalid escape \\u{{{body[i + 3 : end]}}} in a string", line) from None
                    i = end + 1
                    continue
                text.append(_ESCAPES.get(nxt, "\\" + nxt))
                i += 2
                continue
            if char == "$" and body[i + 1 : i + 2] == "{":
                end = _expression_end(body, i + 2, line)
                if text:
                    parts.append("".join(text))
                    text = []
                parts.append(parse_expression(body[i + 2 : end], line, self.parser_dir))
                i = end + 1
                continue
            text.append(char)
            i += 1
        if text or not parts:
            parts.append("".join(text))
        return parts


def _multi_line(token: str) -> str:
    # Bicep drops a line break right after the opening ''' (docs: "Multi-line strings").
    value = token[3:-3]
    if value.startswith("\r\n"):
        return value[2:]
    return value[1:] if value.startswith("\n") else value


def _expression_end(body: str, start: int, line: int) -> int:
    """Index of the `}` closing an interpolation that starts at `start`."""
    depth = 0
    i = start
    while i < len(body):
        char = body[i]
        if char == "'":
            i = _quoted_end(body, i + 1, line)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise BicepSyntaxError("unterminated ${...} in a string", line)


def _quoted_end(body: str, start: int, line: int) -> int:
    """Index just after the quote closing a string nested in an interpolation."""
    i = start
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 2
            continue
        if char == "$" and body[i + 1 : i + 2] == "{":
            i = _expression_end(body, i + 2, line) + 1
            continue
        if char == "'":
            return i + 1
        i += 1
    raise BicepSyntaxError("unterminated string inside ${...}", line)


class _Pratt:
    """Operator-precedence parsing of a flattened chain."""

    def __init__(self, items: list[tuple[Any, ...]], line: int) -> None:
        self.items = items
        self.pos = 0
        self.line = line

    def parse(self) -> Expr:
        expr = self.expression(0)
        if self.pos != len(self.items):
            raise BicepSyntaxError("cannot read this expression", self.line)
        return expr

    def next(self) -> tuple[Any, ...]:
        if self.pos >= len(self.items):
            raise BicepSyntaxError("incomplete expression", self.line)
        item = self.items[self.pos]
        self.pos += 1
        return item

    def peek(self) -> tuple[Any, ...] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def name_after(self, what: str) -> str:
        item = self.next()
        if item[0] != "atom" or not isinstance(item[1], Name):
            raise BicepSyntaxError(f"expected a name after {what}", self.line)
        return str(item[1].name)

    def expression(self, min_bp: int) -> Expr:
        item = self.next()
        if item[0] == "pre":
            left: Expr = Unary(item[1], self.expression(_UNARY_BP), item[2])
        elif item[0] == "atom":
            left = item[1]
        else:
            raise BicepSyntaxError("cannot read this expression", self.line)
        while True:
            peek = self.peek()
            if peek is None:
                return left
            kind = peek[0]
            if kind == "dot":
                self.pos += 1
                left = Attr(left, self.name_after("."), peek[2], safe=peek[1])
            elif kind == "nested":
                self.pos += 1
                left = Nested(left, self.name_after("::"), peek[1])
            elif kind == "index":
                self.pos += 1
                left = Index(left, peek[1], peek[3], safe=peek[2])
            elif kind == "method":
                self.pos += 1
                left = Method(left, peek[1], peek[2], peek[3])
            elif kind == "bin":
                bp = _PRECEDENCE[peek[1]]
                if bp < min_bp:
                    return left
                self.pos += 1
                left = Binary(peek[1], left, self.expression(bp + 1), peek[2])
            elif kind == "?":
                if min_bp > _TERNARY_BP:
                    return left
                self.pos += 1
                then = self.expression(0)
                colon = self.next()
                if colon[0] != ":":
                    raise BicepSyntaxError("expected ':' in a conditional expression", self.line)
                left = Cond(left, then, self.expression(_TERNARY_BP), peek[1])
            else:
                return left
