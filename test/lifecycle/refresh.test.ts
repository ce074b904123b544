// The refresh timer through the local host (host.runTimer runs the registered timer function), against the simulated
// Azure and the run's Azurite: what it refreshes, what it leaves to expire, the transitions it follows, overlapping
// runs, and the resurrection a refresh must never cause.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey, clusterPrefix, keyMatchesPrefix, MONITOR_CATEGORIES } from '../../shared/cache/index.js';
import { runRefresh, type RefreshDeps } from '../../shared/monitor/refresh.js';
import {
  armListReads,
  categoryPath,
  clusterOf,
  generationOfKey,
  readings,
  RG,
  testStacks,
  MANUAL_OPERATIONS,
  transitionRows,
  type TestStack,
} from './support.js';

const stack = testStacks();
const manual = MANUAL_OPERATIONS;
const A = { resourceGroup: 'rg-elb-01', name: 'elb-01-a' };
const SEC = 1_000;

/** runRefresh in-process on a stack's services (the timer's own code path), for its counters. */
function refreshDeps(s: TestStack, overrides: Partial<RefreshDeps> = {}): RefreshDeps {
  const { cache, monitor, transitions } = s.app.services;
  return { cache, monitor, transitions, concurrency: 4, budgetMs: 10_000, now: s.clock.now, ...overrides };
}

async function fetchedAt(s: TestStack): Promise<Record<string, number>> {
  return Object.fromEntries([...(await readings(s.table))].map(([key, row]) => [key, row.fetchedAt]));
}

