"""Reporters turn a scan report into bytes. Nothing else in the package prints findings.

Each reporter is a module with `render(report) -> str`; `FORMATS` maps a `--format` name to its
module, imported only when asked for.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from ..scan import ScanReport

FORMATS = {
    "text": "text",
    "json": "json_format",
}


class Reporter(Protocol):
    def __call__(self, report: ScanReport) -> str: ...


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    render: Reporter = module.render
    return render
