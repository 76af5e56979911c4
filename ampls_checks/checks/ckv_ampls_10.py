"""## What it does
Flags a monitor resource that blocks public ingestion or public query but is linked to no Azure
Monitor Private Link Scope, in a deployment that declares a scope. Monitor resources are Log
Analytics workspaces, Application Insights components and data collection endpoints; the
finding is on the resource's block and names the scope to link it to when the deployment has
one.

A deployment is a Terraform root module with the local modules it calls, or an ARM or Bicep
entry file. Two root modules share nothing, so a scope in one says nothing about a workspace in
another: that workspace may be linked by a scope outside the scan, and is not judged. A link
counts wherever it is written in the scan, by reference or by a literal resource id. Not judged
either:

- deployments without a scope (the resource may be reached through a scope managed elsewhere);
- a deployment where a scoped resource link's target cannot be evaluated (it may be this one);
- a public access setting that cannot be evaluated (a variable with no value);
- Azure Monitor workspaces (managed Prometheus), which are queried through their own private
  endpoint, not through a scope.

Both provider forms are read: `internet_ingestion_enabled` / `internet_query_enabled` (azurerm
v4) and `internet_ingestion_access_type` / `internet_query_access_type` (v5, where
`SecuredByPerimeter` also counts as blocked), `public_network_access_enabled` on a data
collection endpoint, and `publicNetworkAccessForIngestion` / `publicNetworkAccessForQuery` or
`networkAcls.publicNetworkAccess` in ARM and Bicep.

## Why is this bad?
With public access blocked, a monitor resource can only be reached over a private link, and a
private link only reaches the resources in its scope. A workspace or component that blocks
public ingestion and is in no scope receives no data; one that blocks public query cannot be
queried; agents cannot fetch their configuration from a data collection endpoint that is left
out. This usually happens when resources are locked down together but only some are added to
the scope, or when a new one is added later.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "main" {
  name                  = "ampls-main"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_log_analytics_workspace" "audit" {
  name                       = "law-audit"
  location                   = "westeurope"
  resource_group_name        = "rg-monitoring"
  sku                        = "PerGB2018"
  internet_ingestion_enabled = false
  internet_query_enabled     = false
  # no azurerm_monitor_private_link_scoped_service links it to ampls-main
}
```

## Use instead
Add a scoped resource link from the scope to the resource (or, if the resource must stay
outside the private link, re-enable the public access it needs).

### Terraform
```hcl
resource "azurerm_monitor_private_link_scoped_service" "audit" {
  name                = "law-audit"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.main.name
  linked_resource_id  = azurerm_log_analytics_workspace.audit.id
}
```

### Bicep
```bicep
resource main 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-main'
}

resource audit 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: 'law-audit'
}

resource auditLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: main
  name: 'law-audit'
  properties: {
    linkedResourceId: audit.id
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
  "apiVersion": "2021-07-01-preview",
  "name": "ampls-main/law-audit",
  "properties": {
    "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-audit')]"
  }
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ampls_checks.checks._helpers import is_linked
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorKind, MonitorResource, PrivateLinkScope


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Only deployments that use a scope are judged: a Terraform root module (with its local
    # modules) or an ARM/Bicep entry file. Two root modules share nothing, so a scope in one says
    # nothing about a workspace in another, which may be reached by a scope outside the scan.
    scopes_by_unit: dict[str, list[PrivateLinkScope]] = defaultdict(list)
    for scope in graph.scopes:
        scopes_by_unit[scope.unit].append(scope)
    for monitor in graph.monitors:
        if monitor.kind is MonitorKind.AZURE_MONITOR_WORKSPACE:
            continue  # queried through its own private endpoint, never through a scope
        scopes = scopes_by_unit.get(monitor.unit)
        if not scopes or is_linked(graph, monitor) or monitor.unit in graph.unknown_link_units:
            continue  # no scope here, linked, or a link whose target is unknown may be this one
        closed = [
            what
            for what, flag in (("ingestion", monitor.public_ingestion), ("query", monitor.public_query))
            if flag is False
        ]
        if not closed:
            continue
        target = scopes[0].address if len(scopes) == 1 else "a private link scope of this deployment"
        effect = {
            ("ingestion",): "nothing can send data to it",
            ("query",): "nothing can query it",
            ("ingestion", "query"): "nothing can reach it",
        }[tuple(closed)]
        yield CHECK.finding(
            monitor,
            f"Link this {monitor.kind.value} to {target} with a scoped resource link: it blocks public "
            f"{' and '.join(closed)}, so without a private link {effect}",
        )


CHECK = Check(
    id="CKV_AMPLS_10",
    name="Monitor resource that blocks public access is linked to a private link scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-azure-monitor-resources",
    run=run,
    reports_on=(MonitorResource,),
)
