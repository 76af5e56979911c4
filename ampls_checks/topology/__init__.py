"""The picture of a scan: what `ampls-checks graph` draws and what its `json` format is.

DNS and scope problems are about how things connect, so this turns the linked model the checks
read (`model.Graph`) into one plain structure of nodes and edges that every drawing format shares:

- nodes: every entity the parsers produced (scopes, endpoints, zones, virtual networks, monitor
  resources, and any kind added later, taken generically), each endpoint's DNS zone groups, and
  resources referred to but not declared in the scan (`external`);
- edges: endpoint -> scope, scope -> linked monitor resource (through each scoped link),
  endpoint -> zone group -> zone, endpoint -> virtual network (through its subnet),
  zone -> virtual network (through each virtual network link), and for other kinds every
  reference that names a declared entity;
- findings, each on the node it concerns (a zone group's finding on the group), the node taking
  the colour of its most severe active finding;
- ghosts, the pieces whose absence a finding reports, drawn dashed: the zones a zone group lacks
  (CKV_AMPLS_6), a missing zone group (CKV_AMPLS_5), a missing virtual network link (CKV_AMPLS_7),
  a scope's missing private endpoint (CKV_AMPLS_13). Ghosts follow findings only, so the picture
  never claims more than the checks do;
- unknowns: what could not be evaluated (a reference without a value, an endpoint's network, a
  zone group's zones), as `unknown` nodes and as a list with the reason.

Names from scanned files reach every format only through that format's own escaping.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.model import (
    DnsZoneVnetLink,
    Entity,
    External,
    Finding,
    Graph,
    MonitorResource,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Subnet,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
    shown,
)

JSON_VERSION = 1

SEVERITY_RANK = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}

# Columns of the drawing, left to right: what is monitored, the scopes, the endpoints into them,
# their zone groups, the zones, the networks. Other kinds go to the last column.
COLUMNS = ("monitor", "scope", "endpoint", "zone_group", "zone", "vnet", "other")

_EXTERNAL_KINDS = {
    "microsoft.insights/privatelinkscopes": "scope",
    "microsoft.network/privatednszones": "zone",
    "microsoft.network/virtualnetworks": "vnet",
}


@dataclass
class Node:
    id: str
    kind: str  # scope, endpoint, zone_group, zone, vnet, monitor, external, unknown, ghost, other
    label: str  # the type as people say it ("scope", "Log Analytics workspace")
    name: str  # the resource's name, or its address when the name is unknown
    address: str = ""
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    language: str | None = None
    column: str = "other"
    ghost: bool = False
    unknown: str | None = None  # why, when the node stands for something unknown
    findings: list[Finding] = field(default_factory=list)

    @property
    def severity(self) -> str | None:
        """The most severe active finding's severity: the colour of the node."""
        active = [f.severity.value for f in self.findings if f.suppression is None]
        return max(active, key=lambda s: SEVERITY_RANK.get(s, 0)) if active else None


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # connects_to, links, has_zone_group, uses_zone, in_network, linked_to, refers_to
    label: str = ""
    via: str | None = None  # the entity that makes the edge (a scoped link, a vnet link)
    ghost: bool = False


@dataclass
class Topology:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    unknowns: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unplaced: list[Finding] = field(default_factory=list)  # findings no node stands for
    # Entities drawn as edges (scoped links, virtual network links, subnets): in the json only.
    connectors: list[Node] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        return self.nodes.setdefault(node.id, node)

    def connect(self, edge: Edge) -> None:
        if edge.source in self.nodes and edge.target in self.nodes and edge not in self.edges:
            self.edges.append(edge)


def _text(value: Any) -> str | None:
    """A name as people read it: a symbol (model.symbol) as the expression it stands for."""
    return shown(value) if isinstance(value, str) else None


def _kind_of(entity: Entity) -> tuple[str, str, str]:
    """(node kind, label, column) of an entity."""
    if isinstance(entity, PrivateLinkScope):
        return "scope", "Private Link Scope", "scope"
    if isinstance(entity, PrivateEndpoint):
        return "endpoint", "private endpoint", "endpoint"
    if isinstance(entity, PrivateDnsZone):
        return ("external" if entity.external else "zone"), "private DNS zone", "zone"
    if isinstance(entity, VirtualNetwork):
        return ("external" if entity.external else "vnet"), "virtual network", "vnet"
    if isinstance(entity, MonitorResource):
        return "monitor", entity.kind.value.replace("_", " "), "monitor"
    if isinstance(entity, UnresolvedResource):
        return "unknown", f"unresolved {entity.kind}", "other"
    if isinstance(entity, ScopedLink):
        return "scoped_link", "scoped link", "other"
    if isinstance(entity, DnsZoneVnetLink):
        return "vnet_link", "virtual network link", "other"
    if isinstance(entity, Subnet):
        return "subnet", "subnet", "other"
    words = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in type(entity).__name__).strip()
    return "other", words, "other"


