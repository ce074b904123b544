// Table Storage going away mid-test: reads answer `uncached`, nothing escapes; and the bounded TableClient factory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteTables } from '../../dev/azurite.js';
import { categoryKey, CacheStorageError, clusterListKey, createMonitorCache, scopePrefix } from '../../shared/cache/index.js';
import { createTableClient, isInsecureConnectionString } from '../../shared/tables.js';
import { collectingLog, countingFetcher, manualClock } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000f1', resourceGroup: 'rg-elb-01' };
const nodes = categoryKey(scope, 'aks-1', 'nodes');
const pods = categoryKey(scope, 'aks-1', 'pods');
const tables = (connectionString: string) => ({ connectionString, cacheTable: 'monitorcache', inspectorTable: 'inspector' });

describe('Azurite stopped mid-test', () => {
  let azurite: AzuriteTables;
  let table: TableClient;
  beforeAll(async () => {
    azurite = await startAzurite(); // a private one: this test stops it
    table = createTableClient(tables(azurite.connectionString));
    await table.createTable();
  });
  afterAll(() => azurite.stop());

  it('reads answer uncached from the fetcher, store nothing, and no storage error escapes', async () => {
    const clock = manualClock();
    const { log, entries } = collectingLog();
    const cache = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: clock.now, log });
    await cache.read(nodes, async () => 'stored while up');
    clock.advance(31_000); // stale, so the next read would answer from the store and refresh in the background

    await azurite.stop();

    const upstream = countingFetcher('live');
    expect(await cache.read(nodes, upstream.fetcher)).toMatchObject({
      value: 'live',
      state: 'uncached',
      stored: false,
      notStoredReason: 'storage-unavailable',
      generation: null,
    });
    expect(await cache.read(pods, upstream.fetcher)).toMatchObject({ value: 'live', state: 'uncached' });
    expect(await cache.read(clusterListKey(scope), upstream.fetcher)).toMatchObject({ state: 'uncached' });
    expect(upstream.calls).toBe(3);
    // the fetcher's own errors still reach the caller
    await expect(cache.read(nodes, async () => Promise.reject(new Error('arm down')))).rejects.toThrow('arm down');

    expect(await cache.peek(nodes)).toBeUndefined();
    expect(await cache.refreshExisting(nodes, upstream.fetcher)).toMatchObject({ stored: false, notStoredReason: 'storage-unavailable' });
    await expect(cache.listRefreshCandidates()).rejects.toBeDefined(); // the timer learns storage is down
    await expect(cache.invalidatePrefix(scopePrefix(scope))).rejects.toBeInstanceOf(CacheStorageError);
    await cache.idle();
    expect(cache.stats.uncached).toBe(3);
    expect(cache.stats.storageErrors).toBeGreaterThanOrEqual(3);
    const warnings = entries.filter((e) => e.level === 'warn' && e.event.startsWith('cache.storage'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((e) => !/AccountKey|Eby8vdM02xNOcqFl/.test(e.detail ?? ''))).toBe(true);
  });
});

describe('createTableClient', () => {
  it('allows http only for http endpoints (Azurite)', () => {
    expect(isInsecureConnectionString('UseDevelopmentStorage=true')).toBe(true);
    expect(isInsecureConnectionString('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/a;')).toBe(true);
    expect(isInsecureConnectionString('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net')).toBe(false);
  });

  it('needs a credential with an endpoint, and one of the two settings', () => {
    expect(() => createTableClient({ endpoint: 'https://acct.table.core.windows.net', cacheTable: 'c', inspectorTable: 'i' })).toThrow(/TokenCredential/);
    expect(() => createTableClient({ cacheTable: 'c', inspectorTable: 'i' })).toThrow(/TABLE_STORAGE_CONNECTION_STRING/);
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    const client = createTableClient({ endpoint: 'https://acct.table.core.windows.net', cacheTable: 'c', inspectorTable: 'i' }, 'other', credential);
    expect(client.tableName).toBe('other');
    expect(client.url).toBe('https://acct.table.core.windows.net');
  });
});
