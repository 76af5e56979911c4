"""## What it does
Flags an Azure Monitor workspace (Managed Prometheus) that blocks public access while private
querying is not in place:

- no private endpoint in the scan connects to it with the sub-resource `prometheusMetrics`
  (reported on the workspace), or
- such an endpoint's DNS zone group lacks `privatelink.<region>.prometheus.monitor.azure.com` for
  the workspace's region (reported on the endpoint).

It reads `public_network_access_enabled` of `azurerm_monitor_workspace` and
`properties.publicNetworkAccess` of `Microsoft.Monitor/accounts` (ARM, Bicep, azapi), and the
endpoints' `private_service_connection` / `privateLinkServiceConnections` and zone groups. An
endpoint whose target or zones the scanner cannot evaluate, a workspace whose region is not
written, or endpoints whose instances are unknown keep the check silent.

## Why is this bad?
An Azure Monitor workspace is queried privately through its own private endpoint, not through
the Azure Monitor Private Link Scope. Microsoft's page on private endpoints for Managed Prometheus:
"When you create a private endpoint, make the following selections ...: Resource type - Select
`Microsoft.Monitor/accounts` ... Target sub-resource - Select `prometheusMetrics`", and the
recommended zone for that sub-resource is `privatelink.<region>.prometheus.monitor.azure.com`.
With public access disabled and no such endpoint (or without the zone, so the query endpoint
still resolves publicly), Grafana and every PromQL client lose access to the data.

## Example
```hcl
resource "azurerm_monitor_workspace" "prometheus" {
  name                          = "amw-platform"
  location                      = "westeurope"
  resource_group_name           = "rg-monitoring"
  public_network_access_enabled = false
}
# no private endpoint with subresource_names = ["prometheusMetrics"]
```

## Use instead
Add a private endpoint for `prometheusMetrics` with the regional zone.

### Terraform
```hcl
resource "azurerm_private_endpoint" "prometheus" {
  name                = "pe-amw-platform"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "prometheus"
    private_connection_resource_id = azurerm_monitor_workspace.prometheus.id
    subresource_names              = ["prometheusMetrics"]
    is_manual_connection           = false
  }

  # azurerm_private_dns_zone.prometheus is privatelink.westeurope.prometheus.monitor.azure.com
  private_dns_zone_group {
    name                 = "prometheus"
    private_dns_zone_ids = [azurerm_private_dns_zone.prometheus.id]
  }
}
```

### Bicep
```bicep
resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-amw-platform'
  location: 'westeurope'
  properties: {
    subnet: {
      id: '${hub.id}/subnets/snet-pe'
    }
    privateLinkServiceConnections: [
      {
        name: 'prometheus'
        properties: {
          privateLinkServiceId: amw.id
          groupIds: [
            'prometheusMetrics'
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
  "name": "pe-amw-platform",
  "location": "westeurope",
  "properties": {
    "subnet": {
      "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'snet-pe')]"
    },
    "privateLinkServiceConnections": [
      {
        "name": "prometheus",
        "properties": {
          "privateLinkServiceId": "[resourceId('Microsoft.Monitor/accounts', 'amw-platform')]",
          "groupIds": ["prometheusMetrics"]
        }
      }
    ]
  }
}
```

## References
- [Use private endpoints for Managed Prometheus and Azure Monitor workspace](https://learn.microsoft.com/azure/azure-monitor/metrics/azure-monitor-workspace-private-endpoint)
- [Private Link for data ingestion for Managed Prometheus and container insights](https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-private-link)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import endpoint_zone_nodes
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorKind, MonitorResource, PrivateEndpoint, Unknown

SUB_RESOURCE = "prometheusmetrics"


def zone_for(region: str) -> str:
    """The recommended zone of the `prometheusMetrics` sub-resource for a region."""
    return f"privatelink.{region.replace(' ', '').lower()}.prometheus.monitor.azure.com"


def _prometheus_endpoints(graph: Graph, workspace: MonitorResource) -> list[PrivateEndpoint] | None:
    """Endpoints to the workspace asking for prometheusMetrics; None when some endpoint's target
    or sub-resources are unknown (it may be one)."""
    found = []
    for endpoint in graph.endpoints:
        # An unknown in another deployment is not this workspace: that deployment reaches it
        # only through its full identity (a literal id), which is never unknown.
        own = endpoint.unit == workspace.unit
        if isinstance(endpoint.connections, Unknown):
            if own:
                return None
            continue
        for connection in endpoint.connections:
            target = graph.monitor_target(connection.target, endpoint.unit)
            if isinstance(target, Unknown):
                if own:
                    return None
                continue
            if not isinstance(target, MonitorResource) or target.key != workspace.key:
                continue
            groups = connection.group_ids
            if isinstance(groups, Unknown) or any(isinstance(g, Unknown) for g in groups):
                return None
            if any(isinstance(g, str) and g.lower() == SUB_RESOURCE for g in groups):
                found.append(endpoint)
    return found


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for workspace in graph.monitors:
        if workspace.kind is not MonitorKind.AZURE_MONITOR_WORKSPACE or workspace.public_query is not False:
            continue
        endpoints = _prometheus_endpoints(graph, workspace)
        if endpoints is None:
            continue
        if not endpoints:
            if graph.may_have(PrivateEndpoint, workspace.unit):
                continue
            yield CHECK.finding(
                workspace,
                "Azure Monitor workspace blocks public access but no private endpoint connects to it with the "
                "prometheusMetrics sub-resource: queries (Grafana, PromQL) cannot reach it; add one",
                workspace.query_attribute,
            )
            continue
        if not isinstance(workspace.region, str):
            continue
        zone = zone_for(workspace.region)
        for endpoint in endpoints:
            nodes = endpoint_zone_nodes(graph, endpoint)
            if isinstance(nodes, Unknown) or any(not isinstance(n.name, str) for n in nodes):
                continue
            if any(isinstance(n.name, str) and n.name.lower() == zone for n in nodes):
                continue
            yield CHECK.finding(
                endpoint,
                f"Private endpoint to Azure Monitor workspace {workspace.address} has no private DNS zone {zone}: "
                "its query endpoint keeps resolving publicly; add the zone to the endpoint's zone group",
                "private_dns_zone_group",
            )


CHECK = Check(
    id="CKV_AMPLS_19",
    name="An Azure Monitor workspace closed to the public has a prometheusMetrics private endpoint and zone",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/metrics/azure-monitor-workspace-private-endpoint",
    run=run,
    reports_on=(
        MonitorResource,
        PrivateEndpoint,
    ),
)
