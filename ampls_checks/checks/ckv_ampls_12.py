"""## What it does
Flags an outbound network security rule that allows the `AzureMonitor` service tag beside a
private link.

## Why is this bad?
Agents may keep sending data to public endpoints, bypassing the private link.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from ._helpers import scope_endpoints
from .base import Check, Finding, Settings, Severity


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    private_units = {s.unit for s in graph.scopes} | {e.unit for e in scope_endpoints(graph)}
    for rule in graph.nsg_rules:
        if rule.unit not in private_units:
            continue
        if not isinstance(rule.direction, str) or rule.direction.lower() != "outbound":
            continue
        if not isinstance(rule.access, str) or rule.access.lower() != "allow":
            continue
        if isinstance(rule.destination_prefixes, Unknown):
            continue
        tags = [
            p
            for p in rule.destination_prefixes
            if isinstance(p, str) and (p.lower() == "azuremonitor" or p.lower().startswith("azuremonitor."))
        ]
        if tags:
            yield CHECK.finding(
                rule,
                f"Outbound rule allows the {tags[0]} service tag next to an Azure Monitor private link: "
                "agents can keep using public endpoints; deny it or remove the rule",
                rule.destination_attribute or None,
            )


CHECK = Check(
    id="CKV_AMPLS_12",
    name="No outbound rule allows the AzureMonitor service tag beside a private link",
    severity=Severity.LOW,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#how-it-works-main-principles",
    run=run,
)
