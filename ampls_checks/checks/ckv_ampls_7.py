"""## What it does
Flags a private endpoint to a scope when a zone of its zone group has no virtual network link to
the endpoint's virtual network.

## Why is this bad?
Records land in the zone, but the network never consults it: clients there keep resolving public
addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from ._helpers import endpoint_zone_nodes, scope_endpoints
from .base import Check, Finding, Settings, Severity


def _vnet_label(graph: Graph, identity: str) -> str:
    """A readable name for a vnet identity: the declared vnet's name, or the name an id spelled."""
    entity = graph.by_key.get(identity)
    if entity is not None:
        return entity.name if isinstance(entity.name, str) else entity.address
    if identity.startswith("ext:"):
        return identity.rsplit(":", 1)[1].split("@", 1)[0]
    return identity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        vnet = graph.endpoint_vnet.get(endpoint.key)
        if vnet is None or isinstance(vnet, Unknown):
            continue
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown):
            continue
        unlinked: list[str] = []
        elsewhere: set[str] = set()
        for node in nodes:
            if node.entity is None or node.entity.external or isinstance(node.name, Unknown):
                continue  # links of a zone declared elsewhere are not ours to judge
            if node.entity.unit in graph.unknown_vnet_link_units:
                continue
            links = graph.zone_vnet_links.get(node.identity, [])
            vnets = [v for _link, v in links]
            if any(isinstance(v, Unknown) for v in vnets):
                continue
            if vnet not in vnets and node.name not in unlinked:
                unlinked.append(str(node.name))
                elsewhere.update(_vnet_label(graph, v) for v in vnets if isinstance(v, str))
        if unlinked:
            where = f", not only to {', '.join(sorted(elsewhere))}" if elsewhere else ""
            yield CHECK.finding(
                endpoint,
                f"Link private DNS zone(s) {', '.join(unlinked)} to {_vnet_label(graph, vnet)}, the endpoint's "
                f"virtual network{where}, or clients there keep resolving public addresses",
            )


CHECK = Check(
    id="CKV_AMPLS_7",
    name="Private DNS zones of an Azure Monitor private endpoint are linked to its virtual network",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#review-your-endpoints-dns-settings",
    run=run,
)
