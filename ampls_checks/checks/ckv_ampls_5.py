"""## What it does
Flags a private endpoint to a scope that has no private DNS zone group.

## Why is this bad?
Without a zone group nobody writes the endpoint's private IPs into the private DNS zones, so
clients keep resolving Azure Monitor host names to public addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..zones import MAX_ZONES_PER_GROUP, REQUIRED_ZONES
from ._helpers import scope_endpoints
from .base import Check, Finding, Settings, Severity


def _fix(settings: Settings) -> str:
    """What to add: the zones of the scanned cloud (five of them where the cloud needs more
    than a group holds, as in Azure Government; CKV_AMPLS_6 explains the sixth)."""
    zones = REQUIRED_ZONES[settings.cloud]
    if len(zones) > MAX_ZONES_PER_GROUP:
        return (
            f"add a private DNS zone group holding {MAX_ZONES_PER_GROUP} of the zones "
            f"{', '.join(zones)} (one group holds at most {MAX_ZONES_PER_GROUP})"
        )
    return f"add a private DNS zone group holding the zones {', '.join(zones)}"


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        # An unknown zone group list (a dynamic block over an unresolvable value) is not guessed.
        if isinstance(endpoint.zone_groups, list) and not endpoint.zone_groups:
            yield CHECK.finding(
                endpoint,
                "Private endpoint to an Azure Monitor Private Link Scope has no private DNS zone group, "
                f"so clients keep resolving Azure Monitor host names to public addresses: {_fix(settings)}",
            )


CHECK = Check(
    id="CKV_AMPLS_5",
    name="Private endpoint to an Azure Monitor Private Link Scope has a private DNS zone group",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
)
