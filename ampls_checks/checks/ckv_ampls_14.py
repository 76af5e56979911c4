"""## What it does
Flags an access-mode exclusion that sets ingestion or query back to `Open` for one private
endpoint connection of an Azure Monitor Private Link Scope (AMPLS) whose own mode is
`PrivateOnly`. The finding is on the exclusion's written access mode.

The azurerm provider cannot write exclusions, so in Terraform they come from the azapi provider:
an `azapi_resource` of type `Microsoft.Insights/privateLinkScopes@...` (as Azure Verified Modules
create scopes), or an `azapi_update_resource` that patches an azurerm scope afterwards; bodies
written as HCL objects (azapi v2) and as `jsonencode(...)` (azapi v1) are both read. ARM and
Bicep write them in `properties.accessModeSettings.exclusions`. An exclusion, or a scope mode,
that cannot be evaluated (a variable with no value) is not guessed.

## Why is this bad?
`PrivateOnly` is what keeps a network from reaching Azure Monitor resources outside the scope
through the private endpoint, and so from sending data to any workspace in any tenant. An
exclusion quietly gives that back to one connection: the scope reads as locked down, and the
network behind the excluded connection can again send logs to, or query, resources the
organisation does not control. Exclusions are easy to add for a migration and to forget.

## Example
```hcl
resource "azapi_resource" "ampls" {
  type      = "Microsoft.Insights/privateLinkScopes@2021-07-01-preview"
  name      = "ampls-hub"
  parent_id = azurerm_resource_group.monitoring.id
  location  = "global"

  body = {
    properties = {
      accessModeSettings = {
        ingestionAccessMode = "PrivateOnly"
        queryAccessMode     = "PrivateOnly"
        exclusions = [
          {
            privateEndpointConnectionName = "pe-ampls-legacy.0b1d3c2e-7a6f-4e1b-9c1d-2f3a4b5c6d7e"
            ingestionAccessMode           = "Open" # this network may send anywhere again
            queryAccessMode               = "PrivateOnly"
          },
        ]
      }
    }
  }
}
```

## Use instead
Remove the exclusion, or keep both of its modes `PrivateOnly`. If a network really needs
resources outside the scope, add those resources to the scope instead.

### Terraform
```hcl
resource "azapi_resource" "ampls" {
  type      = "Microsoft.Insights/privateLinkScopes@2021-07-01-preview"
  name      = "ampls-hub"
  parent_id = azurerm_resource_group.monitoring.id
  location  = "global"

  body = {
    properties = {
      accessModeSettings = {
        ingestionAccessMode = "PrivateOnly"
        queryAccessMode     = "PrivateOnly"
        exclusions          = []
      }
    }
  }
}
```

### Bicep
```bicep
resource ampls 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-hub'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: 'PrivateOnly'
      queryAccessMode: 'PrivateOnly'
      exclusions: []
    }
  }
}
```

### ARM JSON
```json
{
  "type": "Microsoft.Insights/privateLinkScopes",
  "apiVersion": "2021-07-01-preview",
  "name": "ampls-hub",
  "location": "global",
  "properties": {
    "accessModeSettings": {
      "ingestionAccessMode": "PrivateOnly",
      "queryAccessMode": "PrivateOnly",
      "exclusions": []
    }
  }
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security)
- [Design your Azure Private Link setup: control how private links apply to your networks](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, Location, PrivateLinkScope


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        if not isinstance(scope.exclusions, list):
            continue
        for exclusion in scope.exclusions:
            reopened = []
            if _is(scope.ingestion_access_mode, "PrivateOnly") and _is(exclusion.ingestion_access_mode, "Open"):
                reopened.append("ingestion")
            if _is(scope.query_access_mode, "PrivateOnly") and _is(exclusion.query_access_mode, "Open"):
                reopened.append("query")
            if not reopened:
                continue
            name = exclusion.connection_name if isinstance(exclusion.connection_name, str) else "a connection"
            attributes = " and ".join(f"{mode}AccessMode" for mode in reopened)
            # the line of the first re-opened mode; an update resource may write it in another file
            line = (exclusion.ingestion_line if reopened[0] == "ingestion" else exclusion.query_line) or exclusion.line
            yield CHECK.finding(
                scope,
                f"Access-mode exclusion for {name} sets {' and '.join(reopened)} back to Open on a PrivateOnly "
                f"scope: set its {attributes} to PrivateOnly or remove the exclusion",
                location=Location(exclusion.file or scope.location.file, line, line, scope.location.language),
            )


def _is(value: object, mode: str) -> bool:
    """Access modes as the service reads them: known strings, compared without case."""
    return isinstance(value, str) and value.lower() == mode.lower()


CHECK = Check(
    id="CKV_AMPLS_14",
    name="Access-mode exclusions do not re-open a PrivateOnly scope",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks",
    run=run,
    reports_on=(PrivateLinkScope,),
)
