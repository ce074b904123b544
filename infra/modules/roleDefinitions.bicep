// The dashboard's two custom roles, assignable on the monitored resource groups only:
// - cluster operator: exactly the ARM actions the code calls (roles/cluster-operations.json, checked against
//   shared/azure/armOperations.ts by test/infra/roles.test.ts); listClusterAdminCredential only with admin sessions;
// - Kubernetes reader: the Kubernetes reads through Entra ID (roles/kubernetes-reads.json) for clusters with Azure
//   RBAC for Kubernetes.
targetScope = 'subscription'

@description('Makes role names unique in the tenant (environment name and resource token).')
param nameSuffix string
@description('Resource group ids the roles may be assigned on.')
param assignableScopes array
param includeAdminSessionActions bool

var clusterOperations = loadJsonContent('../roles/cluster-operations.json')
var kubernetesReads = loadJsonContent('../roles/kubernetes-reads.json')
var clusterOperatorRoleName = 'AKS dashboard cluster operator (${nameSuffix})'
var kubernetesReaderRoleName = 'AKS dashboard Kubernetes reader (${nameSuffix})'

resource clusterOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, nameSuffix, 'cluster-operator')
  properties: {
    roleName: clusterOperatorRoleName
    description: 'AKS dashboard: read, start, stop and delete managed clusters and get their credentials; read storage accounts, blob containers, container registries and their runs. Nothing else.'
    type: 'customRole'
    permissions: [
      {
        actions: concat(clusterOperations.actions, includeAdminSessionActions ? clusterOperations.adminSessionActions : [])
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource kubernetesReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, nameSuffix, 'kubernetes-reader')
  properties: {
    roleName: kubernetesReaderRoleName
    description: 'AKS dashboard: read nodes, pods, pod logs, events, jobs and node metrics through Azure RBAC for Kubernetes.'
    type: 'customRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: kubernetesReads.dataActions
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output clusterOperatorRoleGuid string = clusterOperator.name
output kubernetesReaderRoleGuid string = kubernetesReader.name
output clusterOperatorRoleName string = clusterOperatorRoleName
output kubernetesReaderRoleName string = kubernetesReaderRoleName
