"""## What it does
Flags a private endpoint to a scope whose DNS zone group lacks zones the scope needs.

## Why is this bad?
Each missing zone leaves a family of Azure Monitor host names resolving to public addresses
(the blob zone, for example, stops Windows agents from fetching solution packs).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import PrivateEndpoint, Unknown
from ..zones import MAX_ZONES_PER_GROUP, REQUIRED_ZONES, Cloud, closest_zone
from ._helpers import endpoint_zone_nodes, scope_endpoints
from .base import Check, Finding, Settings, Severity

_CLOUD_NAMES = {
    Cloud.PUBLIC: "the Azure public cloud",
    Cloud.USGOVERNMENT: "Azure Government",
    Cloud.CHINA: "Azure China",
}


def _managed_outside_group(graph: Graph, endpoint: PrivateEndpoint, zone_name: str) -> bool:
    """A required zone that cannot fit in the full zone group is still served when the same
    deployment declares (or looks up) that zone and links it to the endpoint's virtual network:
    its records are then kept outside the zone group. Unknown vnets and links count as served."""
    vnet = graph.endpoint_vnet.get(endpoint.key)
    for zone in graph.zones:
        if zone.unit != endpoint.unit or not isinstance(zone.name, str) or zone.name.lower() != zone_name:
            continue
        if zone.external or vnet is None or isinstance(vnet, Unknown):
            return True
        if zone.unit in graph.unknown_vnet_link_units:
            return True
        for _link, linked_vnet in graph.zone_vnet_links.get(graph.zone_identity(zone), []):
            if isinstance(linked_vnet, Unknown) or linked_vnet == vnet:
                return True
    return False


def _message(missing: list[str], present: set[str], required: tuple[str, ...], cloud: Cloud) -> str:
    over_limit = len(required) > MAX_ZONES_PER_GROUP
    full = over_limit and len(present & set(required)) >= MAX_ZONES_PER_GROUP
    typos: dict[str, str] = {}
    strangers: list[str] = []
    for name in sorted(present - set(required)):
        guess = closest_zone(name, missing)
        if guess and guess not in typos.values():
            typos[name] = guess
        else:
            strangers.append(name)
    actions = [f"rename {name} (did you mean {guess}?)" for name, guess in typos.items()]
    to_add = [z for z in missing if z not in typos.values()]
    what = ", ".join(to_add) if to_add != missing else "it" if len(to_add) == 1 else "them"
    if full:
        actions.append(
            f"the group is full, so link {', '.join(to_add)} to the endpoint's virtual network in this "
            "deployment and manage its records outside the group"
        )
    elif over_limit and to_add:
        actions.append(
            f"add {what} until the group holds {MAX_ZONES_PER_GROUP} zones, and link any that "
            "do not fit to the endpoint's virtual network with their records managed outside the group"
        )
    elif to_add:
        actions.append(f"add {what} to the group")
    foreign = {name: other for name in strangers for other, zones in REQUIRED_ZONES.items() if name in zones}
    unused = [name for name in strangers if name not in foreign]
    for other in dict.fromkeys(foreign.values()):
        names = [name for name, cloud_of in foreign.items() if cloud_of is other]
        actions.append(
            f"remove {', '.join(names)}, which {'is' if len(names) == 1 else 'are'} for {_CLOUD_NAMES[other]} "
            f"(or scan with --cloud {other.value} if the deployment targets it)"
        )
    if unused:
        actions.append(f"remove {', '.join(unused)}, which Azure Monitor does not use")
    message = f"Private DNS zone group lacks {', '.join(missing)}: {'; '.join(actions)}"
    if over_limit:
        message += (
            f" ({_CLOUD_NAMES[cloud]} needs {len(required)} zones, but one zone group holds at most "
            f"{MAX_ZONES_PER_GROUP} and an endpoint supports only one zone group)"
        )
    return message


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    required = REQUIRED_ZONES[settings.cloud]
    for endpoint in scope_endpoints(graph):
        if not isinstance(endpoint.zone_groups, list) or not endpoint.zone_groups:
            continue  # no zone group at all is CKV_AMPLS_5
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown) or any(isinstance(n.name, Unknown) for n in nodes):
            continue  # a zone we cannot name might be the missing one
        present = {str(n.name).lower() for n in nodes}
        missing = [z for z in required if z not in present]
        if len(required) > MAX_ZONES_PER_GROUP and len(present & set(required)) >= MAX_ZONES_PER_GROUP:
            # The group is as full as the platform allows: what does not fit may live outside it.
            missing = [z for z in missing if not _managed_outside_group(graph, endpoint, z)]
        if not missing:
            continue
        message = _message(missing, present, required, settings.cloud)
        yield CHECK.finding(endpoint, message, location=endpoint.zone_groups[0].location)


CHECK = Check(
    id="CKV_AMPLS_6",
    name="Private DNS zone group of an Azure Monitor private endpoint has every required zone",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#azure-monitor-private-link-scope-ampls",
    run=run,
)
