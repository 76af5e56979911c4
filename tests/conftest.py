"""Shared helpers: fixtures live on disk; tests read like specifications."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def in_dir():
    """Run a block with a given working directory (display paths are relative to it)."""
    previous = os.getcwd()

    def change(path: Path) -> None:
        os.chdir(path)

    yield change
    os.chdir(previous)
