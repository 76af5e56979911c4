"""## What it does
Flags an Azure Monitor private DNS zone linked to a virtual network while no scope's private
endpoint fills it.

## Why is this bad?
Every Application Insights and query call from that network resolves to nothing (NXDOMAIN): the
classic landing-zone mistake of creating the zones "in preparation".
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from ..zones import MONITOR_ONLY_ZONES
from ._helpers import endpoint_zone_nodes
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    filled: set[str] = set()
    unsure_units: set[str] = set()
    for endpoint in graph.endpoints:
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown):
            unsure_units.add(endpoint.unit)
            continue
        if graph.is_scope_endpoint(endpoint):
            filled.update(n.identity for n in nodes)
    for zone in graph.zones:
        if zone.external or not isinstance(zone.name, str) or zone.name.lower() not in MONITOR_ONLY_ZONES:
            continue
        identity = graph.zone_identity(zone)
        if identity in filled or zone.unit in unsure_units:
            continue
        links = [
            link
            for link, _vnet in graph.zone_vnet_links.get(identity, [])
            if not (isinstance(link.resolution_policy, str) and link.resolution_policy.lower() == "nxdomainredirect")
            and not isinstance(link.resolution_policy, Unknown)
        ]
        if links:
            yield CHECK.finding(
                zone,
                f"Private DNS zone {zone.name} is linked to a virtual network ({links[0].address}) but no "
                "Azure Monitor private endpoint fills it: Azure Monitor names resolve to nothing there; "
                'add the zone to a scope endpoint\'s zone group, or set resolution_policy = "NxDomainRedirect" '
                "on the link, or remove the link",
            )


CHECK = Check(
    id="CKV_AMPLS_15",
    name="Azure Monitor private DNS zone linked to a network is filled by a scope endpoint",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#plan-by-network-topology",
    run=run,
)
