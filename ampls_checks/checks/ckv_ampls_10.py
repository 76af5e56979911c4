"""## What it does
Flags a monitor resource that blocks public ingestion or query but is linked to no scope, in a
scan that declares scopes.

## Why is this bad?
With public access off and no private link, nothing can reach the resource: agents stop sending
and queries fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..link import Graph
from ..model import MonitorKind, PrivateLinkScope
from ._helpers import is_linked
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Only deployments that use a scope are judged: a Terraform root module (with its local
    # modules) or an ARM/Bicep entry file. Two root modules share nothing, so a scope in one says
    # nothing about a workspace in another, which may be reached by a scope outside the scan.
    scopes_by_unit: dict[str, list[PrivateLinkScope]] = defaultdict(list)
    for scope in graph.scopes:
        scopes_by_unit[scope.unit].append(scope)
    for monitor in graph.monitors:
        if monitor.kind is MonitorKind.AZURE_MONITOR_WORKSPACE:
            continue  # queried through its own private endpoint, never through a scope
        scopes = scopes_by_unit.get(monitor.unit)
        if not scopes or is_linked(graph, monitor) or monitor.unit in graph.unknown_link_units:
            continue  # no scope here, linked, or a link whose target is unknown may be this one
        closed = [
            what
            for what, flag in (("ingestion", monitor.public_ingestion), ("query", monitor.public_query))
            if flag is False
        ]
        if not closed:
            continue
        target = scopes[0].address if len(scopes) == 1 else "a private link scope of this deployment"
        effect = {
            ("ingestion",): "nothing can send data to it",
            ("query",): "nothing can query it",
            ("ingestion", "query"): "nothing can reach it",
        }[tuple(closed)]
        yield CHECK.finding(
            monitor,
            f"Link this {monitor.kind.value} to {target} with a scoped resource link: it blocks public "
            f"{' and '.join(closed)}, so without a private link {effect}",
        )


CHECK = Check(
    id="CKV_AMPLS_10",
    name="Monitor resource that blocks public access is linked to a private link scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#connect-azure-monitor-resources",
    run=run,
)
