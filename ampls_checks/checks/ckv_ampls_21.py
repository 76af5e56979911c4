"""## What it does
Flags the subnet of a private endpoint to an Azure Monitor Private Link Scope when its IPv4
address prefix is smaller than `/27`, the smallest subnet the Azure Monitor private link
supports. It reads `address_prefixes` (or `address_prefix`) of `azurerm_subnet`, and
`properties.addressPrefixes` / `addressPrefix` of subnets in ARM, Bicep and azapi, written as
child resources or inside their virtual network. The finding points at the prefix.

Only a subnet declared in the scan and tied to a scope's endpoint is judged; a prefix the scanner
cannot evaluate (a variable without a value, `cidrsubnet()` of an unknown range) is not guessed.
A subnet with several prefixes is reported only when none of its IPv4 prefixes reaches `/27`.

What the check does not decide: how many addresses other endpoints and network interfaces in the
same subnet take. The configure page gives the one number a template can be held to, the minimum
size; the 11 addresses are per scope endpoint and grow with the regions of the linked resources
("at least 11"), so no exact count is computed here.

## Why is this bad?
Microsoft's configure page, "Network subnet size": "The smallest supported IPv4 subnet is /27
using CIDR subnet definitions. Although Azure virtual networks can be as small as /29, Azure
reserves five IP addresses. The Azure Monitor private link setup requires at least 11 more IP
addresses even if you're connecting to a single workspace." A `/28` leaves 11 usable addresses
and a `/29` three: the endpoint cannot get the addresses its DNS records need, and adding a
workspace in another region later fails.

## Example
```hcl
resource "azurerm_subnet" "endpoints" {
  name                 = "snet-pe"
  resource_group_name  = "rg-hub"
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.0.1.0/28"]
}
```

## Use instead
Give the endpoint subnet at least a `/27`.

### Terraform
```hcl
resource "azurerm_subnet" "endpoints" {
  name                 = "snet-pe"
  resource_group_name  = "rg-hub"
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.0.1.0/27"]
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
    subnets: [
      {
        name: 'snet-pe'
        properties: {
          addressPrefix: '10.0.1.0/27'
        }
      }
    ]
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Network/virtualNetworks/subnets",
  "apiVersion": "2023-04-01",
  "name": "vnet-hub/snet-pe",
  "properties": {
    "addressPrefix": "10.0.1.0/27"
  }
}
```

## References
- [Configure private link for Azure Monitor: Network subnet size](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#network-subnet-size)
- [Azure Virtual Network FAQ: are there any restrictions on using IP addresses within these subnets?](https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ampls_checks.checks._helpers import endpoint_subnet, scope_endpoints
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, Subnet, Unknown

SMALLEST_PREFIX = 27  # "The smallest supported IPv4 subnet is /27" (configure page)
RESERVED_ADDRESSES = 5  # Azure reserves five addresses in every subnet


def _ipv4_lengths(subnet: Subnet) -> list[int] | None:
    """The IPv4 prefix lengths of the subnet; None when any prefix is unknown or unreadable."""
    prefixes = subnet.address_prefixes
    if prefixes is None or isinstance(prefixes, Unknown):
        return None
    lengths = []
    for prefix in prefixes:
        if isinstance(prefix, Unknown):
            return None
        try:
            network = ipaddress.ip_network(prefix.strip(), strict=False)
        except ValueError:
            return None
        if network.version == 4:
            lengths.append(network.prefixlen)
    return lengths


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    seen: set[str] = set()
    for endpoint in scope_endpoints(graph):
        subnet = endpoint_subnet(graph, endpoint)
        if subnet is None or subnet.key in seen:
            continue
        seen.add(subnet.key)
        lengths = _ipv4_lengths(subnet)
        if not lengths or min(lengths) <= SMALLEST_PREFIX:
            continue
        length = min(lengths)
        usable = max(2 ** (32 - length) - RESERVED_ADDRESSES, 0)
        yield CHECK.finding(
            subnet,
            f"Subnet of private endpoint {endpoint.address} is a /{length} ({usable} usable addresses): the smallest "
            f"subnet the Azure Monitor private link supports is /{SMALLEST_PREFIX}, and its endpoint takes at least "
            f"11 addresses; widen the prefix to /{SMALLEST_PREFIX} or larger",
            "address_prefixes",
        )


CHECK = Check(
    id="CKV_AMPLS_21",
    name="Subnet of an Azure Monitor private endpoint is at least a /27",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#network-subnet-size",
    run=run,
    reports_on=(Subnet,),
)
