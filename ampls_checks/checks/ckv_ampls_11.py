"""## What it does
Flags an Azure Monitor Private Link Scope (AMPLS) that goes over a platform limit, and a monitor
resource linked to more scopes than the platform allows. The generally available limits are the
defaults:

| limit | default | option |
|---|---|---|
| Log Analytics workspaces linked to one scope | 300 | `--limit workspaces-per-scope=N` |
| Application Insights components linked to one scope | 1,000 | `--limit components-per-scope=N` |
| private endpoints connected to one scope | 10 | `--limit endpoints-per-scope=N` |
| scopes one monitor resource is linked to | 5 | `--limit scopes-per-resource=N` |

The documentation pages do not all agree, and a public preview raises the first, second and last
limits to 3,000, 10,000 and 100 (the AMPLS limitations of the Azure Monitor service limits,
May 2025). If your scopes run with higher limits, pass them with `--limit`.

Resources are counted once each, whether they come from `count`, `for_each`, a module or one
block each; a scope linked by name only (a `scope_name` of a scope another repository declares)
still counts towards the scopes of a resource. When a count cannot be evaluated (a variable with
no value), the resources behind it are not counted.

## Why is this bad?
The platform refuses the link or the endpoint that crosses the limit. The deployment then fails
late, often after the design is settled: the 301st workspace of a landing zone cannot join the
scope, and its network has no private path to it. Because one scope per DNS is the rule (a second
scope overrides the first's DNS records), the way out is rarely "add another scope": it is fewer
workspaces, fewer endpoints (one per network, with spokes resolving through the hub), or fewer
scopes per resource.

## Example
```hcl
resource "azurerm_log_analytics_workspace" "team" {
  count               = 301
  name                = "law-team-${count.index}"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  sku                 = "PerGB2018"
}

resource "azurerm_monitor_private_link_scoped_service" "team" {
  count               = 301 # one more than a scope accepts
  name                = "law-team-${count.index}"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = azurerm_log_analytics_workspace.team[count.index].id
}
```

## Use instead
Keep each scope within the limits: consolidate workspaces (tables and resource-context access
often replace one workspace per team), and connect networks through one endpoint in the hub
instead of one per spoke.

### Terraform
```hcl
variable "workspace_ids" {
  type = map(string)

  validation {
    condition     = length(var.workspace_ids) <= 300
    error_message = "An Azure Monitor Private Link Scope links at most 300 workspaces."
  }
}

resource "azurerm_monitor_private_link_scoped_service" "team" {
  for_each            = var.workspace_ids
  name                = each.key
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = each.value
}
```

### Bicep
```bicep
@maxLength(300)
param workspaceIds array

resource hub 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-hub'
}

resource links 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = [for id in workspaceIds: {
  parent: hub
  name: last(split(id, '/'))
  properties: {
    linkedResourceId: id
  }
}]
```

### ARM JSON
```json
{
  "parameters": {
    "workspaceIds": { "type": "array", "maxLength": 300 }
  },
  "resources": [
    {
      "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
      "apiVersion": "2021-07-01-preview",
      "name": "[concat('ampls-hub/', last(split(parameters('workspaceIds')[copyIndex()], '/')))]",
      "copy": { "name": "links", "count": "[length(parameters('workspaceIds'))]" },
      "properties": {
        "linkedResourceId": "[parameters('workspaceIds')[copyIndex()]]"
      }
    }
  ]
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup: consider AMPLS limits](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#consider-ampls-limits)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import External, Graph, MonitorKind, MonitorResource, PrivateLinkScope


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    limits = settings.limits
    for scope in graph.scopes:
        targets: dict[str, MonitorResource] = {}
        for link in graph.links_to(scope):
            target = graph.linked_resource_of(link)
            if isinstance(target, MonitorResource):
                targets[target.key] = target
        workspaces = sum(1 for t in targets.values() if t.kind is MonitorKind.LOG_ANALYTICS_WORKSPACE)
        components = sum(1 for t in targets.values() if t.kind is MonitorKind.APPLICATION_INSIGHTS)
        endpoints = len({e.key for e in graph.endpoints_of(scope)})
        over: list[str] = []
        fixes: list[str] = []
        options: list[str] = []
        if workspaces > limits.workspaces_per_scope:
            over.append(f"{workspaces} linked Log Analytics workspaces (limit {limits.workspaces_per_scope})")
            fixes.append("unlink or consolidate workspaces")
            options.append("workspaces-per-scope")
        if components > limits.components_per_scope:
            over.append(f"{components} linked Application Insights components (limit {limits.components_per_scope})")
            fixes.append("unlink components")
            options.append("components-per-scope")
        if endpoints > limits.endpoints_per_scope:
            over.append(f"{endpoints} private endpoints (limit {limits.endpoints_per_scope})")
            fixes.append("connect the networks through fewer endpoints (one in a shared hub)")
            options.append("endpoints-per-scope")
        if over:
            yield CHECK.finding(
                scope,
                f"Scope has {' and '.join(over)}: {' and '.join(fixes)} until it is within the limits, "
                f"or pass {' '.join(f'--limit {o}=N' for o in options)} if your scope is allowed more",
            )
    for monitor in graph.monitors:
        count = len(_scope_identities(graph, monitor))
        if count > limits.scopes_per_resource:
            yield CHECK.finding(
                monitor,
                f"{monitor.kind.value} is linked to {count} private link scopes (limit "
                f"{limits.scopes_per_resource}): remove its links to all but {limits.scopes_per_resource} "
                "scopes, or pass --limit scopes-per-resource=N if your resources are allowed more",
            )


def _scope_identities(graph: Graph, monitor: MonitorResource) -> set[str]:
    """The distinct scopes a resource is linked to: declared scopes, and scopes only named (their
    name and resource group). A named scope whose resource group is unknown counts only when no
    other named scope has its name, so that one scope written two ways is not counted twice."""
    declared: set[str] = set()
    named: dict[str, set[str | None]] = {}
    for link in graph.links_of(monitor):
        scope = graph.scope_of(link)
        if isinstance(scope, PrivateLinkScope):
            declared.add(scope.key)
        elif isinstance(scope, External):
            named.setdefault(scope.name, set()).add(scope.resource_group)
    identities = set(declared)
    for name, groups in named.items():
        known = {g for g in groups if g is not None}
        if known:
            identities.update(f"{name}@{group}" for group in known)
        else:
            identities.add(f"{name}@?")
    return identities


CHECK = Check(
    id="CKV_AMPLS_11",
    name="Azure Monitor Private Link Scope stays within platform limits",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#consider-ampls-limits",
    run=run,
    reports_on=(
        PrivateLinkScope,
        MonitorResource,
    ),
)
