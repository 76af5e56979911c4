"""## What it does
Flags an Azure Monitor Private Link Scope whose query access mode is not `PrivateOnly`.

## Why is this bad?
With `Open`, clients on the private network can query Azure Monitor resources outside the scope
through the private endpoint. The mode defaults to `Open` when it is omitted.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._access_mode import access_mode_findings
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        yield from access_mode_findings(CHECK, scope, "query")


CHECK = Check(
    id="CKV_AMPLS_2",
    name="Azure Monitor Private Link Scope query access mode is PrivateOnly",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks",
    run=run,
)
