"""The linker: references in the model become edges of one graph that checks walk.

It is the one place that decides what a `Ref` points at. A symbolic reference (`key`) names an
entity exactly; a name-only reference (a literal resource id, a `scope_name`) matches entities
of the right type by name, preferring the same deployment unit, and becomes an `External` node
when the scan does not declare that resource. Ambiguity and unknown values stay `Unknown`.

Edges built here (design.md): endpoint -> scope, scoped link -> scope and target,
endpoint -> zone group -> zones, zone -> vnet link -> vnet, endpoint -> subnet -> vnet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from ampls_checks.model import (
    DnsZoneGroup,
    DnsZoneVnetLink,
    Entity,
    Maybe,
    MonitorKind,
    MonitorResource,
    NetworkSecurityRule,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Subnet,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
)
from ampls_checks.parsers.common.convert import parent_of

E = TypeVar("E", bound=Entity)

MONITOR_ARM_TYPES = {
    MonitorKind.LOG_ANALYTICS_WORKSPACE: "microsoft.operationalinsights/workspaces",
    MonitorKind.APPLICATION_INSIGHTS: "microsoft.insights/components",
    MonitorKind.DATA_COLLECTION_ENDPOINT: "microsoft.insights/datacollectionendpoints",
    MonitorKind.AZURE_MONITOR_WORKSPACE: "microsoft.monitor/accounts",
}
SCOPE_TYPE = "microsoft.insights/privatelinkscopes"
ZONE_TYPE = "microsoft.network/privatednszones"
VNET_TYPE = "microsoft.network/virtualnetworks"
SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets"


@dataclass(frozen=True)
class External:
    """A resource referred to by name but not declared in the scan (a hub zone, a shared vnet)."""

    arm_type: str
    name: str
    resource_group: str | None

    @property
    def identity(self) -> str:
        return f"ext:{self.arm_type}:{self.name}@{self.resource_group or '?'}"


Node = Entity | External


def arm_type_of(entity: Entity) -> str | None:
    if isinstance(entity, PrivateLinkScope):
        return SCOPE_TYPE
    if isinstance(entity, PrivateDnsZone):
        return ZONE_TYPE
    if isinstance(entity, VirtualNetwork):
        return VNET_TYPE
    if isinstance(entity, MonitorResource):
        return MONITOR_ARM_TYPES[entity.kind]
    return None


@dataclass
class ZoneNode:
    """A zone as an endpoint's zone group sees it: declared in the scan or only named."""

    name: Maybe[str]
    identity: str
    entity: PrivateDnsZone | None = None


