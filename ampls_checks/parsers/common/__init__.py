"""ampls_checks.parsers.common."""
