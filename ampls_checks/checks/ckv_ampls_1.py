"""## What it does
Flags an Azure Monitor Private Link Scope whose ingestion access mode is not `PrivateOnly`.

## Why is this bad?
With `Open`, networks connected to the scope can also send data to Azure Monitor resources that
are *not* in the scope, over the same private endpoint: data can leave for any workspace in any
tenant. The mode defaults to `Open` when it is omitted.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._access_mode import access_mode_findings
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        yield from access_mode_findings(CHECK, scope, "ingestion")


CHECK = Check(
    id="CKV_AMPLS_1",
    name="Azure Monitor Private Link Scope ingestion access mode is PrivateOnly",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks",
    run=run,
)
