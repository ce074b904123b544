// The credential the app presents to ARM and to the AKS API servers, chosen by configuration (AZURE_CREDENTIAL):
//   managedIdentity  ManagedIdentityCredential (user-assigned when AZURE_CLIENT_ID is set, else system-assigned)
//   default          DefaultAzureCredential (in Azure, set AZURE_TOKEN_CREDENTIALS=prod so it skips developer tools)
//   static           a fixed token (STATIC_ACCESS_TOKEN), the one the simulated Azure accepts
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { Config } from '../config.js';

export function createAzureCredential(azure: Config['azure'], now: () => number = Date.now): TokenCredential {
  switch (azure.credential) {
    case 'managedIdentity':
      return azure.clientId ? new ManagedIdentityCredential({ clientId: azure.clientId }) : new ManagedIdentityCredential();
    case 'default':
      return new DefaultAzureCredential(azure.clientId ? { managedIdentityClientId: azure.clientId } : {});
    case 'static': {
      if (!azure.staticToken) throw new Error('AZURE_CREDENTIAL=static needs STATIC_ACCESS_TOKEN');
      return createStaticCredential(azure.staticToken, azure.staticTokenLifetimeSeconds, now);
    }
  }
}

/**
 * The same token for every scope, reported as valid for `lifetimeSeconds` from each request: callers that clamp
 * by token expiry (the Kubernetes session pool) see a real, configurable expiry.
 */
export function createStaticCredential(token: string, lifetimeSeconds: number, now: () => number = Date.now): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: now() + lifetimeSeconds * 1000, tokenType: 'Bearer' };
    },
  };
}
