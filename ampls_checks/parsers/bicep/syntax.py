"""Bicep syntax: a hand-written lexer and recursive-descent parser into a small tree with lines.

No Python Bicep parser reads the language as it is written today (measured on the Azure
Verified Modules: pycep-parser 0.5.1 rejected half the files), so we read it ourselves, following
Microsoft's Bicep documentation and the official compiler's grammar:

- the lexer (`_Lexer`) turns text into tokens with their lines: comments (`//`, `/* */`) and
  `#disable-next-line` pragmas are dropped, newlines are kept (they separate declarations, array
  items and object properties), strings are split into text (escapes applied) and the tokens of
  each `${...}`; every token pattern is anchored and linear, so no input makes it backtrack;
- the parser (`_Parser`) reads declarations (`param`, `var`, `resource`, `module`, `output`,
  `type`, `func`, `import`, `extension`, `metadata`, `assert`, `targetScope`, and `using` in
  `.bicepparam` files), types (nullable `T?`, `T[]`, unions, object and tuple types,
  `resourceInput<'...'>`), and expressions with Bicep's documented precedence ("Bicep
  operators": accessors, unary, multiplicative, additive, relational, equality, `&&`, `||`, `??`,
  then `? :`), lambdas (`x => ...`), spread (`...`), safe access (`.?`, `[?]`) and the non-null
  assertion (`!`);
- a declaration that cannot be read becomes an error entry (`BicepFile.errors`, with its line)
  and reading resumes at the next declaration keyword at the start of a line, so one bad `import`
  does not hide the resources below it;
- nesting deeper than `MAX_DEPTH` is an error, never a RecursionError.

Every node carries the line it starts on; `evaluate.py` and `parse.py` consume the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


class BicepSyntaxError(Exception):
    """Something the parser cannot read; `line` when known."""

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
    """An identifier: a parameter, variable, resource, module, loop or lambda variable."""

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
    safe: bool = False  # `[?...]`


@dataclass(frozen=True, slots=True)
class Nested:
    """`parent::child`, a nested resource seen from outside its parent."""

    obj: Any
    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: `name` as written (`toLower`, `resourceGroup`); a call through the `az`
    or `sys` namespace (`az.resourceGroup()`) is the same call without the namespace. A
    user-defined function (`func`) is called the same way."""

    name: str
    args: tuple[Any, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Method:
    """`resource.listKeys()`, `types.myFunction()`: a function reached through a value or an
    imported namespace."""

    obj: Any
    name: str
    args: tuple[Any, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Lambda:
    """`x => body`, `(acc, x) => body`: an argument of `map`, `filter`, `reduce`, `sort`..."""

    params: tuple[str, ...]
    body: Any
    line: int


@dataclass(frozen=True, slots=True)
class Spread:
    """`...value` inside an array (its items) or an object (its properties)."""

    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class NonNull:
    """`value!`: the author asserts the value is not null; the value itself."""

    value: Any
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
    """`items` may hold `Spread` entries; `lines` is the line of each item."""

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
    """`pairs` are the properties in order; `spreads` are the `...value` entries, each with the
    number of pairs written before it (`(position, Spread)`), so a later property still overrides
    what a spread brought in."""

    pairs: tuple[Pair, ...]
    children: tuple[ResourceDecl, ...]
    line: int
    end_line: int
    spreads: tuple[tuple[int, Spread], ...] = ()

    def pair(self, key: str) -> Pair | None:
        for pair in self.pairs:
            if pair.key == key:
                return pair
        return None


@dataclass(frozen=True, slots=True)
class ForExpr:
    """`[for ... in ...: (if (filter))? body]`. `kind` is `array`, `items` (over an object's
    entries: `in items(obj)`, `source` is the object) or `range` (`source` is then a
    (start, count) pair)."""

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
# Types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeExpr:
    """A type as written. `kind`:
    - `name`: `string`, `object`, a declared or imported type (`value` is the name);
    - `literal`: `'Open'`, `3`, `true` (`value`);
    - `nullable`, `array` (`T[]`): `items` holds the one inner type;
    - `union`, `tuple`: `items` holds the members;
    - `object`: `props` holds the properties;
    - `member` (`T.name`, `value` is the name), `index` (`T[0]`, `T[*]`: `value`): `items` holds T;
    - `generic`: `resourceInput<'T@v'>` and the like (`value` is the name, `items` the
      arguments as `literal` types);
    - `resource`: the older `resource 'T@v'` parameter type (`value` is the string)."""

    kind: str
    value: Any
    line: int
    items: tuple[TypeExpr, ...] = ()
    props: tuple[TypeProp, ...] = ()


@dataclass(frozen=True, slots=True)
class TypeProp:
    """One property of an object type: `name` (`*` for additional properties), optional when
    written `name?:`, with the decorators written above it."""

    name: str
    type: TypeExpr
    optional: bool
    decorators: tuple[Expr, ...]
    line: int


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceDecl:
    """`type` is as written: full for top-level declarations, usually relative (`subnets`) for
    nested ones. `line` is the line of the resource's name, `start_line` includes decorators."""

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
    """A parameter; in a `.bicepparam` file, `param x = value` (no type) gives a template's
    parameter its value."""

    name: str
    default: Expr | None
    line: int
    type: TypeExpr | None = None
    decorators: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class TypeDecl:
    name: str
    type: TypeExpr
    decorators: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class FuncDecl:
    """`func name(a string, b int) string => body`."""

    name: str
    params: tuple[tuple[str, TypeExpr], ...]
    result: TypeExpr
    body: Expr
    line: int


@dataclass(frozen=True, slots=True)
class ImportDecl:
    """`import {a, b as c} from 'path'` (`names`: (name, alias) pairs), `import * as ns from
    'path'` (`wildcard` is `ns`), or the older `import 'az@1.0.0'` provider form (`path` only)."""

    path: str
    names: tuple[tuple[str, str], ...]
    wildcard: str | None
    line: int


@dataclass
class BicepFile:
    params: dict[str, ParamDecl] = field(default_factory=dict)
    variables: dict[str, Expr] = field(default_factory=dict)
    resources: list[ResourceDecl] = field(default_factory=list)
    modules: list[ModuleDecl] = field(default_factory=list)
    outputs: dict[str, Expr] = field(default_factory=dict)
    target_scope: str = "resourceGroup"
    types: dict[str, TypeDecl] = field(default_factory=dict)
    functions: dict[str, FuncDecl] = field(default_factory=dict)
    imports: list[ImportDecl] = field(default_factory=list)
    metadata: dict[str, Expr] = field(default_factory=dict)
    using: str | None = None  # `.bicepparam`: the template the values are for
    errors: list[BicepSyntaxError] = field(default_factory=list)  # declarations not read


def body_object(value: Expr) -> ObjectExpr | None:
    """The object literal of a resource or module body, through loops and conditions."""
    while isinstance(value, (ForExpr, IfExpr)):
        value = value.body
    return value if isinstance(value, ObjectExpr) else None


# ---------------------------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------------------------

# Nesting bound for expressions, types, arrays, objects and interpolations alike: far beyond
# any real template, well within Python's recursion limit (each level is a few frames).
MAX_DEPTH = 100
# Operators in one chain (`a && b && ...`, `a.b!.c...`): the tree grows one level for each, and
# evaluation walks it recursively.
MAX_CHAIN = 200
# Errors reported per file: past this, the file is not worth reading on (and a report of a
# hundred thousand errors helps nobody).
MAX_ERRORS = 20

# A token is (kind, value, line, at_line_start). Kinds: "id", "int", "str" (value: a tuple of
# text and token lists, one list per `${...}`), "mstr" (a ''' string), "nl", "err" (value: the
# message), "eof", and each operator as its own text.
Token = tuple[str, Any, int, bool]

# Blanks, `//` comments and `#` pragmas are skipped before each token (each repetition takes
# one blank or a whole comment: no two ways to match the same text, so no backtracking).
_TOKEN = re.compile(
    r"(?:[ \t\r\f\v\ufeff]|//[^\n]*|\#[^\n]*)*(?:"
    r"(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\.\.\.|::|\?\?|\.\?|==|!=|=~|!~|<=|>=|&&|\|\||=>|/(?!\*)|[{}\[\]().,:?!=<>+\-*%@|])"
    r"|(?P<nl>\n)"
    r"|(?P<mstr>''')"
    r"|(?P<plain>'(?:[^'\\$\n]|\$(?!\{))*')"
    r"|(?P<str>')"
    r"|(?P<int>[0-9]+)"
    r"|(?P<bc>/\*)"
    r"|(?P<end>$)"
    r"|(?P<bad>.)"
    r")",
    re.DOTALL,
)
# The text of a single-quoted string up to its next special character.
_STRING_TEXT = re.compile(r"[^'\\$\n]*")
_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


class _Lexer:
    def __init__(self, text: str, line: int = 1) -> None:
        self.text = text
        self.pos = 0
        self.line = line
        self.line_start = 0

    def tokens(self, depth: int = 0, interpolation: bool = False) -> list[Token]:
        """Tokens up to the end of the text, or (in an interpolation) up to the `}` that closes
        it, which is consumed and not returned."""
        text = self.text
        out: list[Token] = []
        braces = 0
        match = _TOKEN.match
        while True:
            m = match(text, self.pos)
            assert m is not None  # `bad` matches any character and `end` the end
            kind = m.lastgroup or "bad"
            self.pos = m.end()
            if kind == "id":
                out.append(("id", m.group(kind), self.line, m.start(kind) == self.line_start))
            elif kind == "op":
                op = m.group(kind)
                if interpolation:
                    if op == "{":
                        braces += 1
                    elif op == "}":
                        if braces == 0:
                            return out
                        braces -= 1
                out.append((op, op, self.line, op == "@" and m.start(kind) == self.line_start))
            elif kind == "nl":
                if out and out[-1][0] != "nl":
                    out.append(("nl", None, self.line, False))
                self.line += 1
                self.line_start = self.pos
            elif kind == "plain":  # a string without escapes or interpolation
                out.append(("str", (m.group(kind)[1:-1],), self.line, False))
            elif kind == "int":
                out.append(("int", int(m.group(kind)), self.line, False))
            elif kind == "str":
                out.append(self.string(depth, False))
            elif kind == "mstr":
                out.append(self.multi_line_string(False))
            elif kind == "bc":
                end = text.find("*/", self.pos)
                if end < 0:
                    out.append(("err", "unterminated /* comment", self.line, False))
                    self.advance_to(len(text))
                else:
                    self.advance_to(end + 2)
            elif kind == "end":
                if interpolation:
                    raise BicepSyntaxError("unterminated ${...} in a string", self.line)
                # the end of a file that ends with a line break is on the last line written
                last = self.line - 1 if self.line > 1 and text.endswith("\n") else self.line
                out.append(("eof", None, last, True))
                return out
            else:
                out.append(("err", f"unexpected character {m.group(kind)!r}", self.line, False))

    def advance_to(self, end: int) -> None:
        """Move past text (a comment, a multi-line string), counting its line breaks."""
        breaks = self.text.count("\n", self.pos, end)
        if breaks:
            self.line += breaks
            self.line_start = self.text.rfind("\n", self.pos, end) + 1
        self.pos = end

    def multi_line_string(self, first: bool) -> Token:
        line = self.line
        end = self.text.find("'''", self.pos)
        if end < 0:
            self.advance_to(len(self.text))
            return ("err", "unterminated ''' multi-line string", line, first)
        value = self.text[self.pos : end]
        self.advance_to(end + 3)
        # Bicep drops a line break right after the opening ''' (docs: "Multi-line strings").
        if value.startswith("\r\n"):
            value = value[2:]
        elif value.startswith("\n"):
            value = value[1:]
        return ("mstr", value, line, first)

    def string(self, depth: int, first: bool) -> Token:
        """A single-quoted string after its opening quote: text with escapes applied, and the
        tokens of each `${...}`. A string cannot span lines."""
        text = self.text
        line = self.line
        parts: list[Any] = []
        chunk: list[str] = []
        while True:
            m = _STRING_TEXT.match(text, self.pos)
            assert m is not None
            chunk.append(m.group())
            self.pos = m.end()
            char = text[self.pos : self.pos + 1]
            if char == "'":
                self.pos += 1
                break
            if char == "\\":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt == "u" and text[self.pos + 2 : self.pos + 3] == "{":
                    end = text.find("}", self.pos + 3, self.pos + 12)
                    code = text[self.pos + 3 : end] if end > 0 else ""
                    try:
                        if end < 0 or not code.isalnum():
                            raise ValueError(code)
                        chunk.append(chr(int(code, 16)))
                    except (ValueError, OverflowError):
                        self.skip_line()
                        return ("err", f"invalid escape \\u{{{code}}} in a string", line, first)
                    self.pos = end + 1
                    continue
                if nxt in ("", "\n"):
                    break
                chunk.append(_ESCAPES.get(nxt, "\\" + nxt))
                self.pos += 2
                continue
            if char == "$":
                if text[self.pos + 1 : self.pos + 2] != "{":
                    chunk.append("$")
                    self.pos += 1
                    continue
                if depth >= MAX_DEPTH // 4:
                    self.skip_line()
                    return ("err", "strings nested too deeply in interpolations", line, first)
                if chunk and "".join(chunk):
                    parts.append("".join(chunk))
                chunk = []
                self.pos += 2
                try:
                    inner = self.tokens(depth + 1, interpolation=True)
                except BicepSyntaxError as exc:
                    self.skip_line()
                    return ("err", str(exc), line, first)
                inner.append(("eof", None, self.line, False))
                parts.append(inner)
                continue
            # a line break or the end of the text before the closing quote
            self.skip_line()
            return ("err", "unterminated string", line, first)
        if chunk and "".join(chunk) or not parts:
            parts.append("".join(chunk))
        return ("str", tuple(parts), line, first)

    def skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

# Binary operators with Bicep's precedence (higher binds tighter); all associate to the left.
_BINARY = {
    "*": 8,
    "/": 8,
    "%": 8,
    "+": 7,
    "-": 7,
    "<": 6,
    "<=": 6,
    ">": 6,
    ">=": 6,
    "==": 5,
    "!=": 5,
    "=~": 5,
    "!~": 5,
    "&&": 4,
    "||": 3,
    "??": 2,
}
_TERNARY_BP = 1
# Operators that cannot start an expression: one at the start of a line continues the
# expression above it (a ternary or a condition written over several lines).
_CONTINUES = frozenset({"?", *(op for op in _BINARY if op != "-")})
_NAMESPACES = ("az", "sys")
_DECLARATIONS = frozenset(
    {
        "targetScope",
        "metadata",
        "param",
        "var",
        "output",
        "resource",
        "module",
        "type",
        "func",
        "import",
        "extension",
        "provider",
        "assert",
        "using",
        "extends",
        "test",
    }
)


class _Parser:
    def __init__(self, tokens: list[Token], depth: int = 0) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = depth

    # -- tokens --------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.toks[self.i][0]

    @property
    def line(self) -> int:
        return self.toks[self.i][2]

    def at(self, kind: str, value: str | None = None) -> bool:
        tok = self.toks[self.i]
        return tok[0] == kind and (value is None or tok[1] == value)

    def at_word(self, word: str) -> bool:
        tok = self.toks[self.i]
        return tok[0] == "id" and tok[1] == word

    def advance(self) -> Token:
        tok = self.toks[self.i]
        if tok[0] != "eof":
            self.i += 1
        return tok

    def fail(self, what: str) -> BicepSyntaxError:
        tok = self.toks[self.i]
        if tok[0] == "err":
            return BicepSyntaxError(tok[1], tok[2])
        return BicepSyntaxError(f"{what}, found {_describe(tok)}", tok[2])

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.kind != kind:
            raise self.fail(f"expected {what or repr(kind)}")
        return self.advance()

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.fail(f"expected '{word}'")
        return self.advance()

    def identifier(self, what: str = "a name") -> str:
        return str(self.expect("id", what)[1])

    def skip_newlines(self) -> None:
        while self.toks[self.i][0] == "nl":
            self.i += 1

    def skip_separators(self) -> None:
        while self.toks[self.i][0] in ("nl", ","):
            self.i += 1

    def end_of_item(self, closing: str) -> None:
        """After an array item or object property: a line break, a comma or the closing bracket."""
        if self.kind not in ("nl", ",", closing):
            raise self.fail(f"expected a line break, ',' or '{closing}'")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BicepSyntaxError(f"nested more than {MAX_DEPTH} levels deep", self.line)

    def previous_line(self) -> int:
        return self.toks[self.i - 1][2] if self.i else self.line

    # -- file ----------------------------------------------------------------------------

    def file(self) -> BicepFile:
        out = BicepFile()
        while True:
            self.skip_newlines()
            if self.kind == "eof":
                return out
            self.depth = 0  # an error leaves the count where it was raised
            try:
                self.declaration(out)
                if self.kind not in ("nl", "eof"):
                    raise self.fail("expected a line break after the declaration")
            except BicepSyntaxError as exc:
                out.errors.append(exc)
                if len(out.errors) >= MAX_ERRORS:
                    out.errors.append(
                        BicepSyntaxError(f"{MAX_ERRORS} errors: the rest of the file is not read", exc.line)
                    )
                    return out
                self.recover()

    def recover(self) -> None:
        """Skip to the next declaration keyword (or decorator) at the start of a line."""
        self.advance()
        while True:
            kind, value, _line, first = self.toks[self.i]
            if kind == "eof":
                return
            if first and (kind == "@" or (kind == "id" and value in _DECLARATIONS)):
                return
            self.i += 1

    def decorators(self) -> tuple[Expr, ...]:
        found = []
        while self.at("@"):
            self.advance()
            found.append(self.postfix())
            self.skip_newlines()
        return tuple(found)

    def declaration(self, out: BicepFile) -> None:
        start = self.line
        decorators = self.decorators()
        tok = self.toks[self.i]
        if tok[0] != "id":
            raise self.fail("expected a declaration")
        keyword = tok[1]
        self.advance()
        line = tok[2]
        if keyword == "param":
            name_line = self.line
            name = self.identifier()
            type_ = None if self.at("=") else self.type_expr()
            default = None
            if self.at("="):
                self.advance()
                self.skip_newlines()
                default = self.expression()
            out.params[name] = ParamDecl(name, default, name_line, type_, decorators)
        elif keyword == "var":
            name = self.identifier()
            if not self.at("="):
                self.type_expr()
            self.equals()
            out.variables[name] = self.expression()
        elif keyword == "output":
            name = self.identifier()
            if self.at_word("resource") and self.toks[self.i + 1][0] == "str":
                self.advance()
                self.literal_string("a resource type")
            else:
                self.type_expr()
            self.equals()
            out.outputs[name] = self.expression()
        elif keyword == "resource":
            out.resources.append(self.resource(start, decorators))
        elif keyword == "module":
            name_line = self.line
            name = self.identifier()
            path = self.literal_string("a module path")
            self.equals()
            value = self.declaration_value()
            out.modules.append(ModuleDecl(name, path, value, name_line, start, self.previous_line()))
        elif keyword == "targetScope":
            self.equals()
            value = self.expression()
            if isinstance(value, Lit) and isinstance(value.value, str):
                out.target_scope = value.value
        elif keyword == "metadata":
            name = self.identifier()
            self.equals()
            out.metadata[name] = self.expression()
        elif keyword == "type":
            name = self.identifier()
            self.equals()
            out.types[name] = TypeDecl(name, self.type_expr(), decorators, line)
        elif keyword == "func":
            out.functions.update([self.function(line)])
        elif keyword == "import":
            out.imports.append(self.import_(line))
        elif keyword in ("extension", "provider"):
            self.extension()
        elif keyword == "assert":
            self.identifier()
            self.equals()
            self.expression()
        elif keyword == "using":
            if self.at_word("none"):
                self.advance()
            else:
                out.using = self.literal_string("the path of a template")
            self.optional_with()
        elif keyword == "extends":
            self.literal_string("the path of a parameters file")
        elif keyword == "test":
            self.identifier()
            self.literal_string("the path of a template")
            self.equals()
            self.expression()
        else:
            self.i -= 1
            raise self.fail("expected a declaration")

    def equals(self) -> None:
        self.expect("=", "'='")
        self.skip_newlines()

    def literal_string(self, what: str) -> str:
        tok = self.toks[self.i]
        if tok[0] == "mstr":
            self.advance()
            return str(tok[1])
        if tok[0] != "str" or not all(isinstance(p, str) for p in tok[1]):
            raise self.fail(f"expected {what} (a string without ${{...}})")
        self.advance()
        return "".join(tok[1])

    def optional_with(self) -> None:
        if self.at_word("with"):
            self.advance()
            self.skip_newlines()
            self.expression()

    def resource(self, start: int, decorators: tuple[Expr, ...]) -> ResourceDecl:
        name_line = self.line
        name = self.identifier()
        type_name, _, api = self.literal_string("a resource type").partition("@")
        existing = False
        if self.at_word("existing"):
            self.advance()
            existing = True
        self.equals()
        value = self.declaration_value()
        return ResourceDecl(name, type_name, api, existing, value, name_line, start, self.previous_line())

    def declaration_value(self) -> Expr:
        """The value of a resource or module: an object, `if (...) {...}`, or a for-expression."""
        if self.at_word("if"):
            return self.if_body()
        if self.at("[") or self.at("{"):
            return self.primary()
        raise self.fail("expected '{', '[' or 'if'")

    def if_body(self) -> IfExpr:
        line = self.advance()[2]
        self.skip_newlines()
        self.expect("(", "'(' after if")
        self.skip_newlines()
        condition = self.expression()
        self.skip_newlines()
        self.expect(")", "')'")
        self.skip_newlines()
        return IfExpr(condition, self.expression(), line)

    def function(self, line: int) -> tuple[str, FuncDecl]:
        name = self.identifier()
        self.expect("(", "'('")
        params: list[tuple[str, TypeExpr]] = []
        self.skip_newlines()
        while not self.at(")"):
            param = self.identifier("a parameter name")
            params.append((param, self.type_expr()))
            self.skip_newlines()
            if self.at(","):
                self.advance()
                self.skip_newlines()
            elif not self.at(")"):
                raise self.fail("expected ',' or ')'")
        self.advance()
        result = self.type_expr()
        self.expect("=>", "'=>'")
        self.skip_newlines()
        return name, FuncDecl(name, tuple(params), result, self.expression(), line)

    def import_(self, line: int) -> ImportDecl:
        names: list[tuple[str, str]] = []
        wildcard = None
        if self.at("str"):  # `import 'az@1.0.0' [with {...}] [as name]`: a provider
            path = self.literal_string("a provider")
            self.optional_with()
            if self.at_word("as"):
                self.advance()
                self.identifier()
            return ImportDecl(path, (), None, line)
        if self.at("*"):
            self.advance()
            self.expect_word("as")
            wildcard = self.identifier()
        elif self.at("{"):
            self.advance()
            while True:
                self.skip_separators()
                if self.at("}"):
                    self.advance()
                    break
                name = self.identifier("an imported name")
                alias = name
                if self.at_word("as"):
                    self.advance()
                    alias = self.identifier()
                names.append((name, alias))
                self.end_of_item("}")
        else:
            raise self.fail("expected '{', '*' or a string after import")
        self.expect_word("from")
        return ImportDecl(self.literal_string("the path imported from"), tuple(names), wildcard, line)

    def extension(self) -> None:
        if self.at("str"):
            self.literal_string("an extension")
        else:
            self.identifier("an extension")
        self.optional_with()
        if self.at_word("as"):
            self.advance()
            self.identifier()

    # -- types ---------------------------------------------------------------------------

    def type_expr(self) -> TypeExpr:
        """A type: members separated by `|` (a union, which may be written one member a line
        with a leading `|`)."""
        self.enter()
        line = self.line
        if self.at("nl"):  # `param mode` then one `| 'member'` a line
            j = self.i
            while self.toks[j][0] == "nl":
                j += 1
            if self.toks[j][0] == "|":
                self.i = j
        if self.at("|"):
            self.advance()
            self.skip_newlines()
        members = [self.type_postfix()]
        while True:
            if self.at("nl"):
                j = self.i
                while self.toks[j][0] == "nl":
                    j += 1
                if self.toks[j][0] != "|":
                    break
                self.i = j
            if not self.at("|"):
                break
            self.advance()
            self.skip_newlines()
            members.append(self.type_postfix())
        self.depth -= 1
        return members[0] if len(members) == 1 else TypeExpr("union", None, line, tuple(members))

    def type_postfix(self) -> TypeExpr:
        base = self.type_primary()
        while True:
            tok = self.toks[self.i]
            kind = tok[0]
            if kind == "?":
                self.advance()
                base = TypeExpr("nullable", None, tok[2], (base,))
            elif kind == "[":
                nxt = self.toks[self.i + 1][0]
                if nxt == "]":
                    self.i += 2
                    base = TypeExpr("array", None, tok[2], (base,))
                elif nxt in ("int", "*"):
                    index = self.toks[self.i + 1][1]
                    self.i += 2
                    self.expect("]", "']'")
                    base = TypeExpr("index", index, tok[2], (base,))
                else:
                    return base
            elif kind == ".":
                self.advance()
                if self.at("*"):
                    self.advance()
                    base = TypeExpr("member", "*", tok[2], (base,))
                else:
                    base = TypeExpr("member", self.identifier(), tok[2], (base,))
            elif kind == "!":
                self.advance()
            else:
                return base

    def type_primary(self) -> TypeExpr:
        tok = self.toks[self.i]
        kind, value, line = tok[0], tok[1], tok[2]
        if kind == "id":
            self.advance()
            if value in ("true", "false"):
                return TypeExpr("literal", value == "true", line)
            if value == "null":
                return TypeExpr("literal", None, line)
            if value == "resource" and self.at("str"):
                return TypeExpr("resource", self.literal_string("a resource type"), line)
            if self.at("<"):
                self.advance()
                args = []
                while True:
                    self.skip_newlines()
                    args.append(self.type_expr())
                    self.skip_newlines()
                    if self.at(","):
                        self.advance()
                        continue
                    self.expect(">", "'>'")
                    break
                return TypeExpr("generic", value, line, tuple(args))
            return TypeExpr("name", value, line)
        if kind == "str":
            return TypeExpr("literal", self.literal_string("a string literal type"), line)
        if kind == "mstr":
            self.advance()
            return TypeExpr("literal", value, line)
        if kind == "int":
            self.advance()
            return TypeExpr("literal", value, line)
        if kind == "-" and self.toks[self.i + 1][0] == "int":
            self.i += 2
            return TypeExpr("literal", -self.toks[self.i - 1][1], line)
        if kind == "(":
            self.advance()
            self.skip_newlines()
            inner = self.type_expr()
            self.skip_newlines()
            self.expect(")", "')'")
            return inner
        if kind == "{":
            return self.object_type()
        if kind == "[":
            self.advance()
            items = []
            while True:
                self.skip_separators()
                if self.at("]"):
                    self.advance()
                    break
                self.decorators()
                items.append(self.type_expr())
                self.end_of_item("]")
            return TypeExpr("tuple", None, line, tuple(items))
        raise self.fail("expected a type")

    def object_type(self) -> TypeExpr:
        line = self.advance()[2]
        self.enter()
        props = []
        while True:
            self.skip_separators()
            if self.at("}"):
                self.advance()
                break
            decorators = self.decorators()
            tok = self.toks[self.i]
            if tok[0] == "id":
                name = str(tok[1])
                self.advance()
            elif tok[0] == "*":
                name = "*"
                self.advance()
            elif tok[0] in ("str", "mstr"):
                name = self.literal_string("a property name")
            else:
                raise self.fail("expected a property name")
            optional = False
            if self.at("?"):
                self.advance()
                optional = True
            self.expect(":", "':'")
            self.skip_newlines()
            props.append(TypeProp(name, self.type_expr(), optional, decorators, tok[2]))
            self.end_of_item("}")
        self.depth -= 1
        return TypeExpr("object", None, line, props=tuple(props))

    # -- expressions ---------------------------------------------------------------------

    def expression(self, min_bp: int = 0) -> Expr:
        self.enter()
        line = self.line
        left = self.unary()
        toks = self.toks
        chain = 0
        while True:
            chain += 1
            if chain > MAX_CHAIN:
                raise BicepSyntaxError(f"more than {MAX_CHAIN} operators in one expression", self.line)
            kind = toks[self.i][0]
            if kind == "nl":
                j = self.i
                while toks[j][0] == "nl":
                    j += 1
                if toks[j][0] not in _CONTINUES:
                    break
                kind = toks[j][0]
                bp = _BINARY.get(kind, _TERNARY_BP)
                if bp < min_bp or (kind == "?" and min_bp > _TERNARY_BP):
                    break
                self.i = j
            if kind in _BINARY:
                bp = _BINARY[kind]
                if bp < min_bp:
                    break
                self.advance()
                self.skip_newlines()
                left = Binary(kind, left, self.expression(bp + 1), line)
            elif kind == "?":
                if min_bp > _TERNARY_BP:
                    break
                self.advance()
                self.skip_newlines()
                then = self.expression(0)
                self.skip_newlines()
                self.expect(":", "':' in a conditional expression")
                self.skip_newlines()
                left = Cond(left, then, self.expression(_TERNARY_BP), line)
            else:
                break
        self.depth -= 1
        return left

    def unary(self) -> Expr:
        kind = self.kind
        if kind == "!" or kind == "-":
            line = self.advance()[2]
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return Unary(kind, operand, line)
        return self.postfix()

    def postfix(self) -> Expr:
        line = self.line
        expr = self.primary()
        toks = self.toks
        chain = 0
        while True:
            chain += 1
            if chain > MAX_CHAIN:
                raise BicepSyntaxError(f"more than {MAX_CHAIN} accessors in one expression", self.line)
            kind = toks[self.i][0]
            if kind == "." or kind == ".?":
                self.advance()
                safe = kind == ".?"
                if not safe and self.at("?"):
                    self.advance()
                    safe = True
                name = self.identifier("a property name")
                if self.at("("):
                    args = self.arguments()
                    if isinstance(expr, Name) and expr.name in _NAMESPACES:
                        expr = Call(name, args, line)
                    else:
                        expr = Method(expr, name, args, line)
                else:
                    expr = Attr(expr, name, line, safe)
            elif kind == "::":
                self.advance()
                expr = Nested(expr, self.identifier("a nested resource name"), line)
            elif kind == "[":
                self.advance()
                self.skip_newlines()
                safe = False
                if self.at("?"):
                    self.advance()
                    safe = True
                key = self.expression()
                self.skip_newlines()
                self.expect("]", "']'")
                expr = Index(expr, key, line, safe)
            elif kind == "!":
                self.advance()
                expr = NonNull(expr, line)
            else:
                return expr

    def arguments(self) -> tuple[Expr, ...]:
        self.expect("(", "'('")
        args = []
        self.skip_newlines()
        while not self.at(")"):
            args.append(self.expression())
            self.skip_newlines()
            if self.at(","):
                self.advance()
                self.skip_newlines()
            elif not self.at(")"):
                raise self.fail("expected ',' or ')' in the arguments")
        self.advance()
        return tuple(args)

    def primary(self) -> Expr:
        tok = self.toks[self.i]
        kind, value, line = tok[0], tok[1], tok[2]
        if kind == "id":
            self.advance()
            if value == "true":
                return Lit(True, line)
            if value == "false":
                return Lit(False, line)
            if value == "null":
                return Lit(None, line)
            nxt = self.kind
            if nxt == "=>":
                return self.lambda_body((value,), line)
            if nxt == "(":
                return Call(value, self.arguments(), line)
            return Name(value, line)
        if kind == "int":
            self.advance()
            return Lit(value, line)
        if kind == "str":
            self.advance()
            return self.string(value, line)
        if kind == "mstr":
            self.advance()
            return Lit(value, line)
        if kind == "(":
            params = self.lambda_params()
            if params is not None:
                return self.lambda_body(params, line)
            self.advance()
            self.enter()
            self.skip_newlines()
            inner = self.expression()
            self.skip_newlines()
            self.expect(")", "')'")
            self.depth -= 1
            return inner
        if kind == "[":
            return self.array()
        if kind == "{":
            return self.object()
        raise self.fail("expected a value")

    def lambda_params(self) -> tuple[str, ...] | None:
        """`(a, b) =>` or `() =>` ahead: the parameter names (and move past the `)`); else None."""
        toks = self.toks
        j = self.i + 1
        names: list[str] = []
        while True:
            while toks[j][0] == "nl":
                j += 1
            if toks[j][0] == ")" and (not names or toks[j - 1][0] != ","):
                break
            if toks[j][0] != "id":
                return None
            names.append(str(toks[j][1]))
            j += 1
            while toks[j][0] == "nl":
                j += 1
            if toks[j][0] == ",":
                j += 1
            elif toks[j][0] != ")":
                return None
        if toks[j + 1][0] != "=>":
            return None
        self.i = j + 1
        return tuple(names)

    def lambda_body(self, params: tuple[str, ...], line: int) -> Lambda:
        self.expect("=>", "'=>'")
        self.skip_newlines()
        return Lambda(params, self.expression(), line)

    def string(self, parts: tuple[Any, ...], line: int) -> Expr:
        if len(parts) == 1 and isinstance(parts[0], str):
            return Lit(parts[0], line)
        out: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            inner = _Parser(part, self.depth + 1)
            if inner.kind == "eof":
                raise BicepSyntaxError("empty ${} in a string", line)
            out.append(inner.expression())
            if inner.kind != "eof":
                raise inner.fail("expected '}' closing ${...}")
        return Str(tuple(out), line)

    def array(self) -> Expr:
        line = self.advance()[2]
        self.enter()
        self.skip_newlines()
        if self.at_word("for"):
            loop = self.for_expression(line)
            self.depth -= 1
            return loop
        items: list[Expr] = []
        lines: list[int] = []
        while True:
            self.skip_separators()
            if self.at("]"):
                self.advance()
                break
            item_line = self.line
            if self.at("..."):
                self.advance()
                items.append(Spread(self.expression(), item_line))
            else:
                items.append(self.expression())
            lines.append(item_line)
            self.end_of_item("]")
        self.depth -= 1
        return ArrayExpr(tuple(items), tuple(lines), line)

    def for_expression(self, line: int) -> ForExpr:
        self.advance()  # for
        index = None
        if self.at("("):
            self.advance()
            self.skip_newlines()
            item: str | None = self.identifier("a loop variable")
            self.skip_newlines()
            if self.at(","):
                self.advance()
                self.skip_newlines()
                index = self.identifier("a loop index")
                self.skip_newlines()
            self.expect(")", "')'")
        else:
            item = self.identifier("a loop variable")
        self.expect_word("in")
        self.skip_newlines()
        source = self.expression()
        self.skip_newlines()
        self.expect(":", "':' after the loop source")
        self.skip_newlines()
        condition = None
        if self.at_word("if"):
            guarded = self.if_body()
            condition, body = guarded.condition, guarded.body
        else:
            body = self.expression()
        self.skip_newlines()
        self.expect("]", "']' closing the for-expression")
        kind = "array"
        if isinstance(source, Call) and source.name == "range" and len(source.args) == 2:
            kind, source = "range", source.args
        elif isinstance(source, Call) and source.name == "items" and len(source.args) == 1:
            kind, source = "items", source.args[0]
        return ForExpr(kind, item, index, source, condition, body, line)

    def object(self) -> ObjectExpr:
        line = self.advance()[2]
        self.enter()
        pairs: list[Pair] = []
        children: list[ResourceDecl] = []
        spreads: list[tuple[int, Spread]] = []
        toks = self.toks
        while True:
            self.skip_separators()
            if self.at("}"):
                end = self.advance()[2]
                break
            start = self.line
            decorators = self.decorators()
            tok = toks[self.i]
            kind = tok[0]
            if kind == "...":
                self.advance()
                spreads.append((len(pairs), Spread(self.expression(), tok[2])))
            elif kind == "id" and tok[1] == "resource" and toks[self.i + 1][0] == "id":
                self.advance()
                children.append(self.resource(start, decorators))
            else:
                if kind == "id":
                    self.advance()
                    key: Any = tok[1]
                elif kind == "str":
                    self.advance()
                    parsed = self.string(tok[1], tok[2])
                    key = parsed.value if isinstance(parsed, Lit) else parsed
                elif kind == "mstr":
                    self.advance()
                    key = tok[1]
                else:
                    raise self.fail("expected a property name")
                self.expect(":", "':' after a property name")
                self.skip_newlines()
                pairs.append(Pair(key, self.expression(), tok[2]))
            self.end_of_item("}")
        self.depth -= 1
        return ObjectExpr(tuple(pairs), tuple(children), line, end, tuple(spreads))


def _describe(tok: Token) -> str:
    kind = tok[0]
    if kind == "eof":
        return "the end of the file"
    if kind == "nl":
        return "a line break"
    if kind == "id":
        return repr(tok[1])
    if kind in ("str", "mstr"):
        return "a string"
    if kind == "int":
        return f"the number {tok[1]}"
    return repr(kind)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_bicep(text: str) -> BicepFile:
    """Parse one `.bicep` or `.bicepparam` file. Declarations that cannot be read are in
    `errors`; everything else is read."""
    tokens = _Lexer(text).tokens()
    return _Parser(tokens).file()


def parse_expression(text: str, line: int) -> Expr:
    """One expression (the inside of `${...}`, a test's probe); lines start at `line`.
    Raises `BicepSyntaxError` when it cannot be read."""
    parser = _Parser(_Lexer(text, line).tokens())
    parser.skip_newlines()
    expr = parser.expression()
    parser.skip_newlines()
    if parser.kind != "eof":
        raise parser.fail("expected the end of the expression")
    return expr
