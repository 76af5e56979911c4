"""Turning evaluated values into model values, shared by every parser.

The evaluators of the three languages produce plain values plus their own markers; these helpers
decide what a value means for the model (a string, a bool, a reference) and turn everything that
cannot mean that into `Unknown` with a reason.
"""

from __future__ import annotations

import re
from typing import Any

from ampls_checks.model import Maybe, Ref, Unknown

_ARM_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/(?P<rest>.+)$",
    re.IGNORECASE,
)


def parse_arm_id(text: str) -> Ref | None:
    """A literal ARM resource id as a name-only `Ref` (type and name lower-cased for matching).

    `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a`
    becomes type `microsoft.network/virtualnetworks/subnets`, name `v/a`, group `rg`.
    """
    match = _ARM_ID.match(text.strip())
    if not match:
        return None
    segments = match.group("rest").strip("/").split("/")
    if len(segments) < 3 or len(segments) % 2 == 0:
        return None
    namespace, pairs = segments[0], segments[1:]
    types = [pairs[i] for i in range(0, len(pairs), 2)]
    names = [pairs[i] for i in range(1, len(pairs), 2)]
    return Ref(
        name="/".join(names).lower(),
        arm_type="/".join([namespace, *types]).lower(),
        resource_group=match.group("rg").lower(),
    )


def parent_of(ref: Ref) -> Ref | None:
    """The parent of a child resource id (`.../virtualNetworks/v/subnets/a` -> the vnet)."""
    if ref.arm_type is None or ref.name is None or "/" not in ref.name:
        return None
    return Ref(
        name=ref.name.rsplit("/", 1)[0],
        arm_type=ref.arm_type.rsplit("/", 1)[0],
        resource_group=ref.resource_group,
    )


def as_str(value: Any) -> Maybe[str] | None:
    """A string, `None` when the value is null (omitted), or `Unknown`."""
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return Unknown(f"expected a string, got {type(value).__name__}")


def as_bool(value: Any) -> Maybe[bool] | None:
    if value is None or isinstance(value, (Unknown, bool)):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return Unknown(f"expected a bool, got {type(value).__name__}")


def enabled_flag(value: Any) -> Maybe[bool] | None:
    """`Enabled`/`Disabled`/`SecuredByPerimeter` (ARM and azurerm v5) as "public access on".

    `SecuredByPerimeter` admits only traffic a network security perimeter allows, so it is not
    open to the public internet.
    """
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "enabled":
            return True
        if lowered in ("disabled", "securedbyperimeter"):
            return False
    return Unknown(f"unexpected access value {value!r}")


def as_list(value: Any) -> Maybe[list[Any]] | None:
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        return value
    if isinstance(value, (str, int, float, bool)):
        return Unknown("expected a list, got a single value")
    return Unknown(f"expected a list, got {type(value).__name__}")
