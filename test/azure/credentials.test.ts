import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { readStaticToken } from '../../shared/azure/staticToken.js';
import { AKS_ENTRA_SCOPE } from '../../shared/k8s/session.js';

const base = { TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

describe('createAzureCredential', () => {
  it('static: a token for the scope asked (its audience, signed with the secret), expiring after the configured lifetime', async () => {
    const { azure } = loadConfig({ ...base, AZURE_CREDENTIAL: 'static', STATIC_ACCESS_TOKEN: 'tok', STATIC_ACCESS_TOKEN_LIFETIME_SECONDS: '120' });
    let clock = 1_000_000;
    const credential = createAzureCredential(azure, () => clock);
    const arm = await credential.getToken('https://management.azure.com/.default');
    expect(arm).toMatchObject({ expiresOnTimestamp: 1_120_000, tokenType: 'Bearer' });
    expect(readStaticToken('tok', arm!.token)).toMatchObject({ aud: 'https://management.azure.com', exp: 1_120 });
    expect(arm!.token).not.toContain('tok');
    clock += 5_000;
    const aks = await credential.getToken(AKS_ENTRA_SCOPE);
    expect(aks?.expiresOnTimestamp).toBe(1_125_000);
    expect(readStaticToken('tok', aks!.token)?.aud).toBe('6dae42f8-4368-4678-94ff-3960e28e3630');
    expect(readStaticToken('another secret', aks!.token)).toBeUndefined();
  });

  it('managedIdentity and default build the @azure/identity credentials (no token is requested here)', () => {
    const mi = createAzureCredential(
      loadConfig({ ...base, AZURE_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111' }).azure,
    );
    expect(mi).toBeInstanceOf(ManagedIdentityCredential);
    expect(createAzureCredential(loadConfig({ ...base, AZURE_CREDENTIAL: 'managedIdentity' }).azure)).toBeInstanceOf(ManagedIdentityCredential);
    expect(createAzureCredential(loadConfig({ ...base, AZURE_CREDENTIAL: 'default' }).azure)).toBeInstanceOf(DefaultAzureCredential);
  });
});
