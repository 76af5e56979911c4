"""Shared by CKV_AMPLS_1 and CKV_AMPLS_2: the two access modes of a scope are judged alike.

Only `PrivateOnly` passes. `Open` (written, or the platform default when omitted) is a finding,
and so is any other string: the platform accepts only `Open` and `PrivateOnly`, so a typo such as
`Private` is named as one. An unknown mode (an unresolvable variable) is not guessed.

A scope deployed with an API version older than `2021-07-01-preview` has no access modes: it
behaves as ingestion `PrivateOnly` and query `Open` (the configure page's note), so only the query
side is reported, on the API version.
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding
from ampls_checks.model import FIRST_ACCESS_MODE_API, PrivateLinkScope, Unknown

VALID_MODES = ("Open", "PrivateOnly")

# What PrivateOnly gives, per mode: the end of every message.
_EFFECT = {
    "ingestion": "so that connected networks can send data only to monitor resources in the scope",
    "query": "so that connected networks can query only monitor resources in the scope",
}


def access_mode_findings(check: Check, scope: PrivateLinkScope, which: str) -> Iterator[Finding]:
    attribute = f"{which}_access_mode"
    if scope.predates_access_modes():
        # An API version without access modes: ingestion behaves as PrivateOnly and query as
        # Open, whatever the body says (the configure page's note on the old API version).
        if which == "query":
            yield check.finding(
                scope,
                f"API version {scope.api_version} has no access modes, so queries through this scope "
                f"are Open whatever the template says: deploy the scope with API {FIRST_ACCESS_MODE_API} or "
                f"later and set the query access mode to PrivateOnly {_EFFECT[which]}",
                "api_version",
            )
        return
    mode = getattr(scope, attribute)
    # Azure reads enum values without regard to case: `privateonly` is PrivateOnly.
    if isinstance(mode, Unknown) or mode.lower() == "privateonly":
        return
    written = attribute in scope.attr_lines
    label = which.capitalize()
    fix = f"set it to PrivateOnly {_EFFECT[which]}"
    if not written:
        message = f"{label} access mode is not set and defaults to Open: {fix}"
    elif mode.lower() == "open":
        message = f"{label} access mode is Open: {fix}"
    else:
        typo = mode.lower().startswith("priv")
        hint = "did you mean PrivateOnly?" if typo else f"the valid modes are {' and '.join(VALID_MODES)}"
        message = f"{label} access mode {mode!r} is not a valid mode ({hint}): {fix}"
    yield check.finding(scope, message, attribute if written else None)
