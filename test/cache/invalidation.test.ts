// invalidatePrefix / invalidateCluster against Azurite: boundary safety at every level, always-bump, big purges.
import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import {
  categoryKey,
  clusterListKey,
  clusterPrefix,
  GENERATION_ROW_KEY,
  keyMatchesPrefix,
  locateKey,
  MONITOR_CATEGORIES,
  scopePrefix,
  subscriptionPrefix,
  targetOfPrefix,
  type MonitorCache,
} from '../../shared/cache/index.js';
import { freshTable } from '../setup/tables.js';
import { allRows, cacheOnFreshTable, hookedTable } from './helpers.js';

const SUB = '00000000-0000-0000-0000-00000000000a';
const SUBS = [SUB, `${SUB}0`, `${SUB}-blue`];
const RGS = ['rg-elb-01', 'rg-elb-01-blue', 'rg-elb-010', 'rg-elb-01;x'];
const CLUSTERS = ['aks-1', 'aks-10', 'aks-1-blue', 'aks-1;x'];

/** 3 subscriptions × 4 resource groups × (cluster list + 4 clusters' nodes) = 60 keys, look-alikes at every level. */
function lookAlikeGrid(): string[] {
  const keys: string[] = [];
  for (const subscriptionId of SUBS) {
    for (const resourceGroup of RGS) {
      const scope = { subscriptionId, resourceGroup };
      keys.push(clusterListKey(scope));
      for (const cluster of CLUSTERS) keys.push(categoryKey(scope, cluster, 'nodes'));
    }
  }
  return keys;
}

async function seed(cache: MonitorCache, keys: readonly string[], parallel = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const result = await cache.read(key, async () => ({ key }));
        if (!result.stored) throw new Error(`seed ${key}: ${result.notStoredReason}`);
      }
    }),
  );
}

async function storedKeys(cache: MonitorCache, keys: readonly string[]): Promise<string[]> {
  const present = await Promise.all(keys.map(async (k) => ((await cache.peek(k)) ? k : undefined)));
  return present.filter((k): k is string => k !== undefined);
}

async function counters(table: TableClient, prefix: string): Promise<Record<string, unknown> | undefined> {
  const target = targetOfPrefix(prefix);
  if (target.level === 'none' || target.level === 'key') throw new Error('not a unit');
  try {
    const { list, tree, counter } = await table.getEntity(target.partitionKey, GENERATION_ROW_KEY);
    return Object.fromEntries(Object.entries({ list, tree, counter }).filter(([, v]) => v !== undefined));
  } catch {
    return undefined;
  }
}

const scopeA = { subscriptionId: SUB, resourceGroup: 'rg-elb-01' };

describe('invalidatePrefix: boundary safety with look-alikes', () => {
  // From narrow to broad on one seeded grid: each purge must remove exactly the keys equal to it or below it,
  // and leave every look-alike (checked after every step against the whole grid).
  const purges: Array<[string, string]> = [
    ['one category key', categoryKey(scopeA, 'aks-1', 'nodes')],
    ['a cluster', clusterPrefix(scopeA, 'aks-10')],
    ['a look-alike rg with a semicolon', scopePrefix({ subscriptionId: SUB, resourceGroup: 'rg-elb-01;x' })],
    ['a partial component (matches no key)', `monitor:aks:${SUB}:rg-elb`],
    ['a partial subscription (matches no key)', `monitor:aks:${SUB.slice(0, 30)}`],
    ['a resource group (scope)', scopePrefix(scopeA)],
    ['a subscription', subscriptionPrefix(SUB)],
    ['another namespace (matches no key)', 'monitor:aksx'],
    ['the root', 'monitor:aks'],
  ];

  it('removes exactly the keys at or below each prefix, from a key up to the root', async () => {
    const { cache } = await cacheOnFreshTable();
    const keys = lookAlikeGrid();
    await seed(cache, keys);
    let expected = keys;
    for (const [level, prefix] of purges) {
      await cache.invalidatePrefix(prefix);
      const removed = expected.filter((k) => keyMatchesPrefix(k, prefix));
      expected = expected.filter((k) => !keyMatchesPrefix(k, prefix));
      expect(await storedKeys(cache, keys), `after purging ${level}: ${prefix}`).toEqual(expected);
      if (!level.includes('matches no key')) expect(removed.length, level).toBeGreaterThan(0);
      if (prefix !== 'monitor:aks') expect(expected.length, level).toBeGreaterThan(0); // look-alikes survived
    }
    expect(expected).toEqual([]);
  });

  it('an empty prefix is a no-op: nothing deleted, no generation touched', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const keys = lookAlikeGrid();
    await seed(cache, keys);
    const before = (await allRows(table)).map((r) => `${r.partitionKey}|${r.rowKey}|${String(r.etag)}`).sort();
    expect(await cache.invalidatePrefix('')).toEqual({ level: 'none', bumped: 0, deleted: 0 });
    const after = (await allRows(table)).map((r) => `${r.partitionKey}|${r.rowKey}|${String(r.etag)}`).sort();
    expect(after).toEqual(before);
  });
});

