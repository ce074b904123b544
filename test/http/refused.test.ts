// Requests refused before any handler ran are findable by the request id their error showed: GET /api/inspector lists
// this instance's last 100 by id, method, path, status and code (never a query, body or header), newest first, beside
// the counts by status; they stay out of the capture ring.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../dev/host.js';
import { createRefusedRequests, REFUSED_KEPT } from '../../shared/http/refused.js';
import { PRINCIPALS, send, startInspectorHost, SUB, RG, type CountingStore } from './support.js';

let host: LocalHost;
let store: CountingStore;
beforeAll(async () => {
  ({ host, store } = await startInspectorHost('refused'));
});
afterAll(async () => {
  await host?.close();
});

const inspector = async () => (await send(host.url, { path: '/api/inspector', headers: { 'x-ms-client-principal': PRINCIPALS.reader } })).json;
const SECRET = 'sig=TOPSECRETSIGNATURE';

describe('refused requests in the inspector', () => {
  it('lists a refused request by the id its error showed, with method, path, status and code, and nothing else', async () => {
    const body = JSON.stringify({ subscriptionId: SUB, resourceGroup: RG, cluster: 'not a name!', note: SECRET });
    const refused = await send(host.url, {
      method: 'POST',
      path: `/api/aks/start?${SECRET}`,
      headers: { 'content-type': 'application/json', 'x-ms-client-principal': PRINCIPALS.operator, authorization: `Bearer ${SECRET}` },
      body,
    });
    expect(refused.status).toBe(400);
    const { requestId, code } = refused.json.error;
    const forbidden = await send(host.url, {
      path: `/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=rg-not-allowed`,
      headers: { 'x-ms-client-principal': PRINCIPALS.reader },
    });
    expect(forbidden.status).toBe(403);

    const page = await inspector();
    expect(page.refused[1]).toEqual({ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), requestId, method: 'POST', path: '/api/aks/start', status: 400, code });
    expect(page.refused[0]).toMatchObject({
      requestId: forbidden.json.error.requestId,
      method: 'GET',
      path: '/api/monitor/aks',
      status: 403,
      code: 'scopeNotAllowed',
    });
    expect(JSON.stringify(page.refused)).not.toContain('TOPSECRET');
    expect(store.records.some((r) => r.requestId === requestId)).toBe(false); // still never captured
  });

  it(`keeps the last ${REFUSED_KEPT}, newest first, while the counts go on`, async () => {
    const before = (await inspector()).rejected.total;
    for (let i = 0; i < REFUSED_KEPT + 5; i++) {
      expect((await send(host.url, { path: '/api/inspector', headers: { 'x-request-id': `refused-${i}` } })).status).toBe(401);
    }
    const page = await inspector();
    expect(page.rejected.total - before).toBe(REFUSED_KEPT + 5);
    expect(page.refused).toHaveLength(REFUSED_KEPT);
    expect(page.refused[0].requestId).toBe(`refused-${REFUSED_KEPT + 4}`);
    expect(page.refused.at(-1).requestId).toBe('refused-5');
  });
});

describe('createRefusedRequests', () => {
  it('stamps each with its clock, bounds the list and cuts a long path', () => {
    let t = Date.UTC(2025, 0, 1);
    const refused = createRefusedRequests(2, () => new Date(t));
    for (const id of ['a', 'b', 'c']) {
      t += 1000;
      refused.note({ requestId: id, method: 'GET', path: `/api/${'x'.repeat(1000)}`, status: 400, code: 'invalidParameter' });
    }
    expect(refused.recent().map((r) => [r.requestId, r.at])).toEqual([
      ['c', '2025-01-01T00:00:03.000Z'],
      ['b', '2025-01-01T00:00:02.000Z'],
    ]);
    expect(refused.recent()[0]!.path).toMatch(/^\/api\/x{251}…\[truncated, 1005 bytes\]$/);
    expect(refused.count()).toEqual({ total: 3, byStatus: { 400: 3 }, since: '2025-01-01T00:00:00.000Z' });
  });
});
