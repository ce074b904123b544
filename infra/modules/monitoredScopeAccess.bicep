// On one monitored resource group: the app's identity gets the two custom roles, so it can see and act on the AKS
// clusters there, and nowhere else.
param principalId string
param clusterOperatorRoleGuid string
param kubernetesReaderRoleGuid string

resource clusterOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, clusterOperatorRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterOperatorRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: cluster lifecycle and credentials'
  }
}

resource kubernetesReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, kubernetesReaderRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesReaderRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'AKS dashboard: Kubernetes reads through Entra ID'
  }
}
