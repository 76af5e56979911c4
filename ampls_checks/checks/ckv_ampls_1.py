"""## What it does
Flags an Azure Monitor Private Link Scope (AMPLS) whose ingestion access mode is not
`PrivateOnly`. Three forms are reported:

- the mode is written as `Open`;
- the mode is left out: the platform default is then `Open` (the finding points at the scope's
  first line);
- the mode is any other value, such as `Private`: the platform accepts only `Open` and
  `PrivateOnly`, so the finding names it as a typo.

It reads `ingestion_access_mode` of `azurerm_monitor_private_link_scope`, and
`properties.accessModeSettings.ingestionAccessMode` of `Microsoft.Insights/privateLinkScopes` in
ARM JSON, Bicep and Terraform `azapi_resource`. A mode the scanner cannot evaluate (a variable with
no value in the scanned files) is not guessed: `--verbose` says so. Exclusions that reopen the
mode for a single private endpoint connection are CKV_AMPLS_14's business.

A scope deployed with an API version older than `2021-07-01-preview` (such as
`2019-10-17-preview`, the version of templates written before September 2021) has no access
modes: ingestion through it reaches only the resources in the scope, as with `PrivateOnly`
("an AMPLS set with `QueryAccessMode="Open"` and `IngestionAccessMode="PrivateOnly"`", the
configure page's note). This check is silent for it; CKV_AMPLS_2 reports its query side and
CKV_AMPLS_24 its API version.

## Why is this bad?
The ingestion access mode decides where a network connected to the scope through its private
endpoint may send monitoring data. With `Open`, that network reaches the resources in the scope
privately *and* any other Azure Monitor resource that accepts public traffic, over the same path.
Data can then leave your networks for a workspace or component that nobody added to the scope,
including one you do not own: the private link does not prevent data exfiltration. `PrivateOnly`
limits the connected networks to the resources in the scope.

Before switching, add to the scope every workspace, component and data collection endpoint that
the connected networks must send to: with `PrivateOnly`, ingestion from those networks to any
other Azure Monitor resource is blocked.

## Example
```hcl
resource "azurerm_monitor_private_link_scope" "hub" {
  name                = "ampls-hub"
  resource_group_name = "rg-monitoring"
  query_access_mode   = "PrivateOnly"
  # ingestion_access_mode is not set: it defaults to Open
}
```

## Use instead
Set the ingestion access mode to `PrivateOnly`, and write it out even where a module or a
pipeline could supply it, so that a review sees it.

### Terraform
```hcl
resource "azurerm_monitor_private_link_scope" "hub" {
  name                  = "ampls-hub"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
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
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
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
  ]
}
```

## References
- [Use Azure Private Link to connect networks to Azure Monitor: access modes](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security#private-link-access-modes-private-only-vs-open)
- [Design your Azure Private Link setup](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design)
- [Configure your private link](https://learn.microsoft.com/azure/azure-monitor/logs/private-link-configure)
- [Microsoft.Insights privateLinkScopes template reference](https://learn.microsoft.com/azure/templates/microsoft.insights/privatelinkscopes)
- [azurerm_monitor_private_link_scope (Terraform azurerm provider)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/monitor_private_link_scope)
"""

from __future__ import annotations

from collections.abc import Iterator

from ampls_checks.checks._access_mode import access_mode_findings
from ampls_checks.checks.base import Check, Finding, Settings, Severity
from ampls_checks.model import Graph, PrivateLinkScope


def run(graph: Graph, settings: Settings) -> Iterator[Finding]:
    for scope in graph.scopes:
        yield from access_mode_findings(CHECK, scope, "ingestion")


CHECK = Check(
    id="CKV_AMPLS_1",
    name="Azure Monitor Private Link Scope ingestion access mode is PrivateOnly",
    severity=Severity.HIGH,
    guideline="https://learn.microsoft.com/azure/azure-monitor/logs/private-link-design#control-how-private-links-apply-to-your-networks",
    run=run,
    reports_on=(PrivateLinkScope,),
)
