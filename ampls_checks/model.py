"""The neutral model: what every parser produces and every check reads.

Parsers turn Terraform, ARM and Bicep into these dataclasses; the linker turns the references
they hold into edges of a `Graph`. Checks never see source syntax, so one check serves all three
languages and the Checkov pack. Checks produce `Finding`s, a scan gathers them in a `ScanReport`,
and reporters read only that: this module imports nothing of the package, so every stage can
depend on it without loading any other.

Values that the source leaves unresolved (a variable without a value, a data source's computed
attribute, a remote module output) are `Unknown`, never a guess: a check that meets an `Unknown`
stays silent for that resource. Platform defaults for omitted attributes are applied by the
parsers, next to a comment that names the documented default.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, TypeGuard, TypeVar, Union

T = TypeVar("T")


@dataclass(frozen=True)
class Unknown:
    """A value the scanner could not determine statically; `reason` says why, for `--verbose`."""

    reason: str


Maybe = Union[T, Unknown]  # noqa: UP007 - mypy accepts a generic alias only as Union


class Language(str, Enum):
    TERRAFORM = "terraform"
    ARM = "arm"
    BICEP = "bicep"


@dataclass(frozen=True)
class Location:
    """Where an entity (or one of its attributes) is written. Lines are 1-based and inclusive."""

    file: str
    start_line: int
    end_line: int
    language: Language = Language.TERRAFORM


@dataclass(frozen=True)
class Ref:
    """A reference from one resource to another, as far as the source lets us know it.

    `key` is the exact entity key when the source refers symbolically (`azurerm_x.y.id`,
    `resourceId(...)`, a Bicep symbol). When only the Azure resource's name is known (a literal
    resource id string, a `scope_name` typed by hand), `name` carries it, with the ARM resource
    type and resource group where the id spelled them out. The linker resolves both kinds.
    """

    key: str | None = None
    name: str | None = None
    arm_type: str | None = None
    resource_group: str | None = None

    def describe(self) -> str:
        return self.key or self.name or "?"


@dataclass(frozen=True)
class Suppression:
    """An inline `checkov:skip=ID:reason` written inside a resource."""

    check_id: str
    reason: str
    line: int


@dataclass
class Entity:
    """Fields every resource shares.

    `key` is unique within a scan (module instance path plus address for Terraform, file plus
    resource id for ARM and Bicep). `address` is what users see in findings. `unit` is the
    deployment unit, the Terraform root module directory or the ARM/Bicep entry file, so that
    name-only matches prefer resources deployed together. `attr_lines` maps attribute names (and
    dotted paths of nested ones) to the line where they are written, so a finding about a written
    value points at it.
    """

    key: str
    address: str
    location: Location
    name: Maybe[str] = field(default_factory=lambda: Unknown("name not given"))
    resource_group: Maybe[str] | None = None
    unit: str = ""
    attr_lines: dict[str, int] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)
    attr_files: dict[str, str] = field(default_factory=dict)  # attributes written in another file
    # The Azure region (`location`) where the source writes one; None when it does not. Kept as
    # written (`West Europe`); compare with `same_region`.
    region: Maybe[str] | None = None
    # (start, end) columns of single-line attributes where the parser knows them (Terraform), 1-based,
    # end exclusive
    attr_columns: dict[str, tuple[int, int]] = field(default_factory=dict)

    def line_of(self, attribute: str) -> int:
        """The attribute's own line when it is written, else the resource's first line."""
        return self.attr_lines.get(attribute, self.location.start_line)


class AccessMode(str, Enum):
    OPEN = "Open"
    PRIVATE_ONLY = "PrivateOnly"


@dataclass
class AccessModeExclusion:
    """A per-connection override of a scope's access modes (ARM `accessModeSettings.exclusions`)."""

    connection_name: Maybe[str]
    ingestion_access_mode: Maybe[str] | None
    query_access_mode: Maybe[str] | None
    line: int
    file: str | None = None  # when written apart from the scope (azapi_update_resource)
    ingestion_line: int = 0  # the line of each mode, when written
    query_line: int = 0


