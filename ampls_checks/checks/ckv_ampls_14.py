"""## What it does
Flags an access-mode exclusion that re-opens ingestion or query for one private endpoint
connection of a `PrivateOnly` scope.

## Why is this bad?
The exclusion quietly restores `Open` for that network, with the exfiltration risk PrivateOnly
was chosen to prevent.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Location
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        if not isinstance(scope.exclusions, list):
            continue
        for exclusion in scope.exclusions:
            reopened = []
            if scope.ingestion_access_mode == "PrivateOnly" and exclusion.ingestion_access_mode == "Open":
                reopened.append("ingestion")
            if scope.query_access_mode == "PrivateOnly" and exclusion.query_access_mode == "Open":
                reopened.append("query")
            if not reopened:
                continue
            name = exclusion.connection_name if isinstance(exclusion.connection_name, str) else "a connection"
            yield CHECK.finding(
                scope,
                f"Access-mode exclusion for {name} re-opens {' and '.join(reopened)} of a PrivateOnly "
                "scope; remove the exclusion or set it to PrivateOnly",
                location=Location(exclusion.file or scope.location.file, exclusion.line, exclusion.line,
                                  scope.location.language),
            )


CHECK = Check(
    id="CKV_AMPLS_14",
    name="Access-mode exclusions do not re-open a PrivateOnly scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks",
    run=run,
)
