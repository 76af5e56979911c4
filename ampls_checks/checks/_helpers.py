"""Small graph questions several checks ask."""

from __future__ import annotations

from ampls_checks.azure import MONITOR_ONLY_ZONES
from ampls_checks.model import (
    VNET_TYPE,
    DnsZoneVnetLink,
    Graph,
    Maybe,
    MonitorResource,
    PrivateDnsZone,
    PrivateEndpoint,
    Ref,
    Subnet,
    Unknown,
    VirtualNetwork,
    ZoneNode,
    parent_of,
)


def scope_endpoints(graph: Graph) -> list[PrivateEndpoint]:
    """Private endpoints whose target is a scope (declared or not) or that ask for `azuremonitor`."""
    return [e for e in graph.endpoints if graph.is_scope_endpoint(e)]


def endpoint_zone_nodes(graph: Graph, endpoint: PrivateEndpoint) -> list[ZoneNode] | Unknown:
    """All zones of all zone groups of an endpoint, or Unknown if any of them is unknown."""
    return graph.zone_group_zones(endpoint)


def is_linked(graph: Graph, monitor: MonitorResource) -> bool:
    return bool(graph.links_of(monitor))


def endpoint_network(graph: Graph, endpoint: PrivateEndpoint) -> VirtualNetwork | None:
    """The declared virtual network an endpoint's subnet belongs to; None when the subnet, or
    its network, is not declared in the scan or cannot be resolved."""
    ref = endpoint.subnet
    if not isinstance(ref, Ref):
        return None
    node: object = None
    if ref.key is not None:
        subnet = graph.by_key.get(ref.key)
        if isinstance(subnet, Subnet):
            node = graph.resolve(subnet.virtual_network, VNET_TYPE, subnet.unit)
    else:
        parent = parent_of(ref)
        if parent is not None and parent.arm_type == VNET_TYPE:
            node = graph.resolve(parent, VNET_TYPE, endpoint.unit)
    return node if isinstance(node, VirtualNetwork) else None


def endpoint_subnet(graph: Graph, endpoint: PrivateEndpoint) -> Subnet | None:
    """The declared subnet an endpoint sits in (a subnet resource, or one written inside its
    virtual network); None when it is not declared or not resolvable."""
    ref = endpoint.subnet
    if not isinstance(ref, Ref):
        return None
    if ref.key is not None:
        found = graph.by_key.get(ref.key)
        return found if isinstance(found, Subnet) else None
    network = endpoint_network(graph, endpoint)
    if network is None or ref.name is None or "/" not in ref.name:
        return None
    name = ref.name.rsplit("/", 1)[1]
    matches = [
        s
        for s in graph.subnets
        if isinstance(s.name, str)
        and s.name.lower() == name
        and isinstance(s.virtual_network, Ref)
        and s.virtual_network.key == network.key
    ]
    return matches[0] if len(matches) == 1 else None


AZURE_DNS = "168.63.129.16"  # Azure-provided DNS, the only resolver that answers private zones


def custom_dns_servers(network: VirtualNetwork) -> list[str] | Unknown:
    """The network's DNS servers other than Azure DNS: empty when it uses Azure DNS."""
    servers = network.dns_servers
    if servers is None:
        return []
    if isinstance(servers, Unknown):
        return servers
    for server in servers:
        if isinstance(server, Unknown):
            return server
    return [s for s in servers if isinstance(s, str) and s.strip() != AZURE_DNS]


LISTED = 10  # names a message lists before 'and N more': a message must not grow with the whole graph


def listed(names: list[str], limit: int = LISTED) -> str:
    """`a, b, c`, or the first `limit` names and how many more: with 10,000 scopes sharing a
    zone, 10,000 findings each naming all the others would be a report of 100 million names."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def empty_linked_zones(graph: Graph) -> list[tuple[PrivateDnsZone, list[tuple[DnsZoneVnetLink, Maybe[str]]]]]:
    """Azure Monitor-only zones declared in the scan that no scope endpoint (nor an endpoint that
    may be one) fills, each with its virtual network links that do not fall back to public
    resolution: the networks where Azure Monitor names resolve to NXDOMAIN. Deployments where an
    endpoint's zones cannot be seen are left out (unknown is never a finding)."""
    filled: set[str] = set()
    unsure_units: set[str] = set()
    for endpoint in graph.endpoints:
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown):
            unsure_units.add(endpoint.unit)
            continue
        if _may_be_scope_endpoint(graph, endpoint):
            filled.update(n.identity for n in nodes)
    found = []
    for zone in graph.zones:
        if zone.external or not isinstance(zone.name, str) or zone.name.lower() not in MONITOR_ONLY_ZONES:
            continue
        identity = graph.zone_identity(zone)
        if (
            identity in filled
            or zone.unit in unsure_units
            or zone.unit in graph.unknown_zone_group_units
            or graph.may_have(PrivateEndpoint, zone.unit)
        ):
            continue
        links = [
            (link, vnet)
            for link, vnet in graph.zone_vnet_links.get(identity, [])
            if not (isinstance(link.resolution_policy, str) and link.resolution_policy.lower() == "nxdomainredirect")
            and not isinstance(link.resolution_policy, Unknown)
        ]
        if links:
            found.append((zone, links))
    return found


def _may_be_scope_endpoint(graph: Graph, endpoint: PrivateEndpoint) -> bool:
    """A scope's endpoint, or one whose target cannot be evaluated and whose sub-resources do not
    rule out `azuremonitor`: its zone group may be what fills the zone."""
    if graph.is_scope_endpoint(endpoint):
        return True
    if isinstance(endpoint.connections, Unknown):
        return True
    for connection in endpoint.connections:
        if not isinstance(connection.target, Unknown):
            continue
        groups = connection.group_ids
        if isinstance(groups, Unknown) or not groups or any(isinstance(g, Unknown) for g in groups):
            return True
    return False
