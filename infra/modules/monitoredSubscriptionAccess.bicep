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
