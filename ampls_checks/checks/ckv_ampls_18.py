"""## What it does
Flags data collection that cannot work behind a private link: in a deployment (Terraform root
module, ARM or Bicep entry file) that declares an Azure Monitor Private Link Scope,

- a data collection rule names no data collection endpoint, and no rule association of the
  deployment names one either (`data_collection_endpoint_id` of
  `azurerm_monitor_data_collection_rule` or `..._rule_association`,
  `properties.dataCollectionEndpointId` of `Microsoft.Insights/dataCollectionRules` or
  `dataCollectionRuleAssociations`);
- a rule or an association names a data collection endpoint declared in the scan that is linked
  to no scope;
- a rule sends to a Log Analytics workspace or a data collection endpoint declared in the scan
  that is linked to no scope;
- a rule's endpoint (its logs ingestion endpoint) is in another region than a Log Analytics
  workspace the rule sends to, when both regions are written.

The finding points at the endpoint attribute, or at the rule. "Linked to no scope" is judged only
where the deployment's scopes link something in the scan (otherwise their links come from
elsewhere, such as a registry module the scanner does not read). Resources the scan does not declare
(literal ids of another subscription, data sources), scoped links the scanner cannot resolve,
and rules or associations whose instances are unknown keep the check silent.

What the check does not decide yet: the agent's side of the region rule ("An agent can connect
only to a DCE that's in the same region as the agent"): machines are not part of the model, so
the region of an association's target is not known to it.

## Why is this bad?
The Azure Monitor Agent on a network that uses the private link fetches its configuration and
sends its data through data collection endpoints. Microsoft's page on agent network isolation:
create a DCE "for each of your regions for agents to connect to instead of using the public
endpoint", add the DCEs to the scope, and: "Other Azure Monitor resources like Log Analytics
workspaces and DCEs in your DCRs that you send data to must be included in this Azure Monitor
Private Link Scope resource." The data collection endpoint page adds: "any AMA installation
connected to a network that shares DNS with AMPLS resources will require a DCE", "If the data
source is sending to a destination configured for private link, the DCE configured in the DCR for
that data source must be added to AMPLS", and that a DCE's logs ingestion endpoint is in the "Same
region as the destination Log Analytics workspace". Without a DCE, or with one outside the scope, agents keep using
public endpoints (which the scope's `PrivateOnly` mode or a closed network then blocks): they
stop reporting.

## Example
```hcl
resource "azurerm_monitor_data_collection_endpoint" "weu" {
  name                = "dce-weu"
  location            = "westeurope"
  resource_group_name = "rg-monitoring"
}

resource "azurerm_monitor_data_collection_rule" "syslog" {
  name                        = "dcr-syslog"
  location                    = "westeurope"
  resource_group_name         = "rg-monitoring"
  data_collection_endpoint_id = azurerm_monitor_data_collection_endpoint.weu.id
  # ... destinations and data flows; dce-weu is not linked to the scope
}
```

## Use instead
Link the endpoint (and every workspace the rules send to) to the scope.

### Terraform
```hcl
resource "azurerm_monitor_private_link_scoped_service" "dce" {
  name                = "dce-weu"
  resource_group_name = "rg-monitoring"
  scope_name          = azurerm_monitor_private_link_scope.hub.name
  linked_resource_id  = azurerm_monitor_data_collection_endpoint.weu.id
}
```

### Bicep
```bicep
resource dceLink 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: scope
  name: 'dce-weu'
  properties: {
    linkedResourceId: dce.id
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
  "apiVersion": "2021-07-01-preview",
  "name": "ampls-hub/dce-weu",
  "properties": {
    "linkedResourceId": "[resourceId('Microsoft.Insights/dataCollectionEndpoints', 'dce-weu')]"
  }
}
```

## References
- [Enable network isolation for Azure Monitor Agent by using Azure Private Link](https://learn.microsoft.com/azure/azure-monitor/fundamentals/azure-monitor-agent-private-link)
- [Data collection endpoints in Azure Monitor: when is a DCE required, components of a DCE](https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-endpoint-overview)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import (
    DataCollectionRule,
    DataCollectionRuleAssociation,
    Entity,
    Graph,
    Maybe,
    MonitorKind,
    MonitorResource,
    Ref,
    ScopedLink,
    Unknown,
    same_region,
)

_IN_SCOPE_KINDS = (MonitorKind.LOG_ANALYTICS_WORKSPACE, MonitorKind.DATA_COLLECTION_ENDPOINT)


def _outside_scopes(graph: Graph, ref: Maybe[Ref] | None, unit: str) -> MonitorResource | None:
    """The declared workspace or endpoint `ref` names, when it is linked to no scope and every
    scoped link that could add it is known."""
    target = graph.monitor_target(ref, unit) if not isinstance(ref, Unknown) else None
    if not isinstance(target, MonitorResource) or target.kind not in _IN_SCOPE_KINDS:
        return None
    if graph.links_of(target) or target.unit in graph.unknown_link_units:
        return None
    if graph.may_have(ScopedLink, target.unit):
        return None
    if not any(graph.links_to(s) for s in graph.scopes if s.unit == unit):
        return None  # the deployment's scopes link nothing here: their links come from elsewhere
    return target


def _endpoint_finding(graph: Graph, entity: Entity, ref: Maybe[Ref] | None) -> Finding | None:
    dce = _outside_scopes(graph, ref, entity.unit)
    if dce is None or dce.kind is not MonitorKind.DATA_COLLECTION_ENDPOINT:
        return None
    return CHECK.finding(
        entity,
        f"Data collection endpoint {dce.address} is linked to no private link scope: agents behind the link "
        "cannot reach it privately; add it to the scope",
        "endpoint",
    )


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    scope_units = {s.unit for s in graph.scopes}
    for rule in graph.rules:
        if rule.unit not in scope_units or rule.unit in graph.unknown_link_units:
            continue
        yield from _rule_findings(graph, rule)
    for association in graph.rule_associations:
        if association.unit not in scope_units or association.unit in graph.unknown_link_units:
            continue
        found = _endpoint_finding(graph, association, association.endpoint)
        if found is not None:
            yield found


def _rule_findings(graph: Graph, rule: DataCollectionRule) -> Iterator[Finding]:
    if rule.endpoint is None:
        associations = [a for a in graph.rule_associations if a.unit == rule.unit]
        if not any(a.endpoint is not None for a in associations) and not graph.may_have(
            DataCollectionRuleAssociation, rule.unit
        ):
            yield CHECK.finding(
                rule,
                "Data collection rule uses no data collection endpoint in a deployment with a private link scope: "
                "agents fetch configuration and send data over public endpoints; set «data_collection_endpoint_id» "
                "to an endpoint linked to the scope",
            )
    else:
        found = _endpoint_finding(graph, rule, rule.endpoint)
        if found is not None:
            yield found
        yield from _region_findings(graph, rule)
    if isinstance(rule.destinations, list):
        for ref in rule.destinations:
            target = _outside_scopes(graph, ref, rule.unit)
            if target is not None:
                yield CHECK.finding(
                    rule,
                    f"Data collection rule sends to {target.address}, which is linked to no private link scope: "
                    "add it to the scope the agents use",
                )


def _region_findings(graph: Graph, rule: DataCollectionRule) -> Iterator[Finding]:
    """The rule's endpoint ingests logs in its own region: a workspace elsewhere is a mismatch."""
    dce = graph.monitor_target(rule.endpoint, rule.unit)
    if not isinstance(dce, MonitorResource) or not isinstance(dce.region, str):
        return
    if not isinstance(rule.destinations, list):
        return
    for ref in rule.destinations:
        target = graph.monitor_target(ref, rule.unit) if not isinstance(ref, Unknown) else None
        if (
            isinstance(target, MonitorResource)
            and target.kind is MonitorKind.LOG_ANALYTICS_WORKSPACE
            and isinstance(target.region, str)
            and not same_region(target.region, dce.region)
        ):
            yield CHECK.finding(
                rule,
                f"Data collection endpoint {dce.address} is in {dce.region!r} but the rule sends to workspace "
                f"{target.address} in {target.region!r}: logs ingestion goes through an endpoint in the "
                "workspace's region; use one there",
                "endpoint",
            )


CHECK = Check(
    id="CKV_AMPLS_18",
    name="Data collection behind a private link uses endpoints and destinations in the scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/fundamentals/azure-monitor-agent-private-link",
    run=run,
    reports_on=(
        DataCollectionRule,
        DataCollectionRuleAssociation,
    ),
)
