// Generation rows nothing needs are removed by the timer, and only those: a row with a reading, a transition, a
// recent stamp, or one a fill or a purge touched after the timer's scan stays. A fill in flight re-stamps an old row
// before its snapshot, so the row it depends on is never judged idle.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterPrefix, GENERATION_ROW_KEY, locateKey, transitionRowLocation } from '../../shared/cache/index.js';
import { allRows, cacheOnFreshTable, heldFetcher } from './helpers.js';

const SCOPE = { subscriptionId: '0b1f6471-1bf0-4dda-aec3-111122223333', resourceGroup: 'rg-elb-01' };
const MIN = 60_000;
/** max(TTL 30 s + SWR 300 s, 10 min). */
const IDLE = 10 * MIN;
const clusterPartition = (cluster: string) => locateKey(categoryKey(SCOPE, cluster, 'nodes')).own.partitionKey;
const generationRows = async (table: Parameters<typeof allRows>[0]) =>
  (await allRows(table))
    .filter((row) => row.rowKey === GENERATION_ROW_KEY)
    .map((row) => row.partitionKey)
    .sort();

describe('removeUnneededGenerations', () => {
  it('removes an idle cluster row with nothing under it, keeps rows with a reading, a transition or a recent stamp', async () => {
    const { table, clock, cache } = await cacheOnFreshTable();
    for (const cluster of ['gone', 'kept', 'moving']) await cache.read(categoryKey(SCOPE, cluster, 'nodes'), async () => ({ cluster }));
    await cache.invalidatePrefix(clusterPrefix(SCOPE, 'gone')); // its reading goes, its row is bumped (and stamped)
    await cache.invalidatePrefix(clusterPrefix(SCOPE, 'moving'));
    const transition = transitionRowLocation(SCOPE, 'moving');
    await table.createEntity({ ...transition, cluster: 'moving', status: 'open' });

    clock.advance(IDLE - 1);
    expect(await cache.removeUnneededGenerations()).toBe(0); // not idle long enough
    clock.advance(2);
    expect(await cache.removeUnneededGenerations()).toBe(1);
    const rows = await generationRows(table);
    expect(rows).not.toContain(clusterPartition('gone'));
    expect(rows).toContain(clusterPartition('kept'));
    expect(rows).toContain(clusterPartition('moving'));
  });

  it('keeps a row a fill re-stamped after the scan, and the fill stores normally', async () => {
    const { table, clock, cache } = await cacheOnFreshTable();
    const key = categoryKey(SCOPE, 'slow', 'nodes');
    await cache.read(key, async () => ({ n: 1 }));
    await cache.invalidatePrefix(clusterPrefix(SCOPE, 'slow'));
    clock.advance(IDLE + 1);
    const scan = await cache.scan(); // the timer's scan: the row looks idle
    const held = heldFetcher({ n: 2 });
    const reading = cache.read(key, held.fetcher);
    await held.started; // the fill has taken its snapshot, re-stamping the row first
    expect(await cache.removeUnneededGenerations(clock.now(), scan)).toBe(0); // its ETag moved: kept
    held.release();
    expect((await reading).stored).toBe(true);
    expect(await generationRows(table)).toContain(clusterPartition('slow'));
  });

  it('stamps a row written before stamps existed, and removes it once idle', async () => {
    const { table, clock, cache } = await cacheOnFreshTable();
    const partitionKey = clusterPartition('legacy');
    await table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, counter: 3 });
    expect(await cache.removeUnneededGenerations()).toBe(0);
    expect((await table.getEntity<{ touchedAt?: number }>(partitionKey, GENERATION_ROW_KEY)).touchedAt).toBe(clock.now());
    clock.advance(IDLE + 1);
    expect(await cache.removeUnneededGenerations()).toBe(1);
    expect(await generationRows(table)).toEqual([]);
  });
});