@dataclass
class PrivateLinkScope(Entity):
    """An Azure Monitor Private Link Scope. Access modes hold the written string (a typo such
    as `Private` stays visible) or the platform default `Open` when the attribute is omitted."""

    ingestion_access_mode: Maybe[str] = AccessMode.OPEN.value
    query_access_mode: Maybe[str] = AccessMode.OPEN.value
    exclusions: Maybe[list[AccessModeExclusion]] = field(default_factory=list)
    # The ARM API version the scope is deployed with (ARM, Bicep, azapi); None for azurerm, whose
    # provider picks it. `2019-10-17-preview` has no access modes (see `OLD_SCOPE_API`).
    api_version: Maybe[str] | None = None

    def predates_access_modes(self) -> bool:
        """Whether the API version is older than the first one with access modes: such a scope
        behaves as ingestion PrivateOnly and query Open, whatever the body says."""
        return isinstance(self.api_version, str) and self.api_version[:10] < FIRST_ACCESS_MODE_API[:10]


# The first API version of `Microsoft.Insights/privateLinkScopes` with `accessModeSettings`.
FIRST_ACCESS_MODE_API = "2021-07-01-preview"


@dataclass
class ScopedLink(Entity):
    """Adds one monitor resource to a scope."""

    scope: Maybe[Ref] = field(default_factory=lambda: Unknown("scope not given"))
    linked_resource: Maybe[Ref] = field(default_factory=lambda: Unknown("target not given"))


@dataclass
class ServiceConnection:
    """One private link service connection of an endpoint (automatic or manual)."""

    target: Maybe[Ref]
    group_ids: Maybe[list[Maybe[str]]]
    line: int
    group_ids_line: int = 0


@dataclass
class DnsZoneGroup:
    """A private endpoint's DNS zone group, written inline (Terraform) or as a child resource."""

    name: Maybe[str]
    zones: Maybe[list[Maybe[Ref]]]
    location: Location
    address: str = ""


@dataclass
class IpConfiguration:
    """A static IP configuration of a private endpoint (`ip_configuration`, `ipConfigurations`)."""

    name: Maybe[str] | None
    group_id: Maybe[str] | None
    member_name: Maybe[str] | None
    private_ip: Maybe[str] | None
    line: int


@dataclass
class PrivateEndpoint(Entity):
    subnet: Maybe[Ref] | None = None
    connections: Maybe[list[ServiceConnection]] = field(default_factory=list)
    zone_groups: Maybe[list[DnsZoneGroup]] = field(default_factory=list)
    ip_configurations: Maybe[list[IpConfiguration]] = field(default_factory=list)


@dataclass
class PrivateDnsZone(Entity):
    """A private DNS zone. `external` zones are only referred to (a data source, an `existing`
    Bicep resource): their name is known but not their virtual network links."""

    external: bool = False


@dataclass
class DnsZoneVnetLink(Entity):
    zone: Maybe[Ref] = field(default_factory=lambda: Unknown("zone not given"))
    virtual_network: Maybe[Ref] = field(default_factory=lambda: Unknown("vnet not given"))
    resolution_policy: Maybe[str] | None = None


@dataclass
class VirtualNetwork(Entity):
    """`dns_servers` is None when the network uses Azure DNS (nothing written), else the custom
    servers as written."""

    external: bool = False
    dns_servers: Maybe[list[Maybe[str]]] | None = None


@dataclass
class Subnet(Entity):
    """`address_prefixes` as written (CIDR strings); None when not written."""

    virtual_network: Maybe[Ref] = field(default_factory=lambda: Unknown("vnet not given"))
    address_prefixes: Maybe[list[Maybe[str]]] | None = None


class MonitorKind(str, Enum):
    LOG_ANALYTICS_WORKSPACE = "Log Analytics workspace"
    APPLICATION_INSIGHTS = "Application Insights component"
    DATA_COLLECTION_ENDPOINT = "data collection endpoint"
    AZURE_MONITOR_WORKSPACE = "Azure Monitor workspace"


