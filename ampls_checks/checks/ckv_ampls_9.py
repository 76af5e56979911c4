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
                continue  # another service (a storage account's "blob" is right there), or unknown
            groups = connection.group_ids
            if isinstance(groups, Unknown) or any(isinstance(g, Unknown) for g in groups):
                continue
            if any(isinstance(g, str) and g.lower() == "azuremonitor" for g in groups):
                continue
            written = connection.group_ids_line not in (0, connection.line)
            # a written list is reported on its line; nothing written is an omission, on the resource
            line = connection.group_ids_line if written else endpoint.location.start_line
            if groups:
                quoted = ", ".join(f'"{g}"' for g in groups)
                message = (
                    f"Change the sub-resource (group id) {quoted} of this connection "
                    'to a private link scope to "azuremonitor", the only one a scope offers'
                )
            else:
                message = (
                    'Set the sub-resource (group id) of this connection to a private link scope to "azuremonitor", '
                    "the only one a scope offers"
                )
            yield CHECK.finding(
                endpoint, message, location=Location(endpoint.location.file, line, line, endpoint.location.language)
            )


CHECK = Check(
    id="CKV_AMPLS_9",
    name="Private endpoint to an Azure Monitor Private Link Scope uses the azuremonitor sub-resource",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
)
