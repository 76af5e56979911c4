#!/usr/bin/env python3
"""A synthetic Terraform monorepo for the scale test and the benchmarks.

    python tests/corpus.py OUT_DIR MODULES

Each of the MODULES directories (`stack00000`, `stack00001`, ...) is one root module, the way
platform teams lay out one stack per application: `network.tf` (resource group, network, endpoint
subnet), `monitor.tf` (workspace, Application Insights, the scope, its links and its private
endpoint), `dns.tf` (the Azure Monitor private DNS zones and their network links) and
`storage.tf` (resources no check reads, as most of a real repository is). Every stack uses the
same zone names, so a scanner that keyed zones by name alone, across root modules, would see
shared DNS everywhere.

Stacks whose number is a multiple of SEED_EVERY are seeded with three problems (four findings),
always at the same lines of `monitor.tf`, so a test can name every expected finding (see SEEDED):

- the scope's ingestion access mode is `Open` (CKV_AMPLS_1);
- the workspace accepts ingestion from public networks (CKV_AMPLS_3, and CKV_AMPLS_17 on the
  Application Insights component that writes to it while linked to the scope);
- the agent service and blob zones were never written, so the endpoint's zone group lacks them
  (CKV_AMPLS_6; a zone that exists, is linked to the endpoint's network and is left out of the
  group would still be that one finding, its message saying the NXDOMAIN, not CKV_AMPLS_15 too).

Everything else is correct, so the only findings a scan may report are the seeded ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

SEED_EVERY = 7

MONITOR_ZONES = {
    "monitor": "privatelink.monitor.azure.com",
    "oms": "privatelink.oms.opinsights.azure.com",
    "ods": "privatelink.ods.opinsights.azure.com",
    "agentsvc": "privatelink.agentsvc.azure-automation.net",
    "blob": "privatelink.blob.core.windows.net",
}
# Left out of a seeded stack's zone group.
SEEDED_MISSING = ("agentsvc", "blob")

# (line in monitor.tf, check id, resource address) of each seeded finding.
SEEDED = (
    (6, "CKV_AMPLS_3", "azurerm_log_analytics_workspace.logs"),
    (14, "CKV_AMPLS_17", "azurerm_application_insights.app"),
    (26, "CKV_AMPLS_1", "azurerm_monitor_private_link_scope.scope"),
    (57, "CKV_AMPLS_6", "azurerm_private_endpoint.monitor"),
)


def is_seeded(number: int) -> bool:
    return number % SEED_EVERY == 0


def network_tf(number: int) -> str:
    octet = number % 200
    return f"""variable "location" {{
  type    = string
  default = "westeurope"
}}

resource "azurerm_resource_group" "stack" {{
  name     = "rg-stack-{number}"
  location = var.location
}}

resource "azurerm_virtual_network" "stack" {{
  name                = "vnet-stack-{number}"
  location            = azurerm_resource_group.stack.location
  resource_group_name = azurerm_resource_group.stack.name
  address_space       = ["10.{octet}.0.0/16"]
}}

resource "azurerm_subnet" "endpoints" {{
  name                 = "snet-endpoints"
  resource_group_name  = azurerm_resource_group.stack.name
  virtual_network_name = azurerm_virtual_network.stack.name
  address_prefixes     = ["10.{octet}.10.0/24"]
}}
"""


def monitor_tf(number: int) -> str:
    seeded = is_seeded(number)
    ingestion = "true" if seeded else "false"
    mode = "Open" if seeded else "PrivateOnly"
    zones = [key for key in MONITOR_ZONES if not (seeded and key in SEEDED_MISSING)]
    zone_ids = "\n".join(f"      azurerm_private_dns_zone.{key}.id," for key in zones)
    # Line numbers here are what SEEDED promises: keep them in step.
    return f"""resource "azurerm_log_analytics_workspace" "logs" {{
  name                       = "log-stack-{number}"
  location                   = azurerm_resource_group.stack.location
  resource_group_name        = azurerm_resource_group.stack.name
  sku                        = "PerGB2018"
  internet_ingestion_enabled = {ingestion}
  internet_query_enabled     = false
}}

