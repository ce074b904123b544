import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { AKS_ENTRA_SCOPE } from '../../shared/k8s/session.js';

const base = { TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

describe('createAzureCredential', () => {
  it('static: the configured token for any scope, expiring after the configured lifetime', async () => {
    const { azure } = loadConfig({ ...base, AZURE_CREDENTIAL: 'static', STATIC_ACCESS_TOKEN: 'tok', STATIC_ACCESS_TOKEN_LIFETIME_SECONDS: '120' });
    let clock = 1_000_000;
    const credential = createAzureCredential(azure, () => clock);
    expect(await credential.getToken('https://management.azure.com/.default')).toEqual({ token: 'tok', expiresOnTimestamp: 1_120_000, tokenType: 'Bearer' });
    clock += 5_000;
    expect((await credential.getToken(AKS_ENTRA_SCOPE))?.expiresOnTimestamp).toBe(1_125_000);
  });

  it('managedIdentity and default build the @azure/identity credentials (no token is requested here)', () => {
    const mi = createAzureCredential(loadConfig({ ...base, AZURE_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111' }).azure);
    expect(mi).toBeInstanceOf(ManagedIdentityCredential);
    expect(createAzureCredential(loadConfig({ ...base, AZURE_CREDENTIAL: 'managedIdentity' }).azure)).toBeInstanceOf(ManagedIdentityCredential);
    expect(createAzureCredential(loadConfig({ ...base, AZURE_CREDENTIAL: 'default' }).azure)).toBeInstanceOf(DefaultAzureCredential);
  });
});
