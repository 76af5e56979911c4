"""## What it does
Flags a virtual network with custom DNS servers in which a private endpoint to an Azure Monitor
Private Link Scope sits. It reads `dns_servers` of `azurerm_virtual_network` and
`properties.dhcpOptions.dnsServers` of `Microsoft.Network/virtualNetworks` (ARM, Bicep, azapi);
`168.63.129.16` (Azure DNS) does not count as custom. The finding points at the DNS servers and
names the zones the servers must forward.

The scanner cannot see the DNS servers' own configuration, so this is a reminder, at LOW
severity, on the one place the code shows the risk. For the same reason CKV_AMPLS_7 (zone not
linked to the endpoint's network) stays silent for such a network: a hub resolver that forwards
to Azure DNS from another network may serve it. Servers set apart from the network
(`azurerm_virtual_network_dns_servers`) count as the network's own, and the finding points at
them; when such a resource's network cannot be told, every network of its root module is treated
as having unknown servers. Servers the scanner cannot evaluate keep the check silent.

## Why is this bad?
Private DNS zones answer only through Azure DNS (168.63.129.16) from a network linked to them. A
network whose machines ask their own DNS servers gets the public addresses of Azure Monitor
unless those servers forward the Azure Monitor zones to Azure DNS. Microsoft's configure page,
DNS tab: "Whether or not you choose to integrate with private DNS zone, and you're using your own
custom DNS servers, you need to set up conditional forwarders for the Public DNS zone forwarders
mentioned in Azure private endpoint DNS configuration. The conditional forwarders need to forward
the DNS queries to Azure DNS."

## Example
```hcl
resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  address_space       = ["10.0.0.0/16"]
  dns_servers         = ["10.0.0.4", "10.0.0.5"]
}
```

## Use instead
On the DNS servers, add conditional forwarders to 168.63.129.16 for `monitor.azure.com`,
`oms.opinsights.azure.com`, `ods.opinsights.azure.com`, `agentsvc.azure-automation.net` and
`blob.core.windows.net` (public cloud), or use Azure DNS (or an Azure DNS Private Resolver) for the
network. Then suppress this finding with the reason, for example in Terraform:

### Terraform
```hcl
resource "azurerm_virtual_network" "hub" {
  # checkov:skip=CKV_AMPLS_23:the domain controllers forward the Azure Monitor zones to 168.63.129.16
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  address_space       = ["10.0.0.0/16"]
  dns_servers         = ["10.0.0.4", "10.0.0.5"]
}
```

### Bicep
```bicep
resource hub 'Microsoft.Network/virtualNetworks@2023-04-01' = {
  name: 'vnet-hub'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    // no dhcpOptions: the network uses Azure DNS, which answers the private zones
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Network/virtualNetworks",
  "apiVersion": "2023-04-01",
  "name": "vnet-hub",
  "location": "westeurope",
  "properties": {
    "addressSpace": {
      "addressPrefixes": ["10.0.0.0/16"]
    }
  }
}
```

## References
- [Configure private link for Azure Monitor: DNS tab](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-ampls-to-a-private-endpoint)
- [Azure private endpoint DNS configuration](https://learn.microsoft.com/azure/private-link/private-endpoint-dns)
- [What is IP address 168.63.129.16?](https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.azure import REQUIRED_ZONES
from ampls_checks.checks._helpers import AZURE_DNS, custom_dns_servers, endpoint_network, scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, Unknown, VirtualNetwork


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    zones = [zone.removeprefix("privatelink.") for zone in REQUIRED_ZONES[settings.cloud]]
    seen: set[str] = set()
    for endpoint in scope_endpoints(graph):
        network = endpoint_network(graph, endpoint)
        if network is None or network.key in seen:
            continue
        seen.add(network.key)
        servers = custom_dns_servers(network)
        if isinstance(servers, Unknown) or not servers:
            continue
        yield CHECK.finding(
            network,
            f"Virtual network uses custom DNS servers ({', '.join(servers)}) and holds private endpoint "
            f"{endpoint.address} to a private link scope: make sure the servers forward {', '.join(zones)} to "
            f"Azure DNS ({AZURE_DNS}), or clients resolve public addresses",
            "dns_servers",
        )


CHECK = Check(
    id="CKV_AMPLS_23",
    name="A network with custom DNS servers holding an Azure Monitor private endpoint forwards its zones",
    severity=Severity.LOW,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#connect-ampls-to-a-private-endpoint",
    run=run,
    reports_on=(VirtualNetwork,),
)
