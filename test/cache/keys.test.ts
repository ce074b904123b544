// Logical keys → PartitionKey/RowKey: reversible, safe, bounded; and a round trip through Azurite.
import { describe, expect, it } from 'vitest';
import {
  CacheKeyError,
  categoryKey,
  clusterListKey,
  clusterPrefix,
  countersOfPartition,
  decodeComponent,
  encodeComponent,
  keyMatchesPrefix,
  keyOfRow,
  locateKey,
  MAX_STORAGE_KEY_LENGTH,
  parseKey,
  MONITOR_CATEGORIES,
  containerUsageKey,
  registryOverviewKey,
  storageOverviewKey,
  resourceGroupListKey,
  subscriptionListKey,
  scopePrefix,
  targetOfPrefix,
  transitionRowLocation,
  type MonitorCategory,
} from '../../shared/cache/index.js';
import { cacheOnFreshTable } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000d1', resourceGroup: 'rg-elb-01' };

describe('parseKey', () => {
  it('is the inverse of the key builders, and names nothing else', () => {
    expect(parseKey(clusterListKey(scope))).toEqual({ kind: 'list', key: clusterListKey(scope), scope });
    const key = categoryKey(scope, 'AKS-A', 'nodes');
    expect(parseKey(key)).toEqual({ kind: 'category', key, scope, cluster: 'aks-a', category: 'nodes' });
    for (const other of [clusterPrefix(scope, 'aks-a'), `${clusterPrefix(scope, 'aks-a')}:bogus`, `${key}:more`, 'monitor:aks:sub', 'other:aks:s:rg']) {
      expect(parseKey(other)).toBeUndefined();
    }
  });
});

describe('the subscription list kind', () => {
  it('is one key of its own shape, parsed back, located in a partition no scope purge reaches', () => {
    const key = subscriptionListKey();
    expect(key).toBe('monitor:subs:*:*');
    expect(parseKey(key)).toEqual({ kind: 'subscriptions', key });
    for (const other of ['monitor:subs:*', `monitor:subs:${scope.subscriptionId}:*`, 'monitor:subs:*:*:x:y', `${key}:more`])
      expect(parseKey(other)).toBeUndefined();
    expect(locateKey(key)).toMatchObject({ kind: 'list', partitionKey: key, rowKey: 'v:', own: { name: 'list' }, ancestors: [] });
    // Boundary-safe: neither a subscription's nor a scope's prefix covers it; only the whole namespace does.
    for (const prefix of [scopePrefix(scope), `monitor:aks:${scope.subscriptionId}`, 'monitor:aks', 'monitor:subs:*:']) {
      expect(keyMatchesPrefix(key, prefix)).toBe(false);
    }
    expect(keyMatchesPrefix(key, 'monitor')).toBe(true);
    expect(keyMatchesPrefix(key, 'monitor:subs')).toBe(true);
  });
});

