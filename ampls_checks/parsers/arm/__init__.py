"""ampls_checks.parsers.arm."""
