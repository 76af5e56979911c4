"""## What it does
Flags a monitor resource that blocks public ingestion or query but is linked to no scope, in a
scan that declares scopes.

## Why is this bad?
With public access off and no private link, nothing can reach the resource: agents stop sending
and queries fail.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ._helpers import is_linked
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    if not graph.scopes:
        return
    for monitor in graph.monitors:
        if is_linked(graph, monitor) or monitor.unit in graph.unknown_link_units:
            continue
        closed = [
            what
            for what, flag in (("ingestion", monitor.public_ingestion), ("query", monitor.public_query))
            if flag is False
        ]
        if not closed:
            continue
        yield CHECK.finding(
            monitor,
            f"{monitor.kind.value} blocks public {' and '.join(closed)} but is linked to no private "
            "link scope, so nothing can reach it; add a scoped resource link to a scope",
        )


CHECK = Check(
    id="CKV_AMPLS_10",
    name="Monitor resource that blocks public access is linked to a private link scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-azure-monitor-resources",
    run=run,
)
