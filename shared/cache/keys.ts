// Logical cache keys and where they live in Table Storage.
//
// Logical keys (what the monitor and lifecycle code see), one namespace kind per family of readings:
//   monitor:aks:{sub}:{rg}                              cluster list of a scope
//   monitor:aks:{sub}:{rg}:{cluster}:{category}         one category of one cluster
//   monitor:storage:{sub}:{rg}                          the scope's storage accounts and containers (ARM)
//   monitor:storage:{sub}:{rg}:{account}:{container}    one container's usage (blob data plane; its own, longer TTL)
//   monitor:acr:{sub}:{rg}                              the scope's container registries (ARM + registry data plane)
//   monitor:subs:*:*                                    the subscriptions the app's identity can list (display names)
//   monitor:rgs:{sub}                                   resource groups of a subscription (admits {sub}/* scopes)
// Every kind but `rgs` has the same shape (scope, then a unit below it, then a reading), so the layout, purges and the
// boundary-safe prefixes below work alike for all of them; `rgs` is one reading per subscription, in a partition of
// its own that no scope or cluster purge reaches.
//
// Partitions follow the purge units (docs/architecture.md §3); PartitionKey = the encoded logical prefix of the unit,
// and the rows inside a partition are laid out by ./layout.ts. Components are encoded one by one and joined with ':'.
import type { Scope } from '../scope.js';
import { READING_ROW_PREFIX, TRANSITION_ROW_PREFIX } from './layout.js';
import type { MonitorCategory } from '../wire/index.js';
export type { MonitorCategory };
import { MONITOR_CATEGORIES, isMonitorCategory } from '../wire/index.js';
export { MONITOR_CATEGORIES, isMonitorCategory };

export type MonitorScope = Scope;

