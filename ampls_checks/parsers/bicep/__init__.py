"""ampls_checks.parsers.bicep."""
