"""ampls_checks.suppress."""
