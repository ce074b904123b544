// Least privilege for the app's identity inside its own resource group: the storage data roles the Functions host and
// the app need, and metric publishing to Application Insights (local auth is off there).
// - Blob Data Contributor: Flex Consumption reads the deployment package from its blob container with this identity
//   ("Storage Blob Data Contributor" on the deployment storage: learn.microsoft.com/azure/azure-functions/
//   flex-consumption-how-to#configure-deployment-settings), and the host keeps its keys and the timer's singleton
//   leases in blobs (read, write, delete, lease: all in Contributor; Owner only adds ACL and ownership management).
// - No queue role: queues serve queue and blob triggers, and this app has only HTTP and timer triggers
//   (learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
// - Table Data Contributor: the cache, transitions and the inspector ring.
param principalId string
param storageAccountName string
param appInsightsName string

var storageRoleIds = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(storageRoleIds): {
    name: guid(storage.id, principalId, role.value)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: 'AKS dashboard: ${role.key}'
    }
  }
]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: telemetry without instrumentation keys'
  }
}
