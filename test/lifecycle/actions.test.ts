// POST /api/aks/start | stop | delete through the local host, against the simulated Azure and the run's Azurite:
// the 202 and its transition, ARM's refusals, roles, the purge, its boundaries, and what other instances see.
import { describe, expect, it } from 'vitest';
import { powerStateDuring } from '../setup/ordering.js';
import { categoryKey, clusterListKey, locateKey, MONITOR_CATEGORIES, type MonitorScope } from '../../shared/cache/index.js';
import {
  allRows,
  armListReads,
  BLUE,
  categoryPath,
  clusterOf,
  counter,
  LOOKALIKE,
  readings,
  RG,
  testStacks,
  MANUAL_OPERATIONS,
  transitionRows,
  type RawRow,
} from './support.js';

const stack = testStacks();
const manual = MANUAL_OPERATIONS;

describe('start on a stopped cluster', () => {
  it('answers 202 at once; the next poll is refreshed and shows the transition until a read past the short TTL sees Running', async () => {
    const s = await stack({ simulator: manual });
    const shortTtlMs = s.config.cache.transitionTtlSeconds * 1000;
    expect(shortTtlMs).toBeLessThan(s.config.cache.ttlSeconds * 1000);

    const before = await s.list();
    expect(clusterOf(before, 'elb-01-b')).toMatchObject({ powerState: 'Stopped', provisioningState: 'Succeeded' });
    expect(clusterOf(before, 'elb-01-b').transition).toBeUndefined();
    expect((await s.list()).cache.state).toBe('fresh');

    const started = await s.act('start', 'elb-01-b');
    expect(started.status).toBe(202);
    expect(started.headers.get('cache-control')).toBe('no-store'); // an action's answer is never revalidated
    expect(started.headers.get('etag')).toBeNull();
    expect(started.body).toEqual({
      operation: { action: 'start', cluster: 'elb-01-b', status: 'accepted' },
      transition: {
        cluster: 'elb-01-b',
        action: 'start',
        expectedPowerState: 'Running',
        startedAt: new Date(s.clock.now()).toISOString(),
        deadline: new Date(s.clock.now() + s.config.cache.transitionDeadlineSeconds * 1000).toISOString(),
        startedBy: 'local-developer',
        source: 'api',
        status: 'open',
      },
    });
    expect(s.sim.cluster({ resourceGroup: 'rg-elb-01', name: 'elb-01-b' }).state().provisioningState).toBe('Starting');

    // The very next poll re-reads ARM (the purge) and carries the transition.
    const next = await s.list();
    expect(next.cache.state).toBe('refreshed');
    expect(clusterOf(next, 'elb-01-b')).toMatchObject({
      powerState: powerStateDuring('start'),
      provisioningState: 'Starting',
      transition: { action: 'start', status: 'open', source: 'api', expectedPowerState: 'Running', startedBy: 'local-developer' },
    });
    // A per-cluster read of the starting cluster answers at once, with the transition.
    const nodes = await s.get(categoryPath('elb-01-b', 'nodes'));
    expect(nodes.status).toBe(200);
    expect(nodes.body).toMatchObject({ data: null, reason: 'clusterStarting', transition: { action: 'start', status: 'open' } });
    // No connection attempt: not even its credentials were asked for.
    expect(s.sim.requestLog((e) => e.server === 'arm' && e.url.includes('elb-01-b/listCluster'))).toEqual([]);

    // While the simulator keeps it Starting, every read past the short TTL re-reads ARM and the banner stays.
    for (let i = 0; i < 3; i++) {
      s.clock.advance(shortTtlMs + 1);
      const armReads = armListReads(s.sim);
      const again = await s.list();
      expect(armListReads(s.sim)).toBe(armReads + 1);
      expect(again.cache.state).toBe('refreshed');
      expect(clusterOf(again, 'elb-01-b')).toMatchObject({
        powerState: powerStateDuring('start'),
        provisioningState: 'Starting',
        transition: { status: 'open' },
      });
    }
    const lastFetch = s.clock.now();
    s.clock.advance(1_000); // within the short TTL: from the cache
    expect((await s.list()).cache.state).toBe('fresh');

    await s.sim.completeOperation({ resourceGroup: 'rg-elb-01', name: 'elb-01-b' });
    s.clock.set(lastFetch + shortTtlMs + 1); // the first read past the short TTL, not past the 30 s TTL
    const after = await s.list();
    expect(after.cache.state).toBe('refreshed');
    expect(clusterOf(after, 'elb-01-b')).toMatchObject({ powerState: 'Running', provisioningState: 'Succeeded' });
    expect(clusterOf(after, 'elb-01-b').transition).toBeUndefined();
    expect(await transitionRows(s.table)).toEqual([]);
    // Back to the normal TTL: no open transition, so a read 6 s later is served from the cache.
    s.clock.advance(shortTtlMs + 1_000);
    expect((await s.list()).cache.state).toBe('fresh');
  });

  it('is seen by a dashboard polling another instance on its next poll', async () => {
    const a = await stack({ simulator: manual });
    const b = await stack({ peer: a });
    expect(clusterOf(await b.list(), 'elb-01-b')).toMatchObject({ powerState: 'Stopped' });
    expect((await b.list()).cache.state).toBe('fresh');

    expect((await a.act('start', 'elb-01-b')).status).toBe(202);

    const poll = await b.list();
    expect(poll.cache.state).toBe('refreshed');
    expect(clusterOf(poll, 'elb-01-b')).toMatchObject({ provisioningState: 'Starting', transition: { action: 'start', status: 'open', source: 'api' } });
  });

  it('a 10 s fast-poller sees the flip on its first poll after it, whatever the moment (injected clock)', async () => {
    const s = await stack({ simulator: manual });
    const pollMs = 10_000; // the dashboard's fast-poll while a transition is open
    const ref = { resourceGroup: 'rg-elb-01', name: 'elb-01-b' };
    const delays: number[] = [];
    for (const phaseMs of [1, 2_500, 4_999, 5_001, 7_500, 9_999]) {
      expect((await s.act('start', 'elb-01-b')).status).toBe(202);
      const firstPoll = s.clock.now();
      const poll = async (at: number) => {
        s.clock.set(at);
        return clusterOf(await s.list(), 'elb-01-b');
      };
      expect(await poll(firstPoll)).toMatchObject({ provisioningState: 'Starting' });
      expect(await poll(firstPoll + pollMs)).toMatchObject({ provisioningState: 'Starting' });
      const flippedAt = firstPoll + pollMs + phaseMs;
      s.clock.set(flippedAt);
      await s.sim.completeOperation(ref);
      const seen = await poll(firstPoll + 2 * pollMs); // the first poll after the flip
      expect(seen).toMatchObject({ powerState: 'Running', provisioningState: 'Succeeded' });
      expect(seen.transition).toBeUndefined();
      delays.push(firstPoll + 2 * pollMs - flippedAt);
      await s.sim.setClusterState(ref, { powerState: 'Stopped' }); // for the next trial
      s.clock.advance(60_000);
    }
    // Flip-to-visible is bounded by the poll interval (not by the 30 s TTL): 10 s − the flip's phase.
    console.log(`[flip-to-visible, injected clock] 10 s poller: delays ${delays.map((d) => (d / 1000).toFixed(3)).join(', ')} s`);
    expect(Math.max(...delays)).toBeLessThan(pollMs);
  });
});

