"""ARM JSON deployment templates (being built: see issue 4)."""

from __future__ import annotations

from ..model import ParseResult


def parse_arm_files(files: list[tuple[str, str, str]], parameter_files: list[str]) -> ParseResult:
    return ParseResult()