def _entity_node(entity: Entity) -> Node:
    kind, label, column = _kind_of(entity)
    name = _text(entity.name)
    return Node(
        id=entity.key,
        kind=kind,
        label=label,
        name=name or entity.address,
        address=entity.address,
        file=entity.location.file,
        line=entity.location.start_line,
        end_line=entity.location.end_line,
        language=entity.location.language.value,
        column=column,
        unknown=entity.name.reason if isinstance(entity.name, Unknown) and kind != "unknown" else None,
    )


def _external_node(node: External) -> Node:
    column = _EXTERNAL_KINDS.get(node.arm_type.lower(), "other")
    label = {"scope": "Private Link Scope", "zone": "private DNS zone", "vnet": "virtual network"}.get(column, "")
    return Node(
        id=node.identity,
        kind="external",
        label=f"{label or node.arm_type} (not in the scan)",
        name=shown(node.name),
        column=column,
    )


def _group_id(endpoint: PrivateEndpoint, index: int) -> str:
    return f"{endpoint.key}#zone_group[{index}]"


def build(graph: Graph, findings: list[Finding], cloud: str = "public") -> Topology:
    """The topology of one scan: `graph` as linked for the checks, `findings` as they reported."""
    topology = Topology(findings=list(findings))
    unknown_count = 0

    def unknown(source: str, what: str, reason: str, column: str) -> None:
        nonlocal unknown_count
        unknown_count += 1
        node_id = f"unknown:{unknown_count}"
        topology.add(Node(node_id, "unknown", what, "?", column=column, unknown=reason))
        topology.connect(Edge(source, node_id, "unknown", what))
        topology.unknowns.append({"entity": source, "what": what, "reason": reason})

    def target_node(value: Any) -> str | None:
        if isinstance(value, Entity):
            if value.key not in topology.nodes:
                topology.add(_entity_node(value))
            return value.key
        if isinstance(value, External):
            return topology.add(_external_node(value)).id
        return None

    drawn_as_edges = (ScopedLink, DnsZoneVnetLink, Subnet)
    for entity in graph.by_key.values():
        if isinstance(entity, drawn_as_edges):
            topology.connectors.append(_entity_node(entity))
        else:
            topology.add(_entity_node(entity))
            if isinstance(entity.name, Unknown) and not isinstance(entity, UnresolvedResource):
                topology.unknowns.append({"entity": entity.key, "what": "name", "reason": entity.name.reason})

    # endpoint -> scope, endpoint -> network, endpoint -> zone group -> zones
    for endpoint in graph.endpoints:
        for target in graph.scopes_of_endpoint(endpoint):
            if isinstance(target, Unknown):
                unknown(endpoint.key, "private link target", target.reason, "scope")
            else:
                node_id = target_node(target)
                if node_id is not None:
                    topology.connect(Edge(endpoint.key, node_id, "connects_to", "private link"))
        vnet = graph.endpoint_vnet.get(endpoint.key)
        if isinstance(vnet, Unknown):
            unknown(endpoint.key, "virtual network", vnet.reason, "vnet")
        elif isinstance(vnet, str):
            node_id = _vnet_node(topology, graph, vnet)
            topology.connect(Edge(endpoint.key, node_id, "in_network", "subnet in"))
        if isinstance(endpoint.zone_groups, Unknown):
            unknown(endpoint.key, "DNS zone groups", endpoint.zone_groups.reason, "zone_group")
            continue
        for index, group in enumerate(endpoint.zone_groups):
            group_id = _group_id(endpoint, index)
            topology.add(
                Node(
                    group_id,
                    "zone_group",
                    "DNS zone group",
                    _text(group.name) or "zone group",
                    address=group.address or endpoint.address,
                    file=group.location.file,
                    line=group.location.start_line,
                    end_line=group.location.end_line,
                    language=group.location.language.value,
                    column="zone_group",
                )
            )
            topology.connect(Edge(endpoint.key, group_id, "has_zone_group"))
            zones = graph.zones_of(group)
            if isinstance(zones, Unknown):
                unknown(group_id, "zones", zones.reason, "zone")
                continue
            for zone in zones:
                if isinstance(zone, Unknown):
                    unknown(group_id, "zone", zone.reason, "zone")
                    continue
                if zone.entity is not None:
                    zone_id = target_node(zone.entity) or zone.identity
                else:
                    zone_id = topology.add(
                        Node(
                            zone.identity,
                            "external",
                            "private DNS zone (not in the scan)",
                            _text(zone.name) or "?",
                            column="zone",
                        )
                    ).id
                topology.connect(Edge(group_id, zone_id, "uses_zone"))

    # scope -> monitor resource, one edge per scoped link
    for scoped in graph.scoped_links:
        linked_scope = graph.link_scope.get(scoped.key)
        linked = graph.link_target.get(scoped.key)
        scope_id = target_node(linked_scope) if not isinstance(linked_scope, Unknown) else None
        if scope_id is None:
            continue  # a link to no scope we can draw: its target has no place in the picture
        if isinstance(linked, Unknown):
            unknown(scope_id, "linked resource", linked.reason, "monitor")
            continue
        linked_id = target_node(linked)
        if linked_id is not None:
            topology.connect(Edge(scope_id, linked_id, "links", "scoped link", via=scoped.key))

    # zone -> network, one edge per virtual network link
    for identity, links in graph.zone_vnet_links.items():
        if identity not in topology.nodes:
            continue
        for vnet_link, linked_vnet in links:
            if isinstance(linked_vnet, Unknown):
                unknown(identity, "linked network", linked_vnet.reason, "vnet")
                continue
            topology.connect(
                Edge(identity, _vnet_node(topology, graph, linked_vnet), "linked_to", "vnet link", via=vnet_link.key)
            )

    # kinds this module does not know by name: every reference that names a declared entity
    known_kinds = (
        PrivateLinkScope,
        PrivateEndpoint,
        PrivateDnsZone,
        VirtualNetwork,
        MonitorResource,
        UnresolvedResource,
        *drawn_as_edges,
    )
    for entity in graph.by_key.values():
        if isinstance(entity, known_kinds):
            continue
        for item in dataclasses.fields(entity):
            for ref in _refs(getattr(entity, item.name)):
                if ref.key is not None and ref.key in graph.by_key:
                    referred: Any = graph.by_key[ref.key]
                elif ref.key is None and ref.arm_type is not None and ref.name is not None:
                    referred = graph.resolve(ref, ref.arm_type, entity.unit)  # a resource id by name
                else:
                    continue
                target_id = target_node(referred)
                if target_id is not None and target_id != entity.key:
                    topology.connect(Edge(entity.key, target_id, "refers_to", item.name.replace("_", " ")))

    _place_findings(topology, graph, findings)
    _add_ghosts(topology, graph, findings, cloud)
    return topology


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Ref)]
    return []