describe("ARM's refusals and the roles", () => {
  it('409 with ARM’s reason, 404 clusterNotFound, 429 with Retry-After', async () => {
    const s = await stack({ simulator: manual });
    expect((await s.act('start', 'elb-01-b')).status).toBe(202);

    const conflict = await s.act('stop', 'elb-01-b'); // it is starting
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'operationNotAllowed' });
    expect(conflict.body.error.message).toMatch(/in progress start managed cluster operation/);
    // A refused action leaves the transition that is open, and purges nothing more.
    expect((await transitionRows(s.table)).map((row) => row.action)).toEqual(['start']);

    const unknown = await s.act('stop', 'elb-01-zz');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'clusterNotFound' });

    const throttle = s.sim.inject({ target: 'arm', method: 'POST', path: /\/stop$/, status: 429, retryAfter: 30 });
    const throttled = await s.act('stop', 'elb-01-a');
    throttle.remove();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('30');
    expect(throttled.body.error).toMatchObject({ code: 'throttled' });
    expect(s.sim.cluster({ resourceGroup: 'rg-elb-01', name: 'elb-01-a' }).state().provisioningState).toBe('Succeeded');
  });

  it('start and stop need the operator role, delete the admin role', async () => {
    const admin = await stack({ simulator: manual });
    const operator = await stack({ peer: admin, env: { DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate' } });
    const reader = await stack({ peer: admin, env: { DEV_PRINCIPAL_ROLES: 'Dashboard.Read' } });
    const deletes = () => admin.sim.requestLog((e) => e.server === 'arm' && e.method === 'DELETE').length;

    expect((await reader.act('start', 'elb-01-b')).status).toBe(403);
    expect((await reader.act('stop', 'elb-01-a')).status).toBe(403);
    const denied = await operator.act('delete', 'elb-01-c');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect(deletes()).toBe(0); // refused before ARM

    expect((await operator.act('stop', 'elb-01-a')).status).toBe(202);
    expect((await operator.act('start', 'elb-01-b')).status).toBe(202);
    expect((await admin.act('delete', 'elb-01-c')).status).toBe(202);
    expect(deletes()).toBe(1);
  });
});

describe('after ARM accepted', () => {
  it('answers 202 even when Table Storage fails, naming what could not be recorded', async () => {
    const s = await stack({ simulator: manual });
    await s.table.deleteTable(); // the cache table is gone: neither the transition nor the purge can be written
    const started = await s.act('start', 'elb-01-b');
    expect(started.status).toBe(202);
    expect(started.body.transition).toMatchObject({ cluster: 'elb-01-b', action: 'start', status: 'open' });
    expect(started.body.degraded).toHaveLength(2);
    expect(s.sim.cluster({ resourceGroup: 'rg-elb-01', name: 'elb-01-b' }).state().provisioningState).toBe('Starting');
    // Reads still answer (uncached), with the transition ARM's state implies.
    const list = await s.list();
    expect(list.cache.state).toBe('uncached');
    expect(clusterOf(list, 'elb-01-b').transition).toMatchObject({ action: 'start', source: 'arm', status: 'open' });
  });
});

describe('the purge after an accepted action', () => {
  it('a stop and then a start each remove the jobs reading; after the start the jobs are read anew from the cluster', async () => {
    const s = await stack({ simulator: manual });
    const ref = { resourceGroup: 'rg-elb-01', name: 'elb-01-a' };
    const jobsKey = categoryKey(RG, 'elb-01-a', 'jobs');
    const jobsCalls = () => s.sim.requestLog((e) => e.server === 'rg-elb-01/elb-01-a' && e.url.startsWith('/apis/batch/v1/jobs?limit=')).length;
    const { cache } = s.app.services;
    await s.list();
    const before = await s.get(categoryPath('elb-01-a', 'jobs'));
    expect(before.body.data.counts).toMatchObject({ total: 20, failed: 2 });
    expect(await cache.peek(jobsKey)).toBeDefined();

    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    expect(await cache.peek(jobsKey)).toBeUndefined();
    // While it stops the jobs are not read, and nothing is stored for them.
    expect((await s.get(categoryPath('elb-01-a', 'jobs'))).body).toMatchObject({ data: null, reason: 'clusterStopping' });
    await s.sim.completeOperation(ref);

    // A reading stored meanwhile (as a refresh that began before the stop would have) goes with the start's purge.
    await cache.read(jobsKey, async () => ({ data: before.body.data, degraded: [] }));
    expect(await cache.peek(jobsKey)).toBeDefined();
    expect((await s.act('start', 'elb-01-a')).status).toBe(202);
    expect(await cache.peek(jobsKey)).toBeUndefined();
    await s.sim.completeOperation(ref);

    s.clock.advance(s.config.cache.transitionTtlSeconds * 1000 + 1); // the list re-read: Running, Succeeded
    expect(clusterOf(await s.list(), 'elb-01-a')).toMatchObject({ powerState: 'Running', provisioningState: 'Succeeded' });
    const calls = jobsCalls();
    const after = await s.get(categoryPath('elb-01-a', 'jobs'));
    expect(after.body.cache.state).toBe('refreshed');
    const names = (data: { items: { name: string; status: string }[] }) => data.items.map((j) => `${j.name} ${j.status}`);
    expect(names(after.body.data)).toEqual(names(before.body.data)); // (running jobs' durations have grown)
    expect(jobsCalls()).toBe(calls + 1);
  });

  it("removes the scope's list and every category of MONITOR_CATEGORIES of that cluster, and bumps their generations", async () => {
    const s = await stack({ simulator: manual });
    await s.list();
    // The routes take their categories from the same list: every one of them is served, anything else is refused.
    for (const category of MONITOR_CATEGORIES) {
      for (const cluster of ['elb-01-a', 'elb-01-c']) expect((await s.get(categoryPath(cluster, category))).status).toBe(200);
    }
    expect((await s.get(categoryPath('elb-01-a', 'secrets'))).status).toBe(400);

    const { cache } = s.app.services;
    const list = locateKey(clusterListKey(RG));
    const own = locateKey(categoryKey(RG, 'elb-01-a', MONITOR_CATEGORIES[0]));
    const sibling = locateKey(categoryKey(RG, 'elb-01-c', MONITOR_CATEGORIES[0]));
    const before = {
      list: await counter(s.table, list.partitionKey, 'list'),
      tree: await counter(s.table, list.partitionKey, 'tree'),
      own: await counter(s.table, own.partitionKey, 'counter'),
      sibling: await counter(s.table, sibling.partitionKey, 'counter'),
    };
    expect(await cache.peek(clusterListKey(RG))).toBeDefined();
    for (const category of MONITOR_CATEGORIES) expect(await cache.peek(categoryKey(RG, 'elb-01-a', category))).toBeDefined();
    const siblingRows = (await allRows(s.table)).filter((row) => row.partitionKey === sibling.partitionKey);

    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);

    expect(await cache.peek(clusterListKey(RG))).toBeUndefined();
    for (const category of MONITOR_CATEGORIES) expect(await cache.peek(categoryKey(RG, 'elb-01-a', category))).toBeUndefined();
    expect({
      list: await counter(s.table, list.partitionKey, 'list'),
      tree: await counter(s.table, list.partitionKey, 'tree'),
      own: await counter(s.table, own.partitionKey, 'counter'),
      sibling: await counter(s.table, sibling.partitionKey, 'counter'),
    }).toEqual({ list: before.list + 1, tree: before.tree, own: before.own + 1, sibling: before.sibling });
    // The other cluster of the scope keeps its rows, untouched.
    expect((await allRows(s.table)).filter((row) => row.partitionKey === sibling.partitionKey)).toEqual(siblingRows);
  });

  it('bumps the generations also when nothing was cached, so the next read is refreshed', async () => {
    const s = await stack({ simulator: manual });
    const list = locateKey(clusterListKey(RG));
    const own = locateKey(categoryKey(RG, 'elb-01-b', 'nodes'));
    expect((await s.act('start', 'elb-01-b')).status).toBe(202);
    expect(await counter(s.table, list.partitionKey, 'list')).toBe(1);
    expect(await counter(s.table, own.partitionKey, 'counter')).toBe(1);
    expect((await s.list()).cache.state).toBe('refreshed');
  });
});

