"""## What it does
Flags a private endpoint to a scope whose DNS zone group lacks zones the scope needs.

## Why is this bad?
Each missing zone leaves a family of Azure Monitor host names resolving to public addresses
(the blob zone, for example, stops Windows agents from fetching solution packs).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from ..zones import MAX_ZONES_PER_GROUP, REQUIRED_ZONES, Cloud, closest_zone
from ._helpers import endpoint_zone_nodes, scope_endpoints
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    required = REQUIRED_ZONES[settings.cloud]
    for endpoint in scope_endpoints(graph):
        if not isinstance(endpoint.zone_groups, list) or not endpoint.zone_groups:
            continue
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown) or any(isinstance(n.name, Unknown) for n in nodes):
            continue
        present = {str(n.name).lower() for n in nodes}
        missing = [z for z in required if z not in present]
        if not missing:
            continue
        hints = []
        for name in sorted(present - set(required)):
            guess = closest_zone(name, missing)
            if guess:
                hints.append(f"{name!r} looks like a typo, did you mean {guess!r}?")
        message = f"Private DNS zone group lacks {', '.join(missing)}; add the missing zones"
        if hints:
            message += "; " + " ".join(hints)
        if settings.cloud is Cloud.USGOVERNMENT and len(required) > MAX_ZONES_PER_GROUP:
            message += (
                f" (Azure Government needs {len(required)} zones but a zone group holds at "
                f"most {MAX_ZONES_PER_GROUP} and an endpoint supports one zone group: "
                "manage the records of the remaining zone outside the zone group)"
            )
        group = endpoint.zone_groups[0]
        yield CHECK.finding(endpoint, message, location=group.location)


CHECK = Check(
    id="CKV_AMPLS_6",
    name="Private DNS zone group of an Azure Monitor private endpoint has every required zone",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#azure-monitor-private-link-scope-ampls",
    run=run,
)
