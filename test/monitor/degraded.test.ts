// A failed upstream read never replaces a good stored reading, through the local host against the simulated Azure:
// per category, a complete reading stored, then its Kubernetes path failing through a stale-path refresh and past
// TTL + SWR: every answer keeps the complete reading, says `stale` and names the failure; with nothing stored the
// partial reading is answered and kept only MONITOR_CACHE_DEGRADED_TTL_SECONDS. The cluster list likewise (ARM).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey } from '../../shared/cache/index.js';
import { RG, RUNNING, SCOPE, startMonitorStack, TestClock, type MonitorStack } from './support.js';

const TTL = 30;
const EXPIRED = 30 + 300 + 1; // past TTL + SWR: the next read fetches before answering
const DEGRADED_TTL = 5;
const UPSTREAM_TIMEOUT_MS = 2_000; // room for the bounded ARM retries of a 500 (≤ 1.2 s of back-off)
const CLUSTER = { resourceGroup: RG, name: RUNNING };

/** The Kubernetes path whose failure degrades each category (one part of warmup-status: its jobs). */
const FAILING_PATH = {
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  'top-nodes': '/apis/metrics.k8s.io/v1beta1/nodes',
  'warmup-status': '/apis/batch/v1/jobs',
  events: '/api/v1/events',
  jobs: '/apis/batch/v1/jobs',
} as const;
const SOURCE = {
  nodes: 'kubernetes:nodes',
  pods: 'kubernetes:pods',
  'top-nodes': 'kubernetes:metrics.k8s.io/nodes',
  'warmup-status': 'kubernetes:jobs',
  events: 'kubernetes:events',
  jobs: 'kubernetes:jobs',
} as const;
type Category = keyof typeof FAILING_PATH;

let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now, env: { UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) } });
});
afterEach(async () => {
  stack.sim.clearInjections();
  await stack.app.services.cache.idle();
});
afterAll(async () => {
  await stack?.close();
});

/** No answer that names a degraded part is fresh. */
function expectTruthful(body: any): void {
  if (body.degraded.length > 0) expect(body.cache.state).not.toBe('fresh');
}

