"""The running half of python-hcl2's lark parser, without lark: an LALR(1) parser, a contextual
lexer and lark's tree building, driven by tables given as data.

Why: the pre-commit hook parses one edited file, and importing lark and rebuilding its parser
objects cost more than that parse (about 60 ms of imports and 30 ms of rebuilding, against 250 ms
for the whole hook). The tables are computed from lark's own parser once per installation
(`speed/lark_snapshot.py` takes them from a parser lark built from python-hcl2's grammar, and
keeps them only after this parser gave the same trees, tokens, lines and errors on a sample);
this module only runs them, and imports nothing outside the standard library.

What it reproduces of lark (1.x, `parser="lalr"`, `lexer="contextual"`, no transformer):
- the contextual lexer: in each parser state, the terminals that state accepts (plus the ignored
  ones) are tried in lark's order, the first that matches wins (what lark's single alternation of
  them does); a regular-expression terminal whose text a string terminal matches whole becomes
  that terminal (lark's "unless" keywords); where nothing matches, the root lexer (all
  terminals) tells an unexpected token from an unexpected character;
- lines and columns as lark counts them (newlines counted only in terminals that can hold one);
- python-hcl2's post-lexer: a newline (or comment) directly before a binary operator is merged
  into the operator's text, keeping the operator's place (the lexer then sees the parser state
  before that newline, as with lark's lazy token stream);
- lark's tree building: anonymous tokens filtered out, `_rule` children inlined, `?rule` with one
  child replaced by it, `[optional]` placeholders as None.
Trees and tokens are small classes with lark's attribute names (`data`, `children`; `type`,
`line`, `column`, `end_line`, `end_column`), which is all `hcl_syntax` reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# A lexer state's alternation is compiled once it has matched this many tokens: compiling costs
# about as much as a few hundred single tries, so a small file (the hook's edited one) never pays
# for it and a large one does once.
ALTERNATION_AFTER = 200


class Token(str):
    """A terminal's text with its type and place (lark's `Token`)."""

    type: str
    start_pos: int
    line: int
    column: int
    end_line: int | None
    end_column: int | None
    end_pos: int | None

    def __new__(
        cls,
        type_: str,
        value: str,
        start_pos: int,
        line: int,
        column: int,
        end_line: int | None = None,
        end_column: int | None = None,
        end_pos: int | None = None,
    ) -> Token:
        token = super().__new__(cls, value)
        token.type = type_
        token.start_pos = start_pos
        token.line = line
        token.column = column
        token.end_line = end_line
        token.end_column = end_column
        token.end_pos = end_pos
        return token

    @property
    def value(self) -> str:
        return str(self)

    def borrow(self, type_: str, value: str) -> Token:
        """A token of another type and text at this token's place (lark's `new_borrow_pos`)."""
        return Token(type_, value, self.start_pos, self.line, self.column, self.end_line, self.end_column, self.end_pos)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str) and getattr(other, "type", self.type) != self.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class Tree:
    """A rule's node: its name and its children (trees, tokens, or None for an absent `[...]`)."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data = data
        self.children = children

    def __eq__(self, other: object) -> bool:
        try:
            return bool(self.data == other.data and self.children == other.children)  # type: ignore[attr-defined]
        except AttributeError:
            return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


class UnexpectedToken(Exception):
    """The parser got a token it has no action for (`token.type` is `$END` at the end)."""

    def __init__(self, token: Token) -> None:
        super().__init__(f"unexpected token {token!r} at line {token.line}, column {token.column}")
        self.token = token
        self.line = token.line
        self.column = token.column


class UnexpectedCharacters(Exception):
    """No terminal matches the text at a place."""

    def __init__(self, text: str, position: int, line: int, column: int) -> None:
        super().__init__(f"no terminal matches {text[position]!r} at line {line}, column {column}")
        self.char = text[position]
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Terminal:
    name: str
    regexp: str  # lark's `pattern.to_regexp()`
    newline: bool  # may hold a newline (lark counts lines only in those)


