"""Where caches live by default. A leaf module: the result cache and the parser snapshots both
need it, and neither may import the other (the result cache's key salt reads the Terraform
grammar through the parser, which loads its snapshot)."""

from __future__ import annotations

import os


def default_cache_dir() -> str:
    configured = os.environ.get("AMPLS_CHECKS_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ampls-checks")
