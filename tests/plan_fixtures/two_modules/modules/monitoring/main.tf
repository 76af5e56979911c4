variable "ingestion_access_mode" {
  type = string
}

variable "workspace_public_ingestion" {
  type = bool
}

resource "azurerm_monitor_private_link_scope" "this" {
  name                  = "ampls-plan-two-modules"
  resource_group_name   = "rg-plan-two-modules"
  ingestion_access_mode = var.ingestion_access_mode
  query_access_mode     = "PrivateOnly"
}

resource "azurerm_log_analytics_workspace" "this" {
  name                       = "law-plan-two-modules"
  location                   = "westeurope"
  resource_group_name        = "rg-plan-two-modules"
  internet_ingestion_enabled = var.workspace_public_ingestion
  internet_query_enabled     = false
}

resource "azurerm_monitor_private_link_scoped_service" "workspace" {
  name                = "law-plan-two-modules"
  resource_group_name = "rg-plan-two-modules"
  scope_name          = azurerm_monitor_private_link_scope.this.name
  linked_resource_id  = azurerm_log_analytics_workspace.this.id
}

output "scope_id" {
  value = azurerm_monitor_private_link_scope.this.id
}