describe('the scope-level resource kinds (storage, registries)', () => {
  const blue = { ...scope, resourceGroup: 'rg-elb-01-blue' };

  it('build their own namespaces and parse back', () => {
    expect(storageOverviewKey(scope)).toBe('monitor:storage:00000000-0000-0000-0000-0000000000d1:rg-elb-01');
    expect(containerUsageKey(scope, 'ElbData', 'blast-db')).toBe(`${storageOverviewKey(scope)}:elbdata:blast-db`);
    expect(registryOverviewKey(scope)).toBe('monitor:acr:00000000-0000-0000-0000-0000000000d1:rg-elb-01');
    expect(parseKey(storageOverviewKey(scope))).toEqual({ kind: 'storage', key: storageOverviewKey(scope), scope });
    const usage = containerUsageKey(scope, 'elbdata', 'blast-db');
    expect(parseKey(usage)).toEqual({ kind: 'storage-usage', key: usage, scope, account: 'elbdata', container: 'blast-db' });
    expect(parseKey(registryOverviewKey(scope))).toEqual({ kind: 'registry', key: registryOverviewKey(scope), scope });
    for (const other of [`${registryOverviewKey(scope)}:reg:x`, `${storageOverviewKey(scope)}:elbdata`, `${usage}:more`, 'monitor:other:s:rg']) {
      expect(parseKey(other)).toBeUndefined();
    }
    expect(() => containerUsageKey(scope, 'a:b', 'c')).toThrow(CacheKeyError);
  });

  it('lay out like the AKS keys: the overview in the scope partition, usage in its account partition, round trips kept', () => {
    const overview = locateKey(storageOverviewKey(scope));
    const usage = locateKey(containerUsageKey(scope, 'elbdata', 'blast-db'));
    expect(overview).toMatchObject({ partitionKey: storageOverviewKey(scope), rowKey: 'v:', own: { name: 'list' }, ancestors: [] });
    expect(usage).toMatchObject({
      partitionKey: `${storageOverviewKey(scope)}:elbdata`,
      rowKey: 'v:blast-db',
      own: { name: 'counter' },
      ancestors: [{ partitionKey: storageOverviewKey(scope), name: 'tree' }],
    });
    for (const key of [storageOverviewKey(scope), containerUsageKey(scope, 'elbdata', 'blast-db'), registryOverviewKey(scope)]) {
      const location = locateKey(key);
      expect(keyOfRow(location.partitionKey, location.rowKey)).toBe(key);
    }
  });

  it('are boundary-safe: rg-elb-01 never matches rg-elb-01-blue, and kinds never match each other', () => {
    expect(keyMatchesPrefix(storageOverviewKey(blue), storageOverviewKey(scope))).toBe(false);
    expect(keyMatchesPrefix(containerUsageKey(blue, 'a', 'c'), storageOverviewKey(scope))).toBe(false);
    expect(keyMatchesPrefix(containerUsageKey(scope, 'a', 'c'), storageOverviewKey(scope))).toBe(true);
    expect(keyMatchesPrefix(registryOverviewKey(blue), registryOverviewKey(scope))).toBe(false);
    expect(keyMatchesPrefix(storageOverviewKey(scope), clusterListKey(scope))).toBe(false);
    expect(keyMatchesPrefix(containerUsageKey(scope, 'elbdata', 'c'), `${storageOverviewKey(scope)}:elb`)).toBe(false);
    expect(targetOfPrefix(storageOverviewKey(scope)).level).toBe('scope');
    expect(targetOfPrefix('monitor:storage').level).toBe('root');
    expect(targetOfPrefix('monitor')).toMatchObject({ level: 'root', partitionKey: 'monitor' }); // every kind below it
  });

  it('purge one scope without touching its look-alike, in Table Storage', async () => {
    const { cache } = await cacheOnFreshTable();
    for (const key of [containerUsageKey(scope, 'a', 'c'), containerUsageKey(blue, 'a', 'c'), registryOverviewKey(scope), registryOverviewKey(blue)]) {
      await cache.read(key, async () => key);
    }
    await cache.invalidatePrefix(storageOverviewKey(scope));
    await cache.invalidatePrefix(registryOverviewKey(scope));
    expect(await cache.peek(containerUsageKey(scope, 'a', 'c'))).toBeUndefined();
    expect(await cache.peek(registryOverviewKey(scope))).toBeUndefined();
    expect((await cache.peek(containerUsageKey(blue, 'a', 'c')))?.value).toBe(containerUsageKey(blue, 'a', 'c'));
    expect((await cache.peek(registryOverviewKey(blue)))?.value).toBe(registryOverviewKey(blue));
  });
});