@dataclass
class Graph:
    """Entities by kind plus the resolved edges. Checks read only this."""

    scopes: list[PrivateLinkScope] = field(default_factory=list)
    scoped_links: list[ScopedLink] = field(default_factory=list)
    endpoints: list[PrivateEndpoint] = field(default_factory=list)
    zones: list[PrivateDnsZone] = field(default_factory=list)
    vnet_links: list[DnsZoneVnetLink] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    monitors: list[MonitorResource] = field(default_factory=list)
    nsg_rules: list[NetworkSecurityRule] = field(default_factory=list)
    unresolved: list[UnresolvedResource] = field(default_factory=list)
    by_key: dict[str, Entity] = field(default_factory=dict)

    # edges (Unknown where a reference could not be resolved)
    link_scope: dict[str, Maybe[Node] | None] = field(default_factory=dict)
    link_target: dict[str, Maybe[Node] | None] = field(default_factory=dict)
    scope_links: dict[str, list[ScopedLink]] = field(default_factory=lambda: defaultdict(list))
    monitor_links: dict[str, list[ScopedLink]] = field(default_factory=lambda: defaultdict(list))
    endpoint_scopes: dict[str, list[Maybe[Node]]] = field(default_factory=dict)
    scope_endpoints: dict[str, list[PrivateEndpoint]] = field(default_factory=lambda: defaultdict(list))
    group_zones: dict[int, Maybe[list[Maybe[ZoneNode]]]] = field(default_factory=dict)
    endpoint_vnet: dict[str, Maybe[str] | None] = field(default_factory=dict)
    zone_vnet_links: dict[str, list[tuple[DnsZoneVnetLink, Maybe[str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unknown_link_units: set[str] = field(default_factory=set)
    unknown_vnet_link_units: set[str] = field(default_factory=set)
    _by_name: dict[tuple[str, str], list[Entity]] = field(default_factory=lambda: defaultdict(list))

    # -- resolution -------------------------------------------------------------------------

    def resolve(self, ref: Maybe[Ref] | None, arm_type: str, unit: str) -> Maybe[Node] | None:
        """What a reference points at: an entity, an `External`, `Unknown`, or None when it
        points at a declared resource of another kind (an endpoint to a storage account)."""
        if ref is None or isinstance(ref, Unknown):
            return ref
        if ref.key is not None:
            entity = self.by_key.get(ref.key)
            if entity is not None:
                return entity if arm_type_of(entity) == arm_type else None
            if ref.key.startswith("tf:"):
                return None  # a declared resource of a type no check reads
        if ref.name is None:
            return Unknown(f"cannot resolve {ref.describe()}")
        if ref.arm_type is not None and ref.arm_type != arm_type:
            return None
        candidates = [
            e
            for e in self._by_name.get((arm_type, ref.name.lower()), [])
            if ref.resource_group is None
            or not isinstance(e.resource_group, str)
            or e.resource_group.lower() == ref.resource_group
        ]
        same_unit = [e for e in candidates if e.unit == unit]
        if same_unit:
            candidates = same_unit
        else:
            # Another deployment's resource is the same one only when both name its resource
            # group and the groups agree; a bare name there would be a guess.
            candidates = [e for e in candidates if ref.resource_group is not None and isinstance(e.resource_group, str)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            return Unknown(f"{ref.name} matches {len(candidates)} declared resources")
        return External(arm_type, ref.name.lower(), ref.resource_group)

    def may_have(self, kind: type[Entity], unit: str) -> bool:
        """Whether the unit declares resources of `kind` whose instances are unknown."""
        return any(u.unit == unit and u.kind in (kind.__name__, "*") for u in self.unresolved)

    def zone_identity(self, zone: PrivateDnsZone) -> str:
        """Declared zones are themselves; zones only looked up (data sources) are the hub zone
        they name, so two lookups of one hub zone are one zone."""
        if not zone.external or not isinstance(zone.name, str):
            return zone.key
        declared = [
            z
            for z in self._by_name.get((ZONE_TYPE, zone.name.lower()), [])
            if isinstance(z, PrivateDnsZone) and not z.external and _same_group(z.resource_group, zone.resource_group)
        ]
        if len(declared) == 1:
            return declared[0].key
        if isinstance(zone.resource_group, str):
            return External(ZONE_TYPE, zone.name.lower(), zone.resource_group.lower()).identity
        return zone.key

    def vnet_identity(self, node: Maybe[Node] | None) -> Maybe[str] | None:
        if node is None or isinstance(node, Unknown):
            return node
        if isinstance(node, External):
            return node.identity
        if (
            isinstance(node, VirtualNetwork)
            and node.external
            and isinstance(node.name, str)
            and isinstance(node.resource_group, str)
        ):
            return External(VNET_TYPE, node.name.lower(), node.resource_group.lower()).identity
        return node.key

    def zones_of(self, group: DnsZoneGroup) -> Maybe[list[Maybe[ZoneNode]]]:
        return self.group_zones.get(id(group), Unknown("zone group not linked"))

    def scopes_of_endpoint(self, endpoint: PrivateEndpoint) -> list[Maybe[Node]]:
        return self.endpoint_scopes.get(endpoint.key, [])

    def is_scope_endpoint(self, endpoint: PrivateEndpoint) -> bool:
        """An endpoint to a scope: its target is a scope, or it asks for `azuremonitor`."""
        if any(isinstance(t, (PrivateLinkScope, External)) for t in self.scopes_of_endpoint(endpoint)):
            return True
        if isinstance(endpoint.connections, list):
            for connection in endpoint.connections:
                if isinstance(connection.group_ids, list) and any(
                    isinstance(g, str) and g.lower() == "azuremonitor" for g in connection.group_ids
                ):
                    return True
        return False


def link(entities: list[Entity]) -> Graph:
    graph = Graph()
    buckets: dict[type, list[Entity]] = {
        PrivateLinkScope: graph.scopes,
        ScopedLink: graph.scoped_links,  # type: ignore[dict-item]
        PrivateEndpoint: graph.endpoints,
        PrivateDnsZone: graph.zones,  # type: ignore[dict-item]
        DnsZoneVnetLink: graph.vnet_links,
        VirtualNetwork: graph.vnets,  # type: ignore[dict-item]
        Subnet: graph.subnets,
        MonitorResource: graph.monitors,  # type: ignore[dict-item]
        NetworkSecurityRule: graph.nsg_rules,  # type: ignore[dict-item]
        UnresolvedResource: graph.unresolved,  # type: ignore[dict-item]
    }
    for entity in entities:
        buckets[type(entity)].append(entity)
        graph.by_key[entity.key] = entity
        arm_type = arm_type_of(entity)
        if arm_type is not None and isinstance(entity.name, str):
            graph._by_name[(arm_type, entity.name.lower())].append(entity)

    for unresolved in graph.unresolved:
        if unresolved.kind in ("ScopedLink", "*"):
            graph.unknown_link_units.add(unresolved.unit)
        if unresolved.kind in ("DnsZoneVnetLink", "*"):
            graph.unknown_vnet_link_units.add(unresolved.unit)

    for scoped in graph.scoped_links:
        scope = graph.resolve(scoped.scope, SCOPE_TYPE, scoped.unit)
        graph.link_scope[scoped.key] = scope
        if isinstance(scope, PrivateLinkScope):
            graph.scope_links[scope.key].append(scoped)
        target = _resolve_monitor(graph, scoped.linked_resource, scoped.unit)
        graph.link_target[scoped.key] = target
        if isinstance(target, MonitorResource):
            graph.monitor_links[target.key].append(scoped)
        if isinstance(target, Unknown) or target is None and not isinstance(scoped.linked_resource, Ref):
            graph.unknown_link_units.add(scoped.unit)

    for endpoint in graph.endpoints:
        targets: list[Maybe[Node]] = []
        if isinstance(endpoint.connections, Unknown):
            targets.append(endpoint.connections)
        else:
            for connection in endpoint.connections:
                target = graph.resolve(connection.target, SCOPE_TYPE, endpoint.unit)
                if target is not None:
                    targets.append(target)
                    if isinstance(target, PrivateLinkScope):
                        graph.scope_endpoints[target.key].append(endpoint)
        graph.endpoint_scopes[endpoint.key] = targets
        graph.endpoint_vnet[endpoint.key] = _endpoint_vnet(graph, endpoint)
        if isinstance(endpoint.zone_groups, list):
            for group in endpoint.zone_groups:
                graph.group_zones[id(group)] = _group_zones(graph, group, endpoint.unit)

    for vnet_link in graph.vnet_links:
        zone = graph.resolve(vnet_link.zone, ZONE_TYPE, vnet_link.unit)
        vnet = graph.vnet_identity(graph.resolve(vnet_link.virtual_network, VNET_TYPE, vnet_link.unit))
        vnet_value: Maybe[str] = vnet if vnet is not None else Unknown("vnet reference is not a vnet")
        if isinstance(zone, PrivateDnsZone):
            graph.zone_vnet_links[graph.zone_identity(zone)].append((vnet_link, vnet_value))
        elif isinstance(zone, External):
            graph.zone_vnet_links[zone.identity].append((vnet_link, vnet_value))
        else:
            graph.unknown_vnet_link_units.add(vnet_link.unit)
    return graph


def _same_group(a: object, b: object) -> bool:
    """Resource groups match when equal, or when either is not known."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return True


def _resolve_monitor(graph: Graph, ref: Maybe[Ref], unit: str) -> Maybe[Node] | None:
    if isinstance(ref, Unknown):
        return ref
    if ref.key is not None:
        entity = graph.by_key.get(ref.key)
        return entity if isinstance(entity, MonitorResource) else None
    for arm_type in MONITOR_ARM_TYPES.values():
        if ref.arm_type in (None, arm_type):
            found = graph.resolve(ref, arm_type, unit)
            if isinstance(found, (MonitorResource, Unknown)):
                return found
    return None


def _endpoint_vnet(graph: Graph, endpoint: PrivateEndpoint) -> Maybe[str] | None:
    ref = endpoint.subnet
    if ref is None or isinstance(ref, Unknown):
        return ref
    if ref.key is not None:
        subnet = graph.by_key.get(ref.key)
        if not isinstance(subnet, Subnet):
            return Unknown(f"subnet {ref.describe()} is not declared in the scan")
        return graph.vnet_identity(graph.resolve(subnet.virtual_network, VNET_TYPE, subnet.unit))
    parent = parent_of(ref)
    if parent is None or parent.arm_type != VNET_TYPE:
        return Unknown(f"subnet {ref.describe()} does not name its virtual network")
    return graph.vnet_identity(graph.resolve(parent, VNET_TYPE, endpoint.unit))


def _group_zones(graph: Graph, group: DnsZoneGroup, unit: str) -> Maybe[list[Maybe[ZoneNode]]]:
    if isinstance(group.zones, Unknown):
        return group.zones
    nodes: list[Maybe[ZoneNode]] = []
    for ref in group.zones:
        target = graph.resolve(ref, ZONE_TYPE, unit)
        if isinstance(target, PrivateDnsZone):
            nodes.append(ZoneNode(target.name, graph.zone_identity(target), target))
        elif isinstance(target, External):
            nodes.append(ZoneNode(target.name, target.identity))
        elif isinstance(target, Unknown):
            nodes.append(target)
        else:
            nodes.append(Unknown(f"{ref.describe() if isinstance(ref, Ref) else '?'} is not a private DNS zone"))
    return nodes
