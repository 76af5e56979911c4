"""## What it does
Flags a network security rule that allows outbound traffic to the `AzureMonitor` service tag (or
a regional tag such as `AzureMonitor.WestEurope`) in a deployment that also has an Azure Monitor
private link: a private link scope, or a private endpoint to one. Both forms are read: the
`azurerm_network_security_rule` resource and the `security_rule` blocks (plain or `dynamic`) of
an `azurerm_network_security_group`. The finding points at the `destination_address_prefix` or
`destination_address_prefixes` line. Inbound rules and `Deny` rules are fine; a destination
that cannot be evaluated (a variable with no value) is not guessed.

## Why is this bad?
The `AzureMonitor` tag covers the public endpoints of Azure Monitor. While a rule lets traffic
reach them, an agent whose name resolution or configuration is not yet right keeps sending over
the public internet, and nothing shows that the private link is being bypassed. Blocking the tag
makes a misrouted agent fail visibly instead. Connections that are already open survive a later
deny rule until the virtual machines restart, so deploy the deny before the agents, or restart
them afterwards.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "hub" {
  name                  = "ampls-hub"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_network_security_rule" "monitor_out" {
  name                        = "allow-azuremonitor-out"
  priority                    = 200
  direction                   = "Outbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "AzureMonitor" # public Azure Monitor endpoints stay reachable
  resource_group_name         = "rg-network"
  network_security_group_name = "nsg-agents"
}
```

## Use instead
Deny the tag (or remove the allow rule, if no other rule is meant to block it).

### Terraform
```hcl
resource "azurerm_network_security_rule" "monitor_out" {
  name                        = "deny-azuremonitor-out"
  priority                    = 200
  direction                   = "Outbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "AzureMonitor"
  resource_group_name         = "rg-network"
  network_security_group_name = "nsg-agents"
}
```

### Bicep
```bicep
resource agentsNsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' existing = {
  name: 'nsg-agents'
}

resource denyMonitor 'Microsoft.Network/networkSecurityGroups/securityRules@2023-09-01' = {
  parent: agentsNsg
  name: 'deny-azuremonitor-out'
  properties: {
    priority: 200
    direction: 'Outbound'
    access: 'Deny'
    protocol: '*'
    sourcePortRange: '*'
    destinationPortRange: '*'
    sourceAddressPrefix: 'VirtualNetwork'
    destinationAddressPrefix: 'AzureMonitor'
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Network/networkSecurityGroups/securityRules",
  "apiVersion": "2023-09-01",
  "name": "nsg-agents/deny-azuremonitor-out",
  "properties": {
    "priority": 200,
    "direction": "Outbound",
    "access": "Deny",
    "protocol": "*",
    "sourcePortRange": "*",
    "destinationPortRange": "*",
    "sourceAddressPrefix": "VirtualNetwork",
    "destinationAddressPrefix": "AzureMonitor"
  }
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [Virtual network service tags](https://learn.microsoft.com/azure/virtual-network/service-tags-overview)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, NetworkSecurityRule, Unknown


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    private_units = {s.unit for s in graph.scopes} | {e.unit for e in scope_endpoints(graph)}
    for rule in graph.nsg_rules:
        if rule.unit not in private_units:
            continue
        if not isinstance(rule.direction, str) or rule.direction.lower() != "outbound":
            continue
        if not isinstance(rule.access, str) or rule.access.lower() != "allow":
            continue
        if isinstance(rule.destination_prefixes, Unknown):
            continue
        tags = [
            p
            for p in rule.destination_prefixes
            if isinstance(p, str) and (p.lower() == "azuremonitor" or p.lower().startswith("azuremonitor."))
        ]
        if tags:
            yield CHECK.finding(
                rule,
                f"Outbound rule allows the {tags[0]} service tag beside an Azure Monitor private link, so "
                "agents can keep sending to the public endpoints: set access to Deny or remove the rule",
                rule.destination_attribute or None,
            )


CHECK = Check(
    id="CKV_AMPLS_12",
    name="No outbound rule allows the AzureMonitor service tag beside a private link",
    severity=Severity.LOW,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#how-it-works-main-principles",
    run=run,
    reports_on=(NetworkSecurityRule,),
)
