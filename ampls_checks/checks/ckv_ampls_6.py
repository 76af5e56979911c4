"""## What it does
Flags a private endpoint to an Azure Monitor Private Link Scope whose private DNS zone group
lacks one or more of the zones the scope needs in the cloud being scanned (`--cloud`, default
`public`). The finding points at the zone group (the `private_dns_zone_group` block in
Terraform, the `privateDnsZoneGroups` resource in ARM and Bicep) and names every missing zone.

- `public`: `privatelink.monitor.azure.com`, `privatelink.oms.opinsights.azure.com`,
  `privatelink.ods.opinsights.azure.com`, `privatelink.agentsvc.azure-automation.net`,
  `privatelink.blob.core.windows.net`;
- `usgovernment`: `privatelink.monitor.azure.us`, `privatelink.adx.monitor.azure.us`,
  `privatelink.oms.opinsights.azure.us`, `privatelink.ods.opinsights.azure.us`,
  `privatelink.agentsvc.azure-automation.us`, `privatelink.blob.core.usgovcloudapi.net`;
- `china`: `privatelink.monitor.azure.cn`, `privatelink.oms.opinsights.azure.cn`,
  `privatelink.ods.opinsights.azure.cn`, `privatelink.agentsvc.azure-automation.cn`,
  `privatelink.blob.core.chinacloudapi.cn`.

Microsoft publishes no zone list for Azure Monitor in Azure China: the `china` names follow that
cloud's suffixes and are unconfirmed.

When a missing zone is declared in the scan, linked to the endpoint's virtual network and filled
by no scope endpoint, the message adds that its names resolve to NXDOMAIN in that network, and
CKV_AMPLS_15 does not report the same zone again for that network: one cause, one finding.

The message also says what to do with the zones that are there but should not be:

- a zone one or two edits away from a missing one is a typo, with a "did you mean" hint
  (`privatelink.agentsvc.azure.automation.net` for `privatelink.agentsvc.azure-automation.net`);
- a zone of another cloud is named, with the `--cloud` value that would accept it;
- any other zone, such as the invented `privatelink.applicationinsights.io`, is named for
  removal.

Azure Government needs six zones, but one zone group holds at most five and a private endpoint
supports only one zone group. There, a group holding five of the six zones passes when the sixth
is declared (or looked up) in the same deployment and linked to the endpoint's virtual network,
its records being managed outside the zone group; otherwise the finding explains the limit.

Zones are found however they are written: resources expanded by `count` or `for_each`, ids
collected by a `for` expression or a `values(...)[*].id` splat, data sources, literal resource
ids, values from `terraform.tfvars` and `*.auto.tfvars`, inputs of local modules. An endpoint
without any zone group is left to CKV_AMPLS_5. When a zone id cannot be evaluated (a variable
with no value), that zone could be the missing one, so the endpoint is not judged; `--verbose`
says why.

## Why is this bad?
A private endpoint to a scope only works if name resolution sends the Azure Monitor host names
to its private IP addresses, and each of these zones holds the records of one family of those
names. A missing zone leaves its family resolving to public addresses: that traffic leaves the
network over public endpoints, or fails where the resources block public access. Without the
blob zone, for example, Windows agents cannot fetch their solution packs privately. A misspelt
zone is no better than a missing one: no client ever asks for a name in it.

## Example
```hcl
resource "azurerm_private_dns_zone" "ampls" {
  for_each = toset([
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure.automation.net", # typo: azure-automation
  ])                                             # and no blob zone
  name                = each.value
  resource_group_name = "rg-dns"
}

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

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = values(azurerm_private_dns_zone.ampls)[*].id
  }
}
```

## Use instead
Put all five zones of the cloud in the endpoint's zone group.

### Terraform
```hcl
resource "azurerm_private_dns_zone" "ampls" {
  for_each = toset([
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure-automation.net",
    "privatelink.blob.core.windows.net",
  ])
  name                = each.value
  resource_group_name = "rg-dns"
}

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

  private_dns_zone_group {
    name                 = "ampls"
    private_dns_zone_ids = values(azurerm_private_dns_zone.ampls)[*].id
  }
}
```

### Bicep
```bicep
var zoneNames = [
  'privatelink.monitor.azure.com'
  'privatelink.oms.opinsights.azure.com'
  'privatelink.ods.opinsights.azure.com'
  'privatelink.agentsvc.azure-automation.net'
  'privatelink.blob.${environment().suffixes.storage}'
]

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for name in zoneNames: {
  name: name
  location: 'global'
}]

resource amplsEndpoint 'Microsoft.Network/privateEndpoints@2023-09-01' existing = {
  name: 'pe-ampls'
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  parent: amplsEndpoint
  name: 'ampls'
  properties: {
    privateDnsZoneConfigs: [for (name, i) in zoneNames: {
      name: replace(name, '.', '-')
      properties: {
        privateDnsZoneId: zones[i].id
      }
    }]
  }
}
```

### ARM JSON
```json
{
  "variables": {
    "zones": "Microsoft.Network/privateDnsZones"
  },
  "resources": [
    {
      "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
      "apiVersion": "2023-09-01",
      "name": "pe-ampls/ampls",
      "properties": {
        "privateDnsZoneConfigs": [
          {
            "name": "monitor",
            "properties": {
              "privateDnsZoneId": "[resourceId(variables('zones'), 'privatelink.monitor.azure.com')]"
            }
          },
          {
            "name": "oms",
            "properties": {
              "privateDnsZoneId": "[resourceId(variables('zones'), 'privatelink.oms.opinsights.azure.com')]"
            }
          },
          {
            "name": "ods",
            "properties": {
              "privateDnsZoneId": "[resourceId(variables('zones'), 'privatelink.ods.opinsights.azure.com')]"
            }
          },
          {
            "name": "agentsvc",
            "properties": {
              "privateDnsZoneId": "[resourceId(variables('zones'), 'privatelink.agentsvc.azure-automation.net')]"
            }
          },
          {
            "name": "blob",
            "properties": {
              "privateDnsZoneId": "[resourceId(variables('zones'), 'privatelink.blob.core.windows.net')]"
            }
          }
        ]
      }
    }
  ]
}
```

In Azure Government, put five of the six zones in the group, and declare the sixth in the same
deployment with a virtual network link to the endpoint's network; manage its records outside
the zone group.

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.azure import MAX_ZONES_PER_GROUP, REQUIRED_ZONES, Cloud, closest_zone
from ampls_checks.checks._helpers import empty_linked_zones, endpoint_zone_nodes, scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateEndpoint, Unknown, VnetNode

_CLOUD_NAMES = {
    Cloud.PUBLIC: "the Azure public cloud",
    Cloud.USGOVERNMENT: "Azure Government",
    Cloud.CHINA: "Azure China",
}


def _managed_outside_group(graph: Graph, endpoint: PrivateEndpoint, zone_name: str) -> bool:
    """A required zone that cannot fit in the full zone group is still served when the same
    deployment declares (or looks up) that zone and links it to the endpoint's virtual network:
    its records are then kept outside the zone group. Unknown vnets and links count as served."""
    vnet = graph.vnet_of(endpoint)
    for zone in graph.zones:
        if zone.unit != endpoint.unit or not isinstance(zone.name, str) or zone.name.lower() != zone_name:
            continue
        if zone.external or not isinstance(vnet, VnetNode):
            return True
        linked = graph.vnets_linked_to(zone)
        if isinstance(linked, Unknown) or vnet in linked:
            return True
    return False


def _message(missing: list[str], present: set[str], required: tuple[str, ...], cloud: Cloud) -> str:
    over_limit = len(required) > MAX_ZONES_PER_GROUP
    full = over_limit and len(present & set(required)) >= MAX_ZONES_PER_GROUP
    typos: dict[str, str] = {}
    strangers: list[str] = []
    for name in sorted(present - set(required)):
        guess = closest_zone(name, missing)
        if guess and guess not in typos.values():
            typos[name] = guess
        else:
            strangers.append(name)
    actions = [f"rename {name} (did you mean {guess}?)" for name, guess in typos.items()]
    to_add = [z for z in missing if z not in typos.values()]
    what = ", ".join(to_add) if to_add != missing else "it" if len(to_add) == 1 else "them"
    if full:
        actions.append(
            f"the group is full, so link {', '.join(to_add)} to the endpoint's virtual network in this "
            "deployment and manage its records outside the group"
        )
    elif over_limit and to_add:
        actions.append(
            f"add {what} until the group holds {MAX_ZONES_PER_GROUP} zones, and link any that "
            "do not fit to the endpoint's virtual network with their records managed outside the group"
        )
    elif to_add:
        actions.append(f"add {what} to the group")
    foreign = {name: other for name in strangers for other, zones in REQUIRED_ZONES.items() if name in zones}
    unused = [name for name in strangers if name not in foreign]
    for other in dict.fromkeys(foreign.values()):
        names = [name for name, cloud_of in foreign.items() if cloud_of is other]
        actions.append(
            f"remove {', '.join(names)}, which {'is' if len(names) == 1 else 'are'} for {_CLOUD_NAMES[other]} "
            f"(or scan with --cloud {other.value} if the deployment targets it)"
        )
    if unused:
        actions.append(f"remove {', '.join(unused)}, which Azure Monitor does not use")
    message = f"Private DNS zone group lacks {', '.join(missing)}: {'; '.join(actions)}"
    if over_limit:
        message += (
            f" ({_CLOUD_NAMES[cloud]} needs {len(required)} zones, but one zone group holds at most "
            f"{MAX_ZONES_PER_GROUP} and an endpoint supports only one zone group)"
        )
    return message


def missing_zones(graph: Graph, endpoint: PrivateEndpoint, cloud: Cloud) -> list[str] | None:
    """The required zones a scope endpoint's zone group lacks, or None when this check does not
    judge the endpoint (no zone group, or a zone it cannot see). CKV_AMPLS_15 asks the same
    question so that one missing zone is reported once."""
    required = REQUIRED_ZONES[cloud]
    if not isinstance(endpoint.zone_groups, list) or not endpoint.zone_groups:
        return None  # no zone group at all is CKV_AMPLS_5
    if endpoint.unit in graph.unknown_zone_group_units:
        return None  # a module not followed, or a zone group of unknown endpoint, may hold the zone
    nodes = endpoint_zone_nodes(graph, endpoint)
    if isinstance(nodes, Unknown) or any(isinstance(n.name, Unknown) for n in nodes):
        return None  # a zone we cannot name might be the missing one
    present = {str(n.name).lower() for n in nodes}
    missing = [z for z in required if z not in present]
    if len(required) > MAX_ZONES_PER_GROUP and len(present & set(required)) >= MAX_ZONES_PER_GROUP:
        # The group is as full as the platform allows: what does not fit may live outside it.
        missing = [z for z in missing if not _managed_outside_group(graph, endpoint, z)]
    return missing


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    required = REQUIRED_ZONES[settings.cloud]
    empty = empty_linked_zones(graph)
    for endpoint in scope_endpoints(graph):
        missing = missing_zones(graph, endpoint, settings.cloud)
        if not missing:
            continue
        nodes = endpoint_zone_nodes(graph, endpoint)
        present = {str(n.name).lower() for n in nodes} if isinstance(nodes, list) else set()
        message = _message(missing, present, required, settings.cloud)
        node = graph.vnet_of(endpoint)
        vnet = node.identity if isinstance(node, VnetNode) else None
        silenced = [
            zone
            for zone in missing
            if vnet is not None
            and not isinstance(vnet, Unknown)
            and any(
                str(z.name).lower() == zone and any(linked == vnet for _link, linked in links) for z, links in empty
            )
        ]
        if silenced:
            # CKV_AMPLS_15 stays silent on these links: say here what the missing zone costs.
            one = len(silenced) == 1
            message += (
                f"; while {'it is' if one else 'they are'} missing, names in {', '.join(silenced)} resolve to "
                "NXDOMAIN in the endpoint's virtual network, which is linked to "
                f"{'that zone' if one else 'those zones'} and nothing fills {'it' if one else 'them'}"
            )
        assert isinstance(endpoint.zone_groups, list)
        yield CHECK.finding(endpoint, message, location=endpoint.zone_groups[0].location)


CHECK = Check(
    id="CKV_AMPLS_6",
    name="Private DNS zone group of an Azure Monitor private endpoint has every required zone",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#azure-monitor-private-link-scope-ampls",
    run=run,
    reports_on=(PrivateEndpoint,),
)
