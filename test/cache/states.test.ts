// The state table of docs/architecture.md §3, row by row, with an injected clock (TTL 30 s, SWR 300 s).
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey, locateKey } from '../../shared/cache/index.js';
import { freshTable } from '../setup/tables.js';
import { cacheOnFreshTable, countingFetcher, deferred, heldFetcher, hookedTable, nextTick, T0, type Deferred } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const key = categoryKey(scope, 'aks-1', 'nodes');

describe('read(): the state table', () => {
  it('missing → refreshed and stored; age ≤ TTL → fresh; TTL < age ≤ TTL+SWR → stale + one refresh; older → refreshed', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    const upstream = countingFetcher((n) => ({ version: n }));

    const first = await cache.read(key, upstream.fetcher);
    expect(first).toMatchObject({ value: { version: 1 }, state: 'refreshed', stored: true, ageSeconds: 0, fetchedAt: new Date(T0).toISOString() });
    expect(first.generation).toBe(0);

    clock.set(T0 + 30_000); // age == TTL: still fresh
    const fresh = await cache.read(key, upstream.fetcher);
    expect(fresh).toMatchObject({ value: { version: 1 }, state: 'fresh', ageSeconds: 30 });
    expect(fresh.stored).toBeUndefined();
    expect(upstream.calls).toBe(1);

    clock.set(T0 + 30_001); // just past TTL: stale, answered at once from the store, refresh scheduled
    const stale = await cache.read(key, upstream.fetcher);
    expect(stale).toMatchObject({ value: { version: 1 }, state: 'stale', ageSeconds: 30.001 });
    await cache.idle();
    expect(upstream.calls).toBe(2);
    const afterRefresh = await cache.peek(key);
    expect(afterRefresh).toMatchObject({ value: { version: 2 }, fetchedAtMs: T0 + 30_001 });

    clock.set(T0 + 30_001 + 330_000); // age == TTL + SWR: still stale
    expect((await cache.read(key, upstream.fetcher)).state).toBe('stale');
    await cache.idle();
    expect(upstream.calls).toBe(3);

    const third = (await cache.peek(key))!.fetchedAtMs;
    clock.set(third + 330_001); // older than TTL + SWR: fetched now, answered, stored
    const expired = await cache.read(key, upstream.fetcher);
    expect(expired).toMatchObject({ value: { version: 4 }, state: 'refreshed', stored: true, ageSeconds: 0 });
    expect(upstream.calls).toBe(4);
    expect(cache.stats).toMatchObject({ fresh: 1, stale: 2, refreshed: 2, stored: 4, dropped: 0 });
  });

  it('a stale key gets a single refresh however many reads see it stale (single flight per key)', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(key, async () => 'v1');
    clock.advance(31_000);
    const held = heldFetcher('v2');
    const reads = await Promise.all(Array.from({ length: 10 }, () => cache.read(key, held.fetcher)));
    expect(reads.every((r) => r.state === 'stale' && r.value === 'v1')).toBe(true);
    await held.started;
    expect(await cache.read(key, held.fetcher)).toMatchObject({ state: 'stale', value: 'v1' });
    held.release();
    await cache.idle();
    expect(held.calls).toBe(1);
    expect(await cache.read(key, held.fetcher)).toMatchObject({ state: 'fresh', value: 'v2' });
  });

  it('concurrent misses of one key share one fetch', async () => {
    const table = await freshTable('cache');
    const location = locateKey(key);
    const allMissed = deferred();
    let misses = 0;
    // Count the readers that looked for the reading and found nothing; release the fetch once all 8 did.
    const hooked = hookedTable(table, {
      afterGetEntity: (pk, rk) => {
        if (pk === location.partitionKey && rk === location.rowKey && ++misses === 8) allMissed.resolve();
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const held = heldFetcher({ pods: 3 });
    const reads = Promise.all(Array.from({ length: 8 }, () => cache.read(key, held.fetcher)));
    await held.started;
    await allMissed.promise;
    await nextTick(); // the last reader joins the fill right after its getEntity answered
    held.release();
    const results = await reads;
    expect(held.calls).toBe(1);
    expect(results.every((r) => r.state === 'refreshed' && r.value.pods === 3)).toBe(true);
    expect(cache.stats.stored).toBe(1);
  });

  // Under load a Table read can answer the row as it was before this instance's own write of the key landed. Such a
  // reader must not fetch the key again (the upstream calls of P4 would grow with the number of viewers).
  function heldReaderTable(table: Awaited<ReturnType<typeof freshTable>>) {
    const location = locateKey(key);
    let arm: { answered: Deferred<void>; gate: Deferred<void> } | undefined;
    const hooked = hookedTable(table, {
      afterGetEntity: async (pk, rk) => {
        if (!arm || pk !== location.partitionKey || rk !== location.rowKey) return;
        const { answered, gate } = arm;
        arm = undefined;
        answered.resolve();
        await gate.promise;
      },
    });
    /** The next getEntity of the reading row answers, then holds its reader until released. */
    const holdNextReader = () => {
      const gate = deferred();
      arm = { answered: deferred(), gate };
      return { answered: arm.answered.promise, release: () => gate.resolve() };
    };
    return { hooked, holdNextReader };
  }

  it('a reader that saw the stale row before this instance stored its refresh schedules no second refresh', async () => {
    const { hooked, holdNextReader } = heldReaderTable(await freshTable('cache'));
    const { cache, clock } = await cacheOnFreshTable({ table: hooked });
    const upstream = countingFetcher((n) => `v${n}`);
    await cache.read(key, upstream.fetcher);
    clock.advance(31_000);
    const held = holdNextReader();
    const late = cache.read(key, upstream.fetcher); // reads the stale row, then waits
    await held.answered;
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'stale', value: 'v1' }); // schedules the refresh
    await cache.idle(); // the refresh stored v2
    held.release();
    expect(await late).toMatchObject({ state: 'stale', value: 'v1' });
    await cache.idle();
    expect(upstream.calls).toBe(2); // the first fill and one refresh
    expect(cache.stats).toMatchObject({ fetches: 2, stored: 2, superseded: 1 });
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: 'v2' });
  });

  it('a reader that missed before this instance stored the key reads it again instead of fetching again', async () => {
    const { hooked, holdNextReader } = heldReaderTable(await freshTable('cache'));
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const upstream = countingFetcher((n) => `v${n}`);
    const held = holdNextReader();
    const late = cache.read(key, upstream.fetcher); // finds no row, then waits
    await held.answered;
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: 'v1', stored: true });
    held.release();
    expect(await late).toMatchObject({ state: 'fresh', value: 'v1' });
    expect(upstream.calls).toBe(1);
    expect(cache.stats).toMatchObject({ fetches: 1, superseded: 1 });
  });

  it('a Table get that times out while Table Storage answers (a busy instance) is tried again, not fetched around', async () => {
    const location = locateKey(key);
    let timeouts = 0;
    const hooked = hookedTable(await freshTable('cache'), {
      afterGetEntity: (pk, rk) => {
        if (timeouts > 0 && pk === location.partitionKey && rk === location.rowKey) {
          timeouts -= 1;
          throw Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
        }
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const upstream = countingFetcher('v1');
    await cache.read(key, upstream.fetcher); // Table Storage answered just now
    timeouts = 1;
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: 'v1' });
    expect(upstream.calls).toBe(1);
    expect(cache.stats).toMatchObject({ storageRetries: 1, storageErrors: 0, uncached: 0 });
    timeouts = 2; // still timing out: the read gives up on the cache, as when Table Storage is down
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'uncached', value: 'v1' });
    expect(upstream.calls).toBe(2);
    expect(cache.stats).toMatchObject({ storageRetries: 2, storageErrors: 1, uncached: 1 });
  });

  it('a timeout on an instance that has not heard from Table Storage lately falls back at once', async () => {
    const location = locateKey(key);
    const hooked = hookedTable(await freshTable('cache'), {
      afterGetEntity: (pk, rk) => {
        if (pk === location.partitionKey && rk === location.rowKey) throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const upstream = countingFetcher('live');
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'uncached', value: 'live' });
    expect(cache.stats).toMatchObject({ storageRetries: 0, storageErrors: 1 });
  });

  it('options.ttlSeconds overrides the TTL for one read (the short TTL of an open transition)', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    const list = clusterListKey(scope);
    await cache.read(list, async () => ['aks-1']);
    clock.advance(6_000);
    expect((await cache.read(list, async () => ['aks-1'])).state).toBe('fresh');
    expect((await cache.read(list, async () => ['aks-1'], { ttlSeconds: 5 })).state).toBe('stale');
    await cache.idle();
    clock.advance(6_000);
    expect((await cache.read(list, async () => ['aks-1'], { ttlSeconds: 5, swrSeconds: 0 })).state).toBe('refreshed');
  });

  it('fetcher errors reach the caller; serveStaleOnError answers the stored reading, however old, with the error', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(key, async () => ({ nodes: 2 }));
    clock.advance(1_000_000); // far past TTL + SWR
    const throttled = Object.assign(new Error('Too Many Requests'), { statusCode: 429 });
    const failing = async () => {
      throw throttled;
    };
    await expect(cache.read(key, failing)).rejects.toBe(throttled);
    const degraded = await cache.read(key, failing, { serveStaleOnError: (e) => (e as { statusCode?: number }).statusCode === 429 });
    expect(degraded).toMatchObject({ value: { nodes: 2 }, state: 'stale', ageSeconds: 1_000, fetchError: throttled });
    await expect(cache.read(key, failing, { serveStaleOnError: () => false })).rejects.toBe(throttled);
    // nothing stored: a missing key has nothing to fall back on
    const other = categoryKey(scope, 'aks-1', 'pods');
    await expect(cache.read(other, failing, { serveStaleOnError: () => true })).rejects.toBe(throttled);
  });

  it('a failing background refresh is logged and counted, never an unhandled rejection; the reading stays', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(key, async () => 'v1');
    clock.advance(31_000);
    const stale = await cache.read(key, async () => {
      throw new Error('upstream down');
    });
    expect(stale).toMatchObject({ state: 'stale', value: 'v1' });
    await cache.idle();
    expect(cache.stats.refreshErrors).toBe(1);
    expect((await cache.peek(key))?.value).toBe('v1');
  });

  it('peek answers the stored reading whatever its age, or undefined', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    expect(await cache.peek(key)).toBeUndefined();
    await cache.read(key, async () => [1, 2, 3]);
    clock.advance(10_000_000);
    expect(await cache.peek(key)).toMatchObject({ key, value: [1, 2, 3], ageSeconds: 10_000, generation: 0 });
  });
});
