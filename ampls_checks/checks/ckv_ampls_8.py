"""## What it does
Flags scopes that share DNS: their endpoints use the same private DNS zones, or sit in virtual
networks linked to the same zones.

## Why is this bad?
Some Azure Monitor endpoints are global. A second scope writes the same DNS records as the first
and overrides them, breaking the other scope's traffic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..link import Graph
from ..model import PrivateLinkScope, Unknown
from ..zones import REQUIRED_ZONES
from ._helpers import endpoint_zone_nodes
from .base import Check, Finding, Settings, Severity

_MONITOR_ZONE_NAMES = frozenset(z for zones in REQUIRED_ZONES.values() for z in zones)


def _dns_of_scope(graph: Graph, scope: PrivateLinkScope) -> dict[str, str]:
    """Zone identity -> zone name, for every zone the scope's endpoints write or resolve through."""
    used: dict[str, str] = {}
    for endpoint in graph.scope_endpoints.get(scope.key, []):
        nodes = endpoint_zone_nodes(graph, endpoint)
        if not isinstance(nodes, Unknown):
            for node in nodes:
                if isinstance(node.name, str) and node.name.lower() in _MONITOR_ZONE_NAMES:
                    used[node.identity] = node.name.lower()
        vnet = graph.endpoint_vnet.get(endpoint.key)
        if vnet is None or isinstance(vnet, Unknown):
            continue
        for identity, links in graph.zone_vnet_links.items():
            if any(v == vnet for _link, v in links):
                zone = next((z for z in graph.zones if graph.zone_identity(z) == identity), None)
                if zone is not None and isinstance(zone.name, str) and zone.name.lower() in _MONITOR_ZONE_NAMES:
                    used[identity] = zone.name.lower()
    return used


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    users: dict[str, list[PrivateLinkScope]] = defaultdict(list)
    names: dict[str, str] = {}
    for scope in graph.scopes:
        for identity, name in _dns_of_scope(graph, scope).items():
            users[identity].append(scope)
            names[identity] = name
    for scope in graph.scopes:
        others: dict[str, PrivateLinkScope] = {}
        zones: set[str] = set()
        for identity, scopes in users.items():
            if scope in scopes and len(scopes) > 1:
                zones.add(names[identity])
                for other in scopes:
                    if other is not scope:
                        others[other.key] = other
        if others:
            yield CHECK.finding(
                scope,
                f"Scope shares private DNS zones ({', '.join(sorted(zones))}) with "
                f"{', '.join(sorted(o.address for o in others.values()))}; the later one overrides the "
                "other's records: use a single scope for all networks that share DNS",
            )


CHECK = Check(
    id="CKV_AMPLS_8",
    name="Only one Azure Monitor Private Link Scope uses a given private DNS",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#plan-by-network-topology",
    run=run,
)
