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


@pytest.fixture(autouse=True)
def no_user_bicep_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Bicep's default module cache is `~/.bicep`: scans in this process see an empty home
    instead, so modules the machine restored never change a test's result (tests that read a
    module cache name it with `bicep_module_cache`)."""
    home = tmp_path_factory.getbasetemp() / "empty-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setattr("ampls_checks.units._home", lambda: str(home))
