"""## What it does
Flags a private endpoint to an Azure Monitor Private Link Scope that sets static IP
configurations (`ip_configuration` blocks of `azurerm_private_endpoint`,
`properties.ipConfigurations` of `Microsoft.Network/privateEndpoints` in ARM, Bicep and azapi)
that cannot name every member the `azuremonitor` sub-resource requires:

- fewer than 11 configurations for `azuremonitor`: the endpoint takes at least 11 addresses, one
  per member name, so fewer configurations leave members without an address;
- a configuration without a member name, or for another sub-resource than `azuremonitor`.

The finding points at the first IP configuration. An endpoint without IP configurations (dynamic
allocation, the default) is not judged, nor one whose configurations come from a value the
scanner cannot evaluate (a `dynamic` block over an unknown list).

What the documentation does not settle: the exact list of member names. Microsoft documents no
list for `azuremonitor`; deployment errors users published (bicep-registry-modules#1389) show
members such as `api`, `global.in.ai`, `profiler`, `live` and `diagservicesquery`, and the list
grows with the regions of the workspaces and endpoints linked to the scope (a member is
"requested by Private Link service" only once the resource is in the scope,
bicep-registry-modules#3208). So this check never claims a configuration set is complete, and it
names no member as missing: it reports only what is short for certain.

## Why is this bad?
With static IP configurations, the private endpoint must give an address to every member the
service asks for; otherwise the deployment fails with
`PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps` ("... and its missing these
membernames/groupids requested by Private Link service ... Private Endpoint needs to be
reconfigured with missing memberNames."). Microsoft's configure page states how many there are at
least: "The Azure Monitor private link setup requires at least 11 more IP addresses even if
you're connecting to a single workspace." Static addresses for an Azure Monitor endpoint also have
to change whenever a workspace in a new region joins the scope.

## Example
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.hub.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "api"
    private_ip_address = "10.0.1.10"
    subresource_name   = "azuremonitor"
    member_name        = "api"
  }
}
```

## Use instead
Let the endpoint allocate its addresses dynamically: leave out the IP configurations (the
configure page's default, "Dynamically allocate IP address"). If addresses must be static, give
one configuration to every member the deployment error lists for your scope.

### Terraform
```hcl
resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls"
  location            = "westeurope"
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
  location: 'westeurope'
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
  "location": "westeurope",
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
- [Configure private link for Azure Monitor: Network subnet size (at least 11 addresses)](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#network-subnet-size)
- [Configure private link for Azure Monitor: Virtual Network tab (private IP configuration)](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-ampls-to-a-private-endpoint)
- [Azure/bicep-registry-modules#1389: the deployment error and the member names it listed](https://github.com/Azure/bicep-registry-modules/issues/1389)
- [Azure/bicep-registry-modules#3208: members are requested once the resources are in the scope](https://github.com/Azure/bicep-registry-modules/issues/3208)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, Location, PrivateEndpoint, Unknown

# "The Azure Monitor private link setup requires at least 11 more IP addresses" (configure page).
MIN_ADDRESSES = 11


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for endpoint in scope_endpoints(graph):
        configurations = endpoint.ip_configurations
        if isinstance(configurations, Unknown) or not configurations:
            continue
        if any(isinstance(getattr(c, f), Unknown) for c in configurations for f in ("group_id", "member_name")):
            continue
        problems = []
        monitor = [c for c in configurations if isinstance(c.group_id, str) and c.group_id.lower() == "azuremonitor"]
        if len(monitor) < MIN_ADDRESSES:
            problems.append(
                f"{len(monitor)} static IP configuration(s) for azuremonitor where the endpoint takes at least "
                f"{MIN_ADDRESSES} addresses, one per required member name"
            )
        unnamed = [c for c in configurations if not c.member_name]
        if unnamed:
            problems.append(f"{len(unnamed)} without a member name")
        others = sorted(
            {c.group_id for c in configurations if isinstance(c.group_id, str) and c.group_id.lower() != "azuremonitor"}
        )
        if others:
            problems.append(f"configurations for {', '.join(others)}, not azuremonitor")
        if not problems:
            continue
        line = configurations[0].line
        yield CHECK.finding(
            endpoint,
            f"Static IP configurations cannot cover the members azuremonitor requires ({'; '.join(problems)}): "
            "the deployment fails with PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps; "
            "remove the IP configurations to allocate addresses dynamically, or add one per member the service lists",
            location=Location(endpoint.location.file, line, line, endpoint.location.language),
        )


CHECK = Check(
    id="CKV_AMPLS_22",
    name="Static IP configurations of an Azure Monitor private endpoint cover the azuremonitor members",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#network-subnet-size",
    run=run,
    reports_on=(PrivateEndpoint,),
)
