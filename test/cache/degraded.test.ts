// Degraded readings at the cache level, with controlled interleavings of two instances on one table: a reading
// with a part that could not be read never replaces a complete one, not even one another instance stores while
// its fetch is in flight; a complete reading always replaces a degraded one.
import { describe, expect, it } from 'vitest';
import { categoryKey, createMonitorCache } from '../../shared/cache/index.js';
import { cacheOnFreshTable, countingFetcher, heldFetcher } from './helpers.js';

const KEY = categoryKey({ subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg' }, 'aks', 'nodes');
type Reading = { data: string[]; degraded: string[] };
const complete: Reading = { data: ['node-a', 'node-b'], degraded: [] };
const partial: Reading = { data: [], degraded: ['kubernetes:nodes 500'] };
const options = { degradedParts: (r: Reading) => r.degraded, degradedTtlSeconds: 5 };

describe('degraded readings', () => {
  it('a degraded fetch held while another instance stores a complete reading: the complete one stays', async () => {
    const { table, clock, cache: a } = await cacheOnFreshTable({ degradedTtlSeconds: 5 });
    const b = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: clock.now, degradedTtlSeconds: 5 });
    const held = heldFetcher(partial);
    const first = a.read(KEY, held.fetcher, options); // nothing stored: fetches, held
    await held.started;
    const stored = await b.read(KEY, countingFetcher(complete).fetcher, options); // meanwhile B stores a complete one
    expect(stored).toMatchObject({ state: 'refreshed', stored: true });
    held.release();
    const answered = await first;
    // A sees the complete reading B stored and serves it instead, saying what failed.
    expect(answered).toMatchObject({ value: complete, state: 'stale', failure: { parts: ['kubernetes:nodes 500'] } });
    expect((await a.peek<Reading>(KEY))?.value).toEqual(complete);
  });

  it('a degraded reading is stored only briefly, never fresh; a complete one replaces it', async () => {
    const { clock, cache } = await cacheOnFreshTable({ degradedTtlSeconds: 5 });
    expect(await cache.read(KEY, countingFetcher(partial).fetcher, options)).toMatchObject({ state: 'refreshed', stored: true });
    clock.advance(1_000);
    const again = countingFetcher(complete);
    expect(await cache.read(KEY, again.fetcher, options)).toMatchObject({ value: partial, state: 'stale' });
    expect(again.calls).toBe(0);
    clock.advance(5_000);
    expect(await cache.read(KEY, again.fetcher, options)).toMatchObject({ value: complete, state: 'refreshed', stored: true });
    clock.advance(1_000);
    expect(await cache.read(KEY, again.fetcher, options)).toMatchObject({ value: complete, state: 'fresh' });
    expect(cache.stats.notStored).toBe(0);
  });
});
