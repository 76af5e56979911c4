"""Reporters turn a scan report into bytes. Nothing else in the package prints findings.

Each reporter is a module with `render(report, context=None) -> str`; `FORMATS` maps a `--format`
name to its module, imported only when asked for. `ReportContext` carries what the report itself
does not: how many findings a baseline hid, and the directory relative paths are relative to.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Protocol

from ampls_checks.model import ScanReport

FORMATS = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "azure-devops": "azure_devops",
    "junitxml": "junit",
    "markdown": "markdown",
}


@dataclass(frozen=True)
class ReportContext:
    """`baseline` is the baseline file in use (None without one); `baselined` counts the findings
    it matched, which the report no longer holds. `root` is the directory that relative paths in
    the report start from (the working directory of the scan). `cloud` is the `--cloud` the scan
    checked against (the markdown picture draws the zones it requires but lacks)."""

    baseline: str | None = None
    baselined: int = 0
    root: str = field(default_factory=os.getcwd)
    cloud: str = "public"


class Reporter(Protocol):
    def __call__(self, report: ScanReport, context: ReportContext | None = None) -> str: ...


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    render: Reporter = module.render
    return render
