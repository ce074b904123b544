// The one list of Azure Resource Manager actions this app performs. The infra custom role is derived from it,
// so a new ARM call starts here. (A code path that polls a long-running operation to its end would also need
// Microsoft.ContainerService/locations/operations/read and .../operationresults/read; the lifecycle kicks
// operations off and watches the cluster's own state instead.)
export const ARM_OPERATIONS = {
  /** managedClusters.get, managedClusters.listByResourceGroup, managedClusters.list (by subscription: {sub}/* scopes) */
  readCluster: 'Microsoft.ContainerService/managedClusters/read',
  /** managedClusters.start */
  startCluster: 'Microsoft.ContainerService/managedClusters/start/action',
  /** managedClusters.stop */
  stopCluster: 'Microsoft.ContainerService/managedClusters/stop/action',
  /** managedClusters.delete */
  deleteCluster: 'Microsoft.ContainerService/managedClusters/delete',
  /** managedClusters.listClusterUserCredentials (Entra clusters: server + CA; the token comes from the credential) */
  listUserCredential: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
  /** managedClusters.listClusterAdminCredentials (K8S_USE_ADMIN_CREDENTIALS=true) */
  listAdminCredential: 'Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action',
  /** The subscription's resource group list ({sub}/* scopes admit only resource groups it shows; shared/azure/resourceGroups.ts) */
  listResourceGroups: 'Microsoft.Resources/subscriptions/resourceGroups/read',
  /** storageAccounts.listByResourceGroup (the storage card) */
  readStorageAccount: 'Microsoft.Storage/storageAccounts/read',
  /** blobContainers.list (the storage card; the blobs themselves are data actions: Storage Blob Data Reader) */
  readBlobContainer: 'Microsoft.Storage/storageAccounts/blobServices/containers/read',
  /** registries.listByResourceGroup (the registry card; repositories and tags are the data plane: AcrPull) */
  readRegistry: 'Microsoft.ContainerRegistry/registries/read',
  /** GET …/registries/{r}/runs (the images being built) */
  readRegistryRun: 'Microsoft.ContainerRegistry/registries/runs/read',
} as const;

export type ArmOperation = (typeof ARM_OPERATIONS)[keyof typeof ARM_OPERATIONS];

/** The actions of the custom role, in a stable order. */
export const ARM_ACTIONS: readonly ArmOperation[] = Object.values(ARM_OPERATIONS);
