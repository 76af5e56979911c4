"""The directory `checkov --external-checks-dir` loads: see ampls_checks_pack.py."""
