// Per-cluster reads of clusters that cannot answer: stopped (data null at once, no Kubernetes connection), unknown
// and deleted (404 clusterNotFound, and their cached rows removed so nothing of them is served again).
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey } from '../../shared/cache/index.js';
import { armCalls, CATEGORIES, kubernetesLog, RG, SCOPE, STOPPED, startMonitorStack, TestClock, type MonitorStack } from './support.js';

let clock: TestClock;
let stack: MonitorStack;
const UPSTREAM_TIMEOUT_MS = 5_000;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({
    now: clock.now,
    simulator: { durations: { start: 'manual', stop: 'manual', delete: 'manual' } },
    env: { UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Deletes a cluster in the simulated ARM (DELETE, then the operation ends): gone from ARM and its API server down. */
async function deleteCluster(name: string): Promise<void> {
  const agent = new Agent({ connect: { ca: stack.sim.caPem } });
  try {
    const url = `${stack.sim.armEndpoint}/subscriptions/${SCOPE.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2026-04-01`;
    const res = await request(url, { method: 'DELETE', dispatcher: agent, headers: { authorization: `Bearer ${stack.sim.token}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(202);
    await stack.sim.completeOperation({ resourceGroup: RG, name });
  } finally {
    await agent.close();
  }
}

const credentialCalls = () => armCalls(stack, '/listClusterUserCredential') + armCalls(stack, '/listClusterAdminCredential');

describe('a stopped cluster', () => {
  it('answers every category with data null and reason clusterStopped, without a Kubernetes connection, at once', async () => {
    const since = Date.now();
    const credentials = credentialCalls();
    for (const category of CATEGORIES) {
      const res = await stack.get(`monitor/aks/${STOPPED}/${category}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: null, reason: 'clusterStopped', degraded: [] });
      expect(res.body.cache).toMatchObject({ state: expect.any(String), fetchedAt: expect.any(String) });
    }
    // Not a connect timeout: no request and no connection went to its API server.
    expect(kubernetesLog(stack, STOPPED, since)).toEqual([]);
    expect(stack.sim.cluster({ resourceGroup: RG, name: STOPPED }).counters().tcpConnections).toBe(0);
    expect(credentialCalls()).toBe(credentials); // no session was even created
    for (const category of CATEGORIES) expect(await stack.app.services.cache.peek(categoryKey(SCOPE, STOPPED, category))).toBeUndefined();
  });
});

describe('a cluster ARM does not know', () => {
  it('is 404 clusterNotFound, and rows cached under its name are removed', async () => {
    const cache = stack.app.services.cache;
    const ghost = categoryKey(SCOPE, 'elb-01-ghost', 'nodes');
    await cache.read(ghost, async () => ({ data: [{ name: 'left-over' }], degraded: [] }));
    expect(await cache.peek(ghost)).toBeDefined();

    const res = await stack.get('monitor/aks/elb-01-ghost/nodes');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'clusterNotFound', requestId: res.headers.get('x-request-id') });
    expect(await cache.peek(ghost)).toBeUndefined();
  });

  it('a cluster deleted after it was cached: once ARM no longer lists it, 404 and its rows are gone (no resurrection)', async () => {
    const name = 'elb-01-c';
    const cache = stack.app.services.cache;
    expect((await stack.get(`monitor/aks/${name}/nodes`)).status).toBe(200);
    expect(await cache.peek(categoryKey(SCOPE, name, 'nodes'))).toBeDefined();

    await deleteCluster(name);
    clock.advance(30 + 300 + 1); // every reading expired: the list is read from ARM again

    const res = await stack.get(`monitor/aks/${name}/nodes`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('clusterNotFound');
    expect(await cache.peek(categoryKey(SCOPE, name, 'nodes'))).toBeUndefined();
    await cache.idle();
    expect(await cache.peek(categoryKey(SCOPE, name, 'nodes'))).toBeUndefined();
    const list = await stack.get('monitor/aks');
    expect(list.body.data.map((c: any) => c.name)).not.toContain(name);
  });

  it('a cluster deleted while the cached list still shows it: the credential 404 is clusterNotFound, list and rows removed', async () => {
    const name = 'elb-01-a';
    const cache = stack.app.services.cache;
    const listed = await stack.get('monitor/aks');
    expect(listed.body.data.map((c: any) => c.name)).toContain(name);

    await deleteCluster(name); // the cached list (fresh) still names it; no session exists for it yet
    const res = await stack.get(`monitor/aks/${name}/pods`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('clusterNotFound');
    expect(await cache.peek(categoryKey(SCOPE, name, 'pods'))).toBeUndefined();
    expect(await cache.peek(clusterListKey(SCOPE))).toBeUndefined();

    const relisted = await stack.get('monitor/aks');
    expect(relisted.body.cache.state).toBe('refreshed');
    expect(relisted.body.data.map((c: any) => c.name)).not.toContain(name);
  });
});
