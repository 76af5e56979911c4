"""Bicep files (being built: see issue 4)."""

from __future__ import annotations

from ..model import ParseResult


def parse_bicep_files(files: list[tuple[str, str, str]]) -> ParseResult:
    return ParseResult()
