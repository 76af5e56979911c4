"""## What it does
Flags a monitor resource linked to a scope that still accepts queries from public networks.

## Why is this bad?
The data behind the private link can still be read from any network.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._public_access import public_access_findings
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    yield from public_access_findings(CHECK, graph, settings, "query")


CHECK = Check(
    id="CKV_AMPLS_4",
    name="Monitor resource linked to a private link scope does not accept public queries",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#configure-access-to-your-resources",
    run=run,
)
