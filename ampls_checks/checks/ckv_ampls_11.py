"""## What it does
Flags a scope that exceeds a platform limit (linked workspaces, linked components, private
endpoints), and a monitor resource linked to more scopes than allowed.

## Why is this bad?
Deployment fails once the limit is reached, often long after the design was settled.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import MonitorKind, MonitorResource, PrivateLinkScope
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    limits = settings.limits
    for scope in graph.scopes:
        targets = {
            graph.link_target[link.key].key: graph.link_target[link.key]  # type: ignore[union-attr]
            for link in graph.scope_links.get(scope.key, [])
            if isinstance(graph.link_target.get(link.key), MonitorResource)
        }
        workspaces = sum(
            1
            for t in targets.values()
            if isinstance(t, MonitorResource) and t.kind is MonitorKind.LOG_ANALYTICS_WORKSPACE
        )
        components = sum(
            1 for t in targets.values() if isinstance(t, MonitorResource) and t.kind is MonitorKind.APPLICATION_INSIGHTS
        )
        endpoints = len({e.key for e in graph.scope_endpoints.get(scope.key, [])})
        problems = []
        if workspaces > limits.workspaces_per_scope:
            problems.append(f"{workspaces} linked Log Analytics workspaces (limit {limits.workspaces_per_scope})")
        if components > limits.components_per_scope:
            problems.append(
                f"{components} linked Application Insights components (limit {limits.components_per_scope})"
            )
        if endpoints > limits.endpoints_per_scope:
            problems.append(f"{endpoints} private endpoints (limit {limits.endpoints_per_scope})")
        if problems:
            yield CHECK.finding(
                scope,
                f"Scope exceeds platform limits: {'; '.join(problems)}; split the "
                "resources or raise the limit with --limit if your tenant has a higher one",
            )
    for monitor in graph.monitors:
        scopes = {
            graph.link_scope[link.key].key  # type: ignore[union-attr]
            for link in graph.monitor_links.get(monitor.key, [])
            if isinstance(graph.link_scope.get(link.key), PrivateLinkScope)
        }
        if len(scopes) > limits.scopes_per_resource:
            yield CHECK.finding(
                monitor,
                f"{monitor.kind.value} is linked to {len(scopes)} private link scopes "
                f"(limit {limits.scopes_per_resource}); remove links",
            )


CHECK = Check(
    id="CKV_AMPLS_11",
    name="Azure Monitor Private Link Scope stays within platform limits",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#consider-ampls-limits",
    run=run,
)
