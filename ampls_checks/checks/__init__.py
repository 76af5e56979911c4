"""The check registry: every module `ckv_ampls_<n>.py` in this package defines one `CHECK`.

Adding a check is adding one such module (plus fixtures and a documentation page); nothing else
needs editing. The registry is built on demand, not at import time, so importing the package
stays cheap and free of global state.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil

from ampls_checks.checks.base import Check, Finding, Limits, Settings, Severity

__all__ = ["Check", "Finding", "Limits", "Settings", "Severity", "all_checks", "select_checks"]


def all_checks() -> list[Check]:
    checks: list[Check] = []
    for module_info in pkgutil.iter_modules(__path__):
        if not module_info.name.startswith("ckv_ampls_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        check = module.CHECK
        if not check.doc:
            object.__setattr__(check, "doc", module.__doc__ or "")
        checks.append(check)
    return sorted(checks, key=lambda c: int(c.id.rsplit("_", 1)[1]))


def select_checks(checks: list[Check], include: list[str], exclude: list[str]) -> list[Check]:
    """Checkov's `--check` / `--skip-check` semantics: ids or shell wildcards, comma-separated."""

    def matches(check: Check, patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(check.id, p.strip().upper()) for p in patterns if p.strip())

    include = [p for item in include for p in item.split(",")]
    exclude = [p for item in exclude for p in item.split(",")]
    selected = [c for c in checks if not include or matches(c, include)]
    return [c for c in selected if not matches(c, exclude)]