describe('the purge boundary: acting on rg-elb-01 leaves rg-elb-01-blue and rg-elb-010 untouched', () => {
  /** Every key shape of a scope: its list and the five categories of one cluster. */
  const keysOf = (scope: MonitorScope, cluster: string) => [clusterListKey(scope), ...MONITOR_CATEGORIES.map((c) => categoryKey(scope, cluster, c))];

  it.each([
    { action: 'start', cluster: 'elb-01-b' },
    { action: 'stop', cluster: 'elb-01-a' },
    { action: 'delete', cluster: 'elb-01-c' },
  ] as const)('$action $cluster', async ({ action, cluster }) => {
    const s = await stack({ simulator: manual });
    const { cache } = s.app.services;
    const seed = (key: string) => cache.read(key, async () => ({ seeded: key }));
    const others = ['elb-01-a', 'elb-01-b', 'elb-01-c'].filter((c) => c !== cluster);
    const untouchedKeys = [
      ...new Set([
        ...keysOf(BLUE, 'elb-01-blue-a'),
        ...keysOf(BLUE, cluster), // the same cluster name in the look-alike scopes
        ...keysOf(LOOKALIKE, cluster),
        ...keysOf(LOOKALIKE, 'elb-01-a'),
        ...others.flatMap((c) => keysOf(RG, c).slice(1)), // the scope's other clusters
        ...keysOf(RG, `${cluster}0`).slice(1), // a look-alike cluster name
      ]),
    ];
    const purgedKeys = keysOf(RG, cluster);
    for (const key of [...untouchedKeys, ...purgedKeys]) expect((await seed(key)).state).toBe('refreshed');

    const purgedPartitions = new Set(purgedKeys.slice(0, 2).map((key) => locateKey(key).partitionKey));
    const untouched = (rows: RawRow[]) => rows.filter((row) => !purgedPartitions.has(row.partitionKey));
    const before = untouched(await allRows(s.table));
    expect(before.length).toBeGreaterThanOrEqual(untouchedKeys.length);

    expect((await s.act(action, cluster)).status).toBe(202);

    // Byte for byte (ETags included): no reading and no generation row of another unit was written or deleted.
    expect(untouched(await allRows(s.table))).toEqual(before);
    const stored = await readings(s.table);
    for (const key of untouchedKeys) expect(stored.has(key), key).toBe(true);
    for (const key of purgedKeys) expect(stored.has(key), key).toBe(false);
  });
});