describe.each(Object.keys(FAILING_PATH) as Category[])('%s: a failed read never replaces the stored one', (category) => {
  const path = `monitor/aks/${RUNNING}/${category}`;
  const failure = { source: SOURCE[category], status: 500, message: expect.stringMatching(/; serving the reading of /) };

  it('stale-path refresh and a read past TTL + SWR both keep the complete reading, stale, naming the failure', async () => {
    clock.advance(EXPIRED);
    const good = await stack.get(path);
    expect(good.status).toBe(200);
    expect(good.body.degraded).toEqual([]);
    expect(good.body.cache.state).toBe('refreshed');

    const fault = stack.sim.inject({ target: CLUSTER, path: FAILING_PATH[category], status: 500 });
    clock.advance(TTL + 1);
    const stale = await stack.get(path); // answered from the row; its refresh runs in the background and fails
    expect(stale.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(stale.body.data).toEqual(good.body.data);
    await stack.app.services.cache.idle();
    expect(fault.hits).toBeGreaterThan(0);

    const after = await stack.get(path); // before: the empty reading of the failed refresh, "fresh"
    expect(after.body.data).toEqual(good.body.data);
    expect(after.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(after.body.degraded).toEqual([failure]);
    await stack.app.services.cache.idle();

    clock.advance(EXPIRED);
    const hits = fault.hits;
    const expired = await stack.get(path);
    expect(fault.hits).toBeGreaterThan(hits); // fetched before answering
    expect(expired.status).toBe(200);
    expect(expired.body.data).toEqual(good.body.data);
    expect(expired.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(expired.body.degraded).toEqual([failure]);
    expectTruthful(expired.body);

    // The fault ends: the next refresh stores a complete reading again, and the failure note goes with the old one.
    fault.remove();
    const recovered = await stack.get(path); // the kept reading is past TTL + SWR: fetched before answering
    expect(recovered.body.cache.state).toBe('refreshed');
    expect(recovered.body.degraded).toEqual([]);
    const fresh = await stack.get(path);
    expect(fresh.body.cache.state).toBe('fresh');
    expect(fresh.body.degraded).toEqual([]);
    expect(Date.parse(fresh.body.cache.fetchedAt)).toBeGreaterThan(Date.parse(good.body.cache.fetchedAt));
  });

  it('with nothing stored: the partial reading is answered, kept only the short TTL, never fresh, then retried', async () => {
    await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, category));
    const fault = stack.sim.inject({ target: CLUSTER, path: FAILING_PATH[category], status: 500 });
    const partial = await stack.get(path);
    expect(partial.status).toBe(200);
    expect(partial.body.cache.state).toBe('refreshed');
    expect(partial.body.degraded).toEqual([{ source: SOURCE[category], status: 500, message: expect.any(String) }]);

    const hits = fault.hits;
    clock.advance(DEGRADED_TTL - 1);
    const again = await stack.get(path); // within the short TTL: the stored partial reading, not fresh, no fetch
    expect(again.body.cache).toMatchObject({ state: 'stale', fetchedAt: partial.body.cache.fetchedAt });
    expect(again.body.degraded).toEqual(partial.body.degraded);
    expect(fault.hits).toBe(hits);

    clock.advance(2); // past the short TTL (still far within the TTL): the next poll fetches again
    fault.remove();
    const retried = await stack.get(path);
    expect(retried.body.cache.state).toBe('refreshed');
    expect(retried.body.degraded).toEqual([]);
    const stored = await stack.app.services.cache.peek<any>(categoryKey(SCOPE, RUNNING, category));
    expect(stored?.value.degraded).toEqual([]);
  });
});

describe('warmup-status: a reading is all or nothing', () => {
  it('one failing log tail keeps the complete stored reading, and names that tail', async () => {
    const path = `monitor/aks/${RUNNING}/warmup-status`;
    clock.advance(EXPIRED);
    const good = await stack.get(path);
    expect(good.body.degraded).toEqual([]);
    expect(good.body.data.nodes.some((n: any) => n.logTail)).toBe(true);

    stack.sim.inject({ target: CLUSTER, path: /\/log$/, status: 500, times: 1 });
    clock.advance(EXPIRED);
    const res = await stack.get(path);
    expect(res.body.data).toEqual(good.body.data);
    expect(res.body.cache.state).toBe('stale');
    expect(res.body.degraded).toEqual([{ source: expect.stringMatching(/^kubernetes:pods\/log /), status: 500, message: expect.any(String) }]);
  });
});

describe('the refresh timer', () => {
  it('a timer refresh whose read fails in part leaves the complete reading, and notes the failure for readers', async () => {
    const path = `monitor/aks/${RUNNING}/nodes`;
    clock.advance(EXPIRED);
    await stack.get('monitor/aks');
    const good = await stack.get(path);
    expect(good.body.degraded).toEqual([]);
    const fault = stack.sim.inject({ target: CLUSTER, path: FAILING_PATH.nodes, status: 500 });
    clock.advance(TTL + 1);
    await stack.host.runTimer('refreshMonitorCache');
    expect(fault.hits).toBe(1);
    const after = await stack.get(path);
    expect(after.body.data).toEqual(good.body.data);
    expect(after.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(after.body.degraded).toEqual([{ source: 'kubernetes:nodes', status: 500, message: expect.stringMatching(/; serving the reading of /) }]);
  });
});

describe('a second instance reading the same row is told the failure too', () => {
  it('the failure noted on the row reaches another host', async () => {
    const other = await startMonitorStack({ now: clock.now, share: stack });
    try {
      const path = `monitor/aks/${RUNNING}/nodes`;
      clock.advance(EXPIRED);
      const good = await stack.get(path);
      stack.sim.inject({ target: CLUSTER, path: FAILING_PATH.nodes, status: 500 });
      clock.advance(TTL + 1);
      await stack.get(path);
      await stack.app.services.cache.idle(); // the failed refresh, on the first host
      const seen = await other.get(path);
      expect(seen.body.data).toEqual(good.body.data);
      expect(seen.body.cache.state).toBe('stale');
      expect(seen.body.degraded).toEqual([{ source: 'kubernetes:nodes', status: 500, message: expect.any(String) }]);
      await other.app.services.cache.idle();
    } finally {
      await other.close();
    }
  });
});

describe.each([
  ['500', { status: 500 }, 500],
  ['429', { status: 429, retryAfter: 30 }, 429],
  ['a timeout', { hold: true }, 504],
] as const)('the cluster list: ARM %s never replaces the stored list', (_name, shape, status) => {
  it('stale-path refresh fails: the stored list stays (stale); past TTL + SWR it is served stale and degraded', async () => {
    await stack.app.services.cache.invalidatePrefix(clusterListKey(SCOPE));
    const good = await stack.get('monitor/aks');
    expect(good.body.cache.state).toBe('refreshed');
    expect(good.body.data.length).toBeGreaterThan(0);

    const fault = stack.sim.inject({ target: 'arm', path: /\/managedClusters$/, ...shape });
    clock.advance(TTL + 1);
    const stale = await stack.get('monitor/aks');
    expect(stale.body).toMatchObject({ data: good.body.data, cache: { state: 'stale' } });
    await stack.app.services.cache.idle();
    expect(fault.hits).toBeGreaterThan(0);

    const after = await stack.get('monitor/aks'); // the failed refresh was noted on the stored list
    expect(after.body.data).toEqual(good.body.data);
    expect(after.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(after.body.degraded).toEqual([{ source: 'arm:managedClusters', status, message: expect.stringMatching(/; serving the reading of /) }]);
    await stack.app.services.cache.idle();

    clock.advance(EXPIRED);
    const hits = fault.hits;
    const expired = await stack.get('monitor/aks');
    expect(fault.hits).toBeGreaterThan(hits); // asked ARM before answering
    expect(expired.status).toBe(200);
    expect(expired.body.data).toEqual(good.body.data);
    expect(expired.body.cache).toMatchObject({ state: 'stale', fetchedAt: good.body.cache.fetchedAt });
    expect(expired.body.degraded).toEqual([{ source: 'arm:managedClusters', status, message: expect.any(String) }]);
    fault.remove();
  });
});