@dataclass
class MonitorResource(Entity):
    """A resource that can join a scope. `None` for a flag means the resource type has no such
    setting (a data collection endpoint has one public access switch, kept as ingestion and query
    both). Platform default for an omitted flag is `True` (public access enabled)."""

    kind: MonitorKind = MonitorKind.LOG_ANALYTICS_WORKSPACE
    public_ingestion: Maybe[bool] | None = True
    public_query: Maybe[bool] | None = True
    ingestion_attribute: str = ""
    query_attribute: str = ""
    # A workspace-based Application Insights component's Log Analytics workspace
    # (`workspace_id`, `properties.WorkspaceResourceId`); None when not written.
    workspace: Maybe[Ref] | None = None


@dataclass
class DataCollectionRule(Entity):
    """A data collection rule: the endpoint it names (`data_collection_endpoint_id`,
    `properties.dataCollectionEndpointId`) and the resources it sends to (destinations)."""

    endpoint: Maybe[Ref] | None = None
    destinations: Maybe[list[Maybe[Ref]]] = field(default_factory=list)


@dataclass
class DataCollectionRuleAssociation(Entity):
    """Ties a rule, or an endpoint (the `configurationAccessEndpoint` association), to a machine
    or cluster (`target`)."""

    rule: Maybe[Ref] | None = None
    endpoint: Maybe[Ref] | None = None
    target: Maybe[Ref] | None = None


@dataclass
class NetworkSecurityRule(Entity):
    direction: Maybe[str] = field(default_factory=lambda: Unknown("direction not given"))
    access: Maybe[str] = field(default_factory=lambda: Unknown("access not given"))
    destination_prefixes: Maybe[list[Maybe[str]]] = field(default_factory=list)
    destination_attribute: str = ""


@dataclass
class UnresolvedResource(Entity):
    """A resource that is declared but whose instances are unknown (a `count` or `for_each` that
    cannot be evaluated, a copy loop over an unknown array). Checks that look for something
    missing stay silent in its deployment unit: it may be exactly what they miss.
    `kind` is the entity class it would produce (`PrivateEndpoint`...), or `*` when even that is
    unknown."""

    kind: str = "*"


def same_region(a: str, b: str) -> bool:
    """Azure reads `West Europe` and `westeurope` as one region."""
    return a.replace(" ", "").lower() == b.replace(" ", "").lower()


@dataclass(frozen=True)
class ParseError:
    """A file that could not be analysed. It is reported, and the scan goes on."""

    file: str
    message: str
    line: int | None = None


# The words of the note a Terraform job makes for a `--var`/`--var-file` value no root module of
# the job declares (terraform/resources.undeclared_notes); the scan keeps it when every Terraform
# job made it.
UNDECLARED_VARIABLE = "is declared by no root module in the scan"


@dataclass(frozen=True)
class Note:
    """Something the scanner could not decide, shown with `--verbose`."""

    file: str
    line: int
    message: str


@dataclass
class ParseResult:
    """What a parser hands back for a set of files: entities, errors and unknowns."""

    entities: list[Entity] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        self.entities.extend(other.entities)
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)


# -- opaque symbols -----------------------------------------------------------------------------
# Some values are opaque to a static scan but stable within one deployment: `uniqueString(...)`
# of known arguments, `resourceGroup().id`, the subscription and tenant a deployment (or a
# Terraform provider) works in. They are carried as strings holding a *symbol*: its text between
# two Unicode noncharacters (U+FDD0, U+FDD1), which Unicode reserves for a program's internal use,
# so a name built from one (`'pe-${uniqueString(resourceGroup().id)}'`) is still a string, equal to
# every other reference to the same expression, and an id built from one still parses. A symbol's
# text never holds "/" (escaped as %2F), so it never splits an id's segments.
# Rules: the same symbol text is the same value within one deployment; a string holding a symbol
# is never equal nor unequal to anything else (the comparison is unknown, never a finding); two
# deployments never meet through a symbol; reporters print `shown(text)`, without the markers.

SYMBOL_OPEN = "\ufdd0"
SYMBOL_CLOSE = "\ufdd1"


def symbol(text: str) -> str:
    """The symbol for an opaque expression, written as `text` (`resourceGroup().id`)."""
    return SYMBOL_OPEN + text.replace("%", "%25").replace("/", "%2F") + SYMBOL_CLOSE