describe('key builders', () => {
  it('build the documented keys, lowercasing case-insensitive ARM names', () => {
    expect(clusterListKey(scope)).toBe('monitor:aks:00000000-0000-0000-0000-0000000000d1:rg-elb-01');
    expect(scopePrefix({ ...scope, resourceGroup: 'RG-ELB-01' })).toBe(clusterListKey(scope));
    expect(clusterPrefix(scope, 'AKS-1')).toBe(`${clusterListKey(scope)}:aks-1`);
    expect(categoryKey(scope, 'aks-1', 'warmup-status')).toBe(`${clusterListKey(scope)}:aks-1:warmup-status`);
    expect(MONITOR_CATEGORIES).toEqual(['nodes', 'pods', 'top-nodes', 'warmup-status', 'events', 'jobs']);
  });

  it('reject what cannot be a key component', () => {
    expect(() => clusterPrefix(scope, 'a:b')).toThrow(CacheKeyError);
    expect(() => clusterPrefix(scope, '')).toThrow(CacheKeyError);
    expect(() => scopePrefix({ ...scope, resourceGroup: '' })).toThrow(CacheKeyError);
    expect(() => categoryKey(scope, 'aks-1', 'secrets' as MonitorCategory)).toThrow(/unknown category/);
  });
});

describe('storage mapping', () => {
  it('puts the list in the scope partition and categories in the cluster partition', () => {
    const list = locateKey(clusterListKey(scope));
    const nodes = locateKey(categoryKey(scope, 'aks-1', 'nodes'));
    expect(list).toMatchObject({ kind: 'list', partitionKey: clusterListKey(scope), rowKey: 'v:', own: { name: 'list' }, ancestors: [] });
    expect(nodes).toMatchObject({
      kind: 'category',
      partitionKey: clusterPrefix(scope, 'aks-1'),
      rowKey: 'v:nodes',
      own: { partitionKey: clusterPrefix(scope, 'aks-1'), name: 'counter' },
      ancestors: [{ partitionKey: clusterListKey(scope), name: 'tree' }],
    });
    const transition = transitionRowLocation(scope, 'aks-1');
    expect(transition).toEqual({ partitionKey: clusterListKey(scope), rowKey: 't:aks-1' });
  });

  it("keeps a subscription's resource group list in a partition of its own, outside every scope and purge", () => {
    const key = resourceGroupListKey('00000000-0000-0000-0000-0000000000D1');
    expect(key).toBe('monitor:rgs:00000000-0000-0000-0000-0000000000d1');
    const location = locateKey(key);
    expect(location).toEqual({ key, kind: 'list', partitionKey: key, rowKey: 'v:', own: { partitionKey: key, name: 'counter' }, ancestors: [] });
    expect(countersOfPartition(location.partitionKey)).toEqual(['counter']);
    expect(keyOfRow(location.partitionKey, location.rowKey)).toBe(key);
    expect(parseKey(key)).toBeUndefined(); // the refresh timer leaves it to its readers
    // No resource group name makes it, and no monitor:aks purge reaches it.
    expect(keyMatchesPrefix(key, 'monitor:aks')).toBe(false);
    expect(targetOfPrefix(key)).toEqual({ level: 'none', prefix: key });
  });

  const awkward = ['rg/with/slash', 'rg\\back', 'rg#hash', 'rg?q', 'rg%25pct', 'rg\u0001ctl\u007f\u009f', "rg'quote", 'rg;semi', 'rg é ü 日本', 'rg😀'];

  it.each(awkward)('encodes %j reversibly, with no forbidden character left', (resourceGroup) => {
    for (const key of [clusterListKey({ ...scope, resourceGroup }), categoryKey({ ...scope, resourceGroup }, 'aks/1#x', 'pods')]) {
      const location = locateKey(key);
      for (const storageKey of [location.partitionKey, location.rowKey]) {
        // eslint-disable-next-line no-control-regex -- the characters Table Storage refuses in a key include the control ones
        expect(storageKey).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
      }
      expect(keyOfRow(location.partitionKey, location.rowKey)).toBe(key);
    }
  });

  it('percent-encodes the escape character itself, so decoding is exact', () => {
    expect(encodeComponent('a%2Fb/c')).toBe('a%252Fb%2Fc');
    expect(decodeComponent(encodeComponent('a%2Fb/c'))).toBe('a%2Fb/c');
  });

  it('rejects keys that are not monitor keys, have empty components or lone surrogates', () => {
    for (const bad of [
      '',
      'monitor:aks',
      'monitor:aks:sub',
      'monitor:aks:sub:rg:cluster',
      'monitor:gke:sub:rg',
      'x:aks:sub:rg',
      'monitor:aks:sub::',
      'monitor:aks:sub:rg:c:nodes:extra',
      'monitor:aks:sub:rg\ud800',
    ]) {
      expect(() => locateKey(bad), bad).toThrow(CacheKeyError);
    }
  });

  it(`rejects keys longer than ${MAX_STORAGE_KEY_LENGTH} characters once encoded, with a clear error`, () => {
    const base = `monitor:aks:${scope.subscriptionId}:`;
    expect(() => locateKey(base + 'r'.repeat(MAX_STORAGE_KEY_LENGTH - base.length))).not.toThrow();
    expect(() => locateKey(base + 'r'.repeat(MAX_STORAGE_KEY_LENGTH - base.length + 1))).toThrow(/over the limit of 512/);
    // encoding grows a key: 200 slashes become 600 characters
    expect(() => locateKey(base + '/'.repeat(200))).toThrow(CacheKeyError);
  });
});

