"""ampls_checks.checkov_pack.external."""
