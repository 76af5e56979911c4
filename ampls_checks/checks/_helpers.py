"""Small graph questions several checks ask."""

from __future__ import annotations

from ampls_checks.model import Graph, MonitorResource, PrivateEndpoint, Unknown, ZoneNode


def scope_endpoints(graph: Graph) -> list[PrivateEndpoint]:
    """Private endpoints whose target is a scope (declared or not) or that ask for `azuremonitor`."""
    return [e for e in graph.endpoints if graph.is_scope_endpoint(e)]


def endpoint_zone_nodes(graph: Graph, endpoint: PrivateEndpoint) -> list[ZoneNode] | Unknown:
    """All zones of all zone groups of an endpoint, or Unknown if any of them is unknown."""
    if isinstance(endpoint.zone_groups, Unknown):
        return endpoint.zone_groups
    nodes: list[ZoneNode] = []
    for group in endpoint.zone_groups:
        zones = graph.zones_of(group)
        if isinstance(zones, Unknown):
            return zones
        for zone in zones:
            if isinstance(zone, Unknown):
                return zone
            nodes.append(zone)
    return nodes


def is_linked(graph: Graph, monitor: MonitorResource) -> bool:
    return bool(graph.monitor_links.get(monitor.key))