describe('the refresh timer', () => {
  it('refreshes rows read recently and older than TTL, leaves unread ones to expire and removes them past TTL + SWR', async () => {
    const s = await stack();
    const { ttlSeconds, swrSeconds } = s.config.cache;
    const t0 = s.clock.now();
    const list = clusterListKey(RG);
    const hot = categoryKey(RG, 'elb-01-a', 'nodes');
    const cold = categoryKey(RG, 'elb-01-c', 'nodes');
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).status).toBe(200);
    expect((await s.get(categoryPath('elb-01-c', 'nodes'))).status).toBe(200);
    expect(await fetchedAt(s)).toEqual({ [list]: t0, [hot]: t0, [cold]: t0 });

    s.clock.advance(10 * SEC); // younger than TTL: nothing to do
    await s.host.runTimer('refreshMonitorCache');
    expect(await fetchedAt(s)).toEqual({ [list]: t0, [hot]: t0, [cold]: t0 });

    s.clock.set(t0 + 20 * SEC); // a dashboard keeps reading the list and elb-01-a's nodes (fresh hits, lastReadAt recorded)
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).body.cache.state).toBe('fresh');
    await s.app.services.cache.idle();

    s.clock.set(t0 + 70 * SEC); // past TTL; elb-01-c's nodes were last read 70 s ago (outside the hot window)
    const armReads = armListReads(s.sim);
    await s.host.runTimer('refreshMonitorCache');
    expect(armListReads(s.sim)).toBe(armReads + 1);
    const t1 = t0 + 70 * SEC;
    expect(await fetchedAt(s)).toEqual({ [list]: t1, [hot]: t1, [cold]: t0 });

    s.clock.set(t0 + (ttlSeconds + swrSeconds) * SEC + 1); // the cold row is past TTL + SWR: removed
    await s.host.runTimer('refreshMonitorCache');
    expect(await fetchedAt(s)).toEqual({ [list]: t1, [hot]: t1 }); // the others, no longer read, are not refreshed

    s.clock.set(t1 + (ttlSeconds + swrSeconds) * SEC + 1);
    await s.host.runTimer('refreshMonitorCache');
    expect(await fetchedAt(s)).toEqual({});
    await s.host.runTimer('refreshMonitorCache'); // and nothing is created from nothing
    expect(await fetchedAt(s)).toEqual({});
  });

  it('only refreshes rows that exist: a row purged after the run listed it stays gone', async () => {
    const s = await stack();
    const key = categoryKey(RG, 'elb-01-a', 'pods');
    expect((await s.get(categoryPath('elb-01-a', 'pods'))).status).toBe(200);
    s.clock.advance(40 * SEC);
    const { cache } = s.app.services;
    // The purge lands between the scan that listed the row and its refresh.
    const listing = cache.listRefreshCandidates.bind(cache);
    cache.listRefreshCandidates = async (...args) => {
      const found = await listing(...args);
      await cache.invalidatePrefix(key);
      return found;
    };
    const result = await runRefresh(refreshDeps(s));
    expect(result).toMatchObject({ candidates: 2, refreshed: 1, dropped: 1, failed: 0 });
    expect((await readings(s.table)).has(key)).toBe(false);
  });

  it('removes the rows of a cluster the list no longer shows, and skips stopped or stopping clusters', async () => {
    const s = await stack({ simulator: manual });
    const { cache } = s.app.services;
    await s.list();
    const ghost = categoryKey(RG, 'elb-01-zz', 'nodes'); // cached once, ARM does not list it
    await cache.read(ghost, async () => ({ data: [], degraded: [] }));
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).status).toBe(200);
    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    await s.list(); // elb-01-a is Stopping
    await cache.read(categoryKey(RG, 'elb-01-a', 'nodes'), async () => ({ data: ['seeded'], degraded: [] }));
    s.clock.advance(40 * SEC);
    await s.list(); // keeps the list hot
    s.clock.advance(1 * SEC);

    const k8sBefore = s.sim.requestLog((e) => e.server !== 'arm').length;
    const result = await runRefresh(refreshDeps(s));
    expect(result).toMatchObject({ removedGone: 1, failed: 0 });
    const stored = await readings(s.table);
    expect(stored.has(ghost)).toBe(false);
    expect(stored.get(categoryKey(RG, 'elb-01-a', 'nodes'))?.fetchedAt).toBe(s.clock.now() - 41 * SEC); // not refreshed: stopping
    expect(s.sim.requestLog((e) => e.server !== 'arm').length).toBe(k8sBefore);
  });

  it('closes transitions of scopes nobody polls (reached, or past the deadline: reported once) and stays idempotent when runs overlap', async () => {
    const s = await stack({ simulator: manual });
    const b = await stack({ peer: s });
    const hotWindowMs = 2 * s.config.cache.ttlSeconds * SEC;
    expect((await s.act('start', 'elb-01-b')).status).toBe(202);
    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    expect(clusterOf(await s.list(), 'elb-01-b').transition).toMatchObject({ status: 'open' });

    // While the scope is polled, its pollers reconcile (past the short TTL); the timer leaves the list alone.
    await s.sim.completeOperation({ resourceGroup: 'rg-elb-01', name: 'elb-01-b' });
    s.clock.advance(1 * SEC);
    let armReads = armListReads(s.sim);
    expect(await runRefresh(refreshDeps(s))).toMatchObject({ transitionScopes: 0, failed: 0 });
    expect(armListReads(s.sim)).toBe(armReads);

    // Nobody polls any more: the timer ends the reached transition with a fresh ARM listing, and stores nothing.
    s.clock.advance(hotWindowMs + 1);
    const stored = await readings(s.table);
    armReads = armListReads(s.sim);
    expect(await runRefresh(refreshDeps(s))).toMatchObject({ transitionScopes: 1, failed: 0 });
    expect(armListReads(s.sim)).toBe(armReads + 1);
    expect((await transitionRows(s.table)).map((row) => row.cluster)).toEqual(['elb-01-a']);
    expect([...(await readings(s.table)).keys()]).toEqual([...stored.keys()]);

    // The stop of elb-01-a never ends in the simulator. Past its deadline two instances run the timer at once.
    s.clock.advance(s.config.cache.transitionDeadlineSeconds * SEC);
    const overlapping = await Promise.all([runRefresh(refreshDeps(s)), runRefresh(refreshDeps(b)), runRefresh(refreshDeps(s))]);
    for (const result of overlapping) expect(result.failed).toBe(0);
    expect(await transitionRows(s.table)).toMatchObject([{ cluster: 'elb-01-a', status: 'timedOut' }]);
    // A dashboard opened now is told, by either instance.
    expect(clusterOf(await b.list(), 'elb-01-a')).toMatchObject({ provisioningState: 'Stopping', transition: { action: 'stop', status: 'timedOut' } });
    expect(clusterOf(await s.list(), 'elb-01-a').transition).toMatchObject({ status: 'timedOut' });
    for (const [key, row] of await readings(s.table)) expect(row.generation, key).toBe(await generationOfKey(s.table, key));

    // After the report window it is not shown again, nor re-opened from ARM's Stopping.
    s.clock.advance(hotWindowMs + 1);
    await Promise.all([s.host.runTimer('refreshMonitorCache'), b.host.runTimer('refreshMonitorCache')]);
    await s.list(); // stale: served once more while it is refreshed
    await s.app.services.cache.idle();
    const later = await s.list();
    expect(clusterOf(later, 'elb-01-a').provisioningState).toBe('Stopping');
    expect(clusterOf(later, 'elb-01-a').transition).toBeUndefined();

    await s.sim.completeOperation(A);
    s.clock.advance(hotWindowMs + 1);
    await s.host.runTimer('refreshMonitorCache');
    expect(await transitionRows(s.table)).toEqual([]);
  });

  it('keeps to its time budget: what does not fit is deferred to the next run', async () => {
    const s = await stack();
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).status).toBe(200);
    s.clock.advance(40 * SEC);
    let wall = 0;
    const result = await runRefresh(refreshDeps(s, { budgetMs: 5_000, elapsed: () => (wall += 3_000) }));
    expect(result).toMatchObject({ candidates: 2, refreshed: 1, deferred: 1 });
  });
});

