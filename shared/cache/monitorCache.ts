// The monitor cache (docs/architecture.md §3): readings in Table Storage, stale-while-revalidate, generation rows that keep
// a fill overlapping a purge from storing its pre-mutation reading, boundary-safe prefix purges. This class is the
// facade; the work is done by read.ts (the read path), fill.ts (fills and the guarded write), purge.ts (purges) and
// maintenance.ts (the timer's scan, refreshes and removals), all over one CacheCore (core.ts).
import { CacheCore } from './core.js';
import type { FillMode } from './fill.js';
import type { MonitorScope } from './keys.js';
import { listRefreshCandidates, refreshExisting, removeExpired, removeUnneededGenerations, scanTable } from './maintenance.js';
import { forgetCluster, invalidateCluster, invalidatePrefix } from './purge.js';
import { peek, read } from './read.js';
import type {
  CacheEntry,
  CacheRead,
  CacheStats,
  InvalidationResult,
  MonitorCacheOptions,
  ReadOptions,
  RefreshCandidate,
  RefreshOutcome,
  TableScan,
} from './types.js';

export class MonitorCache {
  private readonly cache: CacheCore;
  readonly stats: CacheStats;

  constructor(options: MonitorCacheOptions) {
    this.cache = new CacheCore(options);
    this.stats = this.cache.stats;
  }

  /** The reading of `key`: fresh, stale (a refresh scheduled), refreshed or uncached (read.ts). */
  read<T>(key: string, fetcher: () => Promise<T>, options: ReadOptions<T> = {}): Promise<CacheRead<T>> {
    return read(this.cache, key, fetcher, options);
  }

  /** The stored reading whatever its age (undefined if missing, unreadable or storage unreachable). */
  peek<T = unknown>(key: string): Promise<CacheEntry<T> | undefined> {
    return peek<T>(this.cache, key);
  }

  /** Resolves once every scheduled background refresh and lastReadAt merge has settled. */
  idle(): Promise<void> {
    return this.cache.idle();
  }

  /**
   * Resolves once the reuse window has passed (recent.ts): no instance then answers, from the readings it read
   * moments ago, one read before this call. A lifecycle action awaits it after its purge, before it answers.
   */
  outlastReuse(): Promise<void> {
    return this.cache.recent.outlast();
  }

  /** Readings read within the hot window and older than `minAgeSeconds`, oldest first (maintenance.ts). */
  listRefreshCandidates(now?: number, options: { minAgeSeconds?: number; hotWindowSeconds?: number } = {}, scan?: TableScan): Promise<RefreshCandidate[]> {
    return listRefreshCandidates(this.cache, now, options, scan);
  }

  /** Refreshes a reading only if its row still exists, with the same guarded write as read() (maintenance.ts). */
  refreshExisting(key: string, fetcher: () => Promise<unknown>, options: Pick<FillMode, 'degradedParts'> = {}): Promise<RefreshOutcome> {
    return refreshExisting(this.cache, key, fetcher, options);
  }

  /** Deletes readings nobody needs any more; returns the number removed (maintenance.ts). */
  removeExpired(now?: number, scan?: TableScan): Promise<number> {
    return removeExpired(this.cache, now, scan);
  }

  /** Removes the generation rows nothing needs any more (clusters, empty scopes); returns the number removed (maintenance.ts). */
  removeUnneededGenerations(now?: number, scan?: TableScan): Promise<number> {
    return removeUnneededGenerations(this.cache, now, scan);
  }

  /** Every row of the table in one query, sorted by row kind (maintenance.ts). */
  scan(columns: readonly string[] = []): Promise<TableScan> {
    return scanTable(this.cache, columns);
  }

  /** Bumps the generations covering `prefix`, then deletes every reading under it (purge.ts). */
  invalidatePrefix(prefix: string): Promise<InvalidationResult> {
    return invalidatePrefix(this.cache, prefix);
  }

  /** The lifecycle purge of one cluster: its readings and the scope's cluster list (purge.ts). */
  invalidateCluster(scope: MonitorScope, cluster: string): Promise<InvalidationResult> {
    return invalidateCluster(this.cache, scope, cluster);
  }

  /** A cluster upstream says does not exist: purges what is stored of it, creating nothing (purge.ts). */
  forgetCluster(scope: MonitorScope, cluster: string, options: { list?: boolean } = {}): Promise<InvalidationResult> {
    return forgetCluster(this.cache, scope, cluster, options);
  }
}

export function createMonitorCache(options: MonitorCacheOptions): MonitorCache {
  return new MonitorCache(options);
}