def has_symbol(value: object) -> bool:
    """Whether a string holds a symbol (or a marker written in the source, which counts as one)."""
    return isinstance(value, str) and (SYMBOL_OPEN in value or SYMBOL_CLOSE in value)


def is_symbol(value: object) -> bool:
    """Whether a string is exactly one symbol, nothing before or after it."""
    return (
        isinstance(value, str)
        and value.startswith(SYMBOL_OPEN)
        and value.endswith(SYMBOL_CLOSE)
        and value.count(SYMBOL_OPEN) == value.count(SYMBOL_CLOSE)
        and _outer_symbol_ends(value) == len(value)
    )


def _outer_symbol_ends(text: str) -> int:
    depth = 0
    for position, char in enumerate(text):
        if char == SYMBOL_OPEN:
            depth += 1
        elif char == SYMBOL_CLOSE:
            depth -= 1
            if depth == 0:
                return position + 1
    return -1


def shown(text: str) -> str:
    """A string as a user reads it: each symbol as the expression it stands for."""
    if not has_symbol(text):
        return text
    plain = text.replace(SYMBOL_OPEN, "").replace(SYMBOL_CLOSE, "")
    return plain.replace("%2F", "/").replace("%25", "%")


def unique_string_symbol(args: Sequence[str]) -> str:
    """`uniqueString(a, b...)` of known arguments (or of symbols): one symbol, the same for the
    same arguments whichever language wrote the call (Bicep compiles to the ARM function)."""
    written = [a if is_symbol(a) else "'" + a.replace("'", "''") + "'" for a in args]
    return symbol("uniqueString(" + ", ".join(written) + ")")


def subscription_symbol(provider: str = "") -> str:
    """The subscription a deployment works in (`subscription().subscriptionId`); for Terraform,
    the one its provider configuration works in (`provider` tells configurations apart)."""
    return symbol(f"{provider}.subscription_id" if provider else "subscription().subscriptionId")


def resource_group_id(group: str | None, provider: str = "") -> str:
    """`resourceGroup().id`: of the deployment's own group (`group` None), one symbol; of a named
    group, its id with the subscription as a symbol."""
    if group is None:
        return symbol("resourceGroup().id")
    return f"/subscriptions/{subscription_symbol(provider)}/resourceGroups/{group}"


# -- ARM id helpers -----------------------------------------------------------------------------
# A literal resource id names a resource by type, name and group; parsers build `Ref`s from it
# and the linker walks from a subnet id to its virtual network.

_ARM_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/(?P<rest>.+)$",
    re.IGNORECASE,
)


def parse_arm_id(text: str) -> Ref | None:
    """A literal ARM resource id as a name-only `Ref` (type and name lower-cased for matching).

    `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a`
    becomes type `microsoft.network/virtualnetworks/subnets`, name `v/a`, group `rg`.
    """
    match = _ARM_ID.match(text.strip())
    if not match:
        return None
    segments = match.group("rest").strip("/").split("/")
    if len(segments) < 3 or len(segments) % 2 == 0:
        return None
    namespace, pairs = segments[0], segments[1:]
    types = [pairs[i] for i in range(0, len(pairs), 2)]
    names = [pairs[i] for i in range(1, len(pairs), 2)]
    return Ref(
        name="/".join(names).lower(),
        arm_type="/".join([namespace, *types]).lower(),
        resource_group=match.group("rg").lower(),
    )


def parent_of(ref: Ref) -> Ref | None:
    """The parent of a child resource id (`.../virtualNetworks/v/subnets/a` -> the vnet)."""
    if ref.arm_type is None or ref.name is None or "/" not in ref.name:
        return None
    return Ref(
        name=ref.name.rsplit("/", 1)[0],
        arm_type=ref.arm_type.rsplit("/", 1)[0],
        resource_group=ref.resource_group,
    )


# -- the linked graph ---------------------------------------------------------------------------

