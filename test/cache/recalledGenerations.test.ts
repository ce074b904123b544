// A fill recalls its generation row from what this instance knows (issue 17), while the timer removes generation rows
// nothing needs (issue 13): a removed row re-created restarts its counter (0 from a fill, 1 from a purge's bump), so
// a remembered snapshot must never be taken for it. Controlled interleavings of two instances on one table, plus the
// composition of degraded readings with writeBehind.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterPrefix, createMonitorCache, GENERATION_ROW_KEY, locateKey } from '../../shared/cache/index.js';
import { allRows, cacheOnFreshTable, countingFetcher, heldFetcher, T0 } from './helpers.js';

const SCOPE = { subscriptionId: '0b1f6471-1bf0-4dda-aec3-444455556666', resourceGroup: 'rg-elb-01' };
const MIN = 60_000;
/** max(TTL 30 s + SWR 300 s, 10 min): a generation row idle this long with nothing under it may go. */
const IDLE = 10 * MIN;
const NODES = categoryKey(SCOPE, 'aks-a', 'nodes');
const PODS = categoryKey(SCOPE, 'aks-a', 'pods');
const PARTITION = locateKey(NODES).own.partitionKey;

async function generationRow(table: Parameters<typeof allRows>[0]) {
  return (await allRows(table)).find((row) => row.partitionKey === PARTITION && row.rowKey === GENERATION_ROW_KEY);
}

/** Instance A has stored a reading, then purged it: it remembers the cluster's generation row at counter 1. */
async function afterOwnPurge() {
  const { table, clock, cache: a } = await cacheOnFreshTable();
  const b = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: clock.now });
  await a.read(NODES, async () => 'first');
  await a.invalidatePrefix(clusterPrefix(SCOPE, 'aks-a'));
  expect(await generationRow(table)).toMatchObject({ counter: 1 });
  return { table, clock, a, b };
}

describe('a recalled generation row and the removal of unneeded generation rows', () => {
  it('removed and re-created at the same counter by a purge while the fill is in flight: the reading is dropped', async () => {
    const { table, a, b } = await afterOwnPurge();
    const held = heldFetcher('fetched before the purge');
    const reading = a.read(PODS, held.fetcher); // snapshot recalled: counter 1, no round trip for it
    await held.started;
    // The timer (its clock past the idle time: a fill outliving it, or a skewed clock) removes the row…
    expect(await b.removeUnneededGenerations(T0 + IDLE + 1)).toBe(1);
    expect(await generationRow(table)).toBeUndefined();
    // …and a purge overlapping the fetch re-creates it with its counter at 1: the counter A remembers.
    await b.invalidatePrefix(clusterPrefix(SCOPE, 'aks-a'));
    const recreated = await generationRow(table);
    expect(recreated).toMatchObject({ counter: 1 });
    held.release();
    expect(await reading).toMatchObject({ state: 'refreshed', value: 'fetched before the purge', stored: false, notStoredReason: 'generation-moved' });
    expect(await a.peek(PODS)).toBeUndefined();
    expect(a.stats).toMatchObject({ dropped: 1, stored: 1 });
    // The next fill decides on the re-created row and stores.
    expect(await a.read(PODS, async () => 'fetched after the purge')).toMatchObject({ stored: true });
    expect(await b.peek(PODS)).toMatchObject({ value: 'fetched after the purge' });
  });

  it('removed while the fill is in flight and not re-created: dropped, and the write re-creates nothing', async () => {
    const { table, a, b } = await afterOwnPurge();
    const held = heldFetcher('fetched');
    const reading = a.read(PODS, held.fetcher);
    await held.started;
    expect(await b.removeUnneededGenerations(T0 + IDLE + 1)).toBe(1);
    held.release();
    expect(await reading).toMatchObject({ stored: false, notStoredReason: 'generation-moved' });
    expect(a.stats.storageErrors).toBe(0);
    expect(await allRows(table)).toEqual([]);
  });

  it('a remembered row older than the re-stamp age is read again (and re-stamped) before the fetch, not recalled', async () => {
    const { table, clock, a, b } = await afterOwnPurge();
    clock.advance(IDLE + 1);
    expect(await b.removeUnneededGenerations()).toBe(1);
    await b.invalidatePrefix(clusterPrefix(SCOPE, 'aks-a')); // re-created at counter 1, before A's fetch
    const upstream = countingFetcher('fetched after the purge');
    expect(await a.read(PODS, upstream.fetcher)).toMatchObject({ state: 'refreshed', stored: true });
    expect(a.stats).toMatchObject({ dropped: 0, conflicts: 0 });
    expect(await generationRow(table)).toMatchObject({ counter: 1, touchedAt: clock.now() });
  });
});

describe('degraded readings with writeBehind', () => {
  type Reading = { data: string[]; degraded: string[] };
  const complete: Reading = { data: ['node-a'], degraded: [] };
  const partial: Reading = { data: [], degraded: ['kubernetes:nodes 500'] };
  const options = { degradedParts: (r: Reading) => r.degraded, writeBehind: true };

  it('a degraded fetch is not answered before its write: the complete reading stored meanwhile is served, with its version', async () => {
    const { table, clock, cache: a } = await cacheOnFreshTable({ degradedTtlSeconds: 5 });
    const b = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: clock.now, degradedTtlSeconds: 5 });
    const held = heldFetcher(partial);
    const first = a.read(NODES, held.fetcher, options);
    await held.started;
    const stored = await b.read(NODES, countingFetcher(complete).fetcher, { degradedParts: options.degradedParts });
    expect(stored).toMatchObject({ state: 'refreshed', stored: true });
    held.release();
    const answered = await first;
    expect(answered).toMatchObject({ value: complete, state: 'stale', failure: { parts: ['kubernetes:nodes 500'] } });
    expect(answered.version).toBeDefined();
    expect(answered.version).toBe(stored.version);
    await a.idle();
    expect((await a.peek<Reading>(NODES))?.value).toEqual(complete);
  });

  it('a complete fetch is answered at once; a degraded one stored over nothing is answered once written, never fresh', async () => {
    const { clock, cache } = await cacheOnFreshTable({ degradedTtlSeconds: 5 });
    const first = await cache.read(NODES, countingFetcher(partial).fetcher, options);
    expect(first).toMatchObject({ state: 'refreshed', value: partial, stored: true });
    clock.advance(1_000);
    expect(await cache.read(NODES, countingFetcher(complete).fetcher, options)).toMatchObject({ state: 'stale', value: partial });
    clock.advance(5_000);
    const replaced = await cache.read(NODES, countingFetcher(complete).fetcher, options);
    expect(replaced).toMatchObject({ state: 'refreshed', value: complete });
    expect(replaced.stored).toBeUndefined(); // answered before its write
    expect(replaced.version).not.toBe(first.version);
    await cache.idle();
    expect(await cache.read(NODES, countingFetcher(complete).fetcher, options)).toMatchObject({ state: 'fresh', value: complete, version: replaced.version });
  });
});
