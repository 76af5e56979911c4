# A platform team's Azure Monitor private link, written the way real repositories write it:
# variables with tfvars, for_each over the zone names, and a local module for the scope.

locals {
  zone_names = toset([
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure-automation.net",
  ])
}

resource "azurerm_resource_group" "monitoring" {
  name     = "rg-${var.environment}-monitoring"
  location = var.location
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-${var.environment}-hub"
  location            = azurerm_resource_group.monitoring.location
  resource_group_name = azurerm_resource_group.monitoring.name
  address_space       = ["10.10.0.0/16"]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-private-endpoints"
  resource_group_name  = azurerm_resource_group.monitoring.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.10.1.0/24"]
}

resource "azurerm_private_dns_zone" "monitor" {
  for_each            = local.zone_names
  name                = each.value
  resource_group_name = azurerm_resource_group.monitoring.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "monitor" {
  for_each              = azurerm_private_dns_zone.monitor
  name                  = "link-${each.key}"
  resource_group_name   = azurerm_resource_group.monitoring.name
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.hub.id
}

resource "azurerm_log_analytics_workspace" "central" {
  name                       = "law-${var.environment}-central"
  location                   = azurerm_resource_group.monitoring.location
  resource_group_name        = azurerm_resource_group.monitoring.name
  sku                        = "PerGB2018"
  internet_ingestion_enabled = var.allow_public_ingestion
  internet_query_enabled     = false
}

module "ampls" {
  source              = "./modules/ampls"
  name                = "ampls-${var.environment}"
  resource_group_name = azurerm_resource_group.monitoring.name
  location            = azurerm_resource_group.monitoring.location
  subnet_id           = azurerm_subnet.endpoints.id
  linked_resource_ids = { central = azurerm_log_analytics_workspace.central.id }
  dns_zone_ids        = [for zone in azurerm_private_dns_zone.monitor : zone.id]
}
