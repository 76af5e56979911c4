"""Finding `checkov:skip=ID:reason` comments, the inline suppression Checkov users already write.

Parsers call this on the source lines of each resource; the scan later drops (or marks) the
findings they name. The syntax follows Checkov's: `checkov:skip=CKV_AMPLS_1:why`, reason optional.
The text is scanned by hand, not with a regular expression: a comment holds anything the author
of a pull request wrote, and the natural pattern (a lazy reason before optional spaces and a
terminator) backtracks quadratically on a long run of spaces. Each scan is linear in the line.
"""

from __future__ import annotations

from ampls_checks.model import Suppression

MARKER = "checkov:skip="
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_*")
_TERMINATORS = ("*/", "-->", '"')  # where a comment (or an ARM metadata string) ends


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _terminator_at(text: str, position: int) -> int:
    """The length of the comment terminator at `position`, 0 when there is none; the end of the
    text (or a final newline) counts as one of length 0, -1 means no terminator."""
    for terminator in _TERMINATORS:
        if text.startswith(terminator, position):
            return len(terminator)
    if position == len(text) or (position == len(text) - 1 and text[position] == "\n"):
        return 0
    return -1


class _NextOf:
    """The next occurrence of a needle at or after a position, remembered: positions only grow
    while one line is scanned, so each needle is searched for in each part of the line once."""

    def __init__(self, text: str, needle: str) -> None:
        self.text, self.needle, self.found = text, needle, -2

    def at_or_after(self, position: int) -> int:
        if self.found != -1 and self.found < position:
            self.found = self.text.find(self.needle, position)
        return self.found if self.found >= 0 else len(self.text)


def find_skips(text: str) -> list[tuple[str, str]]:
    """(check id as written, reason) of every `checkov:skip=` in one line of text.

    An id must be followed, after optional spaces, by a terminator (`*/`, `-->`, a double quote
    or the end of the text), or by `:` and a reason that runs to the first terminator (spaces
    before it dropped) within one line."""
    found: list[tuple[str, str]] = []
    ends = [_NextOf(text, needle) for needle in (*_TERMINATORS, "\r", "\n")]
    start = text.find(MARKER)
    while start >= 0:
        position = _skip_spaces(text, start + len(MARKER))
        id_end = position
        while id_end < len(text) and text[id_end] in _ID_CHARS:
            id_end += 1
        resume = start + 1
        if id_end > position:
            check_id = text[position:id_end]
            matched = _reason(text, id_end, ends)
            if matched is not None:
                reason, resume = matched
                found.append((check_id, reason))
            else:
                after = _skip_spaces(text, id_end)
                length = _terminator_at(text, after)
                if length < 0 and check_id.endswith("*") and len(check_id) > 1 and text.startswith("/", id_end):
                    check_id, after, length = check_id[:-1], id_end - 1, 2  # `ID*/`: the `*` closes the comment
                if length >= 0:
                    found.append((check_id, ""))
                    resume = max(after + length, start + 1)
        start = text.find(MARKER, resume)
    return found


def _reason(text: str, position: int, ends: list[_NextOf]) -> tuple[str, int] | None:
    """The reason after `:` and where scanning resumes, or None when there is no `:` or the
    reason meets a line break before any terminator (spaces, line breaks among them, may still
    stand between the reason and its terminator)."""
    position = _skip_spaces(text, position)
    if position >= len(text) or text[position] != ":":
        return None
    position = _skip_spaces(text, position + 1)
    stop = min(end.at_or_after(position) for end in ends)
    length = _terminator_at(text, stop)
    if length >= 0:
        return text[position:stop].strip(), stop + length
    run_end = _skip_spaces(text, stop)  # a line break: only spaces may follow before a terminator
    length = _terminator_at(text, run_end)
    if length >= 0:
        return text[position:stop].strip(), run_end + length
    return None


def skips_in_lines(lines: list[str], start_line: int, end_line: int) -> list[Suppression]:
    """Suppressions written between two 1-based lines, inclusive."""
    found: list[Suppression] = []
    for number in range(max(start_line, 1), min(end_line, len(lines)) + 1):
        line = lines[number - 1]
        if MARKER not in line:
            continue
        for check_id, reason in find_skips(line):
            found.append(Suppression(check_id.upper(), reason, number))
    return found
