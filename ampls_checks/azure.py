"""What Azure itself fixes: the resource types behind each entity kind, the private DNS zones an
Azure Monitor private link needs per cloud, and platform limits. One place, so the parsers, the
prefilter and the Checkov pack cannot disagree.

The private DNS zones an Azure Monitor private link needs, per cloud.

Sources: "Use Azure Private Link to connect networks to Azure Monitor" and "Configure your private
link" (learn.microsoft.com, azure-monitor/logs/private-link-security, private-link-configure),
and the Azure Government private endpoint DNS table. Azure China has no official list for Azure
Monitor; the names below follow its suffixes and are unconfirmed (the check documentation says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class ResourceTypes:
    """The resource types that produce one entity kind of the model (model.py's class names).

    `terraform`: azurerm resource types (azapi resources of the ARM types are read too);
    `arm`: ARM types as Azure spells them (the Checkov pack registers these; parsers compare them
    lower-cased); `arm_parts`: ARM child types that are part of such an entity (an endpoint's
    zone group) rather than entities of their own.
    """

    terraform: tuple[str, ...]
    arm: tuple[str, ...]
    arm_parts: tuple[str, ...] = ()
    # ARM types that can hold such an entity inline (a virtual network's `subnets`): the Checkov
    # pack asks about them too
    arm_holders: tuple[str, ...] = ()


RESOURCE_TYPES: dict[str, ResourceTypes] = {
    "PrivateLinkScope": ResourceTypes(
        ("azurerm_monitor_private_link_scope",), ("Microsoft.Insights/privateLinkScopes",)
    ),
    "ScopedLink": ResourceTypes(
        ("azurerm_monitor_private_link_scoped_service",), ("Microsoft.Insights/privateLinkScopes/scopedResources",)
    ),
    "PrivateEndpoint": ResourceTypes(
        ("azurerm_private_endpoint",),
        ("Microsoft.Network/privateEndpoints",),
        ("Microsoft.Network/privateEndpoints/privateDnsZoneGroups",),
    ),
    "PrivateDnsZone": ResourceTypes(("azurerm_private_dns_zone",), ("Microsoft.Network/privateDnsZones",)),
    "DnsZoneVnetLink": ResourceTypes(
        ("azurerm_private_dns_zone_virtual_network_link",), ("Microsoft.Network/privateDnsZones/virtualNetworkLinks",)
    ),
    "VirtualNetwork": ResourceTypes(("azurerm_virtual_network",), ("Microsoft.Network/virtualNetworks",)),
    "Subnet": ResourceTypes(
        ("azurerm_subnet",),
        ("Microsoft.Network/virtualNetworks/subnets",),
        arm_holders=("Microsoft.Network/virtualNetworks",),
    ),
    "MonitorResource": ResourceTypes(
        (
            "azurerm_log_analytics_workspace",
            "azurerm_application_insights",
            "azurerm_monitor_data_collection_endpoint",
            "azurerm_monitor_workspace",
        ),
        (
            "Microsoft.OperationalInsights/workspaces",
            "Microsoft.Insights/components",
            "Microsoft.Insights/dataCollectionEndpoints",
            "Microsoft.Monitor/accounts",
        ),
    ),
    "DataCollectionRule": ResourceTypes(
        ("azurerm_monitor_data_collection_rule",), ("Microsoft.Insights/dataCollectionRules",)
    ),
    "DataCollectionRuleAssociation": ResourceTypes(
        ("azurerm_monitor_data_collection_rule_association",), ("Microsoft.Insights/dataCollectionRuleAssociations",)
    ),
    "NetworkSecurityRule": ResourceTypes(
        ("azurerm_network_security_rule", "azurerm_network_security_group"),
        ("Microsoft.Network/networkSecurityGroups", "Microsoft.Network/networkSecurityGroups/securityRules"),
    ),
}

# The generic Terraform resources that can declare any ARM type (read like ARM resources).
AZAPI_TYPES = ("azapi_resource", "azapi_update_resource")

# Entity kind of each type, for `UnresolvedResource.kind` (ARM types lower-cased).
TERRAFORM_KIND = {t: kind for kind, types in RESOURCE_TYPES.items() for t in types.terraform}
ARM_KIND = {t.lower(): kind for kind, types in RESOURCE_TYPES.items() for t in types.arm + types.arm_parts}

# Resources only referred to (`existing` in ARM and Bicep) become entities only of these types:
# a zone's or a network's name is what links and endpoints point at; a scope or a workspace that
# is only referred to is not something a scan can judge.
EXTERNAL_ENTITY_TYPES = frozenset(
    t.lower() for kind in ("PrivateDnsZone", "VirtualNetwork", "Subnet") for t in RESOURCE_TYPES[kind].arm
)


class Cloud(str, Enum):
    PUBLIC = "public"
    USGOVERNMENT = "usgovernment"
    CHINA = "china"


REQUIRED_ZONES: dict[Cloud, tuple[str, ...]] = {
    Cloud.PUBLIC: (
        "privatelink.monitor.azure.com",
        "privatelink.oms.opinsights.azure.com",
        "privatelink.ods.opinsights.azure.com",
        "privatelink.agentsvc.azure-automation.net",
        "privatelink.blob.core.windows.net",
    ),
    Cloud.USGOVERNMENT: (
        "privatelink.monitor.azure.us",
        "privatelink.adx.monitor.azure.us",
        "privatelink.oms.opinsights.azure.us",
        "privatelink.ods.opinsights.azure.us",
        "privatelink.agentsvc.azure-automation.us",
        "privatelink.blob.core.usgovcloudapi.net",
    ),
    Cloud.CHINA: (
        "privatelink.monitor.azure.cn",
        "privatelink.oms.opinsights.azure.cn",
        "privatelink.ods.opinsights.azure.cn",
        "privatelink.agentsvc.azure-automation.cn",
        "privatelink.blob.core.chinacloudapi.cn",
    ),
}

BLOB_ZONES = frozenset(z for zones in REQUIRED_ZONES.values() for z in zones if ".blob." in z)

# Zones only Azure Monitor uses: a link to one of them with nothing filling it breaks
# resolution of Azure Monitor host names for the whole network.
MONITOR_ONLY_ZONES = frozenset(z for zones in REQUIRED_ZONES.values() for z in zones if z not in BLOB_ZONES)

MAX_ZONES_PER_GROUP = 5


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, stopping early once it exceeds `limit` (enough for typo hints)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest_zone(name: str, candidates: tuple[str, ...] | list[str], max_edits: int = 2) -> str | None:
    """The required zone a misspelt zone name was probably meant to be."""
    best: tuple[int, str] | None = None
    for candidate in candidates:
        distance = edit_distance(name.lower(), candidate, max_edits)
        if 0 < distance <= max_edits and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


# Settings a finding's message names, spelled per language: (Terraform, ARM JSON and Bicep).
# Checks write `«name»` or `«name = value»` and `Check.finding` spells it in the language of the
# file the finding points at, so a Bicep user is never told to write Terraform.
SETTING_NAMES: dict[str, tuple[str, str]] = {
    "resolution_policy": ("resolution_policy", "resolutionPolicy"),
    "data_collection_endpoint_id": ("data_collection_endpoint_id", "dataCollectionEndpointId"),
}
