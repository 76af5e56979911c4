"""## What it does
Flags a private endpoint to an Azure Monitor Private Link Scope when a private DNS zone of its
zone group has no virtual network link to the endpoint's own virtual network (the network of
the subnet it sits in). The finding is on the endpoint and names the unlinked zones, and the
networks they are linked to instead, if any.

Links are read in both forms: `private_dns_zone_name` with `resource_group_name` (azurerm v4)
and `private_dns_zone_id` (azurerm v5), or the `virtualNetworkLinks` child resources of ARM and
Bicep, whether the network is referenced or named by a literal resource id. Zones that are only
looked up (a `data "azurerm_private_dns_zone"`, an `existing` Bicep resource) are skipped: their
links are managed in another deployment. A link whose zone or network cannot be evaluated, or an
endpoint whose subnet cannot, leaves the endpoint unjudged; `--verbose` says why.

The check does not read a network's custom DNS servers. When the endpoint's network sends its
queries to a DNS resolver in another network that is linked to the zones, the records are
resolved there: suppress the finding with a `checkov:skip=CKV_AMPLS_7:<reason>` comment.

A network with custom DNS servers (other than Azure DNS, 168.63.129.16) is not judged: its
servers may forward to a hub resolver that serves the zones from another network; CKV_AMPLS_23
reminds of the forwarders instead.

## Why is this bad?
A virtual network only consults the private DNS zones linked to it. The zone group writes the
endpoint's records into the zones, but clients in the endpoint's network never see them and keep
resolving Azure Monitor host names to public addresses: their traffic leaves over public
endpoints, or fails where the resources block public access.

## Example
```hcl
resource "azurerm_private_dns_zone" "ampls" {
  for_each = toset([
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure-automation.net",
    "privatelink.blob.core.windows.net",
  ])
  name                = each.value
  resource_group_name = "rg-dns"
}

# linked to the hub only, while the endpoint sits in the spoke
resource "azurerm_private_dns_zone_virtual_network_link" "hub" {
  for_each              = azurerm_private_dns_zone.ampls
  name                  = "vnet-hub"
  resource_group_name   = "rg-dns"
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.hub.id
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.spoke_endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.main.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = values(azurerm_private_dns_zone.ampls)[*].id
  }
}
```

## Use instead
Link every zone of the zone group to the endpoint's virtual network.

### Terraform
```hcl
resource "azurerm_private_dns_zone_virtual_network_link" "spoke" {
  for_each              = azurerm_private_dns_zone.ampls
  name                  = "vnet-spoke"
  resource_group_name   = "rg-dns"
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.spoke.id
  registration_enabled  = false
}
```

### Bicep
```bicep
resource spoke 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {
  name: 'vnet-spoke'
}

resource monitorZone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = {
  name: 'privatelink.monitor.azure.com'
}

resource monitorZoneSpoke 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: monitorZone
  name: 'vnet-spoke'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: spoke.id
    }
  }
}
```
Repeat the link for the other four zones (or loop over their names).

### ARM JSON
```json
{
  "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
  "apiVersion": "2020-06-01",
  "name": "privatelink.monitor.azure.com/vnet-spoke",
  "location": "global",
  "properties": {
    "registrationEnabled": false,
    "virtualNetwork": {
      "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-spoke')]"
    }
  }
}
```
Repeat the link for the other four zones (or use a `copy` loop over their names).

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import (
    custom_dns_servers,
    endpoint_network,
    endpoint_zone_nodes,
    listed,
    scope_endpoints,
)
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateEndpoint, Unknown


def _vnet_label(graph: Graph, identity: str) -> str:
    """A readable name for a vnet identity: the declared vnet's name, or the name an id spelled."""
    entity = graph.by_key.get(identity)
    if entity is None:  # a vnet known by its full identity: the declared one, as written
        entity = next((v for v in graph.vnets if graph.vnet_identity(v) == identity), None)
    if entity is not None:
        return entity.name if isinstance(entity.name, str) else entity.address
    if identity.startswith("ext:"):  # ext:<type>:<name>@<group or ?...>
        return identity.split(":", 2)[2].split("@", 1)[0]
    return identity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Per zone and per set of zones, computed once: 10,000 endpoints sharing one zone linked to
    # 10,000 networks must not compare every endpoint with every link.
    linked: dict[str, frozenset[str] | None] = {}  # zone identity -> its vnets, None if one is unknown
    labels: dict[tuple[str, ...], list[str]] = {}  # zone identities -> sorted labels of their vnets

    def vnets_of(identity: str) -> frozenset[str] | None:
        if identity not in linked:
            vnets = [v for _link, v in graph.zone_vnet_links.get(identity, [])]
            known = not any(isinstance(v, Unknown) for v in vnets)
            linked[identity] = frozenset(v for v in vnets if isinstance(v, str)) if known else None
        return linked[identity]

    def labels_of(identities: tuple[str, ...]) -> list[str]:
        if identities not in labels:
            vnets = set().union(*(vnets_of(i) or () for i in identities))
            labels[identities] = sorted({_vnet_label(graph, v) for v in vnets})
        return labels[identities]

    for endpoint in scope_endpoints(graph):
        vnet = graph.endpoint_vnet.get(endpoint.key)
        if vnet is None or isinstance(vnet, Unknown) or endpoint.unit in graph.unknown_vnet_link_units:
            continue
        network = endpoint_network(graph, endpoint)
        if network is not None and custom_dns_servers(network) != []:
            continue  # custom (or unknown) DNS servers: a hub resolver may serve it (CKV_AMPLS_23)
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown):
            continue
        unlinked: list[str] = []
        missing: list[str] = []  # the zones (identities) this endpoint's network is not linked to
        for node in nodes:
            if node.entity is None or node.entity.external or isinstance(node.name, Unknown):
                continue  # links of a zone declared elsewhere are not ours to judge
            if node.entity.unit in graph.unknown_vnet_link_units:
                continue
            vnets = vnets_of(node.identity)
            if vnets is None:
                continue
            if vnet not in vnets and node.name not in unlinked:
                unlinked.append(str(node.name))
                missing.append(node.identity)
        if unlinked:
            elsewhere = labels_of(tuple(sorted(set(missing))))
            where = f", not only to {listed(elsewhere)}" if elsewhere else ""
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
    reports_on=(PrivateEndpoint,),
)
