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
from ampls_checks.model import Graph, PrivateEndpoint, Unknown, VnetNode, ZoneNode


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Per set of zones, computed once (the graph keeps each zone's vnets): 10,000 endpoints
    # sharing one zone linked to 10,000 networks must not compare every endpoint with every link.
    labels: dict[tuple[str, ...], list[str]] = {}  # zone identities -> sorted labels of their vnets

    def labels_of(zones: dict[str, ZoneNode]) -> list[str]:
        identities = tuple(sorted(zones))
        if identities not in labels:
            vnets: set[VnetNode] = set()
            for node in zones.values():
                linked = graph.vnets_linked_to(node)
                if not isinstance(linked, Unknown):
                    vnets.update(linked)
            labels[identities] = sorted({graph.vnet_label(v) for v in vnets})
        return labels[identities]

    for endpoint in scope_endpoints(graph):
        vnet = graph.vnet_of(endpoint)
        if not isinstance(vnet, VnetNode) or graph.vnet_links_unknown(endpoint.unit):
            continue
        network = endpoint_network(graph, endpoint)
        if network is not None and custom_dns_servers(network) != []:
            continue  # custom (or unknown) DNS servers: a hub resolver may serve it (CKV_AMPLS_23)
        nodes = endpoint_zone_nodes(graph, endpoint)
        if isinstance(nodes, Unknown):
            continue
        unlinked: list[str] = []
        missing: dict[str, ZoneNode] = {}  # the zones this endpoint's network is not linked to
        for node in nodes:
            if node.entity is None or node.entity.external or isinstance(node.name, Unknown):
                continue  # links of a zone declared elsewhere are not ours to judge
            vnets = graph.vnets_linked_to(node)
            if isinstance(vnets, Unknown):
                continue
            if vnet not in vnets and node.name not in unlinked:
                unlinked.append(str(node.name))
                missing.setdefault(node.identity, node)
        if unlinked:
            elsewhere = labels_of(missing)
            where = f", not only to {listed(elsewhere)}" if elsewhere else ""
            yield CHECK.finding(
                endpoint,
                f"Link private DNS zone(s) {', '.join(unlinked)} to {graph.vnet_label(vnet)}, the endpoint's "
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
