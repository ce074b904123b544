// The credential the app presents to ARM and to the AKS API servers, chosen by configuration (AZURE_CREDENTIAL):
//   managedIdentity  ManagedIdentityCredential (user-assigned when AZURE_CLIENT_ID is set, else system-assigned)
//   default          DefaultAzureCredential (in Azure, set AZURE_TOKEN_CREDENTIALS=prod so it skips developer tools)
//   static           a fixed token (STATIC_ACCESS_TOKEN), the one the simulated Azure accepts
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { Config } from '../config.js';
import { audienceOfScope, mintStaticToken } from './staticToken.js';

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
 * A token for the scope asked (its audience signed with the static secret, see staticToken.ts), reported as valid
 * for `lifetimeSeconds` from each request: callers that clamp by token expiry (the Kubernetes session pool) see a
 * real, configurable expiry.
 */
export function createStaticCredential(secret: string, lifetimeSeconds: number, now: () => number = Date.now): TokenCredential {
  return {
    getToken(scopes: string | string[]): Promise<AccessToken> {
      const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
      const expiresOnTimestamp = now() + lifetimeSeconds * 1000;
      return Promise.resolve({ token: mintStaticToken(secret, audienceOfScope(scope), expiresOnTimestamp), expiresOnTimestamp, tokenType: 'Bearer' });
    },
  };
}
