"""ampls-checks as a Checkov policy pack.

Use: `checkov -d . --external-checks-dir "$(ampls-checks checkov-dir)"`.

Checkov executes this file by path. It loads the `ampls_checks` package this file belongs to
(without putting its environment in front of Checkov's own packages: that environment is only
appended to `sys.path`, so Checkov keeps its own `hcl2` fork and libraries) and registers one
Terraform and one ARM/Bicep check per ampls-checks check. The work is done by
`ampls_checks.checkov_pack.adapter`.
"""

from __future__ import annotations

import importlib.util
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_INSTALL_ROOT = os.path.dirname(_PACKAGE_DIR)


def _load_ampls_checks() -> None:
    loaded = sys.modules.get("ampls_checks")
    if loaded is not None and os.path.dirname(os.path.abspath(loaded.__file__ or "")) == _PACKAGE_DIR:
        return
    if _INSTALL_ROOT not in sys.path:
        sys.path.append(_INSTALL_ROOT)  # last: Checkov's own packages win every name they share
    spec = importlib.util.spec_from_file_location(
        "ampls_checks", os.path.join(_PACKAGE_DIR, "__init__.py"), submodule_search_locations=[_PACKAGE_DIR]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load ampls_checks from {_PACKAGE_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ampls_checks"] = module
    spec.loader.exec_module(module)


_load_ampls_checks()

from ampls_checks.checkov_pack.adapter import PackSession, build_checks  # noqa: E402

CHECKS = build_checks(PackSession())
