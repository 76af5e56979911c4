"""Finding `checkov:skip=ID:reason` comments, the inline suppression Checkov users already write.

Parsers call this on the source lines of each resource; the scan later drops (or marks) the
findings they name. The syntax follows Checkov's: `checkov:skip=CKV_AMPLS_1:why`, reason optional.
"""

from __future__ import annotations

import re

from ampls_checks.model import Suppression

SKIP_COMMENT = re.compile(r"checkov:skip=\s*([A-Za-z0-9_*]+)(?:\s*:\s*([^\r\n]*?))?\s*(?:\*/|-->|\"|$)")


def skips_in_lines(lines: list[str], start_line: int, end_line: int) -> list[Suppression]:
    """Suppressions written between two 1-based lines, inclusive."""
    found: list[Suppression] = []
    for number in range(max(start_line, 1), min(end_line, len(lines)) + 1):
        line = lines[number - 1]
        if "checkov:skip" not in line:
            continue
        for match in SKIP_COMMENT.finditer(line):
            found.append(Suppression(match.group(1).upper(), (match.group(2) or "").strip(), number))
    return found
