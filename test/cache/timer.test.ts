// What the refresh timer builds on: lastReadAt tracking, refresh candidates, refreshExisting, removeExpired.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey, clusterPrefix, locateKey } from '../../shared/cache/index.js';
import { freshTable } from '../setup/tables.js';
import { allRows, cacheOnFreshTable, countingFetcher, heldFetcher, hookedTable, T0 } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000c1', resourceGroup: 'rg-elb-01' };
const nodes = categoryKey(scope, 'aks-1', 'nodes');
const pods = categoryKey(scope, 'aks-1', 'pods');
const list = clusterListKey(scope);

describe('lastReadAt', () => {
  it('is written with a fill and merged at most once per TTL/2 per key per instance', async () => {
    const { cache, clock, table } = await cacheOnFreshTable();
    const location = locateKey(nodes);
    const lastReadAt = async () => (await table.getEntity<{ lastReadAt?: number }>(location.partitionKey, location.rowKey)).lastReadAt;
    await cache.read(nodes, async () => 1);
    expect(await lastReadAt()).toBe(T0);
    clock.advance(14_000); // < TTL/2 since the last read mark: no merge
    await cache.read(nodes, async () => 1);
    await cache.idle();
    expect(await lastReadAt()).toBe(T0);
    clock.advance(2_000); // 16 s ≥ TTL/2: merged
    await cache.read(nodes, async () => 1);
    await cache.idle();
    expect(await lastReadAt()).toBe(T0 + 16_000);
    clock.advance(1_000);
    await cache.read(nodes, async () => 1);
    await cache.idle();
    expect(await lastReadAt()).toBe(T0 + 16_000);
  });

  it('the merge never creates a row that a purge removed', async () => {
    const raw = await freshTable('cache');
    const { cache: purger } = await cacheOnFreshTable({ table: raw });
    const location = locateKey(nodes);
    let purgeAfterRead = false;
    // The reader gets the row; before it goes on (and merges lastReadAt), another instance purges the key.
    const hooked = hookedTable(raw, {
      afterGetEntity: async (pk, rk) => {
        if (purgeAfterRead && pk === location.partitionKey && rk === location.rowKey) {
          purgeAfterRead = false;
          await purger.invalidatePrefix(nodes);
        }
      },
    });
    const { cache, clock } = await cacheOnFreshTable({ table: hooked });
    await cache.read(nodes, async () => 1);
    clock.advance(20_000);
    purgeAfterRead = true;
    expect((await cache.read(nodes, async () => 1)).state).toBe('fresh'); // answered from the row it read
    await cache.idle();
    expect(purgeAfterRead).toBe(false);
    expect((await allRows(raw)).filter((r) => r.rowKey.startsWith('v:'))).toEqual([]); // no bare { lastReadAt } row
  });
});

describe('listRefreshCandidates / refreshExisting / removeExpired', () => {
  it('lists rows read recently and older than TTL, oldest first', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(nodes, async () => 'n'); // fetched T0, read T0
    clock.advance(5_000);
    await cache.read(pods, async () => 'p'); // fetched T0+5
    clock.advance(5_000);
    await cache.read(list, async () => ['aks-1']); // fetched T0+10
    expect(await cache.listRefreshCandidates(T0 + 30_000)).toEqual([]); // nothing older than TTL yet

    const at = T0 + 40_000;
    // the list (age 30 s) is not older than TTL yet
    expect(await cache.listRefreshCandidates(at)).toEqual([
      { key: nodes, fetchedAtMs: T0, lastReadAtMs: T0, ageSeconds: 40 },
      { key: pods, fetchedAtMs: T0 + 5_000, lastReadAtMs: T0 + 5_000, ageSeconds: 35 },
    ]);
    // not read within the hot window (2 × TTL by default): no longer a candidate
    expect((await cache.listRefreshCandidates(T0 + 64_000)).map((c) => c.key)).toEqual([pods, list]);
    expect((await cache.listRefreshCandidates(T0 + 64_000, { hotWindowSeconds: 120 })).map((c) => c.key)).toEqual([nodes, pods, list]);
  });

  it('refreshExisting refreshes an existing row (keeping lastReadAt) and leaves a removed one removed', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(nodes, async () => 'v1');
    clock.advance(40_000);
    const upstream = countingFetcher('v2');
    expect(await cache.refreshExisting(nodes, upstream.fetcher)).toMatchObject({ key: nodes, stored: true, generation: 0 });
    expect(await cache.peek(nodes)).toMatchObject({ value: 'v2', fetchedAtMs: T0 + 40_000, lastReadAtMs: T0 });

    await cache.invalidatePrefix(nodes);
    expect(await cache.refreshExisting(nodes, upstream.fetcher)).toEqual({ key: nodes, stored: false, notStoredReason: 'missing', generation: null });
    expect(upstream.calls).toBe(1);
    expect(await cache.peek(nodes)).toBeUndefined();
  });

  it('refreshExisting: a purge during the fetch drops it; a row removed during the fetch stays removed', async () => {
    const { cache, table } = await cacheOnFreshTable();
    await cache.read(nodes, async () => 'v1');
    const held = heldFetcher('pre-mutation');
    const refresh = cache.refreshExisting(nodes, held.fetcher);
    await held.started;
    await cache.invalidatePrefix(clusterPrefix(scope, 'aks-1'));
    held.release();
    expect(await refresh).toMatchObject({ stored: false, notStoredReason: 'generation-moved' });

    await cache.read(pods, async () => 'p1');
    const held2 = heldFetcher('p2');
    const refresh2 = cache.refreshExisting(pods, held2.fetcher);
    await held2.started;
    const location = locateKey(pods);
    await table.deleteEntity(location.partitionKey, location.rowKey); // e.g. removeExpired on another instance
    held2.release();
    expect(await refresh2).toMatchObject({ stored: false, notStoredReason: 'missing' });
    expect(await cache.peek(pods)).toBeUndefined();
  });

  it('removeExpired deletes rows older than TTL + SWR that nobody read within that time', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(nodes, async () => 'n');
    await cache.read(pods, async () => 'p');
    await cache.read(list, async () => ['aks-1']);
    clock.advance(200_000);
    expect((await cache.read(pods, async () => 'p')).state).toBe('stale'); // refreshed in the background
    await cache.idle();
    expect(await cache.removeExpired(T0 + 330_000)).toBe(0);
    expect(await cache.removeExpired(T0 + 330_001)).toBe(2); // nodes, list: fetched T0, last read T0
    expect(await cache.peek(nodes)).toBeUndefined();
    expect(await cache.peek(list)).toBeUndefined();
    expect((await cache.peek(pods))?.value).toBe('p');
  });

  it('removeExpired keeps an old row that is still being read (served stale while upstream fails)', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(nodes, async () => 'n');
    clock.advance(400_000); // past TTL + SWR
    const failing = async () => {
      throw Object.assign(new Error('throttled'), { statusCode: 429 });
    };
    expect(await cache.read(nodes, failing, { serveStaleOnError: () => true })).toMatchObject({ state: 'stale', value: 'n' });
    clock.advance(15_000);
    await cache.read(nodes, failing, { serveStaleOnError: () => true }); // ≥ TTL/2 after the last mark: merged
    await cache.idle();
    expect(await cache.removeExpired()).toBe(0);
    expect((await cache.peek(nodes))?.value).toBe('n');
  });
});
