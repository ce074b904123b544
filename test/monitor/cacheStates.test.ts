// The cache states (docs/architecture.md §3) through the routes, with a clock the test moves (TTL 30 s, SWR 300 s, the defaults):
// refreshed → fresh → stale (and a background refresh) → refreshed once past TTL + SWR; a second host on the same
// table reads the first host's rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../dev/stack.js';
import { categoryKey, clusterListKey } from '../../shared/cache/index.js';
import { armCalls, kubernetesLog, RUNNING, SCOPE, startMonitorStack, TestClock, type MonitorStack } from './support.js';

const LIST_PATH = '/managedClusters';
let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now });
});
afterAll(async () => {
  await stack?.close();
});

describe('cache states through GET /api/monitor/aks', () => {
  it('refreshed, then fresh within TTL, stale past it with one background refresh, refreshed past TTL + SWR', async () => {
    const first = await stack.get('monitor/aks');
    expect(first.status).toBe(200);
    expect(first.body.cache).toMatchObject({ state: 'refreshed', ageSeconds: 0 });
    const listsAfterFill = armCalls(stack, LIST_PATH);

    clock.advance(10);
    const fresh = await stack.get('monitor/aks');
    expect(fresh.body.cache).toEqual({ ...first.body.cache, state: 'fresh', ageSeconds: 10 });
    expect(armCalls(stack, LIST_PATH)).toBe(listsAfterFill); // served from Table Storage, ARM untouched

    clock.advance(25); // age 35 s: past the TTL, within SWR
    const stale = await stack.get('monitor/aks');
    expect(stale.body.cache).toMatchObject({ state: 'stale', ageSeconds: 35, fetchedAt: first.body.cache.fetchedAt });
    expect(stale.body.data).toEqual(first.body.data);
    await stack.app.services.cache.idle(); // the background refresh it scheduled
    expect(armCalls(stack, LIST_PATH)).toBe(listsAfterFill + 1);

    const renewed = await stack.get('monitor/aks');
    expect(renewed.body.cache).toMatchObject({ state: 'fresh', ageSeconds: 0, fetchedAt: new Date(clock.ms).toISOString() });

    clock.advance(30 + 300 + 1);
    const expired = await stack.get('monitor/aks');
    expect(expired.body.cache).toMatchObject({ state: 'refreshed', ageSeconds: 0 });
    expect(armCalls(stack, LIST_PATH)).toBe(listsAfterFill + 2);
  });

  it('a category goes the same way, and a fresh category reading makes no Kubernetes call', async () => {
    const since = Date.now();
    const first = await stack.get(`monitor/aks/${RUNNING}/events`);
    expect(first.body.cache.state).toBe('refreshed');
    const calls = kubernetesLog(stack, RUNNING, since).length;
    expect(calls).toBe(1);

    clock.advance(5);
    expect((await stack.get(`monitor/aks/${RUNNING}/events`)).body.cache).toMatchObject({ state: 'fresh', ageSeconds: 5 });
    expect(kubernetesLog(stack, RUNNING, since)).toHaveLength(calls);

    clock.advance(30);
    expect((await stack.get(`monitor/aks/${RUNNING}/events`)).body.cache.state).toBe('stale');
    await stack.app.services.cache.idle();
    expect(kubernetesLog(stack, RUNNING, since)).toHaveLength(calls + 1);

    clock.advance(400);
    expect((await stack.get(`monitor/aks/${RUNNING}/events`)).body.cache.state).toBe('refreshed');
  });
});

describe('two hosts, one table', () => {
  it("a second host serves the first host's rows as fresh without calling ARM or Kubernetes", async () => {
    const key = categoryKey(SCOPE, RUNNING, 'nodes');
    const filled = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    expect(['refreshed', 'fresh']).toContain(filled.body.cache.state);
    expect(await stack.app.services.cache.peek(key)).toBeDefined();
    expect(await stack.app.services.cache.peek(clusterListKey(SCOPE))).toBeDefined();

    const second = await startMonitorStack({ share: stack, now: clock.now });
    try {
      expect(second.url).not.toBe(stack.url);
      const arm = stack.sim.requestLog((e) => e.server === 'arm').length;
      const kube = kubernetesLog(stack, RUNNING).length;

      const list = await second.get('monitor/aks');
      const nodes = await second.get(`monitor/aks/${RUNNING}/nodes`);
      expect(list.body.cache.state).toBe('fresh');
      expect(nodes.body.cache).toEqual({ ...filled.body.cache, state: 'fresh', ageSeconds: nodes.body.cache.ageSeconds });
      expect(nodes.body.data).toEqual(filled.body.data);
      expect(stack.sim.requestLog((e) => e.server === 'arm')).toHaveLength(arm);
      expect(kubernetesLog(stack, RUNNING)).toHaveLength(kube);
      expect(second.app.services.sessions.stats().creations).toBe(0);
    } finally {
      await second.close();
    }
  });
});

describe('Table Storage unreachable', () => {
  it('the stack still starts, and the routes answer uncached (fetched, not stored)', async () => {
    // Nothing listens on port 9 (discard): every Table Storage call is refused.
    const dead = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';
    const down = await startLocalStack({ timers: false, log: () => {}, tablesConnectionString: dead, sim: stack.sim });
    try {
      const query = `subscriptionId=${SCOPE.subscriptionId}&resourceGroup=${SCOPE.resourceGroup}`;
      for (const path of ['monitor/aks', `monitor/aks/${RUNNING}/nodes`]) {
        const res = await fetch(`${down.url}/api/${path}?${query}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as any;
        expect(body.cache).toMatchObject({ state: 'uncached', generation: null });
        expect(body.data.length).toBeGreaterThan(0);
      }
    } finally {
      await down.close();
    }
  });
});
