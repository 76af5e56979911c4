"""Shared by CKV_AMPLS_3 and CKV_AMPLS_4: public ingestion and public query of monitor resources.

A monitor resource is judged when it is linked to a scope in the scanned set, or always under
`require_private`. A flag of `None` means the resource type has no such switch (a data collection
endpoint has no query switch, an Azure Monitor workspace no ingestion switch); an unknown flag is
not guessed.
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._helpers import is_linked
from ampls_checks.checks.base import Check, Finding, Settings
from ampls_checks.model import Graph, Unknown


def _values(attribute: str) -> tuple[str, str]:
    """How the attribute spells "public access on" and "off": azurerm v4 booleans
    (`*_enabled`) or the `Enabled`/`Disabled` strings of azurerm v5 and ARM."""
    if attribute.endswith("_enabled"):
        return "true", "false"
    return "Enabled", "Disabled"


def public_access_findings(check: Check, graph: Graph, settings: Settings, which: str) -> Iterator[Finding]:
    for monitor in graph.monitors:
        flag = monitor.public_ingestion if which == "ingestion" else monitor.public_query
        if flag is None or isinstance(flag, Unknown) or flag is False:
            continue
        linked = is_linked(graph, monitor)
        if not linked and not settings.require_private:
            continue
        attribute = monitor.ingestion_attribute if which == "ingestion" else monitor.query_attribute
        written = attribute in monitor.attr_lines
        on, off = _values(attribute)
        state = f"{attribute} is {on}" if written else f"{attribute} is not set and defaults to {on}"
        what = "ingestion" if which == "ingestion" else "queries"
        subject = f"{monitor.kind.value} is linked to a private link scope but" if linked else monitor.kind.value
        message = f"{subject} accepts {what} from public networks ({state}): set {attribute} to {off}"
        yield check.finding(monitor, message[0].upper() + message[1:], attribute if written else None)
