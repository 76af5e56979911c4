# The root of tests/test_terraform_plan.py's two-module plan: one local module (monitoring) and one
# registry module (dns, downloaded by `terraform init` into .terraform/modules/dns).

variable "ingestion_access_mode" {
  type = string # no default: `terraform plan -var ingestion_access_mode=Open` gave it
}

variable "workspace_public_ingestion" {
  type = bool # no default: given at plan time
}

locals {
  zones = {
    monitor  = "privatelink.monitor.azure.com"
    oms      = "privatelink.oms.opinsights.azure.com"
    ods      = "privatelink.ods.opinsights.azure.com"
    agentsvc = "privatelink.agentsvc.azure-automation.net"
  }
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-plan-hub"
  location            = "westeurope"
  resource_group_name = "rg-plan-two-modules"
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  resource_group_name  = "rg-plan-two-modules"
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.20.1.0/24"]
}

module "monitoring" {
  source                     = "./modules/monitoring"
  ingestion_access_mode      = var.ingestion_access_mode
  workspace_public_ingestion = var.workspace_public_ingestion
}

module "dns" {
  source              = "Azure/avm-res-network-privatednszone/azurerm"
  version             = "0.3.0"
  for_each            = local.zones
  domain_name         = each.value
  resource_group_name = "rg-plan-two-modules"
  virtual_network_id  = azurerm_virtual_network.hub.id
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "pe-plan-ampls"
  location            = "westeurope"
  resource_group_name = "rg-plan-two-modules"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-plan-ampls"
    private_connection_resource_id = module.monitoring.scope_id
    is_manual_connection           = false
    subresource_names              = ["azuremonitor"]
  }

  private_dns_zone_group {
    name = "ampls"
    # the blob zone (privatelink.blob.core.windows.net) is missing
    private_dns_zone_ids = [
      module.dns["monitor"].resource_id,
      module.dns["oms"].resource_id,
      module.dns["ods"].resource_id,
      module.dns["agentsvc"].resource_id,
    ]
  }
}