MONITOR_ARM_TYPES = {
    MonitorKind.LOG_ANALYTICS_WORKSPACE: "microsoft.operationalinsights/workspaces",
    MonitorKind.APPLICATION_INSIGHTS: "microsoft.insights/components",
    MonitorKind.DATA_COLLECTION_ENDPOINT: "microsoft.insights/datacollectionendpoints",
    MonitorKind.AZURE_MONITOR_WORKSPACE: "microsoft.monitor/accounts",
}
SCOPE_TYPE = "microsoft.insights/privatelinkscopes"
ZONE_TYPE = "microsoft.network/privatednszones"
RULE_TYPE = "microsoft.insights/datacollectionrules"
VNET_TYPE = "microsoft.network/virtualnetworks"
SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets"


@dataclass(frozen=True)
class External:
    """A resource referred to by name but not declared in the referring deployment unit (a hub
    zone, a shared vnet). Without a resource group, the name is relative to that unit's group, so
    its identity holds the unit."""

    arm_type: str
    name: str
    resource_group: str | None
    unit: str = ""  # the deployment that names it, when the group is not known

    @property
    def identity(self) -> str:
        if self.resource_group is None:
            return f"ext:{self.arm_type}:{self.name}@?:{self.unit}"
        return full_identity(self.arm_type, self.name, self.resource_group)


def full_identity(arm_type: str, name: str, resource_group: str) -> str:
    """What makes resources of different deployments one resource: type, name and resource
    group all known and equal (the subscription is not tracked: ids in one scan are taken to
    share it). A bare name never joins two deployments."""
    return f"ext:{arm_type}:{name.lower()}@{resource_group.lower()}"


Node = Entity | External


def _joinable(value: object) -> TypeGuard[str]:
    """A name or group that may join deployments: a known string without a symbol (a symbol is
    the same value only within its own deployment)."""
    return isinstance(value, str) and not has_symbol(value)


def arm_type_of(entity: Entity) -> str | None:
    if isinstance(entity, PrivateLinkScope):
        return SCOPE_TYPE
    if isinstance(entity, PrivateDnsZone):
        return ZONE_TYPE
    if isinstance(entity, VirtualNetwork):
        return VNET_TYPE
    if isinstance(entity, MonitorResource):
        return MONITOR_ARM_TYPES[entity.kind]
    if isinstance(entity, DataCollectionRule):
        return RULE_TYPE
    return None


@dataclass
class ZoneNode:
    """A zone as an endpoint's zone group sees it: declared in the scan or only named."""

    name: Maybe[str]
    identity: str
    entity: PrivateDnsZone | None = None


