param zonePrefix string = 'privatelink'

var zoneNames = [
  '${zonePrefix}.monitor.azure.com'
  '${zonePrefix}.oms.opinsights.azure.com'
  '${zonePrefix}.ods.opinsights.azure.com'
  '${zonePrefix}.agentsvc.azure.automation.net'
  '${zonePrefix}.blob.core.windows.net'
]

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

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-ampls-hub'
  location: 'westeurope'
  properties: {
    subnet: {
      id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'snet-pe')
    }
    privateLinkServiceConnections: [
      {
        name: 'ampls'
        properties: {
          privateLinkServiceId: scope.id
          groupIds: [
            'azuremonitor'
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-04-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [for zone in zoneNames: {
      name: replace(zone, '.', '-')
      properties: {
        privateDnsZoneId: resourceId('rg-dns', 'Microsoft.Network/privateDnsZones', zone)
      }
    }]
  }
}