def _vnet_node(topology: Topology, graph: Graph, identity: str) -> str:
    entity = graph.by_key.get(identity)
    if entity is not None:
        return topology.add(_entity_node(entity)).id
    if identity in topology.nodes:
        return identity
    name = identity.split(":", 2)[-1].split("@", 1)[0] if identity.startswith("ext:") else identity
    return topology.add(Node(identity, "external", "virtual network (not in the scan)", name, column="vnet")).id


def _place_findings(topology: Topology, graph: Graph, findings: list[Finding]) -> None:
    """Each finding on the node it concerns: the zone group whose lines it points at, else the
    entity of its resource address (the one starting at the finding's resource line when several
    share the address, as module instances do)."""
    by_address: dict[str, list[Node]] = {}
    for node in topology.nodes.values():
        if node.address and node.kind != "zone_group":
            by_address.setdefault(node.address, []).append(node)
    groups = [n for n in topology.nodes.values() if n.kind == "zone_group"]
    for finding in findings:
        group = next(
            (
                g
                for g in groups
                if g.file == finding.file
                and g.line == finding.start_line
                and g.id.split("#", 1)[0] in graph.by_key
                and graph.by_key[g.id.split("#", 1)[0]].address == finding.resource
            ),
            None,
        )
        if group is not None:
            group.findings.append(finding)
            continue
        candidates = by_address.get(finding.resource, [])
        exact = [n for n in candidates if n.line == finding.resource_start_line and n.file == finding.file]
        same_file = [n for n in candidates if n.file == finding.file]
        chosen = exact or same_file or candidates
        if chosen:
            chosen[0].findings.append(finding)
        else:
            topology.unplaced.append(finding)


