// parseKey against the builders over awkward names, and the storage mapping's round trip (keyOfRow ∘ locateKey),
// without a table: every key the builders make is parsed back to what built it, and nothing else parses.
import { describe, expect, it } from 'vitest';
import { categoryKey, clusterListKey, keyOfRow, locateKey, MONITOR_CATEGORIES, parseKey, type MonitorCategory } from '../../shared/cache/index.js';

const SUBSCRIPTIONS = ['00000000-0000-0000-0000-0000000000d1', 'ABCDEF00-0000-0000-0000-000000000000'];
const GROUPS = ['rg-elb-01', 'RG.With(Parens)_x', 'rg-%41-percent', 'rg/slash#hash?q', 'rg-ümlaut-日本', 'rg\u0001ctl'];
const CLUSTERS = ['aks-a', 'AKS_B-01', 'a', 'x'.repeat(63)];

describe('parseKey round trips', () => {
  it('every list key parses back to its scope (lower case: ARM names are case-insensitive)', () => {
    for (const subscriptionId of SUBSCRIPTIONS) {
      for (const resourceGroup of GROUPS) {
        const key = clusterListKey({ subscriptionId, resourceGroup });
        expect(parseKey(key)).toEqual({
          kind: 'list',
          key,
          scope: { subscriptionId: subscriptionId.toLowerCase(), resourceGroup: resourceGroup.toLowerCase() },
        });
        expect(keyOfRow(locateKey(key).partitionKey, locateKey(key).rowKey)).toBe(key);
      }
    }
  });

  it('every category key parses back to its scope, cluster and category, and maps to a row and back', () => {
    for (const resourceGroup of GROUPS) {
      for (const cluster of CLUSTERS) {
        for (const category of MONITOR_CATEGORIES) {
          const scope = { subscriptionId: SUBSCRIPTIONS[0]!, resourceGroup };
          const key = categoryKey(scope, cluster, category);
          expect(parseKey(key)).toEqual({
            kind: 'category',
            key,
            scope: { ...scope, resourceGroup: resourceGroup.toLowerCase() },
            cluster: cluster.toLowerCase(),
            category,
          });
          const { partitionKey, rowKey } = locateKey(key);
          expect(keyOfRow(partitionKey, rowKey)).toBe(key);
        }
      }
    }
  });

  it.each([
    ['', 'empty'],
    ['monitor', 'the root'],
    ['monitor:aks', 'the namespace'],
    ['monitor:aks:sub', 'a subscription'],
    ['monitor:aks::rg', 'an empty subscription'],
    ['monitor:aks:sub:rg:cluster', 'a cluster prefix'],
    ['monitor:aks:sub:rg::nodes', 'an empty cluster'],
    ['monitor:aks:sub:rg:cluster:secrets', 'an unknown category'],
    ['monitor:aks:sub:rg:cluster:nodes:extra', 'too deep'],
    ['monitor:blobs:sub:rg', 'an unknown namespace'],
    ['monitor:acr:sub:rg:extra', 'a registry key too deep'],
    ['monitor:rgs:sub', "a subscription's resource group list (left to its readers)"],
  ])('%j (%s) is no key', (key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  it('a category is one of the list, whatever the caller claims', () => {
    expect(() => categoryKey({ subscriptionId: 's', resourceGroup: 'r' }, 'c', 'secrets' as MonitorCategory)).toThrow(/unknown category/);
  });
});
