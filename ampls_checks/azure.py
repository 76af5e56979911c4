"""The private DNS zones an Azure Monitor private link needs, per cloud.

Sources: "Use Azure Private Link to connect networks to Azure Monitor" and "Configure your private
link" (learn.microsoft.com, azure-monitor/logs/private-link-security, private-link-configure),
and the Azure Government private endpoint DNS table. Azure China has no official list for Azure
Monitor; the names below follow its suffixes and are unconfirmed (the check documentation says so).
"""

from __future__ import annotations

from enum import Enum


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
