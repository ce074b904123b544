// Reusing a fresh reading just read from the table (recent.ts): Table reads counted on the real TableClient (every
// call still goes to Azurite), the window moved by a clock of the test's own.
import { describe, expect, it } from 'vitest';
import { clusterListKey, locateKey } from '../../shared/cache/index.js';
import type { StoredRow } from '../../shared/cache/rows.js';
import { RecentReadings } from '../../shared/cache/recent.js';
import { freshTable } from '../setup/tables.js';
import { cacheOnFreshTable, countedTable, countingFetcher, deferred, hookedTable, manualClock } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000c7', resourceGroup: 'rg-elb-01' };
const key = clusterListKey(scope);
const { rowKey } = locateKey(key);
const WINDOW_MS = 500;

/** A cache over a counted table, reusing readings for WINDOW_MS of `reuse` (a manual monotonic clock). */
async function reusingCache(table?: Awaited<ReturnType<typeof freshTable>>) {
  const { counted, calls } = countedTable(table ?? (await freshTable('cache')));
  const reuse = manualClock(0);
  const { cache, clock } = await cacheOnFreshTable({ table: counted, reuseWindowMs: WINDOW_MS, reuseClock: reuse.now });
  const gets = () => calls.filter((call) => call === `getEntity ${rowKey}`).length;
  return { cache, clock, reuse, gets, table: counted };
}

describe('reusing a fresh reading just read from the table', () => {
  it('answers it again within the window without a Table read, and reads the table once the window has passed', async () => {
    const { cache, reuse, gets } = await reusingCache();
    const upstream = countingFetcher(['a']);
    await cache.read(key, upstream.fetcher); // a miss: fetched and stored (this instance's own write is not reused)
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: ['a'] });
    const before = gets();
    for (let i = 0; i < 5; i++) {
      reuse.advance(WINDOW_MS / 5);
      expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: ['a'] });
    }
    expect(gets() - before).toBe(0);
    expect(cache.stats.reused).toBe(5);

    reuse.advance(1); // past the window
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh' });
    expect(gets() - before).toBe(1);
    expect(upstream.calls).toBe(1);
  });

  it('a reused value is decoded once and frozen: no reader can change it for the next', async () => {
    const { cache } = await reusingCache();
    const upstream = async () => [{ name: 'a' }];
    await cache.read(key, upstream);
    const first = await cache.read(key, upstream); // read from the table, kept
    const again = await cache.read(key, upstream); // reused
    expect(again.value).toBe(first.value);
    expect(() => {
      first.value[0]!.name = 'changed';
    }).toThrow(TypeError);
    expect((await cache.read(key, upstream)).value).toEqual([{ name: 'a' }]);
    expect(cache.stats.reused).toBe(2);
  });

  it('reuses only fresh readings: a stale one is read from the table and its refresh scheduled as before', async () => {
    const { cache, clock, gets } = await reusingCache();
    const upstream = countingFetcher((n) => [`v${n}`]);
    await cache.read(key, upstream.fetcher);
    await cache.read(key, upstream.fetcher); // read from the table: reusable now
    clock.advance(31_000); // past the TTL, within the reuse window
    const before = gets();
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'stale', value: ['v1'] });
    expect(gets() - before).toBe(1);
    await cache.idle();
    expect(upstream.calls).toBe(2);
  });

  it("this instance's own purge is seen at once", async () => {
    const { cache } = await reusingCache();
    const upstream = countingFetcher((n) => [`v${n}`]);
    await cache.read(key, upstream.fetcher);
    await cache.read(key, upstream.fetcher);
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: ['v1'] });
    await cache.invalidatePrefix(key);
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: ['v2'] });
  });

  it("another instance's purge is seen at most one window late", async () => {
    const a = await reusingCache();
    const b = await reusingCache(a.table);
    const upstream = countingFetcher((n) => [`v${n}`]);
    await a.cache.read(key, upstream.fetcher);
    await b.cache.read(key, upstream.fetcher); // b reads it from the table: reusable on b now
    await a.cache.invalidatePrefix(key);
    expect(await b.cache.read(key, upstream.fetcher)).toMatchObject({ state: 'fresh', value: ['v1'] }); // within the window
    b.reuse.advance(WINDOW_MS + 1);
    expect(await b.cache.read(key, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: ['v2'] });
  });

  it('a Table read that overlapped this instance’s purge is answered but not kept', async () => {
    const base = await freshTable('cache');
    const answered = deferred();
    const release = deferred();
    let hold = false;
    const hooked = hookedTable(base, {
      afterGetEntity: async (_pk, row) => {
        if (!hold || row !== rowKey) return;
        hold = false;
        answered.resolve();
        await release.promise;
      },
    });
    const { cache } = await reusingCache(hooked);
    const upstream = countingFetcher((n) => [`v${n}`]);
    await cache.read(key, upstream.fetcher);

    hold = true;
    const overlapping = cache.read(key, upstream.fetcher); // its get has the row as it was before the purge
    await answered.promise;
    await cache.invalidatePrefix(key);
    release.resolve();
    expect(await overlapping).toMatchObject({ value: ['v1'] }); // concurrent with the purge: either order is true
    expect(await cache.read(key, upstream.fetcher)).toMatchObject({ state: 'refreshed', value: ['v2'] });
  });

  it('a degraded reading is never reused', async () => {
    const { cache, gets } = await reusingCache();
    const options = { degradedParts: (value: string[]) => (value.includes('partial') ? ['kubernetes:/api/v1/pods 500'] : []) };
    await cache.read(key, async () => ['partial'], options);
    await cache.read(key, async () => ['partial'], options);
    const before = gets();
    expect(await cache.read(key, async () => ['partial'], options)).toMatchObject({ state: 'stale' });
    expect(gets() - before).toBe(1);
    expect(cache.stats.reused).toBe(0);
  });

  it('is off with a window of 0: every hit reads the table', async () => {
    const { counted, calls } = countedTable(await freshTable('cache'));
    const { cache } = await cacheOnFreshTable({ table: counted, reuseWindowMs: 0 });
    await cache.read(key, async () => ['a']);
    calls.length = 0;
    for (let i = 0; i < 3; i++) await cache.read(key, async () => ['a']);
    expect(calls.filter((call) => call === `getEntity ${rowKey}`)).toHaveLength(3);
    expect(cache.stats.reused).toBe(0);
  });
});

