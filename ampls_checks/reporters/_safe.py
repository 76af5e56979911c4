"""Making text from scanned files safe to print, whatever it holds.

Resource names, map keys and file names come from the repository under scan, which may be written
by a stranger (a pull request). Printed as they are, a newline followed by `::warning::` becomes a
GitHub Actions workflow command, `##vso[` anywhere on a line becomes an Azure Pipelines logging
command, and an escape sequence drives the terminal. Each reporter passes such text through one of
these functions; the annotation reporters have their own escaping on top (see github.py and
azure_devops.py).
"""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the bidirectional
# embedding, override and isolate controls (they make a line read differently from what it holds),
# and lone surrogates (a file name that is not UTF-8, or a `\ud800` escape in JSON): none of them
# is ever part of a legitimate resource name or path, and each can break a line, steer a
# terminal, disguise text or fail to encode.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_CONTROL_BUT_SURROGATES = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")  # XML: see xml_text
_CONTROL_BUT_BREAKS = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# The Azure Pipelines agent looks for `##vso[` anywhere on a line (not only at its start), and the
# GitHub Actions runner for its legacy commands (`##[error]`, `##[add-mask]`, `##[set-output]`,
# `##[stop-commands]`...) anywhere on a line too.
_AZURE_COMMAND = "##vso["
_GITHUB_LEGACY_COMMAND = "##["


def _escape_control(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def no_commands(text: str) -> str:
    """Text in which no CI runner finds a command that starts mid-line (`##vso[`, `##[`)."""
    return text.replace(_AZURE_COMMAND, "##vso\\x5b").replace(_GITHUB_LEGACY_COMMAND, "##\\x5b")


def visible(text: str) -> str:
    """One printable line: control characters as backslash escapes, and no `##vso[` or `##[`."""
    return no_commands(_CONTROL.sub(_escape_control, text))


def _one_line(text: str) -> str:
    """Control characters as backslash escapes, and no `##vso[`: for documents that no runner
    reads line by line as a log (an XML attribute), where `##[` is left as written."""
    return _CONTROL_BUT_SURROGATES.sub(_escape_control, text).replace(_AZURE_COMMAND, "##vso\\x5b")


def annotation_text(text: str) -> str:
    """Text for an annotation command (GitHub, Azure Pipelines), whose own escaping then takes
    care of line breaks and `%`: encodable, no other control or bidi character. A line that
    starts with its own command is read as that command alone, so `##[` in its data is inert."""
    return _CONTROL_BUT_BREAKS.sub(_escape_control, unicode_text(text))


def inert_line(line: str) -> str:
    """A line no CI runner reads as a command: GitHub Actions takes a line whose first
    non-blank characters are `::` (or the older `##[`) as a workflow command. Such a line here
    can only start with a file name, so `./` in front keeps it the same path."""
    line = no_commands(line)  # the pieces were made safe; what joins them may not be
    stripped = line.lstrip()
    if stripped.startswith("::"):
        return "./" + line
    return line


# XML 1.0 allows tab, newline, carriage return and these ranges, nothing else, not even as a
# character reference: https://www.w3.org/TR/xml/#charsets
# Compiled on first use: this class, with its astral range, takes Python's regex compiler
# several milliseconds, and only the JUnit reporter needs it.
_NOT_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def xml_text(text: str) -> str:
    """Text that can go into an XML 1.0 document: forbidden characters become `\\xNN` escapes."""
    return re.sub(_NOT_XML, lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else "\ufffd", text)


def xml_attribute(text: str) -> str:
    """Like `xml_text`, and single-line: an attribute value's newlines are normalised away by XML
    parsers, so they are written as visible escapes instead."""
    return xml_text(_one_line(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (a JSON `\\ud800` escape in an ARM template
    decodes to one) becomes U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", text)


def encodable(value: Any) -> Any:
    """A JSON-like document with every string (keys too) passed through `unicode_text`."""
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encodable(item) for item in value]
    return value
