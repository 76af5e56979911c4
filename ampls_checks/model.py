"""The neutral model: what every parser produces and every check reads.

Parsers turn Terraform, ARM and Bicep into these dataclasses; the linker turns the references
they hold into edges of a `Graph`. Checks never see source syntax, so one check serves all three
languages and the Checkov pack.

Values that the source leaves unresolved (a variable without a value, a data source's computed
attribute, a remote module output) are `Unknown`, never a guess: a check that meets an `Unknown`
stays silent for that resource. Platform defaults for omitted attributes are applied by the
parsers, next to a comment that names the documented default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar, Union

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
class PrivateEndpoint(Entity):
    subnet: Maybe[Ref] | None = None
    connections: Maybe[list[ServiceConnection]] = field(default_factory=list)
    zone_groups: Maybe[list[DnsZoneGroup]] = field(default_factory=list)


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
    external: bool = False


@dataclass
class Subnet(Entity):
    virtual_network: Maybe[Ref] = field(default_factory=lambda: Unknown("vnet not given"))


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


@dataclass(frozen=True)
class ParseError:
    """A file that could not be analysed. It is reported, and the scan goes on."""

    file: str
    message: str
    line: int | None = None


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
