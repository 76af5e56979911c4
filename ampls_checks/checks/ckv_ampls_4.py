"""## What it does
Flags a monitor resource that is linked to an Azure Monitor Private Link Scope (AMPLS) in the
scanned files but still accepts queries from public networks. It reads:

| resource | Terraform (azurerm) | ARM JSON, Bicep, azapi |
|---|---|---|
| Log Analytics workspace | `internet_query_enabled` | `properties.publicNetworkAccessForQuery` |
| Application Insights component | `internet_query_enabled` | `properties.publicNetworkAccessForQuery` |
| Azure Monitor workspace | `public_network_access_enabled` | `properties.publicNetworkAccess` |

The next major azurerm version replaces the workspace and component boolean with
`internet_query_access_type` (`Enabled`, `Disabled` or `SecuredByPerimeter`); both are read.

`true` and `Enabled` are reported on their own line. An omitted setting is reported on the
resource's first line, because the platform default is to accept public queries.
`SecuredByPerimeter` (a network security perimeter admits only the traffic its rules allow) and
`Disabled` pass. A value the scanner cannot evaluate (a variable with no value in the scanned
files) is not guessed.

A resource that no scoped-resource link in the scanned files adds to a scope is left alone,
unless the scan runs with `--require-private`. Azure Monitor workspaces (managed Prometheus) are
made private for queries on the workspace itself, not through a scope, so in practice this check
reports them only under `--require-private`.

## Why is this bad?
A scope's access modes decide what the *connected networks* may reach; a monitor resource's own
network settings decide who else may reach *it*. While public queries stay on, the data that
arrives over the private link can still be read from any network, and the private link protects
only the way in. Reading still takes an identity with access to the resource, which is why this
check is MEDIUM where public ingestion (CKV_AMPLS_3) is HIGH.

Plan for the change: once public queries are off, everything that reads the data (the Azure
portal's views, workbooks, dashboards, scripts and other tools that call the query API) works
only from a network connected to the scope.

## Example
```hcl
resource "azurerm_application_insights" "web" {
  name                       = "appi-web"
  location                   = "westeurope"
  resource_group_name        = "rg-monitoring"
  application_type           = "web"
  internet_ingestion_enabled = false
  # internet_query_enabled is not set: it defaults to true
}

resource "azurerm_monitor_private_link_scoped_service" "web" {
  name                = "appi-web"
  resource_group_name = "rg-monitoring"
  scope_name          = "ampls-hub"
  linked_resource_id  = azurerm_application_insights.web.id
}
```

## Use instead
Refuse public queries on every resource in the scope.

### Terraform
```hcl
resource "azurerm_application_insights" "web" {
  name                       = "appi-web"
  location                   = "westeurope"
  resource_group_name        = "rg-monitoring"
  application_type           = "web"
  internet_ingestion_enabled = false
  internet_query_enabled     = false # azurerm v5: internet_query_access_type = "Disabled"
}

resource "azurerm_monitor_private_link_scoped_service" "web" {
  name                = "appi-web"
  resource_group_name = "rg-monitoring"
  scope_name          = "ampls-hub"
  linked_resource_id  = azurerm_application_insights.web.id
}

resource "azurerm_monitor_workspace" "prometheus" {
  name                          = "amw-prometheus"
  location                      = "westeurope"
  resource_group_name           = "rg-monitoring"
  public_network_access_enabled = false
}
```

### Bicep
```bicep
param location string = resourceGroup().location

resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-hub'
}

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-web'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    publicNetworkAccessForIngestion: 'Disabled'
    publicNetworkAccessForQuery: 'Disabled'
  }
}

resource componentLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'appi-web'
  properties: {
    linkedResourceId: component.id
  }
}

resource prometheus 'Microsoft.Monitor/accounts@2023-04-03' = {
  name: 'amw-prometheus'
  location: location
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}
```

### ARM JSON
```json
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Insights/components",
      "apiVersion": "2020-02-02",
      "name": "appi-web",
      "location": "[resourceGroup().location]",
      "kind": "web",
      "properties": {
        "Application_Type": "web",
        "publicNetworkAccessForIngestion": "Disabled",
        "publicNetworkAccessForQuery": "Disabled"
      }
    },
    {
      "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
      "apiVersion": "2021-07-01-preview",
      "name": "ampls-hub/appi-web",
      "dependsOn": [
        "[resourceId('Microsoft.Insights/components', 'appi-web')]"
      ],
      "properties": {
        "linkedResourceId": "[resourceId('Microsoft.Insights/components', 'appi-web')]"
      }
    },
    {
      "type": "Microsoft.Monitor/accounts",
      "apiVersion": "2023-04-03",
      "name": "amw-prometheus",
      "location": "[resourceGroup().location]",
      "properties": {
        "publicNetworkAccess": "Disabled"
      }
    }
  ]
}
```

A Log Analytics workspace (`Microsoft.OperationalInsights/workspaces`,
`azurerm_log_analytics_workspace`) takes the same two settings as the component.

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [azurerm_application_insights (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/application_insights)
- [azurerm_monitor_workspace (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/monitor_workspace)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._public_access import public_access_findings
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorResource


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    yield from public_access_findings(CHECK, graph, settings, "query")


CHECK = Check(
    id="CKV_AMPLS_4",
    name="Monitor resource linked to a private link scope does not accept public queries",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#configure-access-to-your-resources",
    run=run,
    reports_on=(MonitorResource,),
)
