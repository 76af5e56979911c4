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

from ..link import ZONE_TYPE, Graph
from ..model import PrivateLinkScope, Unknown
from ..zones import REQUIRED_ZONES
from ._helpers import endpoint_zone_nodes
from .base import Check, Finding, Settings, Severity

_MONITOR_ZONE_NAMES = frozenset(z for zones in REQUIRED_ZONES.values() for z in zones)
_EXTERNAL_ZONE_PREFIX = f"ext:{ZONE_TYPE}:"


def _zone_names(graph: Graph) -> dict[str, str]:
    """Zone identity -> lower-case name, for every zone a vnet link points at: declared and
    looked-up zones by their name, zones named only by a literal id by the name the id spells."""
    names: dict[str, str] = {}
    for zone in graph.zones:
        if isinstance(zone.name, str):
            names.setdefault(graph.zone_identity(zone), zone.name.lower())
    for identity in graph.zone_vnet_links:
        if identity not in names and identity.startswith(_EXTERNAL_ZONE_PREFIX):
            names[identity] = identity[len(_EXTERNAL_ZONE_PREFIX) :].rsplit("@", 1)[0]
    return names


def _dns_of_scope(graph: Graph, scope: PrivateLinkScope, zone_names: dict[str, str]) -> dict[str, str]:
    """Zone identity -> zone name, for every Azure Monitor zone the scope's endpoints write
    (their zone groups) or resolve through (zones linked to the endpoint's virtual network)."""
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
            name = zone_names.get(identity)
            if name in _MONITOR_ZONE_NAMES and any(v == vnet for _link, v in links):
                used[identity] = name
    return used


def _label(other: PrivateLinkScope, scope: PrivateLinkScope) -> str:
    """The other scope's address, with its file when it belongs to another deployment."""
    if other.unit == scope.unit:
        return other.address
    return f"{other.address} ({other.location.file})"


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    zone_names = _zone_names(graph)
    users: dict[str, list[PrivateLinkScope]] = defaultdict(list)
    names: dict[str, str] = {}
    for scope in graph.scopes:
        for identity, name in _dns_of_scope(graph, scope, zone_names).items():
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
                f"Merge this scope and {', '.join(sorted(_label(o, scope) for o in others.values()))} into one scope, "
                f"because their networks share the private DNS zones {', '.join(sorted(zones))} and the records "
                "of one scope's endpoint override the other's",
            )


CHECK = Check(
    id="CKV_AMPLS_8",
    name="Only one Azure Monitor Private Link Scope uses a given private DNS",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#plan-by-network-topology",
    run=run,
)
