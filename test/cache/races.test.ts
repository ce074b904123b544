// Fills racing purges, controlled with held fetchers (deferred promises) and hooks on the real TableClient.
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import {
  categoryKey,
  clusterListKey,
  clusterPrefix,
  GENERATION_ROW_KEY,
  MONITOR_CATEGORIES,
  scopePrefix,
  subscriptionPrefix,
} from '../../shared/cache/index.js';
import { freshTable, tablesConnectionString } from '../setup/tables.js';
import { cacheOnFreshTable, countingFetcher, heldFetcher, hookedTable } from './helpers.js';

const SUB = '00000000-0000-0000-0000-0000000000b1';
const scope = { subscriptionId: SUB, resourceGroup: 'rg-elb-01' };
const nodesA = categoryKey(scope, 'aks-a', 'nodes');

describe('a fill overlapping a purge never stores its reading', () => {
  it('stale path: refresh begins → invalidatePrefix → refresh completes: dropped, the next read is refreshed', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    await cache.read(nodesA, async () => 'before');
    clock.advance(31_000);
    const held = heldFetcher('pre-mutation');
    expect(await cache.read(nodesA, held.fetcher)).toMatchObject({ state: 'stale', value: 'before' });
    await held.started; // the refresh has read the generation and is fetching
    await cache.invalidatePrefix(clusterPrefix(scope, 'aks-a'));
    held.release();
    await cache.idle();
    expect(cache.stats.dropped).toBe(1);
    expect(await cache.peek(nodesA)).toBeUndefined();
    const next = await cache.read(nodesA, async () => 'after');
    expect(next).toMatchObject({ state: 'refreshed', value: 'after', stored: true });
  });

  // The miss path at every level of purge, including partitions the purge never saw cached.
  const purges: Array<[string, (c: Awaited<ReturnType<typeof cacheOnFreshTable>>['cache']) => Promise<unknown>]> = [
    ['the key itself', (c) => c.invalidatePrefix(nodesA)],
    ['its cluster', (c) => c.invalidatePrefix(clusterPrefix(scope, 'aks-a'))],
    ['its scope (the cluster partition was never cached)', (c) => c.invalidatePrefix(scopePrefix(scope))],
    ['its subscription', (c) => c.invalidatePrefix(subscriptionPrefix(SUB))],
    ['everything', (c) => c.invalidatePrefix('monitor')],
    ['the lifecycle purge of its cluster', (c) => c.invalidateCluster(scope, 'aks-a')],
  ];

  it.each(purges)('miss path, purge of %s: answered, not stored, the next read is refreshed', async (_what, purge) => {
    const { cache } = await cacheOnFreshTable();
    const held = heldFetcher('pre-mutation');
    const reading = cache.read(nodesA, held.fetcher);
    await held.started;
    await purge(cache);
    held.release();
    expect(await reading).toMatchObject({ state: 'refreshed', value: 'pre-mutation', stored: false, notStoredReason: 'generation-moved' });
    expect(cache.stats).toMatchObject({ dropped: 1, stored: 0 });
    const upstream = countingFetcher('post-mutation');
    expect(await cache.read(nodesA, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: 'post-mutation', stored: true });
    expect(upstream.calls).toBe(1);
  });

  it('the cluster list fill is dropped by the lifecycle purge of any of its clusters', async () => {
    const { cache } = await cacheOnFreshTable();
    const held = heldFetcher(['aks-a', 'aks-b']);
    const reading = cache.read(clusterListKey(scope), held.fetcher);
    await held.started;
    await cache.invalidateCluster(scope, 'aks-b');
    held.release();
    expect(await reading).toMatchObject({ stored: false, notStoredReason: 'generation-moved' });
  });

  it('a purge landing between the write-time check and the transaction: 412, re-decided, dropped', async () => {
    const raw = await freshTable('cache');
    const { cache: purger } = await cacheOnFreshTable({ table: raw });
    let interleaved = 0;
    const hooked = hookedTable(raw, {
      beforeTransaction: async (actions) => {
        // the guarded write has read the generation row; another instance purges before the transaction lands
        if (actions[0]![0] === 'update' && actions[0]![1].rowKey === GENERATION_ROW_KEY && interleaved++ === 0) {
          await purger.invalidatePrefix(clusterPrefix(scope, 'aks-a'));
        }
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const result = await cache.read(nodesA, async () => 'pre-mutation');
    expect(result).toMatchObject({ stored: false, notStoredReason: 'generation-moved' });
    expect(cache.stats).toMatchObject({ conflicts: 1, dropped: 1, stored: 0 });
    expect(await purger.peek(nodesA)).toBeUndefined();
  });

  it('a sibling fill committing between the check and the transaction: 412, re-decided, stored', async () => {
    const raw = await freshTable('cache');
    const { cache: sibling } = await cacheOnFreshTable({ table: raw });
    let interleaved = 0;
    const hooked = hookedTable(raw, {
      beforeTransaction: async (actions) => {
        if (actions[0]![0] === 'update' && actions[0]![1].rowKey === GENERATION_ROW_KEY && interleaved++ === 0) {
          await sibling.read(categoryKey(scope, 'aks-a', 'pods'), async () => 'pods'); // another instance, same partition
        }
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    expect(await cache.read(nodesA, async () => 'nodes')).toMatchObject({ stored: true });
    expect(cache.stats).toMatchObject({ conflicts: 1, dropped: 0, stored: 1 });
    expect((await sibling.peek(nodesA))?.value).toBe('nodes');
  });
});

describe('fills that do not overlap a purge are never lost', () => {
  it('20 concurrent fills of different keys in one scope are all stored', async () => {
    const { cache } = await cacheOnFreshTable();
    const keys = [clusterListKey(scope), ...['aks-a', 'aks-b', 'aks-c'].flatMap((c) => MONITOR_CATEGORIES.map((cat) => categoryKey(scope, c, cat)))];
    keys.push(...MONITOR_CATEGORIES.slice(0, 20 - keys.length).map((cat) => categoryKey(scope, 'aks-d', cat)));
    expect(keys).toHaveLength(20);
    const results = await Promise.all(keys.map((key) => cache.read(key, async () => ({ key }))));
    expect(results.map((r) => r.stored)).toEqual(keys.map(() => true));
    expect(cache.stats).toMatchObject({ stored: 20, dropped: 0, contention: 0 });
    for (const key of keys) expect((await cache.peek(key))?.value).toEqual({ key });
  });

  it('20 concurrent fills of one partition from 4 instances are all stored (cross-instance 412s re-decided)', async () => {
    const table = await freshTable('cache');
    const caches = await Promise.all([0, 1, 2, 3].map(async () => (await cacheOnFreshTable({ table })).cache));
    const keys = Array.from({ length: 20 }, (_, i) => `${clusterPrefix(scope, 'aks-a')}:c${i}`);
    const results = await Promise.all(keys.map((key, i) => caches[i % 4]!.read(key, async () => key)));
    expect(results.every((r) => r.stored)).toBe(true);
    expect(caches.reduce((n, c) => n + c.stats.dropped + c.stats.contention, 0)).toBe(0);
  });

  it('a purge of cluster A does not drop an in-flight fill of cluster B in the same resource group', async () => {
    const { cache } = await cacheOnFreshTable();
    const nodesB = categoryKey(scope, 'aks-b', 'nodes');
    await cache.read(nodesA, async () => 'a');
    const held = heldFetcher('b');
    const fillB = cache.read(nodesB, held.fetcher);
    await held.started;
    await cache.invalidateCluster(scope, 'aks-a');
    await cache.invalidatePrefix(clusterPrefix(scope, 'aks-a'));
    held.release();
    expect(await fillB).toMatchObject({ state: 'refreshed', stored: true });
    expect((await cache.peek(nodesB))?.value).toBe('b');
    expect(await cache.peek(nodesA)).toBeUndefined();
  });

  it('a reader after a purge does not join the fill that started before it', async () => {
    const { cache } = await cacheOnFreshTable();
    const old = heldFetcher('pre-mutation');
    const first = cache.read(nodesA, old.fetcher);
    await old.started;
    await cache.invalidatePrefix(clusterPrefix(scope, 'aks-a'));
    const second = await cache.read(nodesA, async () => 'post-mutation');
    expect(second).toMatchObject({ value: 'post-mutation', stored: true });
    old.release();
    expect(await first).toMatchObject({ value: 'pre-mutation', stored: false });
    expect((await cache.peek(nodesA))?.value).toBe('post-mutation');
  });
});

describe('two cache instances (two Function instances) on one table', () => {
  it('see each other’s readings and invalidations', async () => {
    const table = await freshTable('cache');
    // a second client of its own (own connection pool), as another Function instance would have
    const secondClient = TableClient.fromConnectionString(tablesConnectionString(), table.tableName, { allowInsecureConnection: true });
    const { cache: one } = await cacheOnFreshTable({ table });
    const { cache: two } = await cacheOnFreshTable({ table: secondClient });
    const upstream = countingFetcher((n) => `v${n}`);
    expect(await one.read(nodesA, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: 'v1' });
    expect(await two.read(nodesA, upstream.fetcher)).toMatchObject({ state: 'fresh', value: 'v1' });
    await two.invalidatePrefix(scopePrefix(scope));
    expect(await one.read(nodesA, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: 'v2' });
    expect(upstream.calls).toBe(2);

    // a fill in flight on one instance, a purge on the other: dropped
    const held = heldFetcher(['aks-a']);
    const filling = one.read(clusterListKey(scope), held.fetcher);
    await held.started;
    await two.invalidateCluster(scope, 'aks-a');
    held.release();
    expect(await filling).toMatchObject({ stored: false, notStoredReason: 'generation-moved' });
    expect(await two.peek(clusterListKey(scope))).toBeUndefined();
  });
});
