"""## What it does
Flags a private endpoint whose connection targets an Azure Monitor Private Link Scope but does
not ask for the `azuremonitor` sub-resource (group id): `subresource_names` in Terraform,
`groupIds` in ARM and Bicep. The target counts as a scope when it is a scope declared in the
scan, or a resource id of type `Microsoft.Insights/privateLinkScopes` (a scope in another
subscription). The finding points at the written sub-resource list, or at the endpoint when
nothing is written.

Endpoints to other services are not judged (`blob` is right for a storage account). A
sub-resource that cannot be evaluated (a variable with no value) is not guessed.

## Why is this bad?
A network reaches a scope through one private endpoint whose sub-resource is `azuremonitor`: it
is the only group id a scope offers. An endpoint that asks for anything else does not connect
the network to the scope, so agents and users in that network keep using the public endpoints
until it is fixed. The usual cause is a copy of a storage account's endpoint (`blob`), or a
generic private endpoint module whose default sub-resource was never overridden.

## Example
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.main.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}
```

## Use instead
Ask for `azuremonitor`.

### Terraform
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.main.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}
```

### Bicep
```bicep
resource amplsEndpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-ampls'
  location: 'westeurope'
  properties: {
    subnet: {
      id: endpointSubnet.id
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
  "apiVersion": "2023-09-01",
  "name": "pe-ampls",
  "location": "westeurope",
  "properties": {
    "subnet": {
      "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'snet-endpoints')]"
    },
    "privateLinkServiceConnections": [
      {
        "name": "ampls",
        "properties": {
          "privateLinkServiceId": "[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-main')]",
          "groupIds": ["azuremonitor"]
        }
      }
    ]
  }
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import External, Graph, Location, PrivateEndpoint, PrivateLinkScope, Unknown


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in graph.endpoints:
        if not isinstance(endpoint.connections, list):
            continue
        for connection in endpoint.connections:
            target = graph.target_of(endpoint, connection)
            if not isinstance(target, (PrivateLinkScope, External)):
                continue  # another service (a storage account's "blob" is right there), or unknown
            groups = connection.group_ids
            if isinstance(groups, Unknown) or any(isinstance(g, Unknown) for g in groups):
                continue
            if any(isinstance(g, str) and g.lower() == "azuremonitor" for g in groups):
                continue
            written = connection.group_ids_line not in (0, connection.line)
            # a written list is reported on its line; nothing written is an omission, on the resource
            line = connection.group_ids_line if written else endpoint.location.start_line
            if groups:
                quoted = ", ".join(f'"{g}"' for g in groups)
                message = (
                    f"Change the sub-resource (group id) {quoted} of this connection "
                    'to a private link scope to "azuremonitor", the only one a scope offers'
                )
            else:
                message = (
                    'Set the sub-resource (group id) of this connection to a private link scope to "azuremonitor", '
                    "the only one a scope offers"
                )
            yield CHECK.finding(
                endpoint, message, location=Location(endpoint.location.file, line, line, endpoint.location.language)
            )


CHECK = Check(
    id="CKV_AMPLS_9",
    name="Private endpoint to an Azure Monitor Private Link Scope uses the azuremonitor sub-resource",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-to-a-private-endpoint",
    run=run,
    reports_on=(PrivateEndpoint,),
)
