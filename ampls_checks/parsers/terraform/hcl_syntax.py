"""HCL syntax: python-hcl2's lark tree turned into a small expression tree with lines.

python-hcl2 8.x gives exact lines only on its lark parse tree; its dict API drops them. We parse
with its grammar to that tree and walk it once into the dataclasses below, which the Terraform
evaluator reads and which are cheap to cache. See `hcl_parser.py` for why we never `import hcl2`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ampls_checks.parsers.terraform.hcl_parser import HclParserUnavailable, hcl_parser


class HclSyntaxError(Exception):
    """The file is not valid HCL (or not something we can read); carries the line if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Template:
    """A quoted string with `${...}` parts; plain text parts are `str`."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class GetAttr:
    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    obj: Expr
    key: Expr


@dataclass(frozen=True, slots=True)
class Splat:
    """`x[*].a.b` or `x.*.a`: apply `steps` to every element of `obj`."""

    obj: Expr
    steps: tuple[tuple[str, str | Expr], ...]  # ("attr", name) or ("index", key)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]
    lines: tuple[int, ...] = ()  # line of each item, for findings inside azapi bodies


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple[tuple[Expr, Expr], ...]
    lines: tuple[int, ...] = ()  # line of each item


@dataclass(frozen=True, slots=True)
class ForExpr:
    """`[for k, v in coll : value if cond]` or `{for k, v in coll : key => value}`."""

    key_var: str | None
    value_var: str
    collection: Expr
    value: Expr
    key: Expr | None
    condition: Expr | None
    is_object: bool
    grouping: bool = False


@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Expr
    if_true: Expr
    if_false: Expr


@dataclass(frozen=True, slots=True)
class BinaryOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Opaque:
    """Syntax we do not evaluate (template directives, heredocs with interpolation)."""

    reason: str


Expr = (
    Lit
    | Template
    | Var
    | GetAttr
    | Index
    | Splat
    | Call
    | TupleExpr
    | ObjectExpr
    | ForExpr
    | Conditional
    | BinaryOp
    | UnaryOp
    | Opaque
)


# ---------------------------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int
    # 1-based; end_column is the column after the last character (SARIF's convention). 0: unknown.
    column: int = 0
    end_column: int = 0


@dataclass(slots=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


@dataclass(slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse_hcl(text: str, parser_dir: str | None = None) -> Body:
    """Parse HCL text into a `Body`. Raises `HclSyntaxError`, never anything else.
    `parser_dir` is where the parser snapshot is kept (see `hcl_parser`)."""
    try:
        parser = hcl_parser(parser_dir)
    except HclParserUnavailable as exc:
        raise HclSyntaxError(str(exc)) from None
    try:
        # python-hcl2 appends a newline too: its grammar needs one at the end of the last line.
        tree = parser.parse(text + "\n")
    except RecursionError:
        raise HclSyntaxError("nesting too deep to parse") from None
    except Exception as exc:  # lark raises many kinds; all mean "not valid HCL"
        raise HclSyntaxError(_describe_lark_error(exc), getattr(exc, "line", None)) from None
    try:
        return _Converter().body(tree.children[0])
    except RecursionError:
        raise HclSyntaxError("nesting too deep to analyse") from None


def _describe_lark_error(exc: Exception) -> str:
    """A one-line message a user can act on, without lark's internal token names."""
    token = getattr(exc, "token", None)
    if token is not None:
        if getattr(token, "type", "") == "$END":
            return "invalid HCL: unexpected end of file (an unclosed block, string or bracket?)"
        text = str(token).strip()
        if not text:
            return "invalid HCL: unexpected end of line (an unclosed string or expression?)"
        return f"invalid HCL: unexpected {text[:40]!r}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"invalid HCL: unexpected character {char!r}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"invalid HCL: {first[:200]}"


def _line(node: Any) -> int:
    """The line where a node starts: its first token's line.

    Lines come from tokens, which always carry them, rather than from lark's
    `propagate_positions`, which costs more than half of the parse time."""
    while getattr(node, "children", None):
        node = node.children[0]
    return getattr(node, "line", None) or 0


def _end_line(node: Any) -> int:
    while getattr(node, "children", None):
        node = node.children[-1]
    return getattr(node, "end_line", None) or 0


def _edge_token_attribute(node: Any, side: int, name: str) -> int:
    """An attribute (`column`, `end_column`) of the first (`side` 0) or last (-1) token of a node."""
    while getattr(node, "children", None):
        node = node.children[side]
    value = getattr(node, name, None)
    return value if isinstance(value, int) else 0


MAX_INTEGER_DIGITS = 4000  # under Python's int-to-string limit (4300)

_PUNCTUATION = frozenset("{}[]()=,:.?")