def _add_ghosts(topology: Topology, graph: Graph, findings: list[Finding], cloud: str) -> None:
    from ampls_checks.azure import REQUIRED_ZONES, Cloud

    active = [f for f in findings if f.suppression is None]
    endpoints = {e.address: e for e in graph.endpoints}
    for finding in active:
        endpoint = endpoints.get(finding.resource)
        if finding.check_id == "CKV_AMPLS_5" and endpoint is not None:
            ghost = topology.add(
                Node(
                    f"ghost:{endpoint.key}:zone_group",
                    "ghost",
                    "DNS zone group (missing)",
                    "no zone group",
                    column="zone_group",
                    ghost=True,
                )
            )
            topology.connect(Edge(endpoint.key, ghost.id, "has_zone_group", "missing", ghost=True))
        elif finding.check_id == "CKV_AMPLS_6" and endpoint is not None and isinstance(endpoint.zone_groups, list):
            present: set[str] = set()
            for group in endpoint.zone_groups:
                zones = graph.zones_of(group)
                if isinstance(zones, list):
                    present.update(
                        z.name.lower() for z in zones if not isinstance(z, Unknown) and isinstance(z.name, str)
                    )
            try:
                required = REQUIRED_ZONES[Cloud(cloud)]
            except ValueError:
                required = ()
            if not endpoint.zone_groups:
                continue
            group_id = _group_id(endpoint, 0)
            for zone in required:
                if zone in present:
                    continue
                ghost_id = f"ghost:{endpoint.key}:{zone}"
                topology.add(Node(ghost_id, "ghost", "private DNS zone (missing)", zone, column="zone", ghost=True))
                topology.connect(Edge(group_id, ghost_id, "uses_zone", "missing", ghost=True))
        elif finding.check_id == "CKV_AMPLS_7" and endpoint is not None:
            vnet = graph.endpoint_vnet.get(endpoint.key)
            if not isinstance(vnet, str) or isinstance(endpoint.zone_groups, Unknown):
                continue
            vnet_id = _vnet_node(topology, graph, vnet)
            for group in endpoint.zone_groups:
                zones = graph.zones_of(group)
                if isinstance(zones, Unknown):
                    continue
                for node in zones:
                    if isinstance(node, Unknown) or node.entity is None or node.entity.external:
                        continue
                    linked = [v for _l, v in graph.zone_vnet_links.get(node.identity, [])]
                    if vnet not in linked and node.entity.key in topology.nodes:
                        topology.connect(Edge(node.entity.key, vnet_id, "linked_to", "missing vnet link", ghost=True))
        elif finding.check_id == "CKV_AMPLS_13":
            scope = next((s for s in graph.scopes if s.address == finding.resource), None)
            if scope is not None and not graph.scope_endpoints.get(scope.key):
                ghost = topology.add(
                    Node(
                        f"ghost:{scope.key}:endpoint",
                        "ghost",
                        "private endpoint (missing)",
                        "no endpoint",
                        column="endpoint",
                        ghost=True,
                    )
                )
                topology.connect(Edge(ghost.id, scope.key, "connects_to", "missing", ghost=True))


# -- the json format -----------------------------------------------------------------------------


def _finding_json(finding: Finding, node: str | None) -> dict[str, Any]:
    return {
        "check_id": finding.check_id,
        "severity": finding.severity.value,
        "node": node,
        "resource": finding.resource,
        "file": finding.file,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "message": finding.message,
        "suppressed": finding.suppression is not None,
    }


def to_json(topology: Topology) -> dict[str, Any]:
    """The documented, stable form (README, "Seeing it: ampls-checks graph")."""
    nodes: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for node in [*ordered_nodes(topology), *topology.connectors]:
        nodes.append(
            {
                "id": node.id,
                "kind": node.kind,
                "label": node.label,
                "name": node.name,
                "address": node.address or None,
                "file": node.file,
                "line": node.line,
                "end_line": node.end_line,
                "language": node.language,
                "drawn": node.id in topology.nodes,
                "ghost": node.ghost,
                "unknown": node.unknown,
                "severity": node.severity,
                "findings": [f.check_id for f in node.findings if f.suppression is None],
            }
        )
        findings.extend(_finding_json(f, node.id) for f in node.findings)
    findings.extend(_finding_json(f, None) for f in topology.unplaced)
    findings.sort(key=lambda f: (f["file"], f["start_line"], f["check_id"], f["resource"]))
    return _shown_all(
        {
            "version": JSON_VERSION,
            "entities": nodes,
            "edges": [
                {
                    "from": edge.source,
                    "to": edge.target,
                    "kind": edge.kind,
                    "label": edge.label or None,
                    "via": edge.via,
                    "ghost": edge.ghost,
                }
                for edge in topology.edges
            ],
            "unknowns": topology.unknowns,
            "findings": findings,
        }
    )


def _shown_all(value: Any) -> Any:
    """Every string of the JSON form as people read it: ids and reasons may hold symbols."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown_all(v) for k, v in value.items()}
    return value


def ordered_nodes(topology: Topology) -> list[Node]:
    """Nodes in a stable drawing order: by column, then file and line, then id."""
    return sorted(
        topology.nodes.values(),
        key=lambda n: (COLUMNS.index(n.column), n.file or "\uffff", n.line or 0, n.id),
    )


__all__ = ["COLUMNS", "Edge", "Node", "Topology", "build", "ordered_nodes", "to_json"]
