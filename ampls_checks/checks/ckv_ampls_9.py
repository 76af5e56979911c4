"""## What it does
Flags a private endpoint to a scope whose connection does not use the `azuremonitor` sub-resource.

## Why is this bad?
`azuremonitor` is the only group id an Azure Monitor Private Link Scope offers; anything else is
rejected at deployment or connects nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import External, Graph
from ..model import Location, PrivateLinkScope, Unknown
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in graph.endpoints:
        if not isinstance(endpoint.connections, list):
            continue
        for connection in endpoint.connections:
            target = graph.resolve(connection.target, "microsoft.insights/privatelinkscopes", endpoint.unit)
            if not isinstance(target, (PrivateLinkScope, External)):
                continue
            groups = connection.group_ids
            if isinstance(groups, Unknown) or any(isinstance(g, Unknown) for g in groups):
                continue
            if any(isinstance(g, str) and g.lower() == "azuremonitor" for g in groups):
                continue
            written = ", ".join(str(g) for g in groups) or "none"
            line = connection.group_ids_line or connection.line
            yield CHECK.finding(
                endpoint,
                f'Private endpoint to a private link scope uses sub-resource(s) {written}; use "azuremonitor"',
                location=Location(endpoint.location.file, line, line, endpoint.location.language),
            )


CHECK = Check(
    id="CKV_AMPLS_9",
    name="Private endpoint to an Azure Monitor Private Link Scope uses the azuremonitor sub-resource",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
)
