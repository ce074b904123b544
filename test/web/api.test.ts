import { describe, expect, it } from 'vitest';
import {
  ApiError,
  CATEGORY_NORMALIZERS,
  createApiClient,
  normalizeEnvelope,
  normalizeClusters,
  normalizeMe,
  parseCpuMillicores,
  parseMemoryBytes,
} from '../../web/src/lib/api.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const NOW = 1_700_000_000_000;

/** A fetch that records calls and answers from a list. */
function fakeFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    return answer(url, init ?? {});
  }) as typeof fetch;
  return { fn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('api client', () => {
  it('calls same-origin /api routes with the scope in the query', async () => {
    const { fn, calls } = fakeFetch(() => json(200, { data: [], cache: { state: 'fresh', ageSeconds: 3 }, degraded: [] }));
    const api = createApiClient({ baseUrl: '', fetch: fn, now: () => NOW });
    await api.clusters(SCOPE);
    await api.category(SCOPE, 'aks-1', 'top-nodes');
    expect(calls.map((c) => c.url)).toEqual([
      `/api/monitor/aks?subscriptionId=${SCOPE.subscriptionId}&resourceGroup=rg-elb-01`,
      `/api/monitor/aks/aks-1/top-nodes?subscriptionId=${SCOPE.subscriptionId}&resourceGroup=rg-elb-01`,
    ]);
    expect(calls[0]?.init.credentials).toBe('same-origin');
  });

  it('uses the configured base URL and sends credentials cross-origin', async () => {
    const { fn, calls } = fakeFetch(() => json(200, { name: 'me', roles: [], scopes: [] }));
    const api = createApiClient({ baseUrl: 'https://func-elb.azurewebsites.net/', fetch: fn });
    await api.me();
    expect(calls[0]?.url).toBe('https://func-elb.azurewebsites.net/api/me');
    expect(calls[0]?.init.credentials).toBe('include');
  });

  it('posts lifecycle actions as JSON and returns the transition', async () => {
    const { fn, calls } = fakeFetch(() =>
      json(202, { operation: { action: 'start', cluster: 'aks-1', status: 'accepted' }, transition: { action: 'start', expectedPowerState: 'Running', startedAt: '2026-01-01T00:00:00Z', deadline: '2026-01-01T00:10:00Z', status: 'open' } }, { 'x-request-id': 'r-1' }),
    );
    const api = createApiClient({ baseUrl: '', fetch: fn });
    const result = await api.lifecycle('start', SCOPE, 'aks-1');
    expect(calls[0]?.url).toBe('/api/aks/start');
    expect(calls[0]?.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ ...SCOPE, cluster: 'aks-1' });
    expect(result.transition).toMatchObject({ action: 'start', status: 'open', deadline: Date.parse('2026-01-01T00:10:00Z') });
    expect(result.requestId).toBe('r-1');
  });

  it('turns the error envelope into an ApiError carrying the request id', async () => {
    const { fn } = fakeFetch(() => json(409, { error: { code: 'OperationNotAllowed', message: 'busy', requestId: 'req-42' } }, { 'x-request-id': 'req-42' }));
    const api = createApiClient({ baseUrl: '', fetch: fn });
    const error = await api.lifecycle('stop', SCOPE, 'aks-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'OperationNotAllowed', message: 'busy', requestId: 'req-42' });
  });

  it('falls back to the x-request-id header and the status when the body is not the envelope', async () => {
    const { fn } = fakeFetch(() => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'x-request-id': 'hdr-1' } }));
    const api = createApiClient({ baseUrl: '', fetch: fn });
    await expect(api.me()).rejects.toMatchObject({ status: 502, code: 'http502', message: 'HTTP 502', requestId: 'hdr-1' });
  });

  it('names the field of a validation error', async () => {
    const { fn } = fakeFetch(() => json(400, { error: { code: 'invalidInput', message: 'bad name', requestId: 'r', field: 'cluster' } }));
    const api = createApiClient({ baseUrl: '', fetch: fn });
    await expect(api.lifecycle('delete', SCOPE, 'x')).rejects.toMatchObject({ field: 'cluster' });
  });

  it('reports a network failure as an ApiError without a status', async () => {
    const { fn } = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    const api = createApiClient({ baseUrl: '', fetch: fn });
    await expect(api.inspector(10)).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('rejects a 200 that is not JSON', async () => {
    const { fn } = fakeFetch(() => new Response('<!doctype html>', { status: 200 }));
    const api = createApiClient({ baseUrl: '', fetch: fn });
    await expect(api.clusters(SCOPE)).rejects.toMatchObject({ code: 'badJson' });
  });
});

