# A stand-in for the registry module Azure/avm-res-network-privatednszone/azurerm as
# `terraform init` would download it (written for this test, not the module's own code).

variable "domain_name" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "virtual_network_id" {
  type = string
}

resource "azurerm_private_dns_zone" "this" {
  name                = var.domain_name
  resource_group_name = var.resource_group_name
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  name                  = "hub"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.this.name
  virtual_network_id    = var.virtual_network_id
}

output "resource_id" {
  value = azurerm_private_dns_zone.this.id
}
