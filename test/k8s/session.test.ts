// The session factory on its own (no server needed: creating a session opens no connection).
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createCertificateAuthority, type CertificateAuthority, type KeyAndCertificate } from '../../dev/sim/certificates.js';
import { certificateKubeconfig, entraUserKubeconfig } from '../../dev/sim/kubeconfig.js';
import { AKS_ENTRA_SCOPE, createKubeSession, createSessionFactory, KubeconfigError, TOKEN_EXPIRY_MARGIN_MS } from '../../shared/k8s/session.js';

class RecordingCredential implements TokenCredential {
  readonly calls: { scopes: string | string[]; options?: GetTokenOptions }[] = [];
  constructor(private readonly token: AccessToken) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    this.calls.push({ scopes, options });
    return this.token;
  }
}

const SERVER = 'https://127.0.0.1:1';
let ca: CertificateAuthority;
let admin: KeyAndCertificate;

beforeAll(async () => {
  ca = await createCertificateAuthority('ca');
  admin = await ca.issue({ subject: 'CN=masterclient, O=system:masters', usage: 'client', lifetimeSeconds: 3600 });
});

function adminKubeconfig(cert = admin): string {
  return certificateKubeconfig({
    clusterName: 'aks-a',
    resourceGroup: 'rg',
    server: SERVER,
    caPem: ca.certPem,
    role: 'clusterAdmin',
    certPem: cert.certPem,
    keyPem: cert.keyPem,
  });
}

function userKubeconfig(): string {
  return entraUserKubeconfig({
    clusterName: 'aks-a',
    resourceGroup: 'rg',
    server: SERVER,
    caPem: ca.certPem,
    tenantId: '00000000-0000-0000-0000-0000000000aa',
  });
}

describe('createKubeSession', () => {
  it('admin: uses the client certificate, expires at its notAfter, asks for no token', async () => {
    const credential = new RecordingCredential({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 });
    const session = await createKubeSession({ kubeconfig: adminKubeconfig(), admin: true, credential, timeoutMs: 5000 });
    try {
      expect(session.expiresAt).toBe(admin.notAfter.getTime() - (admin.notAfter.getTime() % 1000));
      expect(session.server).toBe(SERVER);
      expect(credential.calls).toHaveLength(0);
    } finally {
      await session.close();
    }
  });

  it('user (Entra): drops the exec plugin, takes a token for the AKS scope, expires 60 s before the token', async () => {
    const expiresOnTimestamp = Date.now() + 30 * 60_000;
    const credential = new RecordingCredential({ token: 'entra-token', expiresOnTimestamp });
    const controller = new AbortController();
    const session = await createKubeSession({ kubeconfig: userKubeconfig(), admin: false, credential, timeoutMs: 5000, signal: controller.signal });
    try {
      expect(credential.calls).toHaveLength(1);
      expect(credential.calls[0]!.scopes).toBe(AKS_ENTRA_SCOPE);
      expect(credential.calls[0]!.options?.abortSignal).toBe(controller.signal);
      expect(session.expiresAt).toBe(expiresOnTimestamp - TOKEN_EXPIRY_MARGIN_MS);
    } finally {
      await session.close();
    }
  });

  it('the factory asks for the admin or the user kubeconfig by key and reports the expiry to the pool', async () => {
    const asked: boolean[] = [];
    const expiresOnTimestamp = Date.now() + 10 * 60_000;
    const factory = createSessionFactory({
      getKubeconfig: async (key) => {
        asked.push(key.admin);
        return key.admin ? adminKubeconfig() : userKubeconfig();
      },
      credential: new RecordingCredential({ token: 'x', expiresOnTimestamp }),
      timeoutMs: 5000,
    });
    const k = { subscriptionId: 's', resourceGroup: 'rg', cluster: 'aks-a' };
    const user = await factory({ ...k, admin: false }, new AbortController().signal);
    const adm = await factory({ ...k, admin: true }, new AbortController().signal);
    expect(asked).toEqual([false, true]);
    expect(user.expiresAt).toBe(expiresOnTimestamp - 60_000);
    expect(adm.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    await Promise.all([user.session.close(), adm.session.close()]);
  });

  it('refuses an admin kubeconfig without a certificate, file references, and plain http', async () => {
    await expect(createKubeSession({ kubeconfig: userKubeconfig(), admin: true, timeoutMs: 5000 })).rejects.toBeInstanceOf(KubeconfigError);
    const withFile = adminKubeconfig().replace(/certificate-authority-data: .*/, 'certificate-authority: /etc/ca.crt');
    await expect(createKubeSession({ kubeconfig: withFile, admin: true, timeoutMs: 5000 })).rejects.toThrow(/files/);
    const http = adminKubeconfig().replace(SERVER, 'http://127.0.0.1:1');
    await expect(createKubeSession({ kubeconfig: http, admin: true, timeoutMs: 5000 })).rejects.toThrow(/https/);
  });

  it('a broken kubeconfig fails without quoting it (it holds key material)', async () => {
    const broken = `${adminKubeconfig()}\n  - : [unbalanced`;
    const error = (await createKubeSession({ kubeconfig: broken, admin: true, timeoutMs: 5000 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(KubeconfigError);
    const keyBase64 = Buffer.from(admin.keyPem).toString('base64').slice(0, 40);
    expect(error.message).not.toContain(keyBase64);
    expect(String(error.stack)).not.toContain(keyBase64);
  });

  it('close() is idempotent', async () => {
    const session = await createKubeSession({ kubeconfig: adminKubeconfig(), admin: true, timeoutMs: 5000 });
    await session.close();
    await session.close();
  });
});
