import { describe, expect, it } from 'vitest';
import {
  ApiError,
  CATEGORY_NORMALIZERS,
  createApiClient,
  normalizeClusterList,
  normalizeClusters,
  normalizeEnvelope,
  normalizeMe,
  refusedByStatus,
} from '../../web/src/lib/api.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const NOW = 1_700_000_000_000;

/** A fetch that records calls and answers from a list. */
function fakeFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (input: string | URL, init?: RequestInit) => {
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
      json(
        202,
        {
          operation: { action: 'start', cluster: 'aks-1', status: 'accepted' },
          transition: { action: 'start', expectedPowerState: 'Running', startedAt: '2026-01-01T00:00:00Z', deadline: '2026-01-01T00:10:00Z', status: 'open' },
        },
        { 'x-request-id': 'r-1' },
      ),
    );
    const api = createApiClient({ baseUrl: '', fetch: fn });
    const result = await api.lifecycle('start', SCOPE, 'aks-1');
    expect(calls[0]?.url).toBe('/api/aks/start');
    expect(calls[0]?.init.method).toBe('POST');
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ ...SCOPE, cluster: 'aks-1' });
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
  it('reads clusters as the API sends them; junk entries dropped, shapes it never sends not guessed at', () => {
    const clusters = normalizeClusters([
      {
        name: 'aks-1',
        location: 'westeurope',
        powerState: 'Running',
        provisioningState: 'Succeeded',
        nodePools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }],
      },
      {
        name: 'aks-2',
        powerState: 'Stopped',
        nodePools: [{ name: 'user' }],
        transition: { cluster: 'aks-2', action: 'start', expectedPowerState: 'Running', status: 'open' },
      },
      { name: 'aks-3', powerState: { code: 'Running' }, agentPoolProfiles: [{ name: 'system' }] },
      { powerState: 'Running' },
      'nonsense',
    ]);
    expect(clusters).toEqual([
      expect.objectContaining({
        name: 'aks-1',
        location: 'westeurope',
        powerState: 'Running',
        nodePools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }],
      }),
      expect.objectContaining({
        name: 'aks-2',
        powerState: 'Stopped',
        transition: expect.objectContaining({ action: 'start', expectedPowerState: 'Running', status: 'open' }),
      }),
      expect.objectContaining({ name: 'aks-3', powerState: undefined, nodePools: [] }),
    ]);
  });

  it('collects the transitions of a list from its clusters, and of a per-cluster answer from its own', () => {
    const list = normalizeClusterList(
      {
        data: [{ name: 'aks-1', powerState: 'Stopped', transition: { cluster: 'aks-1', action: 'start', expectedPowerState: 'Running', status: 'open' } }],
        cache: { state: 'stale', ageSeconds: 42, fetchedAt: '2026-01-01T00:00:00Z', generation: 7 },
        degraded: [{ source: 'arm', status: 503, message: 'throttled' }],
      },
      NOW,
    );
    expect(Object.keys(list.transitions)).toEqual(['aks-1']);
    expect(list.cache).toEqual({ state: 'stale', ageSeconds: 42, fetchedAt: Date.parse('2026-01-01T00:00:00Z'), generation: 7 });
    expect(list.degraded).toEqual([{ source: 'arm', status: 503, message: 'throttled' }]);
    expect(list.receivedAt).toBe(NOW);
    const nodes = normalizeEnvelope(
      {
        data: [],
        cache: { state: 'fresh' },
        degraded: [],
        transition: { cluster: 'aks-9', action: 'delete', expectedPowerState: 'Deleted', status: 'timedOut' },
      },
      CATEGORY_NORMALIZERS.nodes,
      NOW,
    );
    expect(nodes.transitions['aks-9']).toMatchObject({ action: 'delete', expectedPowerState: 'Deleted', status: 'timedOut' });
  });

  it('keeps data null with its reason for a stopped cluster', () => {
    const envelope = normalizeEnvelope({ data: null, reason: 'clusterStopped', cache: { state: 'fresh' } }, CATEGORY_NORMALIZERS.nodes, NOW);
    expect(envelope).toMatchObject({ data: null, reason: 'clusterStopped', degraded: [] });
  });

  it('pods arrive as { items, truncated }; a bare list is not a page', () => {
    expect(CATEGORY_NORMALIZERS.pods({ items: [{ name: 'p', restarts: 2 }], truncated: true })).toMatchObject({
      items: [{ name: 'p', restarts: 2 }],
      truncated: true,
    });
    expect(CATEGORY_NORMALIZERS.pods([{ name: 'q' }])).toEqual({ items: [], truncated: false });
  });

  it('warm-up: unknown statuses are marked unknown, log tails joined', () => {
    const status = CATEGORY_NORMALIZERS['warmup-status']({
      nodes: [
        { node: 'n1', status: 'done' },
        { node: 'n2', status: 'weird', logTail: ['a', 'b'] },
      ],
      jobs: [{ name: 'j1', status: 'Complete' }],
    });
    expect(status.nodes).toEqual([
      { node: 'n1', status: 'done', job: undefined, logTail: undefined },
      { node: 'n2', status: 'unknown', job: undefined, logTail: 'a\nb' },
    ]);
    expect(status.jobs).toEqual([{ name: 'j1', status: 'Complete' }]);
  });

  it('events: warnings first, newest first', () => {
    const events = CATEGORY_NORMALIZERS.events({
      items: [
        { type: 'Normal', reason: 'Pulled', lastSeen: '2026-01-01T00:05:00Z' },
        { type: 'Warning', reason: 'BackOff', lastSeen: '2026-01-01T00:01:00Z' },
        { type: 'Warning', reason: 'Failed', lastSeen: '2026-01-01T00:03:00Z', object: 'Pod/p' },
      ],
      truncated: false,
    });
    expect(events.items.map((e) => e.reason)).toEqual(['Failed', 'BackOff', 'Pulled']);
    expect(events.items[0]?.object).toBe('Pod/p');
    expect(events.truncated).toBe(false);
  });

  it('me: scope objects, roles as strings, known permissions only', () => {
    expect(
      normalizeMe({
        name: 'dev',
        provider: 'development',
        roles: ['Cluster.Admin', 3],
        permissions: ['read', 'admin', 'fly'],
        scopes: [{ subscriptionId: 's', resourceGroup: 'rg' }, 's2/rg2'],
      }),
    ).toStrictEqual({
      name: 'dev',
      provider: 'development',
      roles: ['Cluster.Admin'],
      permissions: ['read', 'admin'],
      scopes: [{ subscriptionId: 's', resourceGroup: 'rg' }],
    });
    expect(normalizeMe(null)).toStrictEqual({ name: 'unknown', provider: '', roles: [], scopes: [], permissions: [] });
  });

  // Shapes as the real API sends them (captured from `npm start`, trimmed): shared/k8s/reads.ts, warmup.ts,
  // shared/http/inspector.ts, shared/lifecycle/actions.ts.
  it('nodes as the API sends them: allocatable in numbers, cordoned nodes, taint objects', () => {
    const [node] = CATEGORY_NORMALIZERS.nodes([
      {
        name: 'aks-db-0',
        ready: true,
        roles: ['agent'],
        pool: 'db',
        version: 'v1.31.2',
        createdAt: '2026-10-24T13:00:22.211Z',
        ageSeconds: 2595608,
        unschedulable: true,
        taints: [{ key: 'sku', effect: 'NoSchedule' }],
        allocatable: { cpuMillicores: 7820, memoryBytes: 58993823744 },
      },
    ]);
    expect(node).toEqual({
      name: 'aks-db-0',
      ready: true,
      roles: ['agent'],
      pool: 'db',
      version: 'v1.31.2',
      createdAt: Date.parse('2026-10-24T13:00:22.211Z'),
      taints: ['sku:NoSchedule'],
      unschedulable: true,
      allocatableMillicores: 7820,
      allocatableMemoryBytes: 58993823744,
    });
  });

  it("pods keep kubectl's status beside the phase", () => {
    const pods = CATEGORY_NORMALIZERS.pods({
      items: [
        {
          namespace: 'db',
          name: 'report-worker',
          phase: 'Running',
          status: 'CrashLoopBackOff',
          readyContainers: 0,
          totalContainers: 1,
          restarts: 14,
          node: null,
          createdAt: '2026-11-23T12:00:22.211Z',
          ageSeconds: 7208,
        },
      ],
      truncated: false,
    });
    expect(pods.items[0]).toMatchObject({ phase: 'Running', status: 'CrashLoopBackOff', restarts: 14, node: undefined });
  });

  it('warm-up nodes with job objects, reasons, gone nodes and log lines', () => {
    const status = CATEGORY_NORMALIZERS['warmup-status']({
      nodes: [
        {
          node: 'n2',
          status: 'failed',
          job: { namespace: 'db', name: 'warmup-n2' },
          finishedAt: '2026-11-23T12:49:22.211Z',
          reason: 'Job has reached the specified backoff limit',
          logTail: ['warmup: ERROR', 'warmup: exit 3'],
        },
        { node: 'n4', status: 'stale', job: { namespace: 'db', name: 'warmup-n4' }, gone: true, reason: 'node gone' },
        { node: 'n5', status: 'missing' },
      ],
      jobs: [{ namespace: 'db', name: 'warmup-n2', node: 'n2', status: 'failed' }],
      summary: { nodes: 3, jobs: 1, done: 0, running: 0, failed: 1, stale: 1, missing: 1 },
    });
    expect(status.nodes).toEqual([
      {
        node: 'n2',
        status: 'failed',
        job: 'warmup-n2',
        reason: 'Job has reached the specified backoff limit',
        gone: undefined,
        finishedAt: Date.parse('2026-11-23T12:49:22.211Z'),
        logTail: 'warmup: ERROR\nwarmup: exit 3',
      },
      { node: 'n4', status: 'stale', job: 'warmup-n4', reason: 'node gone', gone: true, finishedAt: undefined, logTail: undefined },
      { node: 'n5', status: 'missing', job: undefined, reason: undefined, gone: undefined, finishedAt: undefined, logTail: undefined },
    ]);
  });

  it('events arrive as { items, truncated } with string objects and namespaces', () => {
    const events = CATEGORY_NORMALIZERS.events({
      items: [
        {
          type: 'Warning',
          reason: 'BackOff',
          object: 'Pod/report-worker',
          namespace: 'db',
          message: 'Back-off',
          count: 57,
          lastSeen: '2026-11-23T13:59:22.211Z',
          ageSeconds: 68,
        },
      ],
      truncated: true,
    });
    expect(events).toEqual({
      items: [
        {
          type: 'Warning',
          reason: 'BackOff',
          object: 'Pod/report-worker',
          namespace: 'db',
          message: 'Back-off',
          count: 57,
          lastSeen: Date.parse('2026-11-23T13:59:22.211Z'),
        },
      ],
      truncated: true,
    });
  });

  it('inspector items: the query object becomes a query string; the error code is kept', async () => {
    const { fn } = fakeFetch(() =>
      json(200, {
        items: [
          {
            id: 'x',
            at: '2026-11-23T14:00:08.128Z',
            requestId: 'r-9',
            method: 'POST',
            path: '/api/aks/start',
            query: { dryRun: 'no', n: '1' },
            status: 500,
            durationMs: 28,
            caller: 'local-developer',
            errorCode: 'internalError',
            requestHeaders: {},
            requestBody: '{"cluster":"nope"}',
          },
        ],
      }),
    );
    const {
      items: [item],
    } = await createApiClient({ baseUrl: '', fetch: fn }).inspector(50);
    expect(item).toMatchObject({
      method: 'POST',
      path: '/api/aks/start',
      query: 'dryRun=no&n=1',
      status: 500,
      errorCode: 'internalError',
      requestId: 'r-9',
      requestBody: '{\n  "cluster": "nope"\n}',
    });
  });

  it('inspector bodies: whole JSON is indented, a truncated one stays as it came', async () => {
    const truncated = '{"cluster":"elb…[truncated, 9000 bytes]';
    const { fn } = fakeFetch(() => json(200, { items: [{ method: 'POST', path: '/api/aks/stop', requestBody: truncated, responseBody: '"plain"' }] }));
    const {
      items: [item],
    } = await createApiClient({ baseUrl: '', fetch: fn }).inspector(50);
    expect(item).toMatchObject({ requestBody: truncated, responseBody: '"plain"' });
  });

  it('inspector: the requests refused before any function ran, by status, most frequent first', async () => {
    const rejected = { total: 7, byStatus: { '400': 2, '403': 4, '415': 1, '404': 0 }, since: '2026-01-01T00:00:00Z' };
    const { fn } = fakeFetch(() => json(200, { items: [], rejected }));
    const { refused } = await createApiClient({ baseUrl: '', fetch: fn }).inspector(50);
    expect(refused).toEqual({ total: 7, byStatus: { '400': 2, '403': 4, '415': 1 }, since: Date.parse('2026-01-01T00:00:00Z') });
    expect(refusedByStatus(refused!)).toBe('403 × 4, 400 × 2, 415 × 1');
    const { fn: old } = fakeFetch(() => json(200, { items: [], rejected: 'junk' }));
    expect(await createApiClient({ baseUrl: '', fetch: old }).inspector(50)).toEqual({ items: [], refusedRequests: [] });
  });

  it('a lifecycle answer names what the backend could not record', async () => {
    const { fn } = fakeFetch(() =>
      json(202, {
        operation: { action: 'stop', cluster: 'aks-1', status: 'accepted' },
        transition: {
          cluster: 'aks-1',
          action: 'stop',
          expectedPowerState: 'Stopped',
          startedAt: '2026-01-01T00:00:00Z',
          deadline: '2026-01-01T00:10:00Z',
          startedBy: 'dev',
          source: 'api',
          status: 'open',
        },
        degraded: [{ source: 'tableStorage', message: 'the transition could not be stored; the dashboard follows ARM' }],
      }),
    );
    const result = await createApiClient({ baseUrl: '', fetch: fn }).lifecycle('stop', SCOPE, 'aks-1');
    expect(result.transition).toMatchObject({ action: 'stop', origin: 'api', startedBy: 'dev' });
    expect(result.degraded).toEqual([{ source: 'tableStorage', status: undefined, message: 'the transition could not be stored; the dashboard follows ARM' }]);
  });
});