describe('prefixes', () => {
  it('classify by level; what no key can match is none', () => {
    expect(targetOfPrefix('').level).toBe('none');
    expect(targetOfPrefix('monitor').level).toBe('root');
    expect(targetOfPrefix('monitor:aks').level).toBe('root');
    expect(targetOfPrefix('monitor:aks:sub').level).toBe('subscription');
    expect(targetOfPrefix(scopePrefix(scope)).level).toBe('scope');
    expect(targetOfPrefix(clusterPrefix(scope, 'aks-1')).level).toBe('cluster');
    expect(targetOfPrefix(categoryKey(scope, 'aks-1', 'pods')).level).toBe('key');
    for (const none of ['mon', 'monitor:', 'monitor:aks:', 'monitor:aksx', 'other:aks:sub', `${categoryKey(scope, 'aks-1', 'pods')}:deeper`]) {
      expect(targetOfPrefix(none).level, none).toBe('none');
    }
  });

  it('match boundary-safely', () => {
    const rg = scopePrefix(scope);
    expect(keyMatchesPrefix(rg, rg)).toBe(true);
    expect(keyMatchesPrefix(`${rg}:aks-1:nodes`, rg)).toBe(true);
    for (const lookAlike of ['rg-elb-01-blue', 'rg-elb-010', 'rg-elb-01;x']) {
      expect(keyMatchesPrefix(scopePrefix({ ...scope, resourceGroup: lookAlike }), rg)).toBe(false);
    }
    expect(keyMatchesPrefix(rg, '')).toBe(false);
  });
});

describe('through Azurite', () => {
  it('stores and finds awkward keys, and the refresh scan hands back the logical keys', async () => {
    const { cache, clock } = await cacheOnFreshTable();
    const keys = awkwardKeys();
    for (const key of keys) expect((await cache.read(key, async () => key)).stored, key).toBe(true);
    for (const key of keys) expect((await cache.peek(key))?.value).toBe(key);
    clock.advance(31_000);
    expect((await cache.listRefreshCandidates()).map((c) => c.key).sort()).toEqual([...keys].sort());
    await cache.invalidatePrefix(scopePrefix({ ...scope, resourceGroup: 'rg/with/slash' }));
    expect(await cache.peek(keys[0]!)).toBeUndefined();
    expect((await cache.peek(keys[2]!))?.value).toBe(keys[2]);
  });
});

function awkwardKeys(): string[] {
  return [
    clusterListKey({ ...scope, resourceGroup: 'rg/with/slash' }),
    categoryKey({ ...scope, resourceGroup: 'rg/with/slash' }, 'aks#1?', 'nodes'),
    clusterListKey({ ...scope, resourceGroup: 'rg%2Fwith%2Fslash' }),
    clusterListKey({ ...scope, resourceGroup: "rg'\\\u0007 é😀" }),
  ];
}