describe('resurrection, deterministic: a refresh that fetched before a delete never writes the cluster back', () => {
  const listPath = /\/resourceGroups\/rg-elb-01\/providers\/Microsoft\.ContainerService\/managedClusters$/i;

  it.each([
    { held: 'the ARM list', hold: (s: TestStack) => s.sim.inject({ target: 'arm', method: 'GET', path: listPath, hold: true }) },
    { held: "elb-01-a's Kubernetes reads", hold: (s: TestStack) => s.sim.inject({ target: A, path: () => true, hold: true }) },
  ])('holding $held', async ({ hold }) => {
    const s = await stack({ simulator: manual });
    const prefix = clusterPrefix(RG, 'elb-01-a');
    const rowsOfA = async () => [...(await readings(s.table)).keys()].filter((key) => keyMatchesPrefix(key, prefix));
    const listShowsA = async () => {
      const list = await s.app.services.cache.peek<Array<{ name: string }>>(clusterListKey(RG));
      return list?.value.some((c) => c.name === 'elb-01-a') ?? false;
    };
    await s.list();
    for (const category of MONITOR_CATEGORIES) {
      expect((await s.get(categoryPath('elb-01-a', category))).status).toBe(200);
      expect((await s.get(categoryPath('elb-01-c', category))).status).toBe(200);
    }
    expect(await rowsOfA()).toHaveLength(MONITOR_CATEGORIES.length);
    s.clock.advance(40 * SEC); // every row is hot and past TTL: all are candidates

    const held = hold(s);
    const run = s.host.runTimer('refreshMonitorCache');
    await held.whenHit(1); // the refresh has fetched; its answer is held
    const deleted = await s.act('delete', 'elb-01-a');
    expect(deleted.status).toBe(202);
    expect(await rowsOfA()).toEqual([]);
    held.release();
    await run;
    await s.app.services.cache.idle();
    expect(await rowsOfA()).toEqual([]);
    expect(await listShowsA()).toBe(false); // a list holding the pre-delete reading was not written back either

    // ARM reports the cluster gone; however often the timer runs and dashboards poll, nothing of it comes back.
    await s.sim.completeOperation(A);
    let notFound = 0;
    for (let i = 0; i < 20; i++) {
      s.clock.advance((7 + (i % 10)) * SEC);
      const list = await s.list();
      expect(clusterOf(list, 'elb-01-a')).toBeUndefined();
      if ((await s.get(categoryPath('elb-01-a', MONITOR_CATEGORIES[i % MONITOR_CATEGORIES.length]!))).status === 404) notFound++;
      expect((await s.get(categoryPath('elb-01-c', 'nodes'))).status).toBe(200);
      await s.host.runTimer('refreshMonitorCache');
      await s.app.services.cache.idle();
      expect(await rowsOfA()).toEqual([]);
      expect(await listShowsA()).toBe(false);
    }
    expect(notFound).toBe(20);
  });
});
