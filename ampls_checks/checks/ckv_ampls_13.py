"""## What it does
Flags an Azure Monitor Private Link Scope (AMPLS) that is only half built: no private endpoint
connects to it, or it links no monitor resource (Log Analytics workspace, Application Insights
component, data collection endpoint), or both. Endpoints and links are matched whether they refer
to the scope symbolically (`azurerm_monitor_private_link_scope.hub.id`), through a module output,
or by name and resource id strings. When an endpoint's target or a link's scope cannot be
evaluated (a variable with no value), the check stays silent for scopes of that deployment.

## Why is this bad?
A scope does nothing by itself. Without a private endpoint no network uses it, while the
repository reads as if monitoring traffic were private. Without linked resources, a network
that does use it reaches nothing privately: in `PrivateOnly` mode its agents and queries are
refused by every workspace and component, and in `Open` mode everything still goes to resources
outside the scope. Both usually mean a deployment that stopped halfway, or resources that were
meant to be linked in another repository and never were.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "hub" {
  name                  = "ampls-hub"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

# no azurerm_private_endpoint to the scope, no azurerm_monitor_private_link_scoped_service
```

## Use instead
Link the monitor resources the networks use, and connect the scope with one private endpoint
(sub-resource `azuremonitor`) per network, with its DNS zone group.

### Terraform
```hcl
resource "azurerm_monitor_private_link_scoped_service" "central" {
  name                = "law-central"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = azurerm_log_analytics_workspace.central.id
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls-hub"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
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
resource central 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: hub
  name: 'law-central'
  properties: {
    linkedResourceId: workspace.id
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-ampls-hub'
  location: location
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'ampls'
        properties: {
          privateLinkServiceId: hub.id
          groupIds: [
            'azuremonitor'
          ]
        }
      }
    ]
  }
}
```

### ARM JSON
```json
[
  {
    "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
    "apiVersion": "2021-07-01-preview",
    "name": "ampls-hub/law-central",
    "properties": {
      "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-central')]"
    }
  },
  {
    "type": "Microsoft.Network/privateEndpoints",
    "apiVersion": "2023-09-01",
    "name": "pe-ampls-hub",
    "location": "[parameters('location')]",
    "properties": {
      "subnet": { "id": "[parameters('subnetId')]" },
      "privateLinkServiceConnections": [
        {
          "name": "ampls",
          "properties": {
            "privateLinkServiceId": "[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-hub')]",
            "groupIds": ["azuremonitor"]
          }
        }
      ]
    }
  }
]
```

If the scope is not needed yet, remove it: creating it early gains nothing.

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateLinkScope, Unknown


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Units where some endpoint or link points at a scope we cannot identify: stay silent there.
    unsure_endpoint_units = {
        e.unit for e in graph.endpoints if any(isinstance(t, Unknown) for t in graph.scopes_of_endpoint(e))
    }
    unsure_link_units = {link.unit for link in graph.scoped_links if isinstance(graph.scope_of(link), Unknown)}
    # Endpoints or links declared with a count/for_each we could not expand may be the missing ones.
    unsure_endpoint_units |= {u.unit for u in graph.unresolved if u.kind in ("PrivateEndpoint", "*")}
    unsure_link_units |= {u.unit for u in graph.unresolved if u.kind in ("ScopedLink", "*")}
    for scope in graph.scopes:
        no_endpoint = not graph.endpoints_of(scope) and scope.unit not in unsure_endpoint_units
        no_links = not graph.links_to(scope) and scope.unit not in unsure_link_units
        if no_endpoint and no_links:
            message = (
                "Scope has no private endpoint and links no monitor resource: connect a private endpoint "
                "(sub-resource azuremonitor) and link the monitor resources its networks use, or remove the scope"
            )
        elif no_endpoint:
            message = (
                "Scope has no private endpoint: connect a private endpoint with the azuremonitor "
                "sub-resource to it, or remove the scope"
            )
        elif no_links:
            message = (
                "Scope links no monitor resource: add scoped resource links for the workspaces, components "
                "and data collection endpoints its networks use, or remove the scope"
            )
        else:
            continue
        yield CHECK.finding(scope, message)


CHECK = Check(
    id="CKV_AMPLS_13",
    name="Azure Monitor Private Link Scope has a private endpoint and linked resources",
    severity=Severity.LOW,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure",
    run=run,
    reports_on=(PrivateLinkScope,),
)
