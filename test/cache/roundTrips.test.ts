// Table round trips of the miss path, counted on the real TableClient (every call still goes to Azurite): a miss
// costs the reading's get before the fetch and one transaction after it; the generation row this instance already
// knows is not read again, and the scope's counter is read while the fetch runs.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey, GENERATION_ROW_KEY, locateKey } from '../../shared/cache/index.js';
import { freshTable } from '../setup/tables.js';
import { cacheOnFreshTable, countedTable, countingFetcher, deferred, hookedTable } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000c1', resourceGroup: 'rg-elb-01' };

describe('the miss path in Table round trips', () => {
  it('a category miss: the get, then the fetch (the scope counter read alongside), then one transaction', async () => {
    const { counted, calls } = countedTable(await freshTable('cache'));
    const { cache } = await cacheOnFreshTable({ table: counted });
    const nodes = categoryKey(scope, 'aks-a', 'nodes');
    const pods = categoryKey(scope, 'aks-a', 'pods');
    await cache.read(nodes, async () => 'first'); // this instance meets the cluster's generation row
    await cache.invalidatePrefix(nodes); // and bumps it: it knows the new ETag

    for (const key of [nodes, pods]) {
      calls.length = 0;
      let beforeFetch: string[] = [];
      const read = await cache.read(key, async () => {
        beforeFetch = [...calls];
        return 'fetched';
      });
      expect(read).toMatchObject({ state: 'refreshed', stored: true });
      const { rowKey } = locateKey(key);
      // In series before the fetch: one round trip (the ancestor read starts with the fetch, not before it).
      expect(beforeFetch).toEqual([`getEntity ${rowKey}`, `getEntity ${GENERATION_ROW_KEY}`]);
      expect(calls).toEqual([`getEntity ${rowKey}`, `getEntity ${GENERATION_ROW_KEY}`, `submitTransaction ${GENERATION_ROW_KEY}+${rowKey}`]);
    }
    expect(cache.stats).toMatchObject({ conflicts: 0, dropped: 0 });
    expect(await cache.peek(pods)).toMatchObject({ value: 'fetched' });
  });

  it('the cluster list miss: the get, the fetch, one transaction', async () => {
    const { counted, calls } = countedTable(await freshTable('cache'));
    const { cache } = await cacheOnFreshTable({ table: counted });
    const list = clusterListKey(scope);
    await cache.read(list, async () => ['aks-a']);
    await cache.invalidatePrefix(list);
    calls.length = 0;
    expect(await cache.read(list, async () => ['aks-a', 'aks-b'])).toMatchObject({ state: 'refreshed', stored: true });
    expect(calls).toEqual([`getEntity ${locateKey(list).rowKey}`, `submitTransaction ${GENERATION_ROW_KEY}+${locateKey(list).rowKey}`]);
  });

  it('a generation row written by another instance: one 412, read again, stored', async () => {
    const raw = await freshTable('cache');
    const { counted, calls } = countedTable(raw);
    const { cache } = await cacheOnFreshTable({ table: counted });
    const { cache: other } = await cacheOnFreshTable({ table: raw });
    const nodes = categoryKey(scope, 'aks-a', 'nodes');
    await cache.read(nodes, async () => 'first');
    await cache.invalidatePrefix(nodes);
    await other.read(categoryKey(scope, 'aks-a', 'events'), async () => 'theirs'); // moves the row's ETag, not its counter
    calls.length = 0;
    expect(await cache.read(nodes, async () => 'second')).toMatchObject({ stored: true });
    expect(cache.stats).toMatchObject({ conflicts: 1, dropped: 0 });
    expect(calls.filter((c) => c.startsWith('submitTransaction'))).toHaveLength(2);
  });

  it('a reading this instance stored, purged by another instance: the generation row is read before the fetch, the reading stored', async () => {
    const raw = await freshTable('cache');
    const { counted, calls } = countedTable(raw);
    const { cache } = await cacheOnFreshTable({ table: counted });
    const { cache: other } = await cacheOnFreshTable({ table: raw });
    const nodes = categoryKey(scope, 'aks-a', 'nodes');
    await cache.read(nodes, async () => 'first');
    await other.invalidatePrefix(nodes);
    calls.length = 0;
    expect(await cache.read(nodes, async () => 'second')).toMatchObject({ state: 'refreshed', value: 'second', stored: true });
    expect(calls.filter((c) => c === `getEntity ${GENERATION_ROW_KEY}`)).toHaveLength(2); // its own row, then the scope's
    expect(cache.stats).toMatchObject({ conflicts: 0, dropped: 0 });
  });

  it('writeBehind: the answer does not wait for the write; a second reader joins the fill; idle() waits for the write', async () => {
    const raw = await freshTable('cache');
    const gate = deferred();
    let held = 0;
    const hooked = hookedTable(raw, {
      beforeTransaction: async () => {
        held += 1;
        await gate.promise;
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    const nodes = categoryKey(scope, 'aks-a', 'nodes');
    const upstream = countingFetcher('fetched');
    const first = await cache.read(nodes, upstream.fetcher, { writeBehind: true });
    expect(first).toMatchObject({ state: 'refreshed', value: 'fetched', generation: 0 });
    expect(first.stored).toBeUndefined();
    expect(held).toBe(1); // the write is waiting
    expect(await cache.read(nodes, upstream.fetcher, { writeBehind: true })).toMatchObject({ state: 'refreshed', value: 'fetched' });
    expect(upstream.calls).toBe(1);
    gate.resolve();
    await cache.idle();
    expect(cache.stats.stored).toBe(1);
    expect(await cache.read(nodes, upstream.fetcher)).toMatchObject({ state: 'fresh', value: 'fetched' });
  });
});
