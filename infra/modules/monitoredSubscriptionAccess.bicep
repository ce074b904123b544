// On one subscription monitored as a whole (AKS_RESOURCE_GROUPS entry "subscriptionId/*"): the app's identity gets the
// two custom roles on the subscription, so it can list and act on the AKS clusters of every resource group there.
targetScope = 'subscription'

param principalId string
param clusterOperatorRoleGuid string
param kubernetesReaderRoleGuid string

resource clusterOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, clusterOperatorRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterOperatorRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: cluster lifecycle and credentials'
  }
}

resource kubernetesReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, kubernetesReaderRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesReaderRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: Kubernetes reads through Entra ID'
  }
}

// The data planes of the storage and registry cards. Their accounts and registries are not known when this deploys,
// so the subscription is the narrowest scope Bicep can name; both roles are read-only.
var storageBlobDataReaderRoleGuid = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader (built-in)
var acrPullRoleGuid = '7f951dda-4ed3-4680-a7ca-43fe172d538d' // AcrPull (built-in)

resource storageBlobDataReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, storageBlobDataReaderRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: blob counts and databases of the storage card'
  }
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, acrPullRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: repositories and tags of the registry card'
  }
}