describe('what reuse keeps in memory', () => {
  const started = (recent: RecentReadings) => recent.begin();
  const rowOf = (name: string, d0: string) =>
    ({ location: locateKey(clusterListKey({ ...scope, resourceGroup: name })), entity: { enc: 'json', d0 } }) as unknown as StoredRow;

  it('drops what is past the window as new readings come, so only the last window is held', () => {
    const clock = manualClock(0);
    const recent = new RecentReadings(WINDOW_MS, clock.now);
    for (const name of ['rg-a', 'rg-b', 'rg-c']) recent.keep(rowOf(name, '[]'), [], started(recent));
    expect(recent.size.keys).toBe(3);
    clock.advance(WINDOW_MS + 1);
    recent.keep(rowOf('rg-d', '[]'), [], started(recent));
    expect(recent.size).toEqual({ keys: 1, weight: 2 });
  });

  it('stays within its bounds of keys and weight, the oldest going first, and never keeps one reading of over an eighth of the weight', () => {
    const recent = new RecentReadings(WINDOW_MS, manualClock(0).now, { keys: 3, weight: 800 });
    for (const name of ['rg-a', 'rg-b', 'rg-c', 'rg-d']) recent.keep(rowOf(name, 'x'.repeat(10)), [], started(recent));
    expect(recent.size).toEqual({ keys: 3, weight: 30 });
    expect(recent.recall(clusterListKey({ ...scope, resourceGroup: 'rg-a' }))).toBeUndefined();
    recent.keep(rowOf('rg-e', 'x'.repeat(100)), [], started(recent));
    expect(recent.size).toEqual({ keys: 3, weight: 120 });
    recent.keep(rowOf('rg-f', 'x'.repeat(101)), [], started(recent)); // over 800 / 8
    expect(recent.recall(clusterListKey({ ...scope, resourceGroup: 'rg-f' }))).toBeUndefined();
    expect(recent.size).toEqual({ keys: 3, weight: 120 });
  });
});
