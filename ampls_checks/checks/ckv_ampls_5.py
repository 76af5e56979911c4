"""## What it does
Flags a private endpoint to an Azure Monitor Private Link Scope (AMPLS) that has no private DNS
zone group. An endpoint counts as one to a scope when its connection targets a scope (declared in
the scan, or named by a resource id such as one from another state), or when it asks for the
`azuremonitor` sub-resource; endpoints to other services, such as a storage account, are left
alone. The finding points at the endpoint's first line.

A zone group is a `private_dns_zone_group` block of `azurerm_private_endpoint` (a
`dynamic "private_dns_zone_group"` block counts when it produces at least one block), or a
`Microsoft.Network/privateEndpoints/privateDnsZoneGroups` child resource in ARM JSON and Bicep.
When the scanner cannot tell whether a group exists (a `dynamic` block over a variable with no
value in the scanned files), it says nothing. Whether the group holds the right zones is
CKV_AMPLS_6's business, and whether the zones are linked to the endpoint's virtual network is
CKV_AMPLS_7's.

## Why is this bad?
Clients reach Azure Monitor by the same host names with or without a private link: only DNS
decides whether a name leads to the private endpoint. The zone group is what writes the
endpoint's private IP addresses into the Azure Monitor private DNS zones, and keeps them up to
date. Without it the zones stay empty and clients keep resolving Azure Monitor to public
addresses. Where public access is still allowed, agents and queries silently go over the
internet; where the scope is `PrivateOnly` and the resources refuse public traffic, they fail.

The zones an Azure Monitor endpoint needs in the public cloud are
`privatelink.monitor.azure.com`, `privatelink.oms.opinsights.azure.com`,
`privatelink.ods.opinsights.azure.com`, `privatelink.agentsvc.azure-automation.net` and
`privatelink.blob.core.windows.net`. Azure Government and Azure China use their own names (see
CKV_AMPLS_6 and `--cloud`).

Some landing zones let Azure Policy add the zone group after the endpoint is deployed. If yours
does, say so on the endpoint with `# checkov:skip=CKV_AMPLS_5:reason` (or `--skip-check`).

## Example
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls-hub"
  location            = "westeurope"
  resource_group_name = "rg-network"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-ampls-hub"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
  # no private_dns_zone_group: nothing writes the endpoint's addresses into DNS
}
```

## Use instead
Give the endpoint one zone group that holds the Azure Monitor zones of your cloud.

### Terraform
```hcl
locals {
  monitor_zones = toset([
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure-automation.net",
    "privatelink.blob.core.windows.net",
  ])
}

resource "azurerm_private_dns_zone" "monitor" {
  for_each            = local.monitor_zones
  name                = each.key
  resource_group_name = "rg-dns"
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls-hub"
  location            = "westeurope"
  resource_group_name = "rg-network"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-ampls-hub"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = [for zone in azurerm_private_dns_zone.monitor : zone.id]
  }
}
```

### Bicep
```bicep
param location string = resourceGroup().location
param subnetId string

var zoneNames = [
  'privatelink.monitor.azure.com'
  'privatelink.oms.opinsights.azure.com'
  'privatelink.ods.opinsights.azure.com'
  'privatelink.agentsvc.azure-automation.net'
  'privatelink.blob.${environment().suffixes.storage}'
]

resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-hub'
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for name in zoneNames: {
  name: name
  location: 'global'
}]

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-ampls-hub'
  location: location
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'psc-ampls-hub'
        properties: {
          privateLinkServiceId: scope.id
          groupIds: [
            'azuremonitor'
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-04-01' = {
  parent: endpoint
  name: 'ampls'
  properties: {
    privateDnsZoneConfigs: [for (name, i) in zoneNames: {
      name: replace(name, '.', '-')
      properties: {
        privateDnsZoneId: zones[i].id
      }
    }]
  }
}
```

### ARM JSON
```json
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "subnetId": { "type": "string" },
    "scopeId": { "type": "string" },
    "privateDnsZoneIds": {
      "type": "array",
      "metadata": { "description": "Ids of the hub's five Azure Monitor private DNS zones." }
    }
  },
  "resources": [
    {
      "type": "Microsoft.Network/privateEndpoints",
      "apiVersion": "2023-04-01",
      "name": "pe-ampls-hub",
      "location": "[resourceGroup().location]",
      "properties": {
        "subnet": { "id": "[parameters('subnetId')]" },
        "privateLinkServiceConnections": [
          {
            "name": "psc-ampls-hub",
            "properties": {
              "privateLinkServiceId": "[parameters('scopeId')]",
              "groupIds": ["azuremonitor"]
            }
          }
        ]
      }
    },
    {
      "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
      "apiVersion": "2023-04-01",
      "name": "pe-ampls-hub/ampls",
      "dependsOn": [
        "[resourceId('Microsoft.Network/privateEndpoints', 'pe-ampls-hub')]"
      ],
      "properties": {
        "copy": [
          {
            "name": "privateDnsZoneConfigs",
            "count": "[length(parameters('privateDnsZoneIds'))]",
            "input": {
              "name": "[last(split(parameters('privateDnsZoneIds')[copyIndex('privateDnsZoneConfigs')], '/'))]",
              "properties": {
                "privateDnsZoneId": "[parameters('privateDnsZoneIds')[copyIndex('privateDnsZoneConfigs')]]"
              }
            }
          }
        ]
      }
    }
  ]
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [Private Link and DNS integration at scale (Cloud Adoption Framework)](https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/private-link-and-dns-integration-at-scale)
- [azurerm_private_endpoint (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/private_endpoint)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.azure import MAX_ZONES_PER_GROUP, REQUIRED_ZONES
from ampls_checks.checks._helpers import scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateEndpoint


def _fix(settings: Settings) -> str:
    """What to add: the zones of the scanned cloud (five of them where the cloud needs more
    than a group holds, as in Azure Government; CKV_AMPLS_6 explains the sixth)."""
    zones = REQUIRED_ZONES[settings.cloud]
    if len(zones) > MAX_ZONES_PER_GROUP:
        return (
            f"add a private DNS zone group holding {MAX_ZONES_PER_GROUP} of the zones "
            f"{', '.join(zones)} (one group holds at most {MAX_ZONES_PER_GROUP})"
        )
    return f"add a private DNS zone group holding the zones {', '.join(zones)}"


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        # An unknown zone group list (a dynamic block over an unresolvable value) is not guessed.
        # Nor is a deployment where a zone group's endpoint, or a module's content, is unknown.
        if endpoint.unit in graph.unknown_zone_group_units:
            continue
        if isinstance(endpoint.zone_groups, list) and not endpoint.zone_groups:
            yield CHECK.finding(
                endpoint,
                "Private endpoint to an Azure Monitor Private Link Scope has no private DNS zone group, "
                f"so clients keep resolving Azure Monitor host names to public addresses: {_fix(settings)}",
            )


CHECK = Check(
    id="CKV_AMPLS_5",
    name="Private endpoint to an Azure Monitor Private Link Scope has a private DNS zone group",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
    reports_on=(PrivateEndpoint,),
)
