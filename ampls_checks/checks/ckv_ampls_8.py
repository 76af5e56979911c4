"""## What it does
Flags Azure Monitor Private Link Scopes that share DNS: the private endpoints of two or more
scopes register in the same private DNS zone (their zone groups name it), or sit in virtual
networks linked to the same zone. Every scope involved is reported on its own block, with the
other scopes and the shared zones named. Only the Azure Monitor zones count (see CKV_AMPLS_6 for
the list).

A zone is "the same" when it is the same resource: one declared zone used twice, data-source
lookups or literal resource ids that name one zone in one resource group, across root modules
too. Zones that only share a name are different zones: two Terraform root modules, or two
instances of a module, that each create their own zones in their own resource groups, linked to
their own networks, share nothing and pass. Zone ids and subnets that cannot be evaluated (a
variable with no value) are not guessed.

## Why is this bad?
Some Azure Monitor endpoints are global or shared (all Application Insights endpoints, the query
endpoint), so the records a scope's endpoint writes serve every network that resolves through
those zones. A second scope writes the same names with its own endpoint's addresses and
overrides the first: the first scope's networks now resolve Azure Monitor to an endpoint that is
not theirs, one they may not even be able to route to (Microsoft's example: two networks that are
not peered, where the first loses access to the endpoints). Traffic that worked breaks, for a
team that changed nothing. Microsoft's guidance is to use a single scope for all networks that
share a DNS, with its private link set on the hub network of a hub-and-spoke topology.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "web" {
  name                  = "ampls-web"
  resource_group_name   = "rg-web"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_monitor_private_link_scope" "data" {
  name                  = "ampls-data"
  resource_group_name   = "rg-data"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_private_endpoint" "ampls" {
  for_each = {
    web  = azurerm_monitor_private_link_scope.web.id
    data = azurerm_monitor_private_link_scope.data.id
  }
  name                = "pe-ampls-${each.key}"
  location            = "westeurope"
  resource_group_name = "rg-${each.key}"
  subnet_id           = azurerm_subnet.endpoints[each.key].id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = each.value
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = values(azurerm_private_dns_zone.ampls)[*].id # the same zones for both
  }
}
```

## Use instead
Use one scope for every network that shares the DNS, reached through one private endpoint per
network, and link the monitor resources of all teams to it. If two networks must stay apart,
give each its own zones, linked only to its own network.

### Terraform
```hcl
resource "azurerm_monitor_private_link_scope" "shared" {
  name                  = "ampls-shared"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_monitor_private_link_scoped_service" "workspace" {
  for_each = {
    web  = azurerm_log_analytics_workspace.web.id
    data = azurerm_log_analytics_workspace.data.id
  }
  name                = "law-${each.key}"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.shared.name
  linked_resource_id  = each.value
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-ampls-shared"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
  subnet_id           = azurerm_subnet.hub_endpoints.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.shared.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = values(azurerm_private_dns_zone.ampls)[*].id
  }
}
```

### Bicep
```bicep
resource shared 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-shared'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: 'PrivateOnly'
      queryAccessMode: 'PrivateOnly'
    }
  }
}

resource webWorkspace 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: shared
  name: 'law-web'
  properties: {
    linkedResourceId: resourceId('Microsoft.OperationalInsights/workspaces', 'law-web')
  }
}

resource dataWorkspace 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: shared
  name: 'law-data'
  properties: {
    linkedResourceId: resourceId('Microsoft.OperationalInsights/workspaces', 'law-data')
  }
}
```
The single endpoint connects to `shared.id` with the `azuremonitor` group id.

### ARM JSON
```json
[
  {
    "type": "Microsoft.Insights/privateLinkScopes",
    "apiVersion": "2021-07-01-preview",
    "name": "ampls-shared",
    "location": "global",
    "properties": {
      "accessModeSettings": {
        "ingestionAccessMode": "PrivateOnly",
        "queryAccessMode": "PrivateOnly"
      }
    }
  },
  {
    "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
    "apiVersion": "2021-07-01-preview",
    "name": "ampls-shared/law-web",
    "dependsOn": ["[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-shared')]"],
    "properties": {
      "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-web')]"
    }
  },
  {
    "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
    "apiVersion": "2021-07-01-preview",
    "name": "ampls-shared/law-data",
    "dependsOn": ["[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-shared')]"],
    "properties": {
      "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'law-data')]"
    }
  }
]
```
These go in the template's `resources`, beside the one private endpoint to `ampls-shared`.

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from ampls_checks.azure import REQUIRED_ZONES
from ampls_checks.checks._helpers import LISTED
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateLinkScope, Unknown, VnetNode, ZoneNode

_MONITOR_ZONE_NAMES = frozenset(z for zones in REQUIRED_ZONES.values() for z in zones)


def _monitor_zones(nodes: list[ZoneNode]) -> dict[str, str]:
    """Zone identity -> lower-case name, for the Azure Monitor zones among `nodes`."""
    return {
        n.identity: n.name.lower() for n in nodes if isinstance(n.name, str) and n.name.lower() in _MONITOR_ZONE_NAMES
    }


def _dns_of_scope(
    graph: Graph, scope: PrivateLinkScope, zones_of_vnet: Callable[[VnetNode], dict[str, str]]
) -> dict[str, str]:
    """Zone identity -> zone name, for every Azure Monitor zone the scope's endpoints write
    (their zone groups) or resolve through (zones linked to the endpoint's virtual network)."""
    used: dict[str, str] = {}
    for endpoint in graph.endpoints_of(scope):
        nodes = graph.zone_group_zones(endpoint)
        if not isinstance(nodes, Unknown):
            used.update(_monitor_zones(nodes))
        vnet = graph.vnet_of(endpoint)
        if not isinstance(vnet, VnetNode):
            continue
        used.update(zones_of_vnet(vnet))
    return used


def _label(other: PrivateLinkScope, scope: PrivateLinkScope) -> str:
    """The other scope's address, with its file when it belongs to another deployment."""
    if other.unit == scope.unit:
        return other.address
    return f"{other.address} ({other.location.file})"


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    by_vnet: dict[VnetNode, dict[str, str]] = {}  # once per network, not once per endpoint

    def zones_of_vnet(vnet: VnetNode) -> dict[str, str]:
        if vnet not in by_vnet:
            by_vnet[vnet] = _monitor_zones(graph.zones_linked_to(vnet))
        return by_vnet[vnet]

    users: dict[str, list[PrivateLinkScope]] = defaultdict(list)
    names: dict[str, str] = {}
    for scope in graph.scopes:
        for identity, name in _dns_of_scope(graph, scope, zones_of_vnet).items():
            users[identity].append(scope)
            names[identity] = name
    # Two declarations of one Azure scope (same name and group) are one scope, not two sharing DNS.
    azure_scope = {scope.key: graph.scope_identity(scope) for scope in graph.scopes}
    # Each scope's shared zones, then the scopes sharing them computed once per set of zones and
    # deployment: 10,000 scopes on one zone are one group, not 100 million pairs.
    shared: dict[str, list[str]] = defaultdict(list)  # scope key -> identities it shares
    for identity, scopes in users.items():
        if len({azure_scope[s.key] for s in scopes}) < 2:
            continue
        for scope in {s.key: s for s in scopes}.values():
            shared[scope.key].append(identity)
    # -> sorted (label, Azure scope), one entry per Azure scope
    groups: dict[tuple[tuple[str, ...], str], list[tuple[str, str]]] = {}
    for scope in graph.scopes:
        identities = tuple(sorted(shared.get(scope.key, ())))
        if not identities:
            continue
        group = groups.get((identities, scope.unit))
        if group is None:
            members: dict[str, PrivateLinkScope] = {}
            for other in sorted((o for i in identities for o in users[i]), key=lambda o: _label(o, scope)):
                members.setdefault(azure_scope[other.key], other)
            group = groups[(identities, scope.unit)] = sorted((_label(o, scope), azure) for azure, o in members.items())
        itself = azure_scope[scope.key]
        others = [label for label, azure in group[: LISTED + 1] if azure != itself][:LISTED]
        count = len(group) - 1  # the scope itself is in its group
        if count:
            more = f" and {count - len(others)} more" if count > len(others) else ""
            zones = sorted({names[i] for i in identities})
            yield CHECK.finding(
                scope,
                f"Merge this scope and {', '.join(others)}{more} into one scope, "
                f"because their networks share the private DNS zones {', '.join(zones)} and the records "
                "of one scope's endpoint override the other's",
            )


CHECK = Check(
    id="CKV_AMPLS_8",
    name="Only one Azure Monitor Private Link Scope uses a given private DNS",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#plan-by-network-topology",
    run=run,
    reports_on=(PrivateLinkScope,),
)
