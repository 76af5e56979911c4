"""## What it does
Flags a monitor resource linked to a scope that still accepts ingestion from public networks.

## Why is this bad?
Log Analytics ingestion uses workspace-specific endpoints that the scope's access mode does not
govern: only disabling public ingestion on the resource keeps data on the private path.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._public_access import public_access_findings
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    yield from public_access_findings(CHECK, graph, settings, "ingestion")


CHECK = Check(
    id="CKV_AMPLS_3",
    name="Monitor resource linked to a private link scope does not accept public ingestion",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#configure-access-to-your-resources",
    run=run,
)
