// Which degraded parts are the session's fault (the pool then retires the session and the read is tried once more):
// a 401, a refused or reset connection, a TLS failure; not a 500, a 404 or a timeout.
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { callUpstream, isSessionFault, kubernetesFaultPart } from '../../shared/k8s/upstream.js';
import { createCertificateAuthority } from '../../dev/sim/certificates.js';

const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

describe('isSessionFault', () => {
  it.each([
    ['401', new ApiException(401, 'Unauthorized', '{"kind":"Status","message":"Unauthorized"}', {}), true],
    ['refused', fetchFailed('ECONNREFUSED'), true],
    ['reset', fetchFailed('ECONNRESET'), true],
    ['closed socket', fetchFailed('UND_ERR_SOCKET'), true],
    ['untrusted certificate', fetchFailed('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), true],
    ['expired certificate', fetchFailed('CERT_HAS_EXPIRED'), true],
    ['500', new ApiException(500, 'Internal Server Error', '{}', {}), false],
    ['403', new ApiException(403, 'Forbidden', '{}', {}), false],
    ['name not found', fetchFailed('ENOTFOUND'), false],
    ['timeout', new DOMException('The operation timed out.', 'TimeoutError'), false],
  ])('%s → %s', (_name, error, expected) => {
    const part = kubernetesFaultPart('kubernetes:nodes', error);
    expect(part).toBeDefined();
    expect(isSessionFault(part!)).toBe(expected);
  });

  it('a real refused connection and a real TLS failure are session faults', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const refused = await callUpstream('kubernetes:nodes', (signal) => fetch(`https://127.0.0.1:${closedPort}/api/v1/nodes`, { signal }), { timeoutMs: 5_000 });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && isSessionFault(refused.degraded)).toBe(true);

    // A server whose certificate the client does not trust (as after the API server's certificate changed).
    const ca = await createCertificateAuthority('Some other CA');
    const cert = await ca.issue({ subject: 'CN=apiserver', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], lifetimeSeconds: 3600 });
    const server = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const untrusted = await callUpstream('kubernetes:nodes', (signal) => fetch(`https://127.0.0.1:${port}/api/v1/nodes`, { signal }), { timeoutMs: 5_000 });
      expect(untrusted.ok).toBe(false);
      expect(!untrusted.ok && untrusted.degraded.status).toBe(502);
      expect(!untrusted.ok && isSessionFault(untrusted.degraded)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
