"""The placeholders of a `format()` string (ARM and Bicep), found in one pass.

A regular expression such as `\\{(\\d+)(?:[,:][^}]*)?\\}` scans to the end of the string from every
`{` that is never closed: quadratic on a template written by a stranger (`{0,{0,{0,...`). Here
the next `}` is found once and reused by every `{` before it, so the scan is linear.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placeholder:
    """`{index}` (index set) or a placeholder with a specifier the evaluators do not apply
    (`{0:N2}`, or in Bicep anything else between braces): `text` is what is written."""

    text: str
    index: int | None


def format_pieces(template: str, *, any_braces: bool) -> list[str | Placeholder]:
    """Literal text and placeholders in order. `{{` and `}}` are literal braces. `any_braces`
    (Bicep) makes every `{...}` a placeholder; otherwise (ARM, .NET composite format) only
    `{digits}` and `{digits,...}` / `{digits:...}` are, and any other `{` is literal text."""
    pieces: list[str | Placeholder] = []
    literal: list[str] = []
    close = -2  # the next `}` at or after the current position; -1 when there is none
    position = 0
    size = len(template)
    while position < size:
        char = template[position]
        if char in "{}" and template.startswith(char * 2, position):
            literal.append(char)
            position += 2
            continue
        if char != "{":
            literal.append(char)
            position += 1
            continue
        if close != -1 and close < position:
            close = template.find("}", position)
        end = _placeholder_end(template, position, close, any_braces)
        if end < 0:
            literal.append(char)
            position += 1
            continue
        if literal:
            pieces.append("".join(literal))
            literal = []
        inner = template[position + 1 : end - 1]
        index = int(inner) if inner.isdecimal() else None
        pieces.append(Placeholder(template[position:end], index))
        position = end
    if literal:
        pieces.append("".join(literal))
    return pieces


def _placeholder_end(template: str, position: int, close: int, any_braces: bool) -> int:
    """Where the placeholder opening at `position` ends (after its `}`), or -1 if none does."""
    if close < 0:
        return -1
    if any_braces:
        return close + 1
    digits = position + 1
    while digits < len(template) and template[digits].isdecimal():
        digits += 1
    if digits == position + 1 or digits >= len(template):
        return -1
    if template[digits] == "}":
        return digits + 1
    if template[digits] in ",:":
        return close + 1
    return -1
