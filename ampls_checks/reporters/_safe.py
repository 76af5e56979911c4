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

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none of them is ever
# part of a legitimate resource name or path, and each can break a line or steer a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# The Azure Pipelines agent looks for `##vso[` anywhere on a line (not only at its start).
_AZURE_COMMAND = "##vso["


def _escape_control(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """One printable line: control characters as backslash escapes, and no `##vso[`."""
    return _CONTROL.sub(_escape_control, text).replace(_AZURE_COMMAND, "##vso\\x5b")


def inert_line(line: str) -> str:
    """A line no CI runner reads as a command: GitHub Actions takes a line whose first
    non-blank characters are `::` (or the older `##[`) as a workflow command. Such a line here
    can only start with a file name, so `./` in front keeps it the same path."""
    stripped = line.lstrip()
    if stripped.startswith("::") or stripped.startswith("##["):
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
    return xml_text(visible(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (a JSON `\\ud800` escape in an ARM template
    decodes to one) becomes U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", text)