/** A key or prefix that cannot be a cache key, or cannot be stored in Table Storage. */
export class CacheKeyError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Cache key "${key.length > 80 ? `${key.slice(0, 80)}…` : key}": ${problem}`);
    this.name = 'CacheKeyError';
  }
}

export const KEY_NAMESPACE = ['monitor', 'aks'] as const;
/**
 * The namespace kinds under `monitor`: the AKS readings, the scope-level resource readings (storage, registries), and
 * the identity's subscription list (one reading, no scope of its own).
 */
export const KEY_KINDS = ['aks', 'storage', 'acr', 'subs'] as const;
export type KeyNamespaceKind = (typeof KEY_KINDS)[number];
export const SEPARATOR = ':';
/** Azurite rejects keys over 512 UTF-16 code units; Azure allows 1 KiB (512 UTF-16 code units as Azure counts). */
export const MAX_STORAGE_KEY_LENGTH = 512;

// --- builders -------------------------------------------------------------------------------------------------
// ARM names are case-insensitive, so the builders lowercase them: one cluster, one key, whatever the caller's casing.

function component(value: string, what: string): string {
  const v = value.toLowerCase();
  if (!v) throw new CacheKeyError(value, `${what} is empty`);
  if (v.includes(SEPARATOR)) throw new CacheKeyError(value, `${what} may not contain "${SEPARATOR}"`);
  return v;
}

export function scopePrefix(scope: MonitorScope, kind: KeyNamespaceKind = 'aks'): string {
  return [KEY_NAMESPACE[0], kind, component(scope.subscriptionId, 'subscriptionId'), component(scope.resourceGroup, 'resourceGroup')].join(SEPARATOR);
}

export function subscriptionPrefix(subscriptionId: string): string {
  return [...KEY_NAMESPACE, component(subscriptionId, 'subscriptionId')].join(SEPARATOR);
}

/**
 * A subscription's resource groups (ARM's resource group list): one reading per subscription, in a partition of its
 * own, `monitor:rgs:{sub}`, outside `monitor:aks`, so no scope or cluster purge touches it and no resource group name
 * can make its key. Its generation row has one `counter`, removed when idle like a cluster's.
 */
export const RESOURCE_GROUPS_NAMESPACE = ['monitor', 'rgs'] as const;

export function resourceGroupListKey(subscriptionId: string): string {
  return [...RESOURCE_GROUPS_NAMESPACE, component(subscriptionId, 'subscriptionId')].join(SEPARATOR);
}

function isResourceGroupList(parts: readonly string[]): boolean {
  return parts.length === 3 && parts[0] === RESOURCE_GROUPS_NAMESPACE[0] && parts[1] === RESOURCE_GROUPS_NAMESPACE[1] && parts[2] !== '';
}

/** The cluster list of a scope; it is also the scope's prefix. */
export function clusterListKey(scope: MonitorScope): string {
  return scopePrefix(scope);
}

export function clusterPrefix(scope: MonitorScope, cluster: string): string {
  return `${scopePrefix(scope)}${SEPARATOR}${component(cluster, 'cluster')}`;
}

export function categoryKey(scope: MonitorScope, cluster: string, category: MonitorCategory): string {
  if (!isMonitorCategory(category)) throw new CacheKeyError(String(category), `unknown category (one of ${MONITOR_CATEGORIES.join(', ')})`);
  return `${clusterPrefix(scope, cluster)}${SEPARATOR}${category}`;
}

/** The storage overview of a scope: its accounts and their blob containers, from ARM. */
export function storageOverviewKey(scope: MonitorScope): string {
  return scopePrefix(scope, 'storage');
}

/** One blob container's usage (count, bytes, newest blob; databases), under its account's unit. */
export function containerUsageKey(scope: MonitorScope, account: string, container: string): string {
  return [storageOverviewKey(scope), component(account, 'account'), component(container, 'container')].join(SEPARATOR);
}

/** The container registries of a scope, with their repositories and expected images. */
export function registryOverviewKey(scope: MonitorScope): string {
  return scopePrefix(scope, 'acr');
}

const ALL = '*';

/**
 * The subscriptions ARM lists for the app's identity: one reading for all of them, so `*` stands where a scope's
 * subscription and resource group stand (the key keeps the common shape; its kind is its own).
 */
export function subscriptionListKey(): string {
  return [KEY_NAMESPACE[0], 'subs', ALL, ALL].join(SEPARATOR);
}

/** What a logical key names: a scope's cluster list, one category of one cluster, or a scope-level resource reading. */
export type ParsedKey =
  | { kind: 'list'; key: string; scope: MonitorScope }
  | { kind: 'category'; key: string; scope: MonitorScope; cluster: string; category: MonitorCategory }
  | { kind: 'storage'; key: string; scope: MonitorScope }
  | { kind: 'storage-usage'; key: string; scope: MonitorScope; account: string; container: string }
  | { kind: 'registry'; key: string; scope: MonitorScope }
  | { kind: 'subscriptions'; key: string };

/** The inverse of the key builders; undefined for anything else (a prefix, another namespace, an unknown category). */
export function parseKey(key: string): ParsedKey | undefined {
  const [namespace, kind, subscriptionId, resourceGroup, unit, reading, ...rest] = key.split(SEPARATOR);
  if (namespace !== KEY_NAMESPACE[0] || !subscriptionId || !resourceGroup || rest.length) return undefined;
  const scope = { subscriptionId, resourceGroup };
  const whole = unit === undefined;
  if (!whole && (!unit || !reading)) return undefined;
  switch (kind) {
    case 'aks':
      if (whole) return { kind: 'list', key, scope };
      return isMonitorCategory(reading!) ? { kind: 'category', key, scope, cluster: unit, category: reading } : undefined;
    case 'storage':
      return whole ? { kind: 'storage', key, scope } : { kind: 'storage-usage', key, scope, account: unit, container: reading! };
    case 'acr':
      return whole ? { kind: 'registry', key, scope } : undefined;
    case 'subs':
      return whole && subscriptionId === ALL && resourceGroup === ALL ? { kind: 'subscriptions', key } : undefined;
    default:
      return undefined;
  }
}

// --- encoding -------------------------------------------------------------------------------------------------
// Table Storage forbids / \ # ? and control characters in keys; % is the escape character itself.
// Each is written as %XX (all are below U+0100). ':' never occurs inside a component (it is the separator).

// eslint-disable-next-line no-control-regex -- matching control characters is the point: Table Storage forbids them in keys.
const FORBIDDEN = /[/\\#?%\u0000-\u001f\u007f-\u009f]/g;

export function encodeComponent(value: string): string {
  return value.replace(FORBIDDEN, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function decodeComponent(value: string): string {
  return value.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function encodePath(components: readonly string[]): string {
  return components.map(encodeComponent).join(SEPARATOR);
}

function checkStorable(key: string, storageKey: string, what: string): string {
  if (storageKey.length > MAX_STORAGE_KEY_LENGTH) {
    throw new CacheKeyError(key, `${what} is ${storageKey.length} characters once encoded, over the limit of ${MAX_STORAGE_KEY_LENGTH}`);
  }
  return storageKey;
}

// --- locations ------------------------------------------------------------------------------------------------

export type CounterName = 'list' | 'tree' | 'counter';

/** One counter of one generation row. */
export interface CounterRef {
  partitionKey: string;
  name: CounterName;
}

export type KeyKind = 'list' | 'category';

/** Where a logical key is stored, and which generation counters cover it. */
export interface KeyLocation {
  key: string;
  kind: KeyKind;
  partitionKey: string;
  rowKey: string;
  /** The counter in the reading's own partition: the transaction guard of every write. */
  own: CounterRef;
  /** The scope's `tree` for a category key, checked at write time (it lives in another partition). */
  ancestors: CounterRef[];
}

/** Splits a logical key or prefix; throws for characters that can never be stored (lone surrogates). */
function splitKey(key: string): string[] {
  if (/\p{Cs}/u.test(key)) throw new CacheKeyError(key, 'contains a lone surrogate');
  return key.split(SEPARATOR);
}

function isNamespace(parts: readonly string[]): boolean {
  return parts[0] === KEY_NAMESPACE[0] && (KEY_KINDS as readonly string[]).includes(parts[1] ?? '');
}

/** Maps a logical key to its row and covering counters; CacheKeyError if it is not a monitor key or cannot be stored. */
export function locateKey(key: string): KeyLocation {
  const parts = splitKey(key);
  if (isResourceGroupList(parts)) {
    const partitionKey = checkStorable(key, encodePath(parts), 'PartitionKey');
    return { key, kind: 'list', partitionKey, rowKey: READING_ROW_PREFIX, own: { partitionKey, name: 'counter' }, ancestors: [] };
  }
  if (!isNamespace(parts) || (parts.length !== 4 && parts.length !== 6)) {
    throw new CacheKeyError(key, `expected monitor:{${KEY_KINDS.join('|')}}:{sub}:{rg} or monitor:{kind}:{sub}:{rg}:{unit}:{reading}`);
  }
  if (parts.some((p) => p === '')) throw new CacheKeyError(key, 'has an empty component');
  const scopePk = checkStorable(key, encodePath(parts.slice(0, 4)), 'PartitionKey');
  if (parts.length === 4) {
    // A scope purge bumps `list` and `tree` together, so the list key needs only `list`.
    return { key, kind: 'list', partitionKey: scopePk, rowKey: READING_ROW_PREFIX, own: { partitionKey: scopePk, name: 'list' }, ancestors: [] };
  }
  const clusterPk = checkStorable(key, encodePath(parts.slice(0, 5)), 'PartitionKey');
  return {
    key,
    kind: 'category',
    partitionKey: clusterPk,
    rowKey: checkStorable(key, READING_ROW_PREFIX + encodeComponent(parts[5]!), 'RowKey'),
    own: { partitionKey: clusterPk, name: 'counter' },
    ancestors: [{ partitionKey: scopePk, name: 'tree' }],
  };
}

/** The inverse of locateKey for reading rows. */
export function keyOfRow(partitionKey: string, rowKey: string): string {
  if (!rowKey.startsWith(READING_ROW_PREFIX)) throw new CacheKeyError(rowKey, 'not a reading row');
  const base = partitionKey.split(SEPARATOR).map(decodeComponent).join(SEPARATOR);
  const rest = rowKey.slice(READING_ROW_PREFIX.length);
  return rest ? `${base}${SEPARATOR}${decodeComponent(rest)}` : base;
}

/** The counters of a unit's generation row, by the number of components of its PartitionKey (scope 4, cluster 5). */
export function countersOfPartition(partitionKey: string): CounterName[] {
  if (isResourceGroupList(partitionKey.split(SEPARATOR))) return ['counter'];
  const depth = partitionKey.split(SEPARATOR).length;
  if (depth === 4) return ['list', 'tree'];
  if (depth === 5) return ['counter'];
  throw new CacheKeyError(partitionKey, 'no generation row at this level');
}

/** Where a transition row of a cluster lives (the scope's partition, RowKey `t:{cluster}`): never a reading. */
export function transitionRowLocation(scope: MonitorScope, cluster: string): { partitionKey: string; rowKey: string } {
  const parts = splitKey(clusterPrefix(scope, cluster));
  const partitionKey = encodePath(parts.slice(0, 4));
  return { partitionKey, rowKey: checkStorable(parts.join(SEPARATOR), TRANSITION_ROW_PREFIX + encodeComponent(parts[4]!), 'RowKey') };
}

// --- prefixes -------------------------------------------------------------------------------------------------

export type PrefixLevel = 'root' | 'subscription' | 'scope' | 'cluster' | 'key';

/**
 * What a prefix covers. `none`: no cache key can equal it or start with it plus ':' (empty prefix, another
 * namespace, an empty component, deeper than a key), so an invalidation has nothing to do.
 */
export type PrefixTarget =
  | { level: 'none'; prefix: string }
  | { level: Exclude<PrefixLevel, 'key'>; prefix: string; partitionKey: string }
  | { level: 'key'; prefix: string; location: KeyLocation };

export function targetOfPrefix(prefix: string): PrefixTarget {
  if (prefix === '') return { level: 'none', prefix };
  const parts = splitKey(prefix);
  if (parts.some((p) => p === '')) return { level: 'none', prefix };
  // 'monitor' alone covers every key of every kind; 'monitor:aks' (a kind) every key of that kind.
  if (parts.length === 1 && parts[0] === KEY_NAMESPACE[0]) return { level: 'root', prefix, partitionKey: KEY_NAMESPACE[0] };
  if (!isNamespace(parts) || parts.length > 6) return { level: 'none', prefix };
  if (parts.length === 6) return { level: 'key', prefix, location: locateKey(prefix) };
  const levels = { 2: 'root', 3: 'subscription', 4: 'scope', 5: 'cluster' } as const;
  const level = levels[parts.length as 2 | 3 | 4 | 5];
  return { level, prefix, partitionKey: checkStorable(prefix, encodePath(parts), 'PartitionKey') };
}

/** Boundary-safe match: the key itself or anything below it, never a look-alike (rg-elb-01 vs rg-elb-01-blue). */
export function keyMatchesPrefix(key: string, prefix: string): boolean {
  return prefix !== '' && (key === prefix || key.startsWith(prefix + SEPARATOR));
}
