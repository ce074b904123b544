// The monitor cache (docs/architecture.md §3): readings in Table Storage, stale-while-revalidate, generation rows that keep
// a fill overlapping a purge from storing its pre-mutation reading, boundary-safe prefix purges. This class is the
// facade and builds the parts, each with its own state: read.ts (the read path), recent.ts (what this instance read and
// wrote moments ago), rows.ts (reading rows), fill.ts (fills and the guarded write), generations.ts (generation rows),
// purge.ts (purges) and maintenance.ts (the timer's scan, refreshes and removals). A read goes down that list and
// never comes back up.
import { cacheContext } from './context.js';
import { Fills, type FillMode } from './fill.js';
import { Generations } from './generations.js';
import type { MonitorScope } from './keys.js';
import { Maintenance } from './maintenance.js';
import { Purges } from './purge.js';
import { Reader } from './read.js';
import { RecentReadings } from './recent.js';
import { ReadingRows } from './rows.js';
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
  readonly stats: CacheStats;
  private readonly reader: Reader;
  private readonly recent: RecentReadings;
  private readonly purges: Purges;
  private readonly maintenance: Maintenance;

  constructor(options: MonitorCacheOptions) {
    const context = cacheContext(options);
    this.stats = context.stats;
    const generations = new Generations(options.table, {
      bumpAttempts: options.bumpAttempts ?? 25,
      now: context.now,
      restampAfterMs: context.generationIdleMs / 2,
    });
    const rows = new ReadingRows(options.table, context.log);
    this.recent = new RecentReadings(Math.max(0, options.reuseWindowMs ?? 0), options.reuseClock);
    const fills = new Fills(context, generations, rows, this.recent);
    this.reader = new Reader(context, this.recent, rows, fills);
    this.purges = new Purges(context, generations, fills, this.recent);
    this.maintenance = new Maintenance(context, generations, rows, fills);
  }

  /** The reading of `key`: fresh, stale (a refresh scheduled), refreshed or uncached (read.ts). */
  read<T>(key: string, fetcher: () => Promise<T>, options: ReadOptions<T> = {}): Promise<CacheRead<T>> {
    return this.reader.read(key, fetcher, options);
  }

  /** The stored reading whatever its age (undefined if missing, unreadable or storage unreachable). */
  peek<T = unknown>(key: string): Promise<CacheEntry<T> | undefined> {
    return this.reader.peek<T>(key);
  }

  /** Resolves once every scheduled background refresh and lastReadAt merge has settled. */
  idle(): Promise<void> {
    return this.reader.idle();
  }

  /**
   * Resolves once the reuse window has passed (recent.ts): no instance then answers, from the readings it read
   * moments ago, one read before this call. A lifecycle action awaits it after its purge, before it answers.
   */
  outlastReuse(): Promise<void> {
    return this.recent.outlast();
  }

  /** Readings read within the hot window and older than `minAgeSeconds`, oldest first (maintenance.ts). */
  listRefreshCandidates(now?: number, options: { minAgeSeconds?: number; hotWindowSeconds?: number } = {}, scan?: TableScan): Promise<RefreshCandidate[]> {
    return this.maintenance.listRefreshCandidates(now, options, scan);
  }

  /** Refreshes a reading only if its row still exists, with the same guarded write as read() (maintenance.ts). */
  refreshExisting(key: string, fetcher: () => Promise<unknown>, options: Pick<FillMode, 'degradedParts'> = {}): Promise<RefreshOutcome> {
    return this.maintenance.refreshExisting(key, fetcher, options);
  }

  /** Deletes readings nobody needs any more; returns the number removed (maintenance.ts). */
  removeExpired(now?: number, scan?: TableScan): Promise<number> {
    return this.maintenance.removeExpired(now, scan);
  }

  /** Removes the generation rows nothing needs any more (clusters, empty scopes); returns the number removed (maintenance.ts). */
  removeUnneededGenerations(now?: number, scan?: TableScan): Promise<number> {
    return this.maintenance.removeUnneededGenerations(now, scan);
  }

  /** Every row of the table in one query, sorted by row kind (maintenance.ts). */
  scan(columns: readonly string[] = []): Promise<TableScan> {
    return this.maintenance.scanTable(columns);
  }

  /** Bumps the generations covering `prefix`, then deletes every reading under it (purge.ts). */
  invalidatePrefix(prefix: string): Promise<InvalidationResult> {
    return this.purges.invalidatePrefix(prefix);
  }

  /** The lifecycle purge of one cluster: its readings and the scope's cluster list (purge.ts). */
  invalidateCluster(scope: MonitorScope, cluster: string): Promise<InvalidationResult> {
    return this.purges.invalidateCluster(scope, cluster);
  }

  /** A cluster upstream says does not exist: purges what is stored of it, creating nothing (purge.ts). */
  forgetCluster(scope: MonitorScope, cluster: string, options: { list?: boolean } = {}): Promise<InvalidationResult> {
    return this.purges.forgetCluster(scope, cluster, options);
  }
}

export function createMonitorCache(options: MonitorCacheOptions): MonitorCache {
  return new MonitorCache(options);
}