@dataclass(frozen=True)
class VnetNode:
    """A virtual network as the graph sees it: declared in the scan or only named (an id, a
    lookup). Its identity decides sameness; `Graph.vnet_label` says what a message calls it."""

    identity: str


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
    rules: list[DataCollectionRule] = field(default_factory=list)
    rule_associations: list[DataCollectionRuleAssociation] = field(default_factory=list)
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
    # units where some zone group's endpoint is unknown, or that may hold anything (a module not followed)
    unknown_zone_group_units: set[str] = field(default_factory=set)
    _by_name: dict[tuple[str, str], list[Entity]] = field(default_factory=lambda: defaultdict(list))
    _declared: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))  # full identity
    # (type, unit) -> its declared resources whose name or group holds a symbol (model.symbol)
    _symbol_named: dict[tuple[str, str], list[Entity]] = field(default_factory=lambda: defaultdict(list))
    # Built on first use by the typed queries (per zone and per vnet, so that a check asking once
    # per endpoint stays linear in the scan): zone identity -> its linked vnets or Unknown, vnet
    # identity -> the zones linked to it, vnet identity -> its label.
    _zone_vnets: dict[str, Maybe[frozenset[VnetNode]]] = field(default_factory=dict, repr=False)
    _vnet_zones: dict[str, dict[str, ZoneNode]] | None = field(default=None, repr=False)
    _vnet_labels: dict[str, str] = field(default_factory=dict, repr=False)

    # -- resolution -------------------------------------------------------------------------

    def resolve(self, ref: Maybe[Ref] | None, arm_type: str, unit: str) -> Maybe[Node] | None:
        """What a reference points at: an entity, an `External`, `Unknown`, or None when it
        points at a declared resource of another kind (an endpoint to a storage account).

        A name-only reference is looked up in its own deployment unit first. Another
        deployment's resource stands in for it only when its full identity is the one the
        reference spells (type, name and resource group: a literal resource id) and no other
        deployment declares that identity too; otherwise it is an `External`, as the unit alone
        sees it, which meets the resources of other deployments through its identity
        (`full_identity`). A bare name, or a match among several, never replaces the unit's own
        resolution: scanning more files must not turn a known zone into an ambiguous one."""
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
        own = [e for e in candidates if e.unit == unit]
        if len(own) == 1:
            return own[0]
        if len(own) > 1:
            return Unknown(f"{ref.name} matches {len(own)} declared resources")
        maybe = [
            e
            for e in self._symbol_named.get((arm_type, unit), [])
            if ref.resource_group is None
            or not isinstance(e.resource_group, str)
            or has_symbol(e.resource_group)
            or e.resource_group.lower() == ref.resource_group
        ]
        if has_symbol(ref.name) or has_symbol(ref.resource_group) or maybe:
            # a name known only at deployment may be any name, and any name may be that one
            return Unknown(
                f"{shown(ref.name)} may or may not be a resource its deployment names by uniqueString() or ids"
            )
        external = External(arm_type, ref.name.lower(), ref.resource_group, unit if ref.resource_group is None else "")
        if ref.resource_group is not None:
            # Another deployment's resource is this one when its full identity is the same;
            # two such deployments leave it as the unit itself sees it, never ambiguous.
            others = [e for e in candidates if _joinable(e.resource_group) and _joinable(e.name)]
            if len(others) == 1:
                return others[0]
        return external

    def may_have(self, kind: type[Entity], unit: str) -> bool:
        """Whether the unit declares resources of `kind` whose instances are unknown."""
        return any(u.unit == unit and u.kind in (kind.__name__, "*") for u in self.unresolved)

    def canonical(self, identity: str) -> str:
        """One name for one resource: a full identity that exactly one declared (not looked up)
        zone or vnet of the scan has is that entity's key; any other identity stays as it is."""
        declared = self._declared.get(identity, [])
        return declared[0].key if len(declared) == 1 else identity

    def scope_identity(self, scope: PrivateLinkScope) -> str:
        """The scope as Azure knows it, so that two declarations of one scope are not taken for two
        scopes (an idempotency test deploying the same module twice, `for i in ['init', 'idem']`):
        its full identity when the name and resource group are known, or, within one deployment,
        its name when no group is written (both go to the deployment's group). Otherwise only
        itself (its key)."""
        if _joinable(scope.name) and _joinable(scope.resource_group):
            return full_identity(SCOPE_TYPE, scope.name, scope.resource_group)
        if isinstance(scope.name, str) and scope.resource_group is None:
            return f"ext:{SCOPE_TYPE}:{scope.name.lower()}@?:{scope.unit}"
        return scope.key

    def zone_identity(self, zone: PrivateDnsZone) -> str:
        """The zone as Azure knows it, when the source says its name and resource group: then a
        zone declared in one deployment, looked up in another and named by id in a third is one
        zone. Without the group it is only itself (its key), except that a zone only looked up
        (a data source, an `existing` resource) is the one zone of its name its own deployment
        declares, when there is one."""
        if zone.external and isinstance(zone.name, str):
            declared = [
                z
                for z in self._by_name.get((ZONE_TYPE, zone.name.lower()), [])
                if isinstance(z, PrivateDnsZone)
                and not z.external
                and z.unit == zone.unit
                and (
                    not isinstance(z.resource_group, str)
                    or not isinstance(zone.resource_group, str)
                    or z.resource_group.lower() == zone.resource_group.lower()
                )
            ]
            if len(declared) == 1:
                return self.zone_identity(declared[0])
        if _joinable(zone.name) and _joinable(zone.resource_group):
            return self.canonical(full_identity(ZONE_TYPE, zone.name, zone.resource_group))
        return zone.key

    def vnet_identity(self, node: Maybe[Node] | None) -> Maybe[str] | None:
        if node is None or isinstance(node, Unknown):
            return node
        if isinstance(node, External):
            return self.canonical(node.identity)
        if isinstance(node, VirtualNetwork) and _joinable(node.name) and _joinable(node.resource_group):
            return self.canonical(full_identity(VNET_TYPE, node.name, node.resource_group))
        return node.key

    def monitor_target(self, ref: Maybe[Ref] | None, unit: str) -> Maybe[Node] | None:
        """What a reference to a monitor resource (a component's workspace, a rule's
        destination or endpoint) points at; None when absent or not a monitor resource."""
        if ref is None or isinstance(ref, Unknown):
            return ref
        if ref.key is not None:
            entity = self.by_key.get(ref.key)
            if entity is not None or ref.key.startswith("tf:"):
                return entity if isinstance(entity, MonitorResource) else None
        for arm_type in MONITOR_ARM_TYPES.values():
            if ref.arm_type in (None, arm_type):
                found = self.resolve(ref, arm_type, unit)
                if isinstance(found, (MonitorResource, Unknown)):
                    return found
        return None

    def scopes_of_monitor(self, monitor: MonitorResource) -> list[Maybe[Node] | None]:
        """The scopes a monitor resource is linked to through scoped links in the scan."""
        return [self.link_scope.get(link.key) for link in self.monitor_links.get(monitor.key, [])]

    # -- typed queries: what checks ask instead of reading the edge dictionaries ------------------

    def endpoints_of(self, scope: PrivateLinkScope) -> list[PrivateEndpoint]:
        """The private endpoints connected to a declared scope."""
        return self.scope_endpoints.get(scope.key, [])

    def links_of(self, monitor: MonitorResource) -> list[ScopedLink]:
        """The scoped links that add a monitor resource to a scope."""
        return self.monitor_links.get(monitor.key, [])

    def links_to(self, scope: PrivateLinkScope) -> list[ScopedLink]:
        """The scoped links of a declared scope."""
        return self.scope_links.get(scope.key, [])

    def scope_of(self, link: ScopedLink) -> Maybe[Node] | None:
        """The scope a scoped link belongs to, as resolved."""
        return self.link_scope.get(link.key)

    def linked_resource_of(self, link: ScopedLink) -> Maybe[Node] | None:
        """The monitor resource a scoped link adds, as resolved."""
        return self.link_target.get(link.key)

    def target_of(self, endpoint: PrivateEndpoint, connection: ServiceConnection) -> Maybe[Node] | None:
        """What one of an endpoint's connections points at, if it is a scope (declared or only
        named); None when it points at a declared resource of another kind."""
        return self.resolve(connection.target, SCOPE_TYPE, endpoint.unit)

    def zone_group_zones(self, endpoint: PrivateEndpoint) -> Maybe[list[ZoneNode]]:
        """All zones of all zone groups of an endpoint, or Unknown if any of them is unknown."""
        if isinstance(endpoint.zone_groups, Unknown):
            return endpoint.zone_groups
        nodes: list[ZoneNode] = []
        for group in endpoint.zone_groups:
            zones = self.zones_of(group)
            if isinstance(zones, Unknown):
                return zones
            for zone in zones:
                if isinstance(zone, Unknown):
                    return zone
                nodes.append(zone)
        return nodes

    def vnet_of(self, endpoint: PrivateEndpoint) -> Maybe[VnetNode] | None:
        """The virtual network of an endpoint's subnet; None when the endpoint names no subnet."""
        identity = self.endpoint_vnet.get(endpoint.key)
        if identity is None or isinstance(identity, Unknown):
            return identity
        return VnetNode(identity)

    def vnet_links_unknown(self, unit: str) -> bool:
        """Whether the unit declares virtual network links whose instances are unknown, so that
        a link it lacks may still exist."""
        return unit in self.unknown_vnet_link_units

    def vnets_linked_to(self, zone: ZoneNode | PrivateDnsZone) -> Maybe[frozenset[VnetNode]]:
        """The virtual networks a zone is linked to. Unknown when a link may be missing (the
        zone's deployment declares links whose instances are unknown) or points at a network
        that could not be resolved."""
        if isinstance(zone, ZoneNode):
            identity, entity = zone.identity, zone.entity
        else:
            identity, entity = self.zone_identity(zone), zone
        if entity is not None and entity.unit in self.unknown_vnet_link_units:
            return Unknown(f"{entity.address}: its deployment has virtual network links that are unknown")
        if identity not in self._zone_vnets:
            vnets: set[VnetNode] = set()
            found: Maybe[frozenset[VnetNode]] | None = None
            for _link, vnet in self.zone_vnet_links.get(identity, []):
                if isinstance(vnet, Unknown):
                    found = vnet
                    break
                vnets.add(VnetNode(vnet))
            self._zone_vnets[identity] = found if found is not None else frozenset(vnets)
        return self._zone_vnets[identity]

    def zones_linked_to(self, vnet: VnetNode) -> list[ZoneNode]:
        """The private DNS zones linked to a virtual network: declared and looked-up zones by
        their name, zones named only by a literal id by the name the id spells (a zone whose
        name is not known has an Unknown name)."""
        if self._vnet_zones is None:
            names: dict[str, tuple[str, PrivateDnsZone | None]] = {}
            for zone in self.zones:
                if isinstance(zone.name, str):
                    names.setdefault(self.zone_identity(zone), (zone.name, zone))
            prefix = f"ext:{ZONE_TYPE}:"  # the form full_identity and External.identity write
            index: dict[str, dict[str, ZoneNode]] = defaultdict(dict)
            for identity, links in self.zone_vnet_links.items():
                name, entity = names.get(identity, (None, None))
                if name is None and identity.startswith(prefix):
                    name = identity[len(prefix) :].rsplit("@", 1)[0]
                node = ZoneNode(name if name is not None else Unknown("zone name unknown"), identity, entity)
                for _link, linked in links:
                    if isinstance(linked, str):
                        index[linked].setdefault(identity, node)
            self._vnet_zones = index
        return list(self._vnet_zones.get(vnet.identity, {}).values())

    def vnet_label(self, vnet: VnetNode) -> str:
        """A readable name for a virtual network: the declared vnet's name, or the name an id
        spelled."""
        identity = vnet.identity
        if identity not in self._vnet_labels:
            entity = self.by_key.get(identity)
            if entity is None:  # a vnet known by its full identity: the declared one, as written
                entity = next((v for v in self.vnets if self.vnet_identity(v) == identity), None)
            if entity is not None:
                label = entity.name if isinstance(entity.name, str) else entity.address
            elif identity.startswith("ext:"):  # ext:<type>:<name>@<group or ?...>
                label = identity.split(":", 2)[2].split("@", 1)[0]
            else:
                label = identity
            self._vnet_labels[identity] = label
        return self._vnet_labels[identity]

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


# -- what checks produce and a scan reports -----------------------------------------------------


class Severity(str, Enum):
    """Checkov's severity names, ordered."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return ["LOW", "MEDIUM", "HIGH", "CRITICAL"].index(self.value)


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    severity: Severity
    resource: str
    file: str
    start_line: int
    end_line: int
    message: str
    guideline: str
    resource_start_line: int = 0
    resource_end_line: int = 0
    suppression: Suppression | None = None
    # The attribute's columns on start_line when the parser knows them (0: the whole line).
    start_column: int = 0
    end_column: int = 0

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        number = self.check_id.rsplit("_", 1)[-1]
        return (self.file, self.start_line, int(number) if number.isdigit() else 0, self.check_id, self.resource)


class CheckInfo(Protocol):
    """What a report needs to know of a check that ran (a `checks.base.Check` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def guideline(self) -> str: ...
    @property
    def doc(self) -> str: ...


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_scanned: int = 0
    files_parsed: int = 0
    checks_run: Sequence[CheckInfo] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)  # findings a baseline file holds
    # The linked model the checks read, for `ampls-checks graph` and the markdown report; None when
    # the report came whole from the cache (nothing was linked).
    graph: Graph | None = field(default=None, compare=False, repr=False)

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]
