variable "environment" {
  type = string
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "allow_public_ingestion" {
  type    = bool
  default = false
}
