// Inspector privacy: a capture keeps an allow-list of headers only (no names, object ids, client addresses or
// credentials), names its caller by a stable pseudonym, and requests refused before any handler stay uncaptured but
// are counted, so a flood of them cannot push real calls out of the ring unseen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../dev/host.js';
import { callerPseudonym } from '../../shared/http/inspector.js';
import { principal, PRINCIPALS, send, startInspectorHost, SUB, RG, type CountingStore } from './support.js';

const KEY = 'test-pseudonym-key';
const PERSONAL = {
  'x-ms-client-principal-name': 'operator@contoso.example',
  'x-ms-client-principal-id': '5f0c1d2e-aaaa-bbbb-cccc-0123456789ab',
  'x-ms-client-principal-idp': 'aad',
  'x-forwarded-for': '203.0.113.7:51234',
  'x-client-ip': '203.0.113.7',
  'x-arr-log-id': 'a1b2c3',
  cookie: 'AppServiceAuthSession=secret',
  referer: 'https://dashboard.contoso.example/clusters/elb-01-a',
};

let host: LocalHost;
let store: CountingStore;
beforeAll(async () => {
  ({ host, store } = await startInspectorHost('priv', { INSPECTOR_PSEUDONYM_KEY: KEY }));
});
afterAll(async () => {
  await host?.close();
});

const start = (headers: Record<string, string>, cluster = 'elb-01-a') => {
  const body = JSON.stringify({ subscriptionId: SUB, resourceGroup: RG, cluster });
  return send(host.url, {
    method: 'POST',
    path: '/api/aks/start',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'dashboard/1.0', ...headers },
    body,
  });
};

describe('inspector privacy', () => {
  it('captures only content-type, content-length, request id and user agent', async () => {
    expect((await start({ ...PERSONAL, 'x-ms-client-principal': PRINCIPALS.operator, 'x-request-id': 'priv-1' })).status).toBe(202);
    const captured = store.records.find((r) => r.requestId === 'priv-1')!;
    expect(captured.requestHeaders).toEqual({
      'content-type': 'application/json',
      'content-length': expect.stringMatching(/^\d+$/),
      'x-request-id': 'priv-1',
      'user-agent': 'dashboard/1.0',
    });
    const listed = await send(host.url, { path: '/api/inspector', headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    for (const personal of ['operator@contoso', '5f0c1d2e', '203.0.113.7', 'oid-operator', 'AppServiceAuthSession', 'dashboard.contoso']) {
      expect(listed.text).not.toContain(personal);
    }
  });

  it('names the caller by a stable pseudonym: the same person twice alike, two people apart, nothing of the name', async () => {
    await start({ 'x-ms-client-principal': PRINCIPALS.operator, 'x-request-id': 'priv-2' });
    await start({ 'x-ms-client-principal': PRINCIPALS.operator, 'x-request-id': 'priv-3' });
    await start({ 'x-ms-client-principal': principal('other@contoso.example', ['Cluster.Operate']), 'x-request-id': 'priv-4' });
    const caller = (id: string) => store.records.find((r) => r.requestId === id)!.caller!;
    expect(caller('priv-2')).toMatch(/^caller-[0-9a-f]{12}$/);
    expect(caller('priv-3')).toBe(caller('priv-2'));
    expect(caller('priv-4')).not.toBe(caller('priv-2'));
    // Stable across instances sharing the key; unknowable without it.
    const operator = { provider: 'aad', userId: 'oid-operator@contoso.example', name: 'operator@contoso.example' };
    expect(callerPseudonym(KEY, operator)).toBe(caller('priv-2'));
    expect(callerPseudonym('another-key', operator)).not.toBe(caller('priv-2'));
  });

  it('counts refused requests without capturing them, so a flood is seen', async () => {
    const before = store.records.length;
    const counted = (await send(host.url, { path: '/api/inspector', headers: { 'x-ms-client-principal': PRINCIPALS.reader } })).json.rejected;
    for (let i = 0; i < 30; i++) expect((await start({})).status).toBe(401); // anonymous
    for (let i = 0; i < 5; i++) expect((await start({ 'x-ms-client-principal': PRINCIPALS.reader })).status).toBe(403);
    for (let i = 0; i < 5; i++) expect((await start({ 'x-ms-client-principal': PRINCIPALS.operator }, 'not a name!')).status).toBe(400);
    expect(store.records.length).toBe(before);
    const listed = await send(host.url, { path: '/api/inspector', headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    expect(listed.json.rejected.total - counted.total).toBe(40);
    expect(listed.json.rejected.byStatus['401'] - (counted.byStatus['401'] ?? 0)).toBe(30);
    expect(listed.json.rejected.byStatus['403'] - (counted.byStatus['403'] ?? 0)).toBe(5);
    expect(listed.json.rejected.byStatus['400'] - (counted.byStatus['400'] ?? 0)).toBe(5);
    expect(listed.json.rejected.since).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