resource "azurerm_application_insights" "app" {{
  name                       = "appi-stack-{number}"
  location                   = azurerm_resource_group.stack.location
  resource_group_name        = azurerm_resource_group.stack.name
  workspace_id               = azurerm_log_analytics_workspace.logs.id
  application_type           = "web"
  internet_ingestion_enabled = false
  internet_query_enabled     = false
}}

resource "azurerm_monitor_private_link_scope" "scope" {{
  name                = "ampls-stack-{number}"
  resource_group_name = azurerm_resource_group.stack.name

  # Both modes PrivateOnly unless this stack is seeded.
  query_access_mode     = "PrivateOnly"
  ingestion_access_mode = "{mode}"
}}

resource "azurerm_monitor_private_link_scoped_service" "logs" {{
  name                = "link-logs"
  resource_group_name = azurerm_resource_group.stack.name
  scope_name          = azurerm_monitor_private_link_scope.scope.name
  linked_resource_id  = azurerm_log_analytics_workspace.logs.id
}}

resource "azurerm_monitor_private_link_scoped_service" "app" {{
  name                = "link-app"
  resource_group_name = azurerm_resource_group.stack.name
  scope_name          = azurerm_monitor_private_link_scope.scope.name
  linked_resource_id  = azurerm_application_insights.app.id
}}

# The one private endpoint of this stack's scope, with the zones it fills.
resource "azurerm_private_endpoint" "monitor" {{
  name                = "pe-ampls-stack-{number}"
  location            = azurerm_resource_group.stack.location
  resource_group_name = azurerm_resource_group.stack.name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {{
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.scope.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }}

  private_dns_zone_group {{
    name = "monitor"
    private_dns_zone_ids = [
{zone_ids}
    ]
  }}
}}
"""


def dns_tf(number: int) -> str:
    parts = []
    for key, zone in MONITOR_ZONES.items():
        if is_seeded(number) and key in SEEDED_MISSING:
            continue
        parts.append(
            f"""resource "azurerm_private_dns_zone" "{key}" {{
  name                = "{zone}"
  resource_group_name = azurerm_resource_group.stack.name
}}

resource "azurerm_private_dns_zone_virtual_network_link" "{key}" {{
  name                  = "link-{key}-{number}"
  resource_group_name   = azurerm_resource_group.stack.name
  private_dns_zone_name = azurerm_private_dns_zone.{key}.name
  virtual_network_id    = azurerm_virtual_network.stack.id
}}
"""
        )
    return "\n".join(parts)


def storage_tf(number: int) -> str:
    """Resources none of the checks reads: a scanner should pay little for them."""
    parts = []
    for index in range(4):
        parts.append(
            f"""resource "azurerm_storage_account" "data{index}" {{
  name                            = "st{number:05d}data{index}"
  resource_group_name             = azurerm_resource_group.stack.name
  location                        = azurerm_resource_group.stack.location
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false

  tags = {{
    stack = "{number}"
    tier  = "data{index}"
  }}
}}

resource "azurerm_storage_container" "data{index}" {{
  name                  = "raw"
  storage_account_id    = azurerm_storage_account.data{index}.id
  container_access_type = "private"
}}
"""
        )
    return "\n".join(parts)


FILES = {"network.tf": network_tf, "monitor.tf": monitor_tf, "dns.tf": dns_tf, "storage.tf": storage_tf}


def generate(target: Path, modules: int) -> None:
    """Write MODULES stacks under TARGET (created if missing)."""
    for number in range(modules):
        stack = target / f"stack{number:05d}"
        stack.mkdir(parents=True, exist_ok=True)
        for name, render in FILES.items():
            (stack / name).write_text(render(number), encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: corpus.py OUT_DIR MODULES", file=sys.stderr)
        return 2
    generate(Path(argv[0]), int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
