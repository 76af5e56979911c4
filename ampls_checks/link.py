"""The linker: references in the model become edges of one graph that checks walk.

It is the one place that decides what a `Ref` points at. A symbolic reference (`key`) names an
entity exactly; a name-only reference (a literal resource id, a `scope_name`) matches entities
of the right type by name within its own deployment unit, and becomes an `External` node when
that unit does not declare the resource; deployments meet only through a full identity (type,
name and resource group: `model.full_identity`), so scanning more files never changes how a
unit resolves its own references. Ambiguity and unknown values stay `Unknown`.

Edges built here (design.md): endpoint -> scope, scoped link -> scope and target,
endpoint -> zone group -> zones, zone -> vnet link -> vnet, endpoint -> subnet -> vnet.
"""

from __future__ import annotations

from typing import Any

from ampls_checks.model import (
    MONITOR_ARM_TYPES,
    SCOPE_TYPE,
    VNET_TYPE,
    ZONE_TYPE,
    DataCollectionRule,
    DataCollectionRuleAssociation,
    DnsZoneGroup,
    DnsZoneVnetLink,
    Entity,
    External,
    Graph,
    Maybe,
    MonitorResource,
    NetworkSecurityRule,
    Node,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Subnet,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
    ZoneNode,
    arm_type_of,
    full_identity,
    has_symbol,
    parent_of,
)


def link(entities: list[Entity]) -> Graph:
    graph = Graph()
    buckets: dict[type, list[Any]] = {
        PrivateLinkScope: graph.scopes,
        ScopedLink: graph.scoped_links,
        PrivateEndpoint: graph.endpoints,
        PrivateDnsZone: graph.zones,
        DnsZoneVnetLink: graph.vnet_links,
        VirtualNetwork: graph.vnets,
        Subnet: graph.subnets,
        MonitorResource: graph.monitors,
        NetworkSecurityRule: graph.nsg_rules,
        UnresolvedResource: graph.unresolved,
        DataCollectionRule: graph.rules,
        DataCollectionRuleAssociation: graph.rule_associations,
    }
    for entity in entities:
        if isinstance(entity, PrivateDnsZone) and has_symbol(entity.name):
            # zone names are the fixed privatelink names: one built from uniqueString() or a
            # subscription id is no name any check can judge
            entity.name = Unknown("the zone's name holds a value known only at deployment")
        buckets[type(entity)].append(entity)
        graph.by_key[entity.key] = entity
        arm_type = arm_type_of(entity)
        unknown_name = isinstance(entity.name, Unknown) and not getattr(entity, "external", False)
        if arm_type is not None and (has_symbol(entity.name) or has_symbol(entity.resource_group) or unknown_name):
            graph._symbol_named[(arm_type, entity.unit)].append(entity)
        if arm_type is not None and isinstance(entity.name, str):
            graph._by_name[(arm_type, entity.name.lower())].append(entity)
            declared = isinstance(entity, (PrivateDnsZone, VirtualNetwork)) and not entity.external
            symbols = has_symbol(entity.name) or has_symbol(entity.resource_group)
            if declared and isinstance(entity.resource_group, str) and not symbols:
                graph._declared[full_identity(arm_type, entity.name, entity.resource_group)].append(entity)

    for unresolved in graph.unresolved:
        if unresolved.kind in ("ScopedLink", "*"):
            graph.unknown_link_units.add(unresolved.unit)
        if unresolved.kind in ("DnsZoneVnetLink", "*"):
            graph.unknown_vnet_link_units.add(unresolved.unit)
        if unresolved.kind in ("DnsZoneGroup", "*"):
            graph.unknown_zone_group_units.add(unresolved.unit)

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
            graph.zone_vnet_links[graph.canonical(zone.identity)].append((vnet_link, vnet_value))
        else:
            graph.unknown_vnet_link_units.add(vnet_link.unit)
    return graph


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
            nodes.append(ZoneNode(target.name, graph.canonical(target.identity)))
        elif isinstance(target, Unknown):
            nodes.append(target)
        else:
            nodes.append(Unknown(f"{ref.describe() if isinstance(ref, Ref) else '?'} is not a private DNS zone"))
    return nodes
