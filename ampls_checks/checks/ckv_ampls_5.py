"""## What it does
Flags a private endpoint to a scope that has no private DNS zone group.

## Why is this bad?
Without a zone group nobody writes the endpoint's private IPs into the private DNS zones, so
clients keep resolving Azure Monitor host names to public addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._helpers import scope_endpoints
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        if isinstance(endpoint.zone_groups, list) and not endpoint.zone_groups:
            yield CHECK.finding(
                endpoint,
                "Private endpoint to an Azure Monitor Private Link Scope has no private DNS zone "
                "group; add one with the Azure Monitor private DNS zones",
            )


CHECK = Check(
    id="CKV_AMPLS_5",
    name="Private endpoint to an Azure Monitor Private Link Scope has a private DNS zone group",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
)
