"""## What it does
Flags a workspace-based Application Insights component that is locked down (linked to a private
link scope, or with public ingestion or public query disabled) while the Log Analytics workspace
it writes to is not:

- the workspace still accepts ingestion or queries from public networks
  (`internet_ingestion_enabled` / `internet_query_enabled` of `azurerm_log_analytics_workspace`,
  `publicNetworkAccessForIngestion` / `ForQuery` of `Microsoft.OperationalInsights/workspaces`;
  omitted means enabled), or
- the component is linked to a scope that the workspace is not linked to.

The component's workspace is `workspace_id` of `azurerm_application_insights`, or
`properties.WorkspaceResourceId` of `Microsoft.Insights/components` in ARM, Bicep and azapi. The
finding points at that attribute. A workspace that is not declared in the scan (a literal id of
another subscription, a data source), a flag the scanner cannot evaluate, or scoped links it
cannot resolve in the deployment keep the check silent.

## Why is this bad?
A workspace-based component stores its telemetry in the Log Analytics workspace. Closing the
component to public networks, or adding it to a scope, protects the component's endpoints only:
the same data can still be queried, and the workspace can still be written to, through the
workspace's own public endpoints. Microsoft's design page, Application Insights: "To fully
secure workspace-based Application Insights, lock down access to the Application Insights
resource and the underlying Log Analytics workspace."

## Example
```hcl
resource "azurerm_log_analytics_workspace" "app" {
  name                = "law-app"
  location            = "westeurope"
  resource_group_name = "rg-app"
  # internet_ingestion_enabled and internet_query_enabled default to true
}

resource "azurerm_application_insights" "app" {
  name                       = "appi-app"
  location                   = "westeurope"
  resource_group_name        = "rg-app"
  application_type           = "web"
  workspace_id               = azurerm_log_analytics_workspace.app.id
  internet_ingestion_enabled = false
  internet_query_enabled     = false
}
```

## Use instead
Lock down the workspace as the component, and link both to the same scope.

### Terraform
```hcl
resource "azurerm_log_analytics_workspace" "app" {
  name                       = "law-app"
  location                   = "westeurope"
  resource_group_name        = "rg-app"
  internet_ingestion_enabled = false
  internet_query_enabled     = false
}

resource "azurerm_monitor_private_link_scoped_service" "workspace" {
  name                = "law-app"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = azurerm_log_analytics_workspace.app.id
}
```

### Bicep
```bicep
resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'law-app'
  location: 'westeurope'
  properties: {
    publicNetworkAccessForIngestion: 'Disabled'
    publicNetworkAccessForQuery: 'Disabled'
  }
}

resource workspaceLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'law-app'
  properties: {
    linkedResourceId: workspace.id
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.OperationalInsights/workspaces",
  "apiVersion": "2022-10-01",
  "name": "law-app",
  "location": "westeurope",
  "properties": {
    "publicNetworkAccessForIngestion": "Disabled",
    "publicNetworkAccessForQuery": "Disabled"
  }
}
```

## References
- [Design Azure Monitor private link configuration: Application Insights](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-design#application-insights)
- [Design Azure Monitor private link configuration: Control network access to AMPLS resources](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-design#control-network-access-to-ampls-resources)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorKind, MonitorResource, PrivateLinkScope


def _locked(graph: Graph, component: MonitorResource) -> str | None:
    """Why the component counts as locked down, or None."""
    if graph.links_of(component):
        return "is linked to a private link scope"
    if component.public_ingestion is False and component.public_query is False:
        return "blocks public ingestion and queries"
    if component.public_ingestion is False:
        return "blocks public ingestion"
    if component.public_query is False:
        return "blocks public queries"
    return None


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for component in graph.monitors:
        if component.kind is not MonitorKind.APPLICATION_INSIGHTS:
            continue
        workspace = graph.monitor_target(component.workspace, component.unit)
        if not isinstance(workspace, MonitorResource) or workspace.kind is not MonitorKind.LOG_ANALYTICS_WORKSPACE:
            continue
        why = _locked(graph, component)
        if why is None:
            continue
        open_sides = [
            side
            for side, flag in (("ingestion", workspace.public_ingestion), ("queries", workspace.public_query))
            if flag is True
        ]
        if open_sides:
            yield CHECK.finding(
                component,
                f"Component {why}, but its workspace {workspace.address} accepts {' and '.join(open_sides)} from "
                "public networks: lock down the workspace too, or its data stays reachable publicly",
                "workspace",
            )
            continue
        if {component.unit, workspace.unit} & graph.unknown_link_units:
            continue  # a link the scanner could not read may be the one missing
        component_nodes = graph.scopes_of_monitor(component)
        workspace_nodes = graph.scopes_of_monitor(workspace)
        if not all(isinstance(s, PrivateLinkScope) for s in component_nodes + workspace_nodes):
            continue  # a scope known only by name, or not resolved: cannot compare
        component_scopes = [s for s in component_nodes if isinstance(s, PrivateLinkScope)]
        workspace_scopes = {s.key for s in workspace_nodes if isinstance(s, PrivateLinkScope)}
        missing = [s for s in component_scopes if s.key not in workspace_scopes]
        if missing:
            yield CHECK.finding(
                component,
                f"Component is linked to {missing[0].address}, but its workspace {workspace.address} is not: "
                "link the workspace to the same scope, or networks on that scope cannot reach the component's data",
                "workspace",
            )


CHECK = Check(
    id="CKV_AMPLS_17",
    name="Workspace-based Application Insights is locked down together with its Log Analytics workspace",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-design#application-insights",
    run=run,
    reports_on=(MonitorResource,),
)
