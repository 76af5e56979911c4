"""## What it does
Flags a monitor resource that is linked to an Azure Monitor Private Link Scope (AMPLS) in the
scanned files but still accepts ingestion from public networks. It reads:

| resource | Terraform (azurerm) | ARM JSON, Bicep, azapi |
|---|---|---|
| Log Analytics workspace | `internet_ingestion_enabled` | `properties.publicNetworkAccessForIngestion` |
| Application Insights component | `internet_ingestion_enabled` | `properties.publicNetworkAccessForIngestion` |
| data collection endpoint | `public_network_access_enabled` | `properties.networkAcls.publicNetworkAccess` |

The next major azurerm version replaces the workspace and component boolean with
`internet_ingestion_access_type` (`Enabled`, `Disabled` or `SecuredByPerimeter`); both are read.

`true` and `Enabled` are reported on their own line. An omitted setting is reported on the
resource's first line, because the platform default is to accept public ingestion.
`SecuredByPerimeter` (a network security perimeter admits only the traffic its rules allow) and
`Disabled` pass. A value the scanner cannot evaluate (a variable with no value in the scanned
files) is not guessed.

A resource that no scoped-resource link in the scanned files adds to a scope is left alone,
unless the scan runs with `--require-private`: then every workspace, component and data
collection endpoint must refuse public ingestion.

## Why is this bad?
A scope's access modes decide what the *connected networks* may reach; a monitor resource's own
network settings decide who else may reach *it*. Linking a resource to a scope changes nothing
for clients outside your networks: while public ingestion stays on, they keep sending to it
over its public endpoints, and so does any agent of yours that does not use the private link.

For Log Analytics this matters most: workspace ingestion goes through workspace-specific
endpoints that the scope's access mode does not govern, so disabling public ingestion on the
workspace (and blocking the public Azure Monitor endpoints at the network) is the only thing that
keeps ingestion private. It also turns a mistake into a visible failure: an agent whose DNS still
resolves the public endpoints stops sending, instead of silently going over the internet.
Data collection endpoints belong in the scope too, because agents fetch their configuration from
them.

## Example
```hcl
resource "azurerm_log_analytics_workspace" "hub" {
  name                = "law-hub"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  sku                 = "PerGB2018"
  # internet_ingestion_enabled is not set: it defaults to true
}

resource "azurerm_monitor_private_link_scoped_service" "hub" {
  name                = "law-hub"
  resource_group_name = "rg-monitoring"
  scope_name          = "ampls-hub"
  linked_resource_id  = azurerm_log_analytics_workspace.hub.id
}
```

## Use instead
Refuse public ingestion on every resource in the scope. Do it once the connected networks
resolve the private endpoint (see CKV_AMPLS_5 to CKV_AMPLS_7), or agents stop sending.

### Terraform
```hcl
resource "azurerm_log_analytics_workspace" "hub" {
  name                       = "law-hub"
  location                   = "westeurope"
  resource_group_name        = "rg-monitoring"
  sku                        = "PerGB2018"
  internet_ingestion_enabled = false # azurerm v5: internet_ingestion_access_type = "Disabled"
  internet_query_enabled     = false
}

resource "azurerm_monitor_data_collection_endpoint" "westeurope" {
  name                          = "dce-westeurope"
  location                      = "westeurope"
  resource_group_name           = "rg-monitoring"
  public_network_access_enabled = false
}

resource "azurerm_monitor_private_link_scoped_service" "hub" {
  name                = "law-hub"
  resource_group_name = "rg-monitoring"
  scope_name          = "ampls-hub"
  linked_resource_id  = azurerm_log_analytics_workspace.hub.id
}

resource "azurerm_monitor_private_link_scoped_service" "dce" {
  name                = "dce-westeurope"
  resource_group_name = "rg-monitoring"
  scope_name          = "ampls-hub"
  linked_resource_id  = azurerm_monitor_data_collection_endpoint.westeurope.id
}
```

### Bicep
```bicep
param location string = resourceGroup().location

resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-hub'
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'law-hub'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    publicNetworkAccessForIngestion: 'Disabled'
    publicNetworkAccessForQuery: 'Disabled'
  }
}

resource dce 'Microsoft.Insights/dataCollectionEndpoints@2022-06-01' = {
  name: 'dce-westeurope'
  location: location
  properties: {
    networkAcls: {
      publicNetworkAccess: 'Disabled'
    }
  }
}

resource workspaceLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'law-hub'
  properties: {
    linkedResourceId: workspace.id
  }
}

resource dceLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'dce-westeurope'
  properties: {
    linkedResourceId: dce.id
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
      "type": "Microsoft.OperationalInsights/workspaces",
      "apiVersion": "2022-10-01",
      "name": "law-hub",
      "location": "[resourceGroup().location]",
      "properties": {
        "sku": { "name": "PerGB2018" },
        "publicNetworkAccessForIngestion": "Disabled",
        "publicNetworkAccessForQuery": "Disabled"
      }
    },
    {
      "type": "Microsoft.Insights/dataCollectionEndpoints",
      "apiVersion": "2022-06-01",
      "name": "dce-westeurope",
      "location": "[resourceGroup().location]",
      "properties": {
        "networkAcls": { "publicNetworkAccess": "Disabled" }
      }
    },
    {
      "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
      "apiVersion": "2021-07-01-preview",
      "name": "ampls-hub/law-hub",
      "dependsOn": [
        "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-hub')]"
      ],
      "properties": {
        "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-hub')]"
      }
    },
    {
      "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
      "apiVersion": "2021-07-01-preview",
      "name": "ampls-hub/dce-westeurope",
      "dependsOn": [
        "[resourceId('Microsoft.Insights/dataCollectionEndpoints', 'dce-westeurope')]"
      ],
      "properties": {
        "linkedResourceId": "[resourceId('Microsoft.Insights/dataCollectionEndpoints', 'dce-westeurope')]"
      }
    }
  ]
}
```

An Application Insights component (`Microsoft.Insights/components`, `azurerm_application_insights`)
takes the same two settings as the workspace.

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [azurerm_log_analytics_workspace (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/log_analytics_workspace)
- [azurerm_monitor_data_collection_endpoint (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/monitor_data_collection_endpoint)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._public_access import public_access_findings
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorResource


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    yield from public_access_findings(CHECK, graph, settings, "ingestion")


CHECK = Check(
    id="CKV_AMPLS_3",
    name="Monitor resource linked to a private link scope does not accept public ingestion",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#configure-access-to-your-resources",
    run=run,
    reports_on=(MonitorResource,),
)
