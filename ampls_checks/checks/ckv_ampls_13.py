"""## What it does
Flags a scope that has no private endpoint, or that links no monitor resource.

## Why is this bad?
A scope without an endpoint connects no network; a scope with no resources gives the network
nothing to reach privately (and in PrivateOnly mode blocks every monitor resource).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    # Units where some endpoint or link points at a scope we cannot identify: stay silent there.
    unsure_endpoint_units = {
        e.unit for e in graph.endpoints if any(isinstance(t, Unknown) for t in graph.scopes_of_endpoint(e))
    }
    unsure_link_units = {
        link.unit for link in graph.scoped_links if isinstance(graph.link_scope.get(link.key), Unknown)
    }
    for scope in graph.scopes:
        missing = []
        if not graph.scope_endpoints.get(scope.key) and scope.unit not in unsure_endpoint_units:
            missing.append("no private endpoint connects to it")
        if not graph.scope_links.get(scope.key) and scope.unit not in unsure_link_units:
            missing.append("it links no monitor resource")
        if missing:
            yield CHECK.finding(
                scope,
                f"Scope is incomplete: {' and '.join(missing)}; add the missing "
                "private endpoint or scoped resource links, or remove the scope",
            )


CHECK = Check(
    id="CKV_AMPLS_13",
    name="Azure Monitor Private Link Scope has a private endpoint and linked resources",
    severity=Severity.LOW,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure",
    run=run,
)
