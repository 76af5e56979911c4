"""## What it does
Flags a monitor resource that a `PrivateOnly` private link scope leaves out: the resource is
deployed with the scope (same Terraform root module, ARM or Bicep entry file) or a data
collection rule deployed with the scope sends to it, but no scoped link adds it to that scope.
Which access mode matters depends on the resource:

- a Log Analytics workspace: the query access mode (Log Analytics ingestion uses
  workspace-specific endpoints and does not follow the scope's access modes);
- an Application Insights component: the ingestion or the query access mode;
- a data collection endpoint: the ingestion access mode.

A scope deployed with an API version before `2021-07-01-preview` counts as ingestion
`PrivateOnly` (CKV_AMPLS_24). The finding is reported on the monitor resource. The check is
silent when the scope's mode is unknown, when a scoped link of the deployment cannot be resolved
(it may be the missing one), when the resource is linked to a scope known only by name, and when
the scope links nothing in the scan: that is CKV_AMPLS_13's finding, and such a scope's links often
come from a registry module the scanner does not read.
Azure Monitor workspaces are not judged: they are reached through their own private endpoint
(CKV_AMPLS_19), not through the scope.

## Why is this bad?
`PrivateOnly` lets the networks on the scope's DNS reach only the resources in the scope.
Microsoft's design page: "Using Private Only will block traffic to resources not in the AMPLS
across all networks that share the same DNS regardless of subscription or tenant. ... Switch to
the Private Only mode for maximum security only after you've added all Azure Monitor resources to
your AMPLS." A resource deployed beside the scope but left out of it is exactly what its own
applications and agents use: they get HTTP 403 ("Component private link id does not match
incoming link id" for Application Insights) from every network on that DNS.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "hub" {
  name                  = "ampls-hub"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_application_insights" "orders" {
  name                = "appi-orders"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  application_type    = "web"
}
# no azurerm_monitor_private_link_scoped_service for appi-orders
```

## Use instead
Link every resource the scope's networks use to the scope.

### Terraform
```hcl
resource "azurerm_monitor_private_link_scoped_service" "orders" {
  name                = "appi-orders"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = azurerm_application_insights.orders.id
}
```

### Bicep
```bicep
resource ordersLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'appi-orders'
  properties: {
    linkedResourceId: orders.id
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
  "apiVersion": "2021-07-01-preview",
  "name": "ampls-hub/appi-orders",
  "dependsOn": [
    "[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-hub')]"
  ],
  "properties": {
    "linkedResourceId": "[resourceId('Microsoft.Insights/components', 'appi-orders')]"
  }
}
```

## References
- [Design Azure Monitor private link configuration: Access modes ("Apply caution")](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-design#access-modes)
- [Enable network isolation for Azure Monitor Agent by using Azure Private Link](https://learn.microsoft.com/azure/azure-monitor/fundamentals/azure-monitor-agent-private-link)
- [Configure private link for Azure Monitor: Connect resources to the AMPLS](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-resources-to-the-ampls)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, MonitorKind, MonitorResource, PrivateLinkScope, ScopedLink, Unknown

# Which of a scope's modes blocks each kind of resource when PrivateOnly (design page: Log
# Analytics ingestion does not adhere to the access modes).
_MODES = {
    MonitorKind.LOG_ANALYTICS_WORKSPACE: ("query",),
    MonitorKind.APPLICATION_INSIGHTS: ("ingestion", "query"),
    MonitorKind.DATA_COLLECTION_ENDPOINT: ("ingestion",),
}


def private_only_modes(scope: PrivateLinkScope) -> set[str]:
    """The sides (`ingestion`, `query`) on which the scope is effectively PrivateOnly."""
    if scope.predates_access_modes():
        return {"ingestion"}
    found = set()
    for side, mode in (("ingestion", scope.ingestion_access_mode), ("query", scope.query_access_mode)):
        if isinstance(mode, str) and mode.lower() == "privateonly":
            found.add(side)
    return found


def _deployed_with(graph: Graph, scope: PrivateLinkScope) -> list[MonitorResource]:
    """Monitor resources of the scope's unit, and those a rule of that unit sends to or names."""
    found = {m.key: m for m in graph.monitors if m.unit == scope.unit}
    for rule in graph.rules:
        if rule.unit != scope.unit:
            continue
        refs = [rule.endpoint, *(rule.destinations if isinstance(rule.destinations, list) else [])]
        for ref in refs:
            target = graph.monitor_target(ref, rule.unit) if not isinstance(ref, Unknown) else None
            if isinstance(target, MonitorResource):
                found.setdefault(target.key, target)
    return list(found.values())


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    reported: set[str] = set()
    for scope in graph.scopes:
        sides = private_only_modes(scope)
        if not sides or scope.unit in graph.unknown_link_units or graph.may_have(ScopedLink, scope.unit):
            continue
        if not graph.links_to(scope):
            # a scope that links nothing is CKV_AMPLS_13's finding; and its links may all come
            # from a module the scanner cannot read (a registry module): no guess here
            continue
        for monitor in _deployed_with(graph, scope):
            blocked = [side for side in _MODES.get(monitor.kind, ()) if side in sides]
            if not blocked or monitor.key in reported or monitor.unit in graph.unknown_link_units:
                continue
            linked = graph.scopes_of_monitor(monitor)
            if not all(isinstance(s, PrivateLinkScope) for s in linked):
                continue  # linked to a scope known only by name, or unresolved: it may be this one
            if any(isinstance(s, PrivateLinkScope) and s.key == scope.key for s in linked):
                continue
            reported.add(monitor.key)
            what = " and ".join("sending to it" if s == "ingestion" else "querying it" for s in blocked)
            yield CHECK.finding(
                monitor,
                f"{monitor.kind.value.capitalize()} is not linked to {scope.address}, whose "
                f"{' and '.join(blocked)} access mode is PrivateOnly: networks on that scope's DNS fail with 403 "
                f"when {what}; link it to the scope with a scoped resource",
            )


CHECK = Check(
    id="CKV_AMPLS_16",
    name="A PrivateOnly private link scope includes the monitor resources deployed with it",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-design#access-modes",
    run=run,
    reports_on=(MonitorResource,),
)