@dataclass(frozen=True)
class LexerState:
    """The terminals one lexer state tries, in lark's order, and which string terminals retype an
    exact match of a regular-expression terminal ("unless")."""

    terminals: tuple[int, ...]
    unless: tuple[tuple[int, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Rule:
    """What a reduction builds: the rule's name (lark's alias, template or origin), how many
    values it takes, whether one child replaces the node (`?rule`), and which children it keeps:
    (index, inline its children, Nones before it) and Nones at the end; None keeps them all."""

    origin: str
    size: int
    name: str
    expand1: bool
    keep: tuple[tuple[int, bool, int], ...] | None
    append_none: int


class Actions(dict):  # type: ignore[type-arg]
    """Each parser state's actions (symbol -> code), made from the packed table when the parser
    first reaches the state: a parse visits a few hundred of the table's thousand states, so
    the rest cost nothing. The table was checked whole before (lark_snapshot.from_plain)."""

    def __init__(self, symbols: list[str], codes: list[int], offsets: list[int]) -> None:
        super().__init__()
        self._symbols = symbols
        self._codes = codes
        self._offsets = offsets  # state i's actions are [offsets[i], offsets[i + 1])

    def __missing__(self, state: int) -> dict[str, int]:
        if not 0 <= state < len(self._offsets) - 1:
            raise KeyError(state)
        start, end = self._offsets[state], self._offsets[state + 1]
        made: dict[str, int] = dict(zip(self._symbols[start:end], self._codes[start:end], strict=True))
        self[state] = made
        return made


@dataclass(frozen=True)
class Tables:
    """Everything the parser runs on; checked by whoever builds it (lark_snapshot.from_plain)."""

    terminals: tuple[Terminal, ...]
    ignore: frozenset[str]
    lexer_states: tuple[LexerState, ...]
    state_lexers: tuple[int, ...]  # parser state -> lexer state
    root_lexer: int
    actions: Actions  # parser state -> symbol -> code (< states: shift to it; else rule)
    rules: tuple[Rule, ...]
    start: int
    end: int
    merge_newline: str | None  # the post-lexer's newline terminal, None without a post-lexer
    merge_into: frozenset[str]  # the terminals a newline before them is merged into


class _Scanner:
    """One lexer state's matcher: the terminals tried one by one (each compiled once per parser,
    on first use), then, once the state has lexed enough for compiling to pay, their alternation
    (`ALTERNATION_AFTER`). Both give the first terminal in order that matches."""

    __slots__ = ("indexes", "names", "regexps", "patterns", "alternation", "uses", "unless")

    def __init__(
        self, indexes: tuple[int, ...], names: list[str], regexps: list[str], unless: dict[str, list[tuple[str, int]]]
    ) -> None:
        self.indexes = indexes
        self.names = names
        self.regexps = regexps
        self.patterns: list[Any] | None = None
        self.alternation: Any = None
        self.uses = 0
        self.unless = unless  # regexp terminal name -> [(string terminal name, its index)]

    def match(self, text: str, pos: int) -> tuple[str, str] | None:
        if self.alternation is not None:
            found = self.alternation.match(text, pos)
            return (found.group(0), found.lastgroup) if found else None
        self.uses += 1
        if self.uses == ALTERNATION_AFTER:
            try:
                self.alternation = re.compile(
                    "|".join(f"(?P<{name}>{regexp})" for name, regexp in zip(self.names, self.regexps, strict=True))
                )
            except (re.error, AssertionError, OverflowError, RecursionError):
                pass  # too many groups: stay with single tries
            else:
                return self.match(text, pos)
        for name, pattern in zip(self.names, self.patterns or (), strict=True):
            found = pattern.match(text, pos)
            if found:
                return found.group(0), name
        return None


class _Cursor:
    __slots__ = ("pos", "line", "column", "line_start")

    def __init__(self) -> None:
        self.pos = 0
        self.line = 1
        self.column = 1
        self.line_start = 0


class Parser:
    """`parse(text)` -> the tree lark's parser gives for the same tables, or lark's kind of error."""

    source_path = "<snapshot>"

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._compiled: dict[int, Any] = {}
        self._newline = frozenset(t.name for t in tables.terminals if t.newline)
        self._scanners: list[_Scanner | None] = [None] * len(tables.lexer_states)  # made on first use

    def _pattern(self, index: int) -> Any:
        pattern = self._compiled.get(index)
        if pattern is None:
            pattern = self._compiled[index] = re.compile(self.tables.terminals[index].regexp)
        return pattern

    def _scanner_at(self, index: int) -> _Scanner:
        scanner = self._scanners[index]
        if scanner is None:
            scanner = self._scanners[index] = self._scanner(self.tables.lexer_states[index])
        return scanner

    def _scanner(self, state: LexerState) -> _Scanner:
        terminals = self.tables.terminals
        unless = {terminals[regexp].name: [(terminals[s].name, s) for s in strings] for regexp, strings in state.unless}
        return _Scanner(
            state.terminals,
            [terminals[i].name for i in state.terminals],
            [terminals[i].regexp for i in state.terminals],
            unless,
        )

    def _next_token(self, scanner: _Scanner, text: str, cursor: _Cursor) -> Token | None:
        """lark's `BasicLexer.next_token`: the next token not ignored, None at the end."""
        if scanner.patterns is None:
            scanner.patterns = [self._pattern(i) for i in scanner.indexes]
        ignore, newline = self.tables.ignore, self._newline
        end = len(text)
        while cursor.pos < end:
            found = scanner.match(text, cursor.pos)
            if found is None:
                raise UnexpectedCharacters(text, cursor.pos, cursor.line, cursor.column)
            value, kind = found
            start, line, column = cursor.pos, cursor.line, cursor.column
            if kind in newline:
                count = value.count("\n")
                if count:
                    cursor.line += count
                    cursor.line_start = start + value.rindex("\n") + 1
            cursor.pos = start + len(value)
            cursor.column = cursor.pos - cursor.line_start + 1
            if kind in ignore:
                continue
            token = Token(kind, value, start, line, column, cursor.line, cursor.column, cursor.pos)
            retype = scanner.unless.get(kind)
            if retype:
                for name, index in retype:
                    if self._pattern(index).fullmatch(value):
                        token.type = name
                        break
            return token
        return None

    def _tokens(self, text: str, stack: list[int], cursor: _Cursor) -> Iterator[Token]:
        """lark's `ContextualLexer.lex`: each token lexed in the state the parser is in when it is
        asked for (read from `stack` at that moment)."""
        scanners, state_lexers = self._scanners, self.tables.state_lexers
        while True:
            index = state_lexers[stack[-1]]
            scanner = scanners[index] or self._scanner_at(index)
            try:
                token = self._next_token(scanner, text, cursor)
            except UnexpectedCharacters as error:
                try:
                    token = self._next_token(self._scanner_at(self.tables.root_lexer), text, cursor)
                except UnexpectedCharacters:
                    raise error from None
                if token is None:
                    raise error from None
                raise UnexpectedToken(token) from None
            if token is None:
                return
            yield token

    def _merged(self, stream: Iterator[Token]) -> Iterator[Token]:
        """python-hcl2's post-lexer: a newline token directly before one of `merge_into` becomes
        part of that token's text."""
        newline, into = self.tables.merge_newline, self.tables.merge_into
        pending: Token | None = None
        for token in stream:
            if token.type == newline:
                if pending is not None:
                    yield pending
                pending = token
                continue
            if pending is not None:
                if token.type in into:
                    token = token.borrow(token.type, str(pending) + str(token))
                else:
                    yield pending
                pending = None
            yield token
        if pending is not None:
            yield pending

    def parse(self, text: str) -> Any:
        tables = self.tables
        actions, rules, end_state = tables.actions, tables.rules, tables.end
        shifts = len(tables.state_lexers)  # codes below the number of states are shifts
        stack = [tables.start]
        values: list[Any] = []
        stream = self._tokens(text, stack, _Cursor())
        if tables.merge_newline is not None:
            stream = self._merged(stream)
        token: Token | None = None
        for token in stream:
            self._feed(token, stack, values, actions, rules, shifts, end_state, False)
        last = token.borrow("$END", "") if token else Token("$END", "", 0, 1, 1)
        return self._feed(last, stack, values, actions, rules, shifts, end_state, True)

    @staticmethod
    def _feed(
        token: Token,
        stack: list[int],
        values: list[Any],
        actions: Actions,
        rules: tuple[Rule, ...],
        shifts: int,
        end_state: int,
        is_end: bool,
    ) -> Any:
        """lark's `ParserState.feed_token`: reduce as the table says, then shift the token (or, at
        the end, return the tree once the end state is reached)."""
        kind = token.type
        while True:
            code = actions[stack[-1]].get(kind)
            if code is None:
                raise UnexpectedToken(token)
            if code < shifts:
                if is_end:
                    raise UnexpectedToken(token)
                stack.append(code)
                values.append(token)
                return None
            rule = rules[code - shifts]
            size = rule.size
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            keep = rule.keep
            if keep is not None:
                kept: list[Any] = []
                for index, inline, nones in keep:
                    if nones:
                        kept += [None] * nones
                    if inline:
                        if kept:
                            kept += children[index].children
                        else:
                            kept = children[index].children
                    else:
                        kept.append(children[index])
                if rule.append_none:
                    kept += [None] * rule.append_none
                children = kept
            value = children[0] if rule.expand1 and len(children) == 1 else Tree(rule.name, children)
            goto = actions[stack[-1]][rule.origin]
            stack.append(goto)
            values.append(value)
            if is_end and goto == end_state:
                return value
