// Kubeconfigs as AKS's listClusterUserCredential / listClusterAdminCredential return them.
import { dump } from 'js-yaml';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The Entra server application every AKS cluster uses: tokens for the API server are for this audience. */
export const AKS_ENTRA_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The Azure CLI client id kubelogin uses. */
const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

interface Common {
  clusterName: string;
  resourceGroup: string;
  server: string;
  caPem: string;
}

function document(common: Common, contextName: string, userName: string, user: object): string {
  return dump({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(common.caPem), server: common.server }, name: common.clusterName }],
    contexts: [{ context: { cluster: common.clusterName, user: userName }, name: contextName }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: userName, user }],
  });
}

/**
 * The user kubeconfig of an Entra-enabled cluster: server + CA, and an exec plugin (kubelogin) the app must not
 * run; it keeps server + CA and presents its own token for the AKS server id.
 */
export function entraUserKubeconfig(common: Common & { tenantId: string }): string {
  return document(common, common.clusterName, `clusterUser_${common.resourceGroup}_${common.clusterName}`, {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: [
        'get-token',
        '--environment',
        'AzurePublicCloud',
        '--server-id',
        AKS_ENTRA_SERVER_ID,
        '--client-id',
        AZURE_CLI_CLIENT_ID,
        '--tenant-id',
        common.tenantId,
        '--login',
        'devicecode',
      ],
      command: 'kubelogin',
      env: null,
      installHint:
        '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n',
      provideClusterInfo: false,
    },
  });
}

/** A kubeconfig with a client certificate (admin credentials, or user credentials of a cluster without Entra). */
export function certificateKubeconfig(common: Common & { role: 'clusterAdmin' | 'clusterUser'; certPem: string; keyPem: string }): string {
  const contextName = common.role === 'clusterAdmin' ? `${common.clusterName}-admin` : common.clusterName;
  return document(common, contextName, `${common.role}_${common.resourceGroup}_${common.clusterName}`, {
    'client-certificate-data': b64(common.certPem),
    'client-key-data': b64(common.keyPem),
  });
}
