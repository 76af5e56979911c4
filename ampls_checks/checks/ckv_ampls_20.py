"""## What it does
Flags a private endpoint to an Azure Monitor Private Link Scope whose `location` is another
region than the virtual network its subnet belongs to. Both regions must be written in the
scanned code (`location` of `azurerm_private_endpoint` and `azurerm_virtual_network`, or of
`Microsoft.Network/privateEndpoints` and `Microsoft.Network/virtualNetworks` in ARM, Bicep and
azapi); `West Europe` and `westeurope` are the same region. The finding points at the endpoint's
`location`.

A region the scanner cannot evaluate (`resourceGroup().location`, a variable without a value, a
network only looked up through a data source) is not guessed: the check stays silent.

## Why is this bad?
Microsoft's configure page, Basics tab of the private endpoint: "The region must be the same
region as the virtual network to which you connect it." A template that places the endpoint
elsewhere (usually the scope's or the workspace's region copied onto the endpoint) fails at
deployment, after everything before it in the pipeline has already been applied.

## Example
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "northeurope" # the hub network is in westeurope
  resource_group_name = "rg-hub"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}
```

## Use instead
Give the endpoint its network's location, best by referring to it.

### Terraform
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = azurerm_virtual_network.hub.location
  resource_group_name = "rg-hub"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}
```

### Bicep
```bicep
resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-ampls'
  location: hub.location
  properties: {
    subnet: {
      id: '${hub.id}/subnets/snet-pe'
    }
    privateLinkServiceConnections: [
      {
        name: 'ampls'
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
```

### ARM JSON
```json
{
  "type": "Microsoft.Network/privateEndpoints",
  "apiVersion": "2023-04-01",
  "name": "pe-ampls",
  "location": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub'), '2023-04-01', 'full').location]",
  "properties": {
    "subnet": {
      "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'snet-pe')]"
    },
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
```

## References
- [Configure private link for Azure Monitor: Connect AMPLS to a private endpoint, Basics tab](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-ampls-to-a-private-endpoint)
- [What is a private endpoint? (the endpoint must be in the same region as its virtual network)](https://learn.microsoft.com/azure/private-link/private-endpoint-overview)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import endpoint_network, scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateEndpoint, same_region


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        if not isinstance(endpoint.region, str):
            continue
        network = endpoint_network(graph, endpoint)
        if network is None or not isinstance(network.region, str):
            continue
        if not same_region(endpoint.region, network.region):
            yield CHECK.finding(
                endpoint,
                f"Private endpoint location {endpoint.region!r} differs from its virtual network "
                f"{network.address}'s {network.region!r}: the deployment fails; "
                f"set the endpoint's location to {network.region!r}",
                "location",
            )


CHECK = Check(
    id="CKV_AMPLS_20",
    name="Private endpoint to an Azure Monitor Private Link Scope is in its virtual network's region",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-ampls-to-a-private-endpoint",
    run=run,
    reports_on=(PrivateEndpoint,),
)