describe('invalidatePrefix: always bumps the covering generation', () => {
  it('also when nothing matched, creating the generation row', async () => {
    const { cache, table } = await cacheOnFreshTable();
    expect(await counters(table, scopePrefix(scopeA))).toBeUndefined();
    expect(await cache.invalidatePrefix(scopePrefix(scopeA))).toMatchObject({ level: 'scope', deleted: 0, bumped: 1 });
    expect(await counters(table, scopePrefix(scopeA))).toEqual({ list: 1, tree: 1 });
    await cache.invalidatePrefix(clusterPrefix(scopeA, 'aks-1'));
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 1 });
    await cache.invalidatePrefix(categoryKey(scopeA, 'aks-1', 'pods'));
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 2 });
    // a subscription purge has no row of its own: it bumps every generation row below it
    expect(await cache.invalidatePrefix(subscriptionPrefix(SUB))).toMatchObject({ level: 'subscription', bumped: 2, deleted: 0 });
    expect(await counters(table, scopePrefix(scopeA))).toEqual({ list: 2, tree: 2 });
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 3 });
    expect(await cache.invalidatePrefix('monitor')).toMatchObject({ level: 'root', bumped: 2, deleted: 0 });
    expect(await counters(table, scopePrefix(scopeA))).toEqual({ list: 3, tree: 3 });
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 4 });
  });

  it('a scope purge bumps the rows of its clusters, not those of a look-alike scope', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const blue = { subscriptionId: SUB, resourceGroup: 'rg-elb-01-blue' };
    await seed(cache, [categoryKey(scopeA, 'aks-1', 'nodes'), categoryKey(blue, 'aks-1', 'nodes')]);
    await cache.invalidatePrefix(scopePrefix(scopeA));
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 1 });
    expect(await counters(table, clusterPrefix(blue, 'aks-1'))).toEqual({ counter: 0 });
    expect(await counters(table, scopePrefix(blue))).toBeUndefined();
  });
});

describe('invalidatePrefix: more than 100 rows', () => {
  // Categories outside MONITOR_CATEGORIES are storable through raw keys, which lets one partition hold > 100 readings.
  const bigCluster = clusterPrefix(scopeA, 'aks-big');
  const many = Array.from({ length: 120 }, (_, i) => `${bigCluster}:c${String(i).padStart(3, '0')}`);

  it('purges a partition of 120 readings in transactions of ≤ 100, and a scope of several partitions', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const siblings = MONITOR_CATEGORIES.map((c) => categoryKey(scopeA, 'aks-2', c));
    const lookAlike = categoryKey({ subscriptionId: SUB, resourceGroup: 'rg-elb-010' }, 'aks-big', 'nodes');
    await seed(cache, [...many, ...siblings, clusterListKey(scopeA), lookAlike], 4);

    expect(await cache.invalidatePrefix(bigCluster)).toMatchObject({ level: 'cluster', deleted: 120 });
    expect(await storedKeys(cache, many)).toEqual([]);
    expect(await storedKeys(cache, siblings)).toEqual(siblings);

    await seed(cache, many, 4);
    expect(await cache.invalidatePrefix(scopePrefix(scopeA))).toMatchObject({ level: 'scope', deleted: 120 + siblings.length + 1 });
    const readings = (await allRows(table)).filter((r) => r.rowKey.startsWith('v:'));
    expect(readings.map((r) => r.partitionKey)).toEqual([locateKey(lookAlike).partitionKey]);
  });

  it('copes with rows deleted concurrently (a 404 fails a whole transaction: re-query and retry)', async () => {
    const raw = await freshTable('cache');
    let stolen = 0;
    // Before the first delete transaction, another party deletes one of its rows.
    const hooked = hookedTable(raw, {
      beforeTransaction: async (actions) => {
        const first = actions[0]!;
        if (first[0] === 'delete' && actions.length > 1 && stolen === 0) {
          stolen += 1;
          await raw.deleteEntity(first[1].partitionKey, first[1].rowKey);
        }
      },
    });
    const { cache } = await cacheOnFreshTable({ table: hooked });
    await seed(cache, many, 4);
    const result = await cache.invalidatePrefix(bigCluster);
    expect(stolen).toBe(1);
    expect(cache.stats.deleteRetries).toBeGreaterThanOrEqual(1);
    expect(result.deleted).toBe(119);
    expect(await storedKeys(cache, many)).toEqual([]);
  });

  it('two purges of the same prefix at once both succeed and leave nothing', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const { cache: other } = await cacheOnFreshTable({ table });
    await seed(cache, many, 4);
    const [a, b] = await Promise.all([cache.invalidatePrefix(bigCluster), other.invalidatePrefix(bigCluster)]);
    expect(a.deleted + b.deleted).toBeGreaterThanOrEqual(120); // a row both saw may count twice, none is missed
    expect(await storedKeys(cache, many)).toEqual([]);
    expect(await counters(table, bigCluster)).toEqual({ counter: 2 });
  });
});

describe('invalidateCluster: the lifecycle purge', () => {
  it('removes the cluster list and the cluster, bumps list + the cluster; siblings and the tree untouched', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const a = MONITOR_CATEGORIES.map((c) => categoryKey(scopeA, 'aks-1', c));
    const lookAlike = MONITOR_CATEGORIES.map((c) => categoryKey(scopeA, 'aks-10', c));
    const blueList = clusterListKey({ subscriptionId: SUB, resourceGroup: 'rg-elb-01-blue' });
    await seed(cache, [clusterListKey(scopeA), ...a, ...lookAlike, blueList]);

    expect(await cache.invalidateCluster(scopeA, 'aks-1')).toMatchObject({ level: 'cluster', deleted: 1 + MONITOR_CATEGORIES.length }); // the list and every category
    expect(await storedKeys(cache, [clusterListKey(scopeA), ...a, ...lookAlike, blueList])).toEqual([...lookAlike, blueList]);
    expect(await counters(table, scopePrefix(scopeA))).toEqual({ list: 1, tree: 0 });
    expect(await counters(table, clusterPrefix(scopeA, 'aks-1'))).toEqual({ counter: 1 });
    expect(await counters(table, clusterPrefix(scopeA, 'aks-10'))).toEqual({ counter: 0 });
  });
});
