"""Shared by CKV_AMPLS_1 and CKV_AMPLS_2: the two access modes of a scope are judged alike."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import PrivateLinkScope, Unknown
from .base import Check, Finding


def access_mode_findings(check: Check, scope: PrivateLinkScope, which: str) -> Iterator[Finding]:
    attribute = f"{which}_access_mode"
    mode = getattr(scope, attribute)
    if isinstance(mode, Unknown) or mode == "PrivateOnly":
        return
    written = attribute in scope.attr_lines
    if not written:
        message = f"{which} access mode is not set and defaults to Open; set it to PrivateOnly"
    elif mode == "Open":
        message = f"{which} access mode is Open; set it to PrivateOnly"
    else:
        hint = " (did you mean PrivateOnly?)" if mode.lower().startswith("priv") else ""
        message = f"{which} access mode is {mode!r}, which is not a valid mode{hint}; set it to PrivateOnly"
    yield check.finding(scope, message[0].upper() + message[1:], attribute if written else None)
