"""A JSON decoder whose objects and arrays know their lines, for ARM templates.

The idea is cfn-lint's (decode once into values that carry their marks, so every finding maps
back to a line without reading the file again); the code is ours. Objects decode to
`JsonObject` (a dict) and arrays to `JsonArray` (a list); each knows the line it starts and ends
on, and the line of each key (or item). Scalars are plain Python values: their line is the one
their parent records for them.

ARM templates are JSON with comments: Azure CLI and PowerShell accept `//` and `/* */` comments
and strings that span lines ("Template syntax", learn.microsoft.com/azure/azure-resource-manager/
templates/syntax#comments), so this decoder does too. A UTF-8 byte order mark is skipped.

The decoder is iterative, so no input can exhaust Python's stack here; it refuses nesting deeper
than `MAX_DEPTH` because the evaluation that follows walks values recursively, and no real
template comes near that depth.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 200
MAX_INTEGER_DIGITS = 4000  # under Python's int-to-string limit (4300): such a number is an error


class JsonObject(dict):  # type: ignore[type-arg]
    """A decoded JSON object with its start and end lines and the line of each key."""

    __slots__ = ("line", "end_line", "key_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.end_line = line
        self.key_lines: dict[str, int] = {}


class JsonArray(list):  # type: ignore[type-arg]
    """A decoded JSON array with its start and end lines and the line of each item."""

    __slots__ = ("line", "end_line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.end_line = line
        self.item_lines: list[int] = []


class JsonDecodeError(Exception):
    """The text is not JSON (with comments); `line` is where the decoder stopped."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_TOKEN = re.compile(
    r"""
    [ \t\r\n]*  # leading white space belongs to the token (fewer matches on indented files)
    (?:
        (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (?P<word>true|false|null)
      | (?P<punct>[{}\[\]:,])
      | (?P<end>\Z)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None}

# decoder states
_VALUE = 0  # a value is expected (top level, after ':' or ',' in an array)
_FIRST_ITEM = 1  # after '[': a value or ']'
_AFTER_ITEM = 2  # in an array after a value: ',' or ']'
_FIRST_KEY = 3  # after '{': a key or '}'
_KEY = 4  # after ',' in an object: a key
_COLON = 5  # after a key: ':'
_AFTER_PAIR = 6  # in an object after a value: ',' or '}'
_DONE = 7


def _string_value(token: str, line: int) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        value = json.loads(token, strict=False)  # strict=False: line breaks inside strings
    except json.JSONDecodeError as exc:
        raise JsonDecodeError(f"invalid escape in string: {exc.msg}", line) from None
    return str(value)


def _number_value(token: str, line: int) -> int | float:
    if "." in token or "e" in token or "E" in token:
        return float(token)
    if len(token) > MAX_INTEGER_DIGITS:  # int() refuses these; ARM's integers are 64-bit anyway
        raise JsonDecodeError(f"an integer of {len(token)} digits is over the limit of {MAX_INTEGER_DIGITS}", line)
    return int(token)


def _describe(text: str, position: int) -> str:
    if position >= len(text):
        return "unexpected end of file"
    char = text[position]
    if char == '"':
        return "unterminated string"
    if text.startswith("/*", position):
        return "unterminated comment"
    return f"unexpected character {char!r}"


def decode(text: str) -> Any:
    """Decode `text` (JSON with comments) into `JsonObject`/`JsonArray`/plain scalars.

    Raises `JsonDecodeError` with the line where decoding stopped."""
    position = 1 if text.startswith("\ufeff") else 0
    length = len(text)
    line = 1
    state = _VALUE
    stack: list[JsonObject | JsonArray] = []
    keys: list[str] = []  # the pending key of each open object
    root: Any = None
    match = _TOKEN.match
    while True:
        found = match(text, position)
        if found is None:
            while position < length and text[position] in " \t\r\n":
                line += text[position] == "\n"
                position += 1
            raise JsonDecodeError(_describe(text, position), line)
        kind = found.lastgroup
        start = found.start(kind)  # type: ignore[arg-type]  # one group always matches
        if start > position:
            line += text.count("\n", position, start)
        position = found.end()
        if kind == "end":
            if state == _DONE:
                return root
            raise JsonDecodeError("unexpected end of file", line)
        token = text[start:position]
        if kind == "comment":
            line += token.count("\n")
            continue
        token_line = line
        if kind == "string":
            line += token.count("\n")
        if state == _DONE:
            raise JsonDecodeError("extra data after the end of the document", token_line)

        if state == _COLON:
            if token != ":":
                raise JsonDecodeError("expected ':' after a key", token_line)
            state = _VALUE
            continue
        if state in (_FIRST_KEY, _KEY):
            if kind == "string":
                keys.append(_string_value(token, token_line))
                top = stack[-1]
                assert isinstance(top, JsonObject)
                top.key_lines[keys[-1]] = token_line
                state = _COLON
                continue
            if token == "}" and state == _FIRST_KEY:
                state = _close(stack, token_line)
                continue
            raise JsonDecodeError("expected a property name in double quotes", token_line)
        if state in (_AFTER_ITEM, _AFTER_PAIR):
            closing = "]" if state == _AFTER_ITEM else "}"
            if token == ",":
                state = _VALUE if state == _AFTER_ITEM else _KEY
                continue
            if token == closing:
                state = _close(stack, token_line)
                continue
            raise JsonDecodeError(f"expected ',' or '{closing}'", token_line)

        # a value is expected (_VALUE or _FIRST_ITEM)
        if token == "]" and state == _FIRST_ITEM:
            state = _close(stack, token_line)
            continue
        value: Any
        opened = False
        if kind == "string":
            value = _string_value(token, token_line)
        elif kind == "number":
            value = _number_value(token, token_line)
        elif kind == "word":
            value = _WORDS[token]
        elif token == "{":
            value = JsonObject(token_line)
            opened = True
        elif token == "[":
            value = JsonArray(token_line)
            opened = True
        else:
            raise JsonDecodeError(f"expected a value, found {token!r}", token_line)
        if stack:
            parent = stack[-1]
            if isinstance(parent, JsonArray):
                parent.append(value)
                parent.item_lines.append(token_line)
            else:
                parent[keys.pop()] = value  # a repeated key keeps the last value, as JSON parsers do
        else:
            root = value
        if opened:
            if len(stack) >= MAX_DEPTH:
                raise JsonDecodeError(f"nested deeper than {MAX_DEPTH} levels", token_line)
            stack.append(value)
            state = _FIRST_ITEM if isinstance(value, JsonArray) else _FIRST_KEY
        else:
            state = _after_value(stack)


def _after_value(stack: list[JsonObject | JsonArray]) -> int:
    if not stack:
        return _DONE
    return _AFTER_ITEM if isinstance(stack[-1], JsonArray) else _AFTER_PAIR


def _close(stack: list[JsonObject | JsonArray], line: int) -> int:
    closed = stack.pop()
    closed.end_line = line
    return _after_value(stack)


def plain(value: Any) -> Any:
    """A decoded value as plain dicts and lists (iteratively: values may be deep)."""
    if not isinstance(value, (dict, list)):
        return value
    out: Any = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, out)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            copied = item
            if isinstance(item, (dict, list)):
                copied = {} if isinstance(item, dict) else []
                pending.append((item, copied))
            if isinstance(target, dict):
                target[key] = copied
            else:
                target.append(copied)
    return out
