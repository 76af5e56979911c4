"""ampls_checks.parsers.terraform."""
