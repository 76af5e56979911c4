"""## What it does
Flags an Azure Monitor Private Link Scope (AMPLS) written in a form the platform reads
differently from what the template says:

- an API version older than `2021-07-01-preview` (in practice `2019-10-17-preview`, the version
  of the templates published before September 2021). Those versions have no access modes: the
  scope behaves as ingestion `PrivateOnly` and query `Open`, whatever `accessModeSettings` says;
- a `location` other than `global`. A scope is a global resource: every documented way of
  creating one passes `global` (`az resource create ... -l global`, `New-AzResource -Location
  "Global"`, the ARM template `"location": "global"`).

It reads the API version of `Microsoft.Insights/privateLinkScopes` in ARM JSON (`apiVersion`),
Bicep (`'Microsoft.Insights/privateLinkScopes@<version>'`) and Terraform `azapi_resource`
(`type = "...@<version>"`), and the scope's `location` there. `azurerm_monitor_private_link_scope`
writes neither (the provider picks both), so Terraform azurerm scopes are never reported. A
location or version the scanner cannot evaluate (a parameter without a value) is not guessed.

## Why is this bad?
An old API version silently drops the access modes: a review sees `PrivateOnly` for queries in the
template, while the deployed scope lets the connected networks query any Azure Monitor resource,
in or out of the scope. Microsoft's configure page warns about exactly this: "Make sure you use a
new API version (2021-07-01-preview or later) for the creation of the AMPLS object ... The ARM
template documented in the past used an old API version, which results in an AMPLS set with
`QueryAccessMode="Open"` and `IngestionAccessMode="PrivateOnly"`."

A regional `location` (often `resourceGroup().location` copied from the other resources of the
template) departs from every documented creation of a scope, which all pass `global`: write
`global` so the deployment matches what the platform documents.

## Example
```bicep
resource scope 'Microsoft.Insights/privateLinkScopes@2019-10-17-preview' = {
  name: 'ampls-hub'
  location: 'westeurope'
  properties: {}
}
```

## Use instead
Use API version `2021-07-01-preview` or later, location `global`, and write both access modes.

### Terraform
```hcl
resource "azapi_resource" "scope" {
  type      = "Microsoft.Insights/privateLinkScopes@2021-07-01-preview"
  name      = "ampls-hub"
  parent_id = azurerm_resource_group.monitoring.id
  location  = "global"
  body = {
    properties = {
      accessModeSettings = {
        ingestionAccessMode = "PrivateOnly"
        queryAccessMode     = "PrivateOnly"
      }
    }
  }
}
```

### Bicep
```bicep
resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-hub'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: 'PrivateOnly'
      queryAccessMode: 'PrivateOnly'
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
      "queryAccessMode": "PrivateOnly"
    }
  }
}
```

## References
- [Configure your private link: Create an AMPLS, ARM template (the note on the API version)](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#create-an-ampls-arm-template)
- [Configure private link for Azure Monitor: Create Azure Monitor Private Link Scope (CLI and PowerShell, `-location global`)](https://learn.microsoft.com/azure/azure-monitor/fundamentals/private-link-configure#create-azure-monitor-private-link-scope-ampls)
- [Microsoft.Insights privateLinkScopes template reference](https://learn.microsoft.com/azure/templates/microsoft.insights/privatelinkscopes)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import FIRST_ACCESS_MODE_API, Graph, PrivateLinkScope, same_region


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        if scope.predates_access_modes():
            yield CHECK.finding(
                scope,
                f"API version {scope.api_version} has no access modes: the scope behaves as ingestion PrivateOnly "
                f"and query Open whatever the template says; use {FIRST_ACCESS_MODE_API} or later",
                "api_version",
            )
        if isinstance(scope.region, str) and not same_region(scope.region, "global"):
            yield CHECK.finding(
                scope,
                f"Location {scope.region!r} is not 'global': a private link scope is a global resource, "
                "set its location to 'global'",
                "location",
            )


CHECK = Check(
    id="CKV_AMPLS_24",
    name="Azure Monitor Private Link Scope uses location global and an API version with access modes",
    severity=Severity.MEDIUM,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure#create-an-ampls-arm-template",
    run=run,
    reports_on=(PrivateLinkScope,),
)