def _unquote(raw: str) -> str:
    """Decode HCL string escapes (the subset of JSON escapes HCL shares, plus `$${` / `%%{`)."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if nxt == "u" and i + 6 <= len(raw):
                try:
                    out.append(chr(int(raw[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
        if raw.startswith("$${", i) or raw.startswith("%%{", i):
            out.append(raw[i + 1 : i + 3])
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class _Converter:
    """Walks the lark tree. Methods are named after grammar rules."""

    def body(self, tree: Any) -> Body:
        body = Body()
        for child in tree.children:
            kind = getattr(child, "data", None)
            if kind == "attribute":
                attr = self.attribute(child)
                body.attributes[attr.name] = attr
            elif kind == "block":
                body.blocks.append(self.block(child))
        return body

    def attribute(self, tree: Any) -> Attribute:
        name_node, _eq, expr_node = tree.children
        return Attribute(
            name=self.name_of(name_node),
            expr=self.expr(expr_node),
            line=_line(tree),
            end_line=_end_line(tree) or _line(tree),
            column=_edge_token_attribute(tree, 0, "column"),
            end_column=_edge_token_attribute(tree, -1, "end_column"),
        )

    def block(self, tree: Any) -> Block:
        parts = [c for c in tree.children if getattr(c, "data", None) != "new_line_or_comment"]
        # parts: type, labels..., "{", body, "}"
        block_type = self.name_of(parts[0])
        labels: list[str] = []
        body_tree = None
        for part in parts[1:]:
            kind = getattr(part, "data", None)
            if kind == "body":
                body_tree = part
            elif kind == "string":
                labels.append(self.string_literal(part))
            elif kind in ("identifier", "keyword", "literal_value"):
                labels.append(self.name_of(part))
        body = self.body(body_tree) if body_tree is not None else Body()
        return Block(block_type, tuple(labels), body, _line(tree), _end_line(tree))

    def name_of(self, node: Any) -> str:
        return str(node.children[0])

    def string_literal(self, tree: Any) -> str:
        parts = self.template_parts(tree)
        return "".join(p if isinstance(p, str) else "${...}" for p in parts)

    def template_parts(self, tree: Any) -> tuple[str | Expr, ...]:
        parts: list[str | Expr] = []
        for child in tree.children:
            if getattr(child, "data", None) != "string_part":
                continue
            inner = child.children[0]
            kind = getattr(inner, "data", None)
            if kind is None:  # a token
                if inner.type == "STRING_CHARS":
                    parts.append(_unquote(str(inner)))
                else:  # escaped interpolation / directive
                    parts.append(str(inner)[1:])
            elif kind == "interpolation":
                parts.append(self.expr(inner.children[1]))
            else:
                parts.append(Opaque("template directive"))
        return tuple(parts)

    def expr(self, node: Any) -> Expr:
        kind = getattr(node, "data", None)
        method = getattr(self, "x_" + str(kind), None)
        if method is None:
            return Opaque(f"unsupported syntax {kind}")
        result: Expr = method(node)
        return result

    def _meaningful(self, node: Any) -> list[Any]:
        return [
            c
            for c in node.children
            if getattr(c, "data", None) != "new_line_or_comment"
            and not (getattr(c, "type", None) is not None and str(c).strip() in _PUNCTUATION)
        ]

    def x_expr_term(self, node: Any) -> Expr:
        inner = self._meaningful(node)
        return self.expr(inner[0])

    def x_identifier(self, node: Any) -> Expr:
        return Var(str(node.children[0]))

    def x_literal_value(self, node: Any) -> Expr:
        text = str(node.children[0])
        return Lit({"true": True, "false": False, "null": None}[text])

    def x_int_lit(self, node: Any) -> Expr:
        text = str(node.children[0])
        if len(text) > MAX_INTEGER_DIGITS:  # int() refuses them; Terraform's numbers have no limit
            return Opaque(f"an integer literal of {len(text)} digits is not evaluated")
        return Lit(int(text))

    def x_float_lit(self, node: Any) -> Expr:
        return Lit(float(str(node.children[0])))

    def x_string(self, node: Any) -> Expr:
        parts = self.template_parts(node)
        if all(isinstance(p, str) for p in parts):
            return Lit("".join(p for p in parts if isinstance(p, str)))
        if len(parts) == 1:
            # "${x}" alone keeps the type of x, as Terraform does.
            return parts[0]  # type: ignore[return-value]
        return Template(parts)

    def x_template_string(self, node: Any) -> Expr:
        return Opaque("escaped template string")

    def _heredoc(self, node: Any, trim: bool) -> Expr:
        raw = str(node.children[0])
        first_nl = raw.index("\n")
        body_lines = raw[first_nl + 1 :].rstrip("\n").split("\n")[:-1]
        if "${" in raw or "%{" in raw:
            return Opaque("heredoc with interpolation")
        if trim:
            indents = [len(ln) - len(ln.lstrip()) for ln in body_lines if ln.strip()]
            cut = min(indents) if indents else 0
            body_lines = [ln[cut:] for ln in body_lines]
        return Lit("\n".join(ln.rstrip("\r") for ln in body_lines) + ("\n" if body_lines else ""))

    def x_heredoc_template(self, node: Any) -> Expr:
        return self._heredoc(node, trim=False)

    def x_heredoc_template_trim(self, node: Any) -> Expr:
        return self._heredoc(node, trim=True)

    def x_tuple(self, node: Any) -> Expr:
        children = self._meaningful(node)
        return TupleExpr(tuple(self.expr(c) for c in children), tuple(_line(c) for c in children))

    def x_object(self, node: Any) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        lines: list[int] = []
        for elem in node.children:
            if getattr(elem, "data", None) != "object_elem":
                continue
            key_node, _sep, value_node = elem.children
            items.append((self.object_key(key_node), self.expr(value_node)))
            lines.append(_line(elem))
        return ObjectExpr(tuple(items), tuple(lines))

    def object_key(self, key_node: Any) -> Expr:
        inner = key_node.children[0]
        if getattr(inner, "data", None) == "keyword":
            return Lit(self.name_of(inner))
        # A bare identifier key is a literal name, as in Terraform; `(expr)` is evaluated.
        if getattr(inner, "data", None) == "expr_term":
            term = self._meaningful(inner)
            if len(term) == 1 and getattr(term[0], "data", None) == "identifier":
                return Lit(self.name_of(term[0]))
        return self.expr(inner)

    def x_function_call(self, node: Any) -> Expr:
        names = [c for c in node.children if getattr(c, "data", None) == "identifier"]
        name = "::".join(self.name_of(n) for n in names)
        args: list[Expr] = []
        expand = False
        for child in node.children:
            if getattr(child, "data", None) == "arguments":
                for arg in child.children:
                    if getattr(arg, "data", None) is not None:
                        if arg.data != "new_line_or_comment":
                            args.append(self.expr(arg))
                    elif arg.type == "ELLIPSIS":
                        expand = True
        return Call(name, tuple(args), expand)

    def x_get_attr_expr_term(self, node: Any) -> Expr:
        obj, get_attr = node.children
        return GetAttr(self.expr(obj), self.get_attr_name(get_attr))

    def get_attr_name(self, node: Any) -> str:
        return self.name_of(self._meaningful(node)[0])

    def x_index_expr_term(self, node: Any) -> Expr:
        obj, index = node.children
        return Index(self.expr(obj), self.index_key(index))

    def index_key(self, node: Any) -> Expr:
        if node.data == "short_index":
            return Lit(int(str(node.children[1])))
        return self.expr(self._meaningful(node)[0])

    def _splat(self, node: Any) -> Expr:
        obj, splat = node.children
        steps: list[tuple[str, Any]] = []
        for child in splat.children:
            kind = getattr(child, "data", None)
            if kind == "get_attr":
                steps.append(("attr", self.get_attr_name(child)))
            elif kind in ("braces_index", "short_index"):
                steps.append(("index", self.index_key(child)))
        return Splat(self.expr(obj), tuple(steps))

    def x_attr_splat_expr_term(self, node: Any) -> Expr:
        return self._splat(node)

    def x_full_splat_expr_term(self, node: Any) -> Expr:
        return self._splat(node)

    def x_conditional(self, node: Any) -> Expr:
        parts = [c for c in node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")]
        return Conditional(self.expr(parts[0]), self.expr(parts[1]), self.expr(parts[2]))

    def x_binary_op(self, node: Any) -> Expr:
        left = self.expr(node.children[0])
        term = node.children[1]  # binary_term: binary_operator, operand
        parts = [c for c in term.children if getattr(c, "data", None) != "new_line_or_comment"]
        op = str(parts[0].children[0]).strip()
        return BinaryOp(op, left, self.expr(parts[1]))

    def x_unary_op(self, node: Any) -> Expr:
        op, operand = node.children
        return UnaryOp(str(op), self.expr(operand))

    def x_for_tuple_expr(self, node: Any) -> Expr:
        return self._for(node, is_object=False)

    def x_for_object_expr(self, node: Any) -> Expr:
        return self._for(node, is_object=True)

    def _for(self, node: Any, is_object: bool) -> Expr:
        intro = next(c for c in node.children if getattr(c, "data", None) == "for_intro")
        idents = [self.name_of(c) for c in intro.children if getattr(c, "data", None) == "identifier"]
        coll_node = [
            c for c in intro.children if getattr(c, "data", None) not in (None, "identifier", "new_line_or_comment")
        ][0]
        key_var, value_var = (idents[0], idents[1]) if len(idents) == 2 else (None, idents[0])
        exprs = [
            c
            for c in node.children
            if getattr(c, "data", None) not in (None, "for_intro", "for_cond", "new_line_or_comment")
        ]
        cond_node = next((c for c in node.children if getattr(c, "data", None) == "for_cond"), None)
        condition = None
        if cond_node is not None:
            condition = self.expr(
                [c for c in cond_node.children if getattr(c, "data", None) not in (None, "new_line_or_comment")][0]
            )
        grouping = any(getattr(c, "type", None) == "ELLIPSIS" for c in node.children)
        if is_object:
            return ForExpr(
                key_var,
                value_var,
                self.expr(coll_node),
                self.expr(exprs[1]),
                self.expr(exprs[0]),
                condition,
                True,
                grouping,
            )
        return ForExpr(key_var, value_var, self.expr(coll_node), self.expr(exprs[0]), None, condition, False)
