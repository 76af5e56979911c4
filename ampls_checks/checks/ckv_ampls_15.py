"""## What it does
Flags a private DNS zone that only Azure Monitor uses (above all `privatelink.monitor.azure.com`,
also `privatelink.oms.opinsights.azure.com`, `privatelink.ods.opinsights.azure.com`,
`privatelink.agentsvc.azure-automation.net` and their sovereign-cloud names) when it is declared
in the scan, linked to a virtual network, and no private endpoint of an Azure Monitor Private Link
Scope (AMPLS) lists it in its DNS zone group. The finding is on the zone and names one of its
links.

Not flagged:
- the blob zone (`privatelink.blob.core.windows.net`), which storage account endpoints fill too;
- a zone whose every virtual network link sets `resolution_policy = "NxDomainRedirect"`: names
  the zone does not hold fall back to public resolution;
- a zone linked to no network, and a zone only looked up with a `data` source (the hub that
  owns it decides);
- a deployment where an endpoint's zone group or target cannot be evaluated (a variable with no
  value): that endpoint might fill the zone.
- a link to the network of a scope endpoint whose zone group lacks the zone: that is one cause,
  reported once as CKV_AMPLS_6, whose message says the NXDOMAIN it causes there. Links to other
  networks are still flagged.

## Why is this bad?
A virtual network linked to `privatelink.monitor.azure.com` answers every name under
`monitor.azure.com` from that zone. While no scope endpoint writes its records there, the zone is
empty and the answer is NXDOMAIN: Application Insights ingestion and the query endpoints, which
are global and shared by all resources, stop resolving for the whole network, not only for
resources meant to be private. This is the classic landing-zone mistake of creating every private
link zone "in preparation" and linking it to the hub and spokes long before the Azure Monitor
private link exists.

## Example
```hcl
resource "azurerm_private_dns_zone" "monitor" {
  name                = "privatelink.monitor.azure.com"
  resource_group_name = "rg-dns"
}

resource "azurerm_private_dns_zone_virtual_network_link" "monitor_hub" {
  name                  = "hub"
  resource_group_name   = "rg-dns"
  private_dns_zone_name = azurerm_private_dns_zone.monitor.name
  virtual_network_id    = azurerm_virtual_network.hub.id
}

# no private endpoint to a scope lists the zone in its private_dns_zone_group
```

## Use instead
Let the scope's private endpoint fill the zone through its DNS zone group; or, until that
endpoint exists, let unanswered names fall back to public resolution on the link (or do not link
the zone yet).

### Terraform
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls-hub"
  location            = "westeurope"
  resource_group_name = "rg-network"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = [azurerm_private_dns_zone.monitor.id] # plus the other Azure Monitor zones
  }
}

# or, before the endpoint exists:
resource "azurerm_private_dns_zone_virtual_network_link" "monitor_hub" {
  name                  = "hub"
  resource_group_name   = "rg-dns"
  private_dns_zone_name = azurerm_private_dns_zone.monitor.name
  virtual_network_id    = azurerm_virtual_network.hub.id
  resolution_policy     = "NxDomainRedirect"
}
```

### Bicep
```bicep
resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  parent: amplsEndpoint
  name: 'ampls'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'monitor'
        properties: {
          privateDnsZoneId: monitorZone.id
        }
      }
    ]
  }
}

// or, before the endpoint exists:
resource hubLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: monitorZone
  name: 'hub'
  location: 'global'
  properties: {
    registrationEnabled: false
    resolutionPolicy: 'NxDomainRedirect'
    virtualNetwork: {
      id: hubVnet.id
    }
  }
}
```

### ARM JSON
```json
[
  {
    "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "apiVersion": "2023-09-01",
    "name": "pe-ampls-hub/ampls",
    "properties": {
      "privateDnsZoneConfigs": [
        {
          "name": "monitor",
          "properties": {
            "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.monitor.azure.com')]"
          }
        }
      ]
    }
  },
  {
    "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "apiVersion": "2024-06-01",
    "name": "privatelink.monitor.azure.com/hub",
    "location": "global",
    "properties": {
      "registrationEnabled": false,
      "resolutionPolicy": "NxDomainRedirect",
      "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub')]" }
    }
  }
]
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [Fallback to internet for Azure Private DNS zones](https://learn.microsoft.com/azure/dns/private-dns-fallback)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import empty_linked_zones, scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.checks.ckv_ampls_6 import missing_zones
from ampls_checks.model import Graph, PrivateDnsZone, VnetNode


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # A scope endpoint whose zone group lacks the zone is CKV_AMPLS_6's finding, which says the
    # NXDOMAIN consequence for that endpoint's network: one root cause, one finding.
    lacking: set[tuple[str, str]] = set()
    for endpoint in scope_endpoints(graph):
        node = graph.vnet_of(endpoint)
        vnet = node.identity if isinstance(node, VnetNode) else None
        if isinstance(vnet, str):
            lacking.update((zone, vnet) for zone in missing_zones(graph, endpoint, settings.cloud) or [])
    for zone, links in empty_linked_zones(graph):
        name = str(zone.name).lower()
        others = [link for link, vnet in links if not (isinstance(vnet, str) and (name, vnet) in lacking)]
        if others:
            yield CHECK.finding(
                zone,
                f"Private DNS zone {zone.name} is linked to a virtual network ({others[0].address}) but no "
                "scope's private endpoint fills it, so Azure Monitor names resolve to nothing there: add the "
                "zone to the private DNS zone group of the scope's endpoint, or set "
                "«resolution_policy = NxDomainRedirect» on the link until that endpoint exists",
            )


CHECK = Check(
    id="CKV_AMPLS_15",
    name="Azure Monitor private DNS zone linked to a network is filled by a scope endpoint",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#plan-by-network-topology",
    run=run,
    reports_on=(PrivateDnsZone,),
)
