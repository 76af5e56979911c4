"""One mapping for the ARM resource shape, shared by ARM JSON, Bicep and Terraform's azapi.

All three write the same resource body (`properties.accessModeSettings.ingestionAccessMode`...).
Each language's evaluator hands over `ArmResource`s, resource bodies with their values evaluated
(plain values, `Unknown`, or `Ref` for references it resolved symbolically) and a way to find the
line of any path in the body. The declarative table `SPECS` says, per resource type, where each
model field lives as a `jsonpath-ng` expression; `build_entities` applies it. Child resources
(zone groups, scoped resources, virtual network links, subnets, security rules) name their parent
through `parent`, and zone groups are attached to their endpoint here.

Platform defaults (ARM reference and domain.md): a scope's access modes default to `Open` (the
`2019-10-17-preview` API has none, which is `Open`); `publicNetworkAccessForIngestion` and
`ForQuery` default to `Enabled`; a data collection endpoint's `networkAcls.publicNetworkAccess`
and an Azure Monitor workspace's `publicNetworkAccess` default to `Enabled`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.azure import EXTERNAL_ENTITY_TYPES
from ampls_checks.model import (
    AccessModeExclusion,
    DataCollectionRule,
    DataCollectionRuleAssociation,
    DnsZoneGroup,
    DnsZoneVnetLink,
    Entity,
    IpConfiguration,
    Location,
    Maybe,
    MonitorKind,
    MonitorResource,
    NetworkSecurityRule,
    Note,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    ServiceConnection,
    Subnet,
    Suppression,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
    has_symbol,
    parse_arm_id,
)
from ampls_checks.parsers.common.convert import as_str, enabled_flag

Path = tuple[str | int, ...]


@dataclass
class ArmResource:
    """One evaluated resource in ARM shape.

    `type` is the full type (`Microsoft.Network/privateEndpoints/privateDnsZoneGroups` for a
    child), `name` the full name (`pe/default`). `parent` is the parent resource's reference for
    child resources. `line_of(path)` returns the line where a body path is written, or None.
    `external` marks resources only referred to (Bicep `existing`, ARM `"existing": true`): only
    zones, virtual networks and subnets become (external) entities, known by name; other types
    are only ever referred to. `resource_group` is the group the resource is deployed to, when
    the source says it (a nested deployment's `resourceGroup`); None when it does not.
    """

    type: str
    name: Maybe[str]
    body: dict[str, Any]
    key: str
    address: str
    location: Location
    unit: str
    line_of: Callable[[Path], int | None]
    suppressions: list[Suppression] = field(default_factory=list)
    parent: Maybe[Ref] | None = None
    external: bool = False
    resource_group: Maybe[str] | None = None
    # The API version when it is not in the body (Bicep's `type@version`, azapi's `type`), and
    # the lines of header fields written outside the body (`apiVersion`, `location`).
    api_version: Maybe[str] | None = None
    header_lines: dict[str, int] = field(default_factory=dict)

    @property
    def arm_type(self) -> str:
        return self.type.lower()


@functools.cache
def _compiled(expression: str) -> Any:
    from jsonpath_ng.parser import parse  # imported on first use: ARM/Bicep scans only

    return parse(expression)


def _path_of(full_path: Any) -> Path:
    out: list[str | int] = []
    for part in str(full_path).split("."):
        if part.startswith("[") and part.endswith("]"):
            inner = part[1:-1]
            out.append(int(inner) if inner.isdigit() else inner)
        else:
            out.append(part)
    return tuple(out)


class Body:
    """Reads fields of one body (or a part of it) through jsonpath expressions."""

    def __init__(self, resource: ArmResource, value: Any, prefix: Path, notes: list[Note]) -> None:
        self.resource = resource
        self.value = value
        self.prefix = prefix
        self.notes = notes

    def find(self, expression: str) -> list[tuple[Any, Path]]:
        if isinstance(self.value, Unknown):
            return []
        try:
            matches = _compiled(expression).find(self.value)
        except (TypeError, AttributeError, KeyError):
            return []
        return [(m.value, self.prefix + _path_of(m.full_path)) for m in matches]

    def get(self, expression: str) -> Any:
        """The value at `expression`; None when absent, Unknown when a step on the way is.

        Property names match in any case: Resource Manager reads request bodies without regard
        to the case of property names, so `"AccessModeSettings"` is `accessModeSettings`."""
        return self._walk(expression)[0]

    def line(self, expression: str) -> int | None:
        return self.resource.line_of(self.prefix + self._walk(expression)[1])

    def _walk(self, expression: str) -> tuple[Any, Path]:
        """The value at `expression` and the path to it as the body writes it (the written case
        of each property name, so that `line_of` finds it)."""
        current: Any = self.value
        written: list[str | int] = []
        steps = expression.split(".")
        for position, step in enumerate(steps):
            if isinstance(current, Unknown):
                return current, (*written, *steps[position:])
            if not isinstance(current, dict):
                return None, (*written, *steps[position:])
            key = step if step in current else next((k for k in current if k.lower() == step.lower()), step)
            written.append(key)
            current = current.get(key)
            if current is None:
                return None, (*written, *steps[position + 1 :])
        return current, tuple(written)

    def each(self, expression: str) -> Maybe[list[Body]] | None:
        """The elements of an array field as sub-bodies; None when absent."""
        array = self.get(expression)
        if array is None or isinstance(array, Unknown):
            return array
        if not isinstance(array, list):
            return Unknown(f"{expression} is not an array")
        base = self.prefix + self._walk(expression)[1]
        return [Body(self.resource, item, (*base, i), self.notes) for i, item in enumerate(array)]

    def note_unknown(self, expression: str, value: Any) -> Any:
        if isinstance(value, Unknown):
            line = self.line(expression) or self.resource.location.start_line
            self.notes.append(
                Note(
                    self.resource.location.file,
                    line,
                    f"{self.resource.address}: {expression} is unknown: {value.reason}",
                )
            )
        return value


def path_present(value: Any, path: Path) -> bool:
    """Whether an evaluated body holds `path` (or might: an unknown part on the way counts), so
    `line_of` answers only for what is there."""
    for step in path:
        if isinstance(value, Unknown):
            return True
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return False
        if value is None:
            return False
    return True


def to_ref(value: Any) -> Maybe[Ref] | None:
    if value is None or isinstance(value, (Unknown, Ref)):
        return value
    if isinstance(value, str):
        parsed = parse_arm_id(value)
        return parsed if parsed is not None else Unknown(f"{value!r} is not a resource id")
    return Unknown(f"expected a resource id, got {type(value).__name__}")


def _strings(value: Any) -> Maybe[list[Maybe[str]]]:
    if value is None:
        return []
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        return Unknown("expected an array of strings")
    return [v if isinstance(v, Unknown) else as_str(v) or Unknown("empty") for v in value]


def _header(resource: ArmResource, field_name: str) -> tuple[Any, int | None]:
    """A top-level field (`location`, `apiVersion`) and its line, wherever the language writes it."""
    body = Body(resource, resource.body, (), [])
    value = body.get(field_name)
    line = body.line(field_name) if value is not None else None
    return value, resource.header_lines.get(field_name) or line


def _common(resource: ArmResource, lines: dict[str, int]) -> dict[str, Any]:
    name = resource.name
    if isinstance(name, str) and "/" in name:
        name = name.rsplit("/", 1)[1]
    region, region_line = _header(resource, "location")
    if region_line is not None and "location" not in lines:
        lines = {**lines, "location": region_line}
    return {
        "region": as_str(region) if not isinstance(region, (dict, list)) else Unknown("location is not a string"),
        "key": resource.key,
        "address": resource.address,
        "location": resource.location,
        "name": name,
        "resource_group": resource.resource_group,
        "unit": resource.unit,
        "attr_lines": {k: v for k, v in lines.items() if v is not None},
        "suppressions": resource.suppressions,
    }


# -- one builder per resource type ------------------------------------------------------------


def _scope(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    ingestion_path = "properties.accessModeSettings.ingestionAccessMode"
    query_path = "properties.accessModeSettings.queryAccessMode"
    ingestion = b.note_unknown(ingestion_path, as_str(b.get(ingestion_path)))
    query = b.note_unknown(query_path, as_str(b.get(query_path)))
    exclusions: Maybe[list[AccessModeExclusion]] = []
    found = b.each("properties.accessModeSettings.exclusions")
    if isinstance(found, Unknown):
        exclusions = found
    elif found:
        exclusions = [
            AccessModeExclusion(
                connection_name=as_str(e.get("privateEndpointConnectionName")) or Unknown("no name"),
                ingestion_access_mode=as_str(e.get("ingestionAccessMode")),
                query_access_mode=as_str(e.get("queryAccessMode")),
                line=e.line("ingestionAccessMode")
                or e.line("queryAccessMode")
                or b.line("properties.accessModeSettings.exclusions")
                or r.location.start_line,
                ingestion_line=e.line("ingestionAccessMode") or 0,
                query_line=e.line("queryAccessMode") or 0,
            )
            for e in found
        ]
    api_version, api_line = _header(r, "apiVersion")
    if r.api_version is not None:
        api_version = r.api_version
    lines = {
        "ingestion_access_mode": b.line(ingestion_path),
        "query_access_mode": b.line(query_path),
        "api_version": api_line or r.location.start_line,
    }
    return [
        PrivateLinkScope(
            **_common(r, {k: v for k, v in lines.items() if v is not None}),
            ingestion_access_mode="Open" if ingestion is None else ingestion,
            query_access_mode="Open" if query is None else query,
            exclusions=exclusions,
            api_version=as_str(api_version),
        )
    ]


def _scoped_resource(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    target = b.note_unknown("properties.linkedResourceId", to_ref(b.get("properties.linkedResourceId")))
    return [
        ScopedLink(
            **_common(r, {"linked_resource": b.line("properties.linkedResourceId") or 0}),
            scope=r.parent if r.parent is not None else Unknown("no parent scope"),
            linked_resource=target if target is not None else Unknown("linkedResourceId not written"),
        )
    ]


def _connections(b: Body, notes_path: str) -> Maybe[list[ServiceConnection]]:
    out: list[ServiceConnection] = []
    for path in ("properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"):
        items = b.each(path)
        if isinstance(items, Unknown):
            return items
        for item in items or []:
            target = item.note_unknown(
                "properties.privateLinkServiceId", to_ref(item.get("properties.privateLinkServiceId"))
            )
            out.append(
                ServiceConnection(
                    target=target if target is not None else Unknown("privateLinkServiceId not written"),
                    group_ids=_strings(item.get("properties.groupIds")),
                    line=item.resource.line_of(item.prefix) or b.resource.location.start_line,
                    group_ids_line=item.line("properties.groupIds") or 0,
                )
            )
    return out


def _endpoint(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    subnet = b.note_unknown("properties.subnet.id", to_ref(b.get("properties.subnet.id")))
    configurations: Maybe[list[IpConfiguration]] = []
    found = b.each("properties.ipConfigurations")
    if isinstance(found, Unknown):
        configurations = found
    elif found:
        configurations = [
            IpConfiguration(
                name=as_str(c.get("name")),
                group_id=as_str(c.get("properties.groupId")),
                member_name=as_str(c.get("properties.memberName")),
                private_ip=as_str(c.get("properties.privateIPAddress")),
                line=r.line_of(c.prefix) or r.location.start_line,
            )
            for c in found
        ]
    lines = {"ip_configurations": b.line("properties.ipConfigurations")}
    return [
        PrivateEndpoint(
            **_common(r, {k: v for k, v in lines.items() if v is not None}),
            subnet=subnet,
            connections=_connections(b, "properties"),
            zone_groups=[],  # zone groups are child resources, attached in build_entities
            ip_configurations=configurations,
        )
    ]


def _prefixes(b: Body) -> tuple[Maybe[list[Maybe[str]]] | None, int | None]:
    """A subnet's `properties.addressPrefixes` (or the single `addressPrefix`) and its line."""
    for path in ("properties.addressPrefixes", "properties.addressPrefix"):
        value = b.get(path)
        if value is None:
            continue
        if isinstance(value, (list, Unknown)):
            return _strings(value), b.line(path)
        return [as_str(value) or Unknown("empty prefix")], b.line(path)
    return None, None


@dataclass
class DnsZoneGroupChild:
    """A `privateDnsZoneGroups` child waiting to be attached to its endpoint."""

    parent: Maybe[Ref] | None
    group: DnsZoneGroup
    suppressions: list[Suppression]
    unit: str = ""
    key: str = ""


def _zone_group(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    configs = b.each("properties.privateDnsZoneConfigs")
    zones: Maybe[list[Maybe[Ref]]]
    if isinstance(configs, Unknown):
        zones = configs
    else:
        zones = []
        for config in configs or []:
            ref = config.note_unknown("properties.privateDnsZoneId", to_ref(config.get("properties.privateDnsZoneId")))
            zones.append(ref if ref is not None else Unknown("privateDnsZoneId not written"))
    name = r.name.rsplit("/", 1)[-1] if isinstance(r.name, str) else r.name
    group = DnsZoneGroup(name=name, zones=zones, location=r.location, address=r.address)
    return [DnsZoneGroupChild(r.parent, group, r.suppressions, r.unit, r.key)]


def _zone(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    return [PrivateDnsZone(**_common(r, {}), external=r.external)]


def _vnet_link(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    vnet = b.note_unknown("properties.virtualNetwork.id", to_ref(b.get("properties.virtualNetwork.id")))
    policy = as_str(b.get("properties.resolutionPolicy"))
    return [
        DnsZoneVnetLink(
            **_common(r, {}),
            zone=r.parent if r.parent is not None else Unknown("no parent zone"),
            virtual_network=vnet if vnet is not None else Unknown("virtualNetwork.id not written"),
            resolution_policy=policy,
        )
    ]


def _vnet(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    servers = b.get("properties.dhcpOptions.dnsServers")
    dns_servers = None if servers is None or servers == [] else _strings(servers)
    lines = {"dns_servers": b.line("properties.dhcpOptions.dnsServers")} if servers else {}
    out: list[Entity | DnsZoneGroupChild] = [
        VirtualNetwork(
            **_common(r, {k: v for k, v in lines.items() if v is not None}),
            external=r.external,
            dns_servers=dns_servers,
        )
    ]
    subnets = b.each("properties.subnets")
    if isinstance(subnets, list):
        for position, subnet in enumerate(subnets):
            name = as_str(subnet.get("name"))
            key = f"{r.key}/subnets/{name if isinstance(name, str) else position}"
            line = r.line_of(subnet.prefix) or r.location.start_line
            prefixes, prefix_line = _prefixes(subnet)
            out.append(
                Subnet(
                    key=key,
                    address=f"{r.address}.subnets[{position}]",
                    location=Location(r.location.file, line, line, r.location.language),
                    name=name if isinstance(name, str) else Unknown("subnet name unknown"),
                    unit=r.unit,
                    virtual_network=Ref(key=r.key),
                    address_prefixes=prefixes,
                    attr_lines={"address_prefixes": prefix_line} if prefix_line is not None else {},
                    suppressions=r.suppressions,
                )
            )
    return out


def _subnet(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    prefixes, prefix_line = _prefixes(b)
    return [
        Subnet(
            **_common(r, {"address_prefixes": prefix_line} if prefix_line is not None else {}),
            virtual_network=r.parent if r.parent is not None else Unknown("no parent"),
            address_prefixes=prefixes,
        )
    ]


def _monitor(
    kind: MonitorKind, ingestion_path: str | None, query_path: str | None
) -> Callable[[ArmResource, Body], list[Entity | DnsZoneGroupChild]]:
    def build(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
        def flag(path: str | None) -> Maybe[bool] | None:
            if path is None:
                return None
            value = b.note_unknown(path, enabled_flag(b.get(path)))
            return True if value is None else value  # documented default: Enabled

        lines = {p: b.line(p) for p in (ingestion_path, query_path) if p is not None}
        workspace = None
        if kind is MonitorKind.APPLICATION_INSIGHTS:
            # workspace-based components name their Log Analytics workspace
            path = "properties.WorkspaceResourceId"
            workspace = b.note_unknown(path, to_ref(b.get(path)))
            if workspace is not None:
                lines["workspace"] = b.line(path)
        return [
            MonitorResource(
                **_common(r, {k: v for k, v in lines.items() if v is not None}),
                kind=kind,
                public_ingestion=flag(ingestion_path),
                public_query=flag(query_path),
                ingestion_attribute=ingestion_path or "",
                query_attribute=query_path or "",
                workspace=workspace,
            )
        ]

    return build


def _collection_rule(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    """`Microsoft.Insights/dataCollectionRules`: its endpoint and the resources it sends to."""
    path = "properties.dataCollectionEndpointId"
    endpoint = b.note_unknown(path, to_ref(b.get(path)))
    destinations: Maybe[list[Maybe[Ref]]] = []
    for array, field_name in (
        ("properties.destinations.logAnalytics", "workspaceResourceId"),
        ("properties.destinations.monitoringAccounts", "accountResourceId"),
    ):
        items = b.each(array)
        if isinstance(items, Unknown):
            destinations = items
            break
        for item in items or []:
            ref = item.note_unknown(field_name, to_ref(item.get(field_name)))
            if isinstance(destinations, list):
                destinations.append(ref if ref is not None else Unknown(f"{field_name} not written"))
    lines = {"endpoint": b.line(path)} if endpoint is not None else {}
    return [
        DataCollectionRule(
            **_common(r, {k: v for k, v in lines.items() if v is not None}),
            endpoint=endpoint,
            destinations=destinations,
        )
    ]


def _rule_association(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    """`Microsoft.Insights/dataCollectionRuleAssociations`: an extension resource whose target
    machine is its `scope`, which the shape does not carry (target stays None)."""
    rule_path, endpoint_path = "properties.dataCollectionRuleId", "properties.dataCollectionEndpointId"
    rule = b.note_unknown(rule_path, to_ref(b.get(rule_path)))
    endpoint = b.note_unknown(endpoint_path, to_ref(b.get(endpoint_path)))
    lines = {"rule": b.line(rule_path) if rule is not None else None}
    lines["endpoint"] = b.line(endpoint_path) if endpoint is not None else None
    return [
        DataCollectionRuleAssociation(
            **_common(r, {k: v for k, v in lines.items() if v is not None}), rule=rule, endpoint=endpoint
        )
    ]


def _rule_from(r: ArmResource, b: Body, common: dict[str, Any]) -> NetworkSecurityRule:
    single = as_str(b.get("properties.destinationAddressPrefix"))
    many = _strings(b.get("properties.destinationAddressPrefixes"))
    prefixes: Maybe[list[Maybe[str]]]
    attribute = ""
    if isinstance(single, Unknown):
        prefixes = single
    elif isinstance(many, Unknown):
        prefixes = many
    else:
        prefixes = [*([single] if single is not None else []), *many]
        if single is not None:
            attribute = "properties.destinationAddressPrefix"
        elif many:
            attribute = "properties.destinationAddressPrefixes"
    if attribute:
        line = b.line(attribute)
        if line is not None:
            common["attr_lines"] = {**common["attr_lines"], attribute: line}
    direction = as_str(b.get("properties.direction"))
    access = as_str(b.get("properties.access"))
    return NetworkSecurityRule(
        **common,
        direction=direction if direction is not None else Unknown("direction not written"),
        access=access if access is not None else Unknown("access not written"),
        destination_prefixes=prefixes,
        destination_attribute=attribute,
    )


def _nsg(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    rules = b.each("properties.securityRules")
    out: list[Entity | DnsZoneGroupChild] = []
    if not isinstance(rules, list):
        return out
    for position, rule in enumerate(rules):
        line = r.line_of(rule.prefix) or r.location.start_line
        name = as_str(rule.get("name"))
        common = {
            "key": f"{r.key}/securityRules/{position}",
            "address": f"{r.address}.securityRules[{position}]",
            "location": Location(r.location.file, line, line, r.location.language),
            "name": name if isinstance(name, str) else Unknown("no name"),
            "resource_group": None,
            "unit": r.unit,
            "attr_lines": {},
            "suppressions": r.suppressions,
        }
        out.append(_rule_from(r, rule, common))
    return out


def _security_rule(r: ArmResource, b: Body) -> list[Entity | DnsZoneGroupChild]:
    return [_rule_from(r, b, _common(r, {}))]


Builder = Callable[[ArmResource, Body], list[Entity | DnsZoneGroupChild]]

# Where each model field lives in the ARM shape, per resource type (lower case).
SPECS: dict[str, Builder] = {
    "microsoft.insights/privatelinkscopes": _scope,
    "microsoft.insights/privatelinkscopes/scopedresources": _scoped_resource,
    "microsoft.network/privateendpoints": _endpoint,
    "microsoft.network/privateendpoints/privatednszonegroups": _zone_group,
    "microsoft.network/privatednszones": _zone,
    "microsoft.network/privatednszones/virtualnetworklinks": _vnet_link,
    "microsoft.network/virtualnetworks": _vnet,
    "microsoft.network/virtualnetworks/subnets": _subnet,
    "microsoft.operationalinsights/workspaces": _monitor(
        MonitorKind.LOG_ANALYTICS_WORKSPACE,
        "properties.publicNetworkAccessForIngestion",
        "properties.publicNetworkAccessForQuery",
    ),
    "microsoft.insights/components": _monitor(
        MonitorKind.APPLICATION_INSIGHTS,
        "properties.publicNetworkAccessForIngestion",
        "properties.publicNetworkAccessForQuery",
    ),
    "microsoft.insights/datacollectionendpoints": _monitor(
        MonitorKind.DATA_COLLECTION_ENDPOINT, "properties.networkAcls.publicNetworkAccess", None
    ),
    "microsoft.monitor/accounts": _monitor(MonitorKind.AZURE_MONITOR_WORKSPACE, None, "properties.publicNetworkAccess"),
    "microsoft.insights/datacollectionrules": _collection_rule,
    "microsoft.insights/datacollectionruleassociations": _rule_association,
    "microsoft.network/networksecuritygroups": _nsg,
    "microsoft.network/networksecuritygroups/securityrules": _security_rule,
}

RELEVANT_ARM_TYPES = frozenset(SPECS)

# Resources only referred to (`existing`) become entities only of these types: a zone's or a
# network's name is what links and endpoints point at; a scope or a workspace that is only
# referred to is not something this scan can judge.


def build_entities(resources: list[ArmResource]) -> ParseResult:
    """Apply `SPECS` to every resource and attach zone groups to their endpoints."""
    result = ParseResult()
    pending_groups: list[DnsZoneGroupChild] = []
    for resource in resources:
        builder = SPECS.get(resource.arm_type)
        if builder is None or (resource.external and resource.arm_type not in EXTERNAL_ENTITY_TYPES):
            continue
        body = Body(resource, resource.body, (), result.notes)
        for item in builder(resource, body):
            if isinstance(item, DnsZoneGroupChild):
                pending_groups.append(item)
            else:
                result.entities.append(item)
    endpoints = [e for e in result.entities if isinstance(e, PrivateEndpoint)]
    by_key = {e.key: e for e in endpoints}
    for child in pending_groups:
        endpoint = _parent_endpoint(child.parent, by_key, endpoints)
        if endpoint is None:
            if _unknown_parent(child.parent, endpoints):
                # It belongs to some endpoint, perhaps one of these: which endpoints have which
                # zone groups is unknown in this deployment, not "none".
                result.notes.append(
                    Note(
                        child.group.location.file,
                        child.group.location.start_line,
                        f"{child.group.address}: "
                        "the endpoint of this zone group cannot be resolved, so checks about missing zone "
                        "groups and zones are silent in this deployment",
                    )
                )
                result.entities.append(
                    UnresolvedResource(
                        key=f"{child.key}[?]",
                        address=child.group.address,
                        location=child.group.location,
                        unit=child.unit,
                        kind="DnsZoneGroup",
                    )
                )
            continue
        if isinstance(endpoint.zone_groups, list):
            endpoint.zone_groups.append(child.group)
        endpoint.suppressions.extend(s for s in child.suppressions if s not in endpoint.suppressions)
    return result


def _unknown_parent(parent: Maybe[Ref] | None, endpoints: list[PrivateEndpoint]) -> bool:
    """A parent endpoint that cannot be told: not evaluated, a name several endpoints have, or a
    declaration whose name is unknown and that is no endpoint of this deployment (the `existing`
    view of its endpoint a compiled Bicep module declares beside a zone group, in a nested
    deployment: with the name unknown, which endpoint it is cannot be told)."""
    if parent is None or isinstance(parent, Unknown):
        return True
    if parent.key is not None and parent.name is None:
        return parent.key not in {e.key for e in endpoints}
    if parent.key is None and parent.name is not None:
        matches = sum(1 for e in endpoints if isinstance(e.name, str) and e.name.lower() == parent.name.lower())
        # a name known only at deployment (model.symbol) may be any endpoint's, and any may be it
        symbols = has_symbol(parent.name) or any(has_symbol(e.name) for e in endpoints)
        return matches > 1 or (matches == 0 and symbols)
    return parent.key is None and parent.name is None


def _parent_endpoint(
    parent: Maybe[Ref] | None, by_key: dict[str, PrivateEndpoint], endpoints: list[PrivateEndpoint]
) -> PrivateEndpoint | None:
    if parent is None or isinstance(parent, Unknown):
        return None
    if parent.key is not None and parent.key in by_key:
        return by_key[parent.key]
    if parent.name is not None:
        matches = [e for e in endpoints if isinstance(e.name, str) and e.name.lower() == parent.name.lower()]
        if len(matches) == 1:
            return matches[0]
    return None


def merge_existing_views(entities: list[Entity]) -> None:
    """Point references to an `existing` zone or network at the one of the same deployment that
    declares it: the same class, name and resource group (None on both sides: the deployment's
    own) is the same Azure resource, so a virtual network link written in a module against its
    `existing` view of the parent's zone links that zone. The external entity stays (another
    deployment may look it up); only references move. Call it once resource groups are final."""
    declared: dict[tuple[type, str, Any], list[Entity]] = {}
    for entity in entities:
        if isinstance(entity, (PrivateDnsZone, VirtualNetwork)) and not entity.external:
            declared.setdefault(_view_identity(entity), []).append(entity)
    moved: dict[str, str] = {}
    for entity in entities:
        if isinstance(entity, (PrivateDnsZone, VirtualNetwork)) and entity.external and isinstance(entity.name, str):
            same = declared.get(_view_identity(entity), [])
            if len(same) == 1:
                moved[entity.key] = same[0].key
    if moved:
        for entity in entities:
            _move_refs(entity, moved, 0)


def _view_identity(entity: Entity) -> tuple[type, str, Any]:
    name = entity.name.lower() if isinstance(entity.name, str) else entity.key
    group = entity.resource_group
    return (type(entity), name, group.lower() if isinstance(group, str) else group)


def _move_refs(value: Any, moved: dict[str, str], depth: int) -> Any:
    """`value` with every `Ref` whose key is in `moved` pointing at its new key; lists and
    dataclass fields are changed in place (the model's own shapes are a few levels deep)."""
    if isinstance(value, Ref):
        return dataclasses.replace(value, key=moved[value.key]) if value.key in moved else value
    if depth > 8:
        return value
    if isinstance(value, list):
        for position, item in enumerate(value):
            value[position] = _move_refs(item, moved, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type) and not isinstance(value, (Location, Unknown)):
        for spec in dataclasses.fields(value):
            current = getattr(value, spec.name)
            updated = _move_refs(current, moved, depth + 1)
            if updated is not current:
                setattr(value, spec.name, updated)
    return value