describe('normalisers', () => {
  it('reads clusters defensively: ARM powerState objects, agentPoolProfiles, junk entries dropped', () => {
    const clusters = normalizeClusters([
      { name: 'aks-1', powerState: { code: 'Running' }, provisioningState: 'Succeeded', agentPoolProfiles: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }] },
      { name: 'aks-2', powerState: 'Stopped', nodePools: [{ name: 'user' }], transition: { action: 'start', status: 'open' } },
      { powerState: 'Running' },
      'nonsense',
    ]);
    expect(clusters).toEqual([
      expect.objectContaining({ name: 'aks-1', powerState: 'Running', nodePools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }] }),
      expect.objectContaining({ name: 'aks-2', powerState: 'Stopped', transition: expect.objectContaining({ action: 'start', expectedPowerState: 'Running', status: 'open' }) }),
    ]);
  });

  it('collects the transitions of an envelope by cluster, from the clusters and from the envelope', () => {
    const envelope = normalizeEnvelope(
      {
        data: [{ name: 'aks-1', powerState: 'Stopped', transition: { action: 'start', status: 'open' } }],
        cache: { state: 'stale', ageSeconds: 42, fetchedAt: '2026-01-01T00:00:00Z', generation: 7 },
        degraded: [{ source: 'arm', status: 503, message: 'throttled' }],
        transition: [{ cluster: 'aks-9', action: 'delete', status: 'timedOut' }],
      },
      normalizeClusters,
      NOW,
    );
    expect(Object.keys(envelope.transitions).sort()).toEqual(['aks-1', 'aks-9']);
    expect(envelope.transitions['aks-9']).toMatchObject({ action: 'delete', expectedPowerState: 'Deleted', status: 'timedOut' });
    expect(envelope.cache).toEqual({ state: 'stale', ageSeconds: 42, fetchedAt: Date.parse('2026-01-01T00:00:00Z'), generation: 7 });
    expect(envelope.degraded).toEqual([{ source: 'arm', status: 503, message: 'throttled' }]);
    expect(envelope.receivedAt).toBe(NOW);
  });

  it('keeps data null with its reason for a stopped cluster', () => {
    const envelope = normalizeEnvelope({ data: null, reason: 'clusterStopped', cache: { state: 'fresh' } }, CATEGORY_NORMALIZERS.nodes, NOW, 'aks-1');
    expect(envelope).toMatchObject({ data: null, reason: 'clusterStopped', degraded: [] });
  });

  it('nodes: quantities, age from ageSeconds, taints as text', () => {
    const [node] = CATEGORY_NORMALIZERS.nodes(
      [{ name: 'n1', ready: true, roles: 'agent', ageSeconds: 60, taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }], allocatable: { cpu: '1900m', memory: '7Gi' } }],
      NOW,
    );
    expect(node).toEqual({
      name: 'n1', ready: true, roles: ['agent'], pool: undefined, version: undefined, createdAt: NOW - 60_000,
      taints: ['sku=gpu:NoSchedule'], allocatableMillicores: 1900, allocatableMemoryBytes: 7 * 1024 ** 3,
    });
  });

  it('pods arrive as { items, truncated } or as a bare list', () => {
    expect(CATEGORY_NORMALIZERS.pods({ items: [{ name: 'p', restarts: 2 }], truncated: true }, NOW)).toMatchObject({ items: [{ name: 'p', restarts: 2 }], truncated: true });
    expect(CATEGORY_NORMALIZERS.pods([{ name: 'q' }], NOW)).toMatchObject({ items: [{ name: 'q' }], truncated: false });
  });

  it('warm-up: unknown statuses are marked unknown, log tails joined', () => {
    const status = CATEGORY_NORMALIZERS['warmup-status']({ nodes: [{ node: 'n1', status: 'done' }, { node: 'n2', status: 'weird', logTail: ['a', 'b'] }], jobs: [{ name: 'j1', status: 'Complete' }] }, NOW);
    expect(status.nodes).toEqual([
      { node: 'n1', status: 'done', job: undefined, logTail: undefined },
      { node: 'n2', status: 'unknown', job: undefined, logTail: 'a\nb' },
    ]);
    expect(status.jobs).toEqual([{ name: 'j1', status: 'Complete' }]);
  });

  it('events: warnings first, newest first', () => {
    const events = CATEGORY_NORMALIZERS.events(
      [
        { type: 'Normal', reason: 'Pulled', lastSeen: '2026-01-01T00:05:00Z' },
        { type: 'Warning', reason: 'BackOff', lastSeen: '2026-01-01T00:01:00Z' },
        { type: 'Warning', reason: 'Failed', lastSeen: '2026-01-01T00:03:00Z', object: { kind: 'Pod', name: 'p' } },
      ],
      NOW,
    );
    expect(events.map((e) => e.reason)).toEqual(['Failed', 'BackOff', 'Pulled']);
    expect(events[0]?.object).toBe('Pod/p');
  });

  it('me: scopes as objects or "sub/rg" strings, roles as strings', () => {
    expect(normalizeMe({ name: 'dev', provider: 'development', roles: ['Cluster.Admin', 3], scopes: [{ subscriptionId: 's', resourceGroup: 'rg' }, 's2/rg2', 'broken'] })).toEqual({
      name: 'dev', provider: 'development', roles: ['Cluster.Admin'], scopes: [{ subscriptionId: 's', resourceGroup: 'rg' }, { subscriptionId: 's2', resourceGroup: 'rg2' }], actions: undefined,
    });
    expect(normalizeMe(null)).toMatchObject({ name: 'unknown', roles: [], scopes: [] });
  });

  it('Kubernetes quantities', () => {
    expect(parseCpuMillicores('250m')).toBe(250);
    expect(parseCpuMillicores('2')).toBe(2000);
    expect(parseCpuMillicores(1.5)).toBe(1500);
    expect(parseCpuMillicores('500000n')).toBeCloseTo(0.5);
    expect(parseCpuMillicores('lots')).toBeUndefined();
    expect(parseMemoryBytes('128Mi')).toBe(128 * 1024 ** 2);
    expect(parseMemoryBytes('1G')).toBe(1e9);
    expect(parseMemoryBytes('123456Ki')).toBe(123456 * 1024);
    expect(parseMemoryBytes(4096)).toBe(4096);
    expect(parseMemoryBytes('7 parsecs')).toBeUndefined();
  });
});
