"""ampls_checks.speed."""
