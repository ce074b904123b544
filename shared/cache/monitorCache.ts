// The monitor cache (DESIGN.md §3): readings in Table Storage, stale-while-revalidate, generation rows that keep
// a fill overlapping a purge from storing its pre-mutation reading, boundary-safe prefix purges.
import { odata, type TableClient } from '@azure/data-tables';
import { contentVersion, decodeValue, encodeValue } from './codec.js';
import { generationOf, Generations, type CounterSnapshot, type GenerationRow } from './generations.js';
import {
  clusterListKey,
  clusterPrefix,
  keyMatchesPrefix,
  keyOfRow,
  locateKey,
  targetOfPrefix,
  GENERATION_ROW_KEY,
  type KeyLocation,
  type MonitorScope,
  type PrefixLevel,
} from './keys.js';
import {
  CacheStorageError,
  describeError,
  forEachLimited,
  GENERATION_ROWS_FILTER,
  isNotFound,
  isPreconditionFailed,
  pause,
  partitionsBelowFilter,
  partitionTreeFilter,
  READING_ROWS_FILTER,
} from './storage.js';

export type CacheState = 'fresh' | 'stale' | 'refreshed' | 'uncached';

/** Why a fetched reading was answered but not stored. */
export type NotStoredReason =
  | 'generation-moved' // a purge overlapped the fetch: the reading may predate a mutation
  | 'storage-unavailable'
  | 'too-large' // over ~720 KB even compressed
  | 'not-serializable'
  | 'contention' // the generation row kept changing under us (bounded retries exhausted)
  | 'missing'; // refreshExisting: the row was gone

export interface CacheRead<T> {
  value: T;
  state: CacheState;
  ageSeconds: number;
  fetchedAt: string;
  /** Sum of the generation counters covering the key when the reading was fetched; null when storage was unreachable. */
  generation: number | null;
  /** Present when this read fetched (refreshed / uncached): whether the reading was stored. */
  stored?: boolean;
  notStoredReason?: NotStoredReason;
  /** Present when a stored reading was served because the fetch failed and serveStaleOnError accepted the error. */
  fetchError?: unknown;
  /** What the reading says, in a few characters (codec's contentVersion): the same for an unchanged fleet. */
  version?: string;
}

/** The `cache` block of a monitor response. */
export function cacheInfo(read: CacheRead<unknown>): { state: CacheState; ageSeconds: number; fetchedAt: string; generation: number | null } {
  return { state: read.state, ageSeconds: read.ageSeconds, fetchedAt: read.fetchedAt, generation: read.generation };
}

export interface ReadOptions {
  /** Overrides the TTL for this read (e.g. the short TTL of a scope with an open transition). */
  ttlSeconds?: number;
  /** Overrides the SWR window for this read. */
  swrSeconds?: number;
  /**
   * When the fetch fails and a stored reading exists (however old), answer it (state `stale`, `fetchError` set)
   * if this returns true; otherwise the error propagates. E.g. ARM 429 → serve the old reading, marked degraded.
   */
  serveStaleOnError?: (error: unknown) => boolean;
  /**
   * Answer a fetched reading as soon as it is fetched and let its write finish in the background (idle() waits for
   * it; reads of the key in this instance meanwhile join the fill). The answer then has no `stored`. For readers that
   * only want the reading, like the HTTP routes: the write serves the next readers, not this one.
   */
  writeBehind?: boolean;
}

export interface CacheEntry<T> {
  key: string;
  value: T;
  fetchedAt: string;
  fetchedAtMs: number;
  ageSeconds: number;
  generation: number;
  lastReadAtMs?: number;
}

export interface RefreshCandidate {
  key: string;
  fetchedAtMs: number;
  lastReadAtMs: number;
  ageSeconds: number;
}

export interface RefreshOutcome {
  key: string;
  stored: boolean;
  notStoredReason?: NotStoredReason;
  generation: number | null;
}

export interface InvalidationResult {
  level: PrefixLevel | 'none';
  /** Generation rows bumped. */
  bumped: number;
  /** Reading rows this call deleted (rows deleted concurrently by others are not counted). */
  deleted: number;
}

export interface CacheStats {
  fresh: number;
  stale: number;
  refreshed: number;
  uncached: number;
  /** Readings committed. */
  stored: number;
  /** Readings dropped because a covering generation moved during their fetch. */
  dropped: number;
  /** 412s on the write transaction (re-decided). */
  conflicts: number;
  /** Writes given up after the bounded retries. */
  contention: number;
  notStored: number;
  refreshErrors: number;
  storageErrors: number;
  /** Purge transactions retried after a concurrent delete (404). */
  deleteRetries: number;
  /** Fetcher calls (misses, stale refreshes, timer refreshes): what reaches upstream. */
  fetches: number;
  /** Reads whose Table get timed out while Table Storage was answering (a busy instance): tried once more. */
  storageRetries: number;
  /**
   * Reads whose Table read raced this instance's write of the same key (they saw the row before the write landed):
   * a stale one is served without a second refresh, a missing one is read again instead of fetched again.
   */
  superseded: number;
}

export type CacheLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type CacheLog = (entry: { level: CacheLogLevel; event: string; key?: string; detail?: string }) => void;

export interface MonitorCacheOptions {
  table: TableClient;
  ttlSeconds: number;
  swrSeconds: number;
  now?: () => number;
  log?: CacheLog;
  /** A row counts as read recently (a refresh candidate) if read within this window. Default: 2 × TTL. */
  hotWindowSeconds?: number;
  /** Re-decisions of a write after a 412. Default 10. */
  writeAttempts?: number;
  /** Attempts of a generation bump (412 → re-read). Default 25. */
  bumpAttempts?: number;
}

interface StoredRow {
  location: KeyLocation;
  entity: Record<string, unknown>;
  fetchedAtMs: number;
  generation: number;
  lastReadAtMs?: number;
  /** Read while this instance stored a newer reading of the key: no refresh is scheduled for it. */
  superseded?: boolean;
}

interface FillOutcome {
  value: unknown;
  version?: string;
  fetchedAtMs: number;
  generation: number | null;
  stored: boolean;
  notStoredReason?: NotStoredReason;
  storageDown: boolean;
}

/** The fill's answer before its write: everything but whether it was stored. */
type Fetched = Omit<FillOutcome, 'stored' | 'notStoredReason'> & Partial<Pick<FillOutcome, 'stored' | 'notStoredReason'>>;

/** A fill in flight: `fetched` settles once the reading is fetched, `done` once it is written (or not). */
interface Fill {
  fetched: Promise<Fetched>;
  done: Promise<FillOutcome>;
}

interface FillMode {
  /** false: storage already failed for this read; fetch only. */
  useStorage: boolean;
  /** lastReadAt written with the reading. */
  lastReadAtMs?: number;
  /** refreshExisting: the reading is written with If-Match * (404 if it was removed meanwhile). */
  requireExisting?: boolean;
  /** Read the own generation row before the fetch even if this instance knows it. */
  readSnapshot?: boolean;
}

type ReadingEntity = {
  partitionKey: string;
  rowKey: string;
  fetchedAt: number;
  generation: number;
  lastReadAt?: number;
} & Record<string, unknown>;

const SCAN_SELECT = ['PartitionKey', 'RowKey', 'fetchedAt', 'lastReadAt'];
/** Table Storage that answered within this long is slow, not down, when a call times out. */
const STORAGE_ALIVE_MS = 5_000;

/** A Table call given up by its own timeouts (per try or per call), as opposed to refused or failed. */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
const CHUNK = 100; // operations per transaction
const PARALLEL = 8;

export class MonitorCache {
  readonly stats: CacheStats = {
    fresh: 0, stale: 0, refreshed: 0, uncached: 0, stored: 0, dropped: 0, conflicts: 0, contention: 0,
    notStored: 0, refreshErrors: 0, storageErrors: 0, deleteRetries: 0, fetches: 0, storageRetries: 0, superseded: 0,
  };

  private readonly table: TableClient;
  private readonly generations: Generations;
  private readonly ttlMs: number;
  private readonly swrMs: number;
  private readonly hotWindowMs: number;
  private readonly writeAttempts: number;
  private readonly now: () => number;
  private readonly log: CacheLog;
  /** Single flight per key in this instance: concurrent misses and stale refreshes share one fetch. */
  private readonly inflight = new Map<string, Fill>();
  /** Background work (stale refreshes, lastReadAt merges) that idle() waits for. */
  private readonly background = new Set<Promise<unknown>>();
  /** Tail of the queue of writes per partition in this instance. */
  private readonly partitionLocks = new Map<string, Promise<void>>();
  /** When Table Storage last answered a read of this instance (performance.now(): real time, whatever the clock). */
  private storageAnsweredAt = Number.NEGATIVE_INFINITY;
  /** When this instance last merged lastReadAt, per key. */
  private readonly touched = new Map<string, number>();
  /** Counts this instance's stored readings; `written` maps a key to the count when its last reading was stored. */
  private writes = 0;
  private readonly written = new Map<string, number>();

  constructor(options: MonitorCacheOptions) {
    if (!(options.ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0');
    if (!(options.swrSeconds >= 0)) throw new RangeError('swrSeconds must be >= 0');
    this.table = options.table;
    this.generations = new Generations(options.table, options.bumpAttempts ?? 25);
    this.ttlMs = options.ttlSeconds * 1000;
    this.swrMs = options.swrSeconds * 1000;
    this.hotWindowMs = (options.hotWindowSeconds ?? 2 * options.ttlSeconds) * 1000;
    this.writeAttempts = options.writeAttempts ?? 10;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
  }

  // --- reads ------------------------------------------------------------------------------------------------

  /**
   * fresh (age ≤ TTL) / stale (≤ TTL + SWR, refresh scheduled) / refreshed (fetched now) / uncached (storage
   * unreachable: fetched, not stored). Storage errors never reach the caller; fetcher errors do (see serveStaleOnError).
   * Throws CacheKeyError for a key that is not a monitor key or cannot be stored.
   */
  async read<T>(key: string, fetcher: () => Promise<T>, options: ReadOptions = {}): Promise<CacheRead<T>> {
    const location = locateKey(key);
    const ttlMs = options.ttlSeconds !== undefined ? Math.max(0, options.ttlSeconds) * 1000 : this.ttlMs;
    const swrMs = options.swrSeconds !== undefined ? Math.max(0, options.swrSeconds) * 1000 : this.swrMs;

    let row: StoredRow | undefined;
    let storageUp = true;
    for (let attempt = 0; ; attempt++) {
      const writesBefore = this.writes;
      try {
        row = await this.getReading(location);
      } catch (error) {
        // On a busy instance a Table call can time out while Table Storage itself is fine (it answered this instance
        // moments ago): the reader waits for one more try instead of fetching upstream without the cache.
        if (attempt === 0 && isTimeout(error) && performance.now() - this.storageAnsweredAt < STORAGE_ALIVE_MS) {
          this.stats.storageRetries += 1;
          continue;
        }
        storageUp = false;
        this.storageFailed('read', key, error);
      }
      // Under load a Table read can be answered with the row as it was before this instance's own write of the key
      // landed. Acting on it would fetch the key a second time: a missing row is read again, a stale one is served
      // without scheduling another refresh.
      const raced = (this.written.get(key) ?? 0) > writesBefore;
      if (!raced) break;
      this.stats.superseded += 1;
      if (row || !storageUp || attempt > 0) {
        if (row) row.superseded = true;
        break;
      }
    }

    const now = this.now();
    if (row) {
      const ageMs = Math.max(0, now - row.fetchedAtMs);
      const stored = ageMs <= ttlMs + swrMs ? this.decodeRow(row) : undefined;
      if (stored) {
        this.touch(row, now);
        const state = ageMs <= ttlMs ? 'fresh' : 'stale';
        if (state === 'stale' && !row.superseded) this.scheduleRefresh(location, fetcher);
        this.stats[state] += 1;
        return { value: stored.value as T, state, ageSeconds: ageMs / 1000, fetchedAt: iso(row.fetchedAtMs), generation: row.generation, ...versionOf(row) };
      }
    }

    try {
      // A reading this instance stored is gone: removed elsewhere (a purge bumps first), so what this instance knows
      // of the generation row is likely behind. The snapshot is read, not recalled, lest the write be dropped.
      const goneElsewhere = !row && this.written.has(key);
      const fill = this.fill(location, fetcher, { useStorage: storageUp, lastReadAtMs: now, readSnapshot: goneElsewhere });
      const outcome: Fetched = options.writeBehind ? await fill.fetched : await fill.done;
      if (options.writeBehind) this.track(fill.done.catch(() => {})); // its failure is the fetch's, answered here
      const state: CacheState = outcome.storageDown ? 'uncached' : 'refreshed';
      this.stats[state] += 1;
      return {
        value: outcome.value as T,
        state,
        ageSeconds: Math.max(0, this.now() - outcome.fetchedAtMs) / 1000,
        fetchedAt: iso(outcome.fetchedAtMs),
        generation: outcome.generation,
        ...(outcome.stored !== undefined ? { stored: outcome.stored } : {}),
        ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}),
        ...(outcome.version ? { version: outcome.version } : {}),
      };
    } catch (fetchError) {
      // An unreadable row is not served: the fetch error propagates.
      const old = row && options.serveStaleOnError?.(fetchError) ? this.decodeRow(row) : undefined;
      if (!row || !old) throw fetchError;
      this.touch(row, now); // still in use: removeExpired keeps it
      this.stats.stale += 1;
      return {
        value: old.value as T,
        state: 'stale',
        ageSeconds: Math.max(0, this.now() - row.fetchedAtMs) / 1000,
        fetchedAt: iso(row.fetchedAtMs),
        generation: row.generation,
        fetchError,
        ...versionOf(row),
      };
    }
  }

  /** The stored reading whatever its age (undefined if missing, unreadable or storage unreachable). */
  async peek<T = unknown>(key: string): Promise<CacheEntry<T> | undefined> {
    const location = locateKey(key);
    let row: StoredRow | undefined;
    try {
      row = await this.getReading(location);
    } catch (error) {
      this.storageFailed('peek', key, error);
      return undefined;
    }
    const stored = row && this.decodeRow(row);
    if (!row || !stored) return undefined;
    return {
      key,
      value: stored.value as T,
      fetchedAt: iso(row.fetchedAtMs),
      fetchedAtMs: row.fetchedAtMs,
      ageSeconds: Math.max(0, this.now() - row.fetchedAtMs) / 1000,
      generation: row.generation,
      ...(row.lastReadAtMs !== undefined ? { lastReadAtMs: row.lastReadAtMs } : {}),
    };
  }

  /** Resolves once every scheduled background refresh and lastReadAt merge has settled. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  // --- timer refresh ----------------------------------------------------------------------------------------

  /**
   * Readings someone read within the hot window (default 2 × TTL) that are older than `minAgeSeconds`
   * (default TTL), oldest first. One scan of the reading rows (key columns and timestamps only).
   */
  async listRefreshCandidates(now = this.now(), options: { minAgeSeconds?: number; hotWindowSeconds?: number } = {}): Promise<RefreshCandidate[]> {
    const minAgeMs = options.minAgeSeconds !== undefined ? options.minAgeSeconds * 1000 : this.ttlMs;
    const hotMs = options.hotWindowSeconds !== undefined ? options.hotWindowSeconds * 1000 : this.hotWindowMs;
    const candidates: RefreshCandidate[] = [];
    for (const row of await this.scanReadings()) {
      if (row.lastReadAtMs === undefined || now - row.lastReadAtMs > hotMs) continue;
      if (now - row.fetchedAtMs <= minAgeMs) continue;
      candidates.push({ key: row.key, fetchedAtMs: row.fetchedAtMs, lastReadAtMs: row.lastReadAtMs, ageSeconds: (now - row.fetchedAtMs) / 1000 });
    }
    return candidates.sort((a, b) => a.fetchedAtMs - b.fetchedAtMs);
  }

  /**
   * Refreshes a reading only if its row still exists (a purged or expired row stays gone), with the same guarded
   * write as read(). Fetcher errors propagate; storage problems come back as notStoredReason.
   */
  async refreshExisting(key: string, fetcher: () => Promise<unknown>): Promise<RefreshOutcome> {
    const location = locateKey(key);
    let lastReadAtMs: number | undefined;
    try {
      const row = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey, { queryOptions: { select: ['lastReadAt'] } });
      lastReadAtMs = typeof row.lastReadAt === 'number' ? row.lastReadAt : undefined;
    } catch (error) {
      if (isNotFound(error)) return { key, stored: false, notStoredReason: 'missing', generation: null };
      this.storageFailed('refresh', key, error);
      return { key, stored: false, notStoredReason: 'storage-unavailable', generation: null };
    }
    const outcome = await this.fill(location, fetcher, { useStorage: true, requireExisting: true, ...(lastReadAtMs !== undefined ? { lastReadAtMs } : {}) }).done;
    return { key, stored: outcome.stored, generation: outcome.generation, ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}) };
  }

  /**
   * Deletes readings nobody needs: fetched longer ago than TTL + SWR and not read within that time either
   * (a row still being read, e.g. served stale while upstream fails, is kept). Deletes If-Match the ETag seen
   * by the scan, so a row refreshed or read meanwhile survives. Returns the number removed.
   */
  async removeExpired(now = this.now()): Promise<number> {
    const limitMs = this.ttlMs + this.swrMs;
    const expired = (await this.scanReadings()).filter(
      (row) => now - row.fetchedAtMs > limitMs && now - (row.lastReadAtMs ?? row.fetchedAtMs) > limitMs,
    );
    let removed = 0;
    await forEachLimited(expired, PARALLEL, async (row) => {
      try {
        await this.table.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
        removed += 1;
      } catch (error) {
        if (!isNotFound(error) && !isPreconditionFailed(error)) throw this.invalidationError('removeExpired', error);
      }
    });
    return removed;
  }

  // --- invalidation -----------------------------------------------------------------------------------------

  /**
   * Deletes every key k with k == prefix or k.startsWith(prefix + ':') and, first, always bumps the generations
   * covering them (creating rows as needed), so a fill whose fetch overlapped this call never stores.
   * Levels: 'monitor' or 'monitor:aks' (root), 'monitor:aks:{sub}', a scope, a cluster, one category key.
   * A scope purge bumps the scope row (`list` and `tree`) and every cluster row below it; a subscription or root
   * purge has no row of its own and bumps every generation row in its range (an in-flight fill always has one:
   * it creates its partition's row before fetching). Deletes come after the bumps.
   * An empty prefix, or one no key can match, is a no-op. Throws CacheStorageError if storage fails.
   */
  async invalidatePrefix(prefix: string): Promise<InvalidationResult> {
    const target = targetOfPrefix(prefix);
    if (target.level === 'none') {
      this.log({ level: 'debug', event: 'cache.invalidate.noop', key: prefix });
      return { level: 'none', bumped: 0, deleted: 0 };
    }
    try {
      if (target.level === 'key') {
        const location = target.location;
        await this.generations.bump(location.own.partitionKey, [location.own.name]);
        this.detachInflight(prefix);
        const deleted = await this.deletePartitionRows(location.partitionKey, [location.rowKey]);
        return { level: 'key', bumped: 1, deleted };
      }
      const partitionKey = target.partitionKey;
      // A scope or a cluster has a row of its own; subscription and root purges bump every row in their range.
      let own = 0;
      if (target.level === 'scope' || target.level === 'cluster') {
        await this.generations.bump(partitionKey);
        own = 1;
      }
      const below = target.level === 'cluster' ? 0 : await this.bumpGenerationsBelow(partitionKey);
      this.detachInflight(prefix);
      const where = target.level === 'cluster' ? odata`PartitionKey eq ${partitionKey}` : partitionTreeFilter(partitionKey);
      const deleted = await this.deleteReadings(where);
      this.log({ level: 'info', event: 'cache.invalidate', key: prefix, detail: `level=${target.level} bumped=${own + below} deleted=${deleted}` });
      return { level: target.level, bumped: own + below, deleted };
    } catch (error) {
      throw this.invalidationError(prefix, error);
    }
  }

  /**
   * The lifecycle purge of one cluster: removes the scope's cluster list and the cluster's readings, bumping the
   * scope's `list` counter and the cluster's counter (not the scope's `tree`, so fills of sibling clusters carry on).
   */
  async invalidateCluster(scope: MonitorScope, cluster: string): Promise<InvalidationResult> {
    const list = locateKey(clusterListKey(scope));
    const prefix = clusterPrefix(scope, cluster);
    const target = targetOfPrefix(prefix);
    if (target.level !== 'cluster') throw new Error(`unexpected prefix level ${target.level}`);
    try {
      await Promise.all([this.generations.bump(list.own.partitionKey, ['list']), this.generations.bump(target.partitionKey, ['counter'])]);
      this.detachInflight(list.key, true);
      this.detachInflight(prefix);
      const [listDeleted, clusterDeleted] = await Promise.all([
        this.deletePartitionRows(list.partitionKey, [list.rowKey]),
        this.deleteReadings(odata`PartitionKey eq ${target.partitionKey}`),
      ]);
      this.log({ level: 'info', event: 'cache.invalidate', key: prefix, detail: `level=cluster+list deleted=${listDeleted + clusterDeleted}` });
      return { level: 'cluster', bumped: 2, deleted: listDeleted + clusterDeleted };
    } catch (error) {
      throw this.invalidationError(prefix, error);
    }
  }

  // --- internals: reading rows ------------------------------------------------------------------------------

  private async getReading(location: KeyLocation): Promise<StoredRow | undefined> {
    try {
      const entity = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey);
      this.storageAnsweredAt = performance.now();
      if (typeof entity.fetchedAt !== 'number') return undefined;
      return {
        location,
        entity,
        fetchedAtMs: entity.fetchedAt,
        generation: typeof entity.generation === 'number' ? entity.generation : 0,
        ...(typeof entity.lastReadAt === 'number' ? { lastReadAtMs: entity.lastReadAt } : {}),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.storageAnsweredAt = performance.now();
      return undefined;
    }
  }

  /** The row's value, or undefined if it is unreadable (logged; the caller treats the row as missing). */
  private decodeRow(row: StoredRow): { value: unknown } | undefined {
    try {
      return { value: decodeValue(row.entity) };
    } catch (error) {
      this.log({ level: 'warn', event: 'cache.corrupt', key: row.location.key, detail: describeError(error) });
      return undefined;
    }
  }

  /** Records that the row is being read, at most once per TTL/2 per key per instance; never creates a row. */
  private touch(row: StoredRow, now: number): void {
    const interval = this.ttlMs / 2;
    const key = row.location.key;
    if (row.lastReadAtMs !== undefined && now - row.lastReadAtMs < interval) return;
    const last = this.touched.get(key);
    if (last !== undefined && now - last < interval) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(key, now);
    const { partitionKey, rowKey } = row.location;
    // Merge If-Match * fails with 404 on a missing row: a purge that deleted it stays effective.
    this.track(
      this.table.updateEntity({ partitionKey, rowKey, lastReadAt: now }, 'Merge', { etag: '*' }).catch((error: unknown) => {
        if (!isNotFound(error)) this.log({ level: 'debug', event: 'cache.touch.failed', key, detail: describeError(error) });
      }),
    );
  }

  private async scanReadings(): Promise<Array<{ key: string; partitionKey: string; rowKey: string; etag: string; fetchedAtMs: number; lastReadAtMs?: number }>> {
    const rows = [];
    const pages = this.table.listEntities<ReadingEntity>({ queryOptions: { filter: READING_ROWS_FILTER, select: SCAN_SELECT } });
    for await (const entity of pages) {
      if (typeof entity.fetchedAt !== 'number') continue;
      let key: string;
      try {
        key = keyOfRow(entity.partitionKey, entity.rowKey);
      } catch {
        continue;
      }
      rows.push({
        key,
        partitionKey: entity.partitionKey,
        rowKey: entity.rowKey,
        etag: entity.etag,
        fetchedAtMs: entity.fetchedAt,
        ...(typeof entity.lastReadAt === 'number' ? { lastReadAtMs: entity.lastReadAt } : {}),
      });
    }
    return rows;
  }

  // --- internals: fills -------------------------------------------------------------------------------------

  private fill(location: KeyLocation, fetcher: () => Promise<unknown>, mode: FillMode): Fill {
    const running = this.inflight.get(location.key);
    if (running) return running;
    let answer!: (fetched: Fetched) => void;
    let fail!: (error: unknown) => void;
    const fetched = new Promise<Fetched>((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
    const done = this.runFill(location, fetcher, mode, answer).then(
      (outcome) => {
        answer(outcome); // no-op once answered
        return outcome;
      },
      (error: unknown) => {
        fail(error); // no-op once answered
        throw error;
      },
    );
    const entry: Fill = { fetched, done };
    // Whoever waits handles the outcome; these keep a fill nobody waits on from an unhandled rejection.
    fetched.catch(() => {});
    done
      .catch(() => {})
      .finally(() => {
        if (this.inflight.get(location.key) === entry) this.inflight.delete(location.key);
      });
    this.inflight.set(location.key, entry);
    return entry;
  }

  private scheduleRefresh(location: KeyLocation, fetcher: () => Promise<unknown>): void {
    if (this.inflight.has(location.key)) return;
    this.track(
      this.fill(location, fetcher, { useStorage: true, lastReadAtMs: this.now() }).done.catch((error: unknown) => {
        this.stats.refreshErrors += 1;
        this.log({ level: 'warn', event: 'cache.refresh.failed', key: location.key, detail: describeError(error) });
      }),
    );
  }

  private async runFill(location: KeyLocation, fetcher: () => Promise<unknown>, mode: FillMode, answer: (fetched: Fetched) => void): Promise<FillOutcome> {
    // The own counter is taken before the fetch starts (from what this instance knows of the row: no round trip
    // once it has seen it); the write compares it with the row it knows then, and the transaction is If-Match that
    // row's ETag. The ancestors' counters only make up the reported generation: they are read while the fetch runs.
    let own: GenerationRow | undefined;
    let ancestors: Promise<number[] | undefined> = Promise.resolve(undefined);
    if (mode.useStorage) {
      try {
        own = mode.readSnapshot ? await this.generations.ensure(location.own.partitionKey) : await this.generations.current(location.own.partitionKey);
        ancestors = Promise.all(location.ancestors.map((ref) => this.generations.readCounter(ref))).catch((error: unknown) => {
          this.storageFailed('snapshot', location.key, error);
          return undefined;
        });
      } catch (error) {
        this.storageFailed('snapshot', location.key, error);
      }
    }
    const fetchedAtMs = this.now();
    this.stats.fetches += 1;
    const value = await fetcher();
    const base = { value, fetchedAtMs };
    const above = await ancestors;
    if (!own || !above) return { ...base, generation: null, stored: false, notStoredReason: 'storage-unavailable', storageDown: true };

    const snapshot: CounterSnapshot = [own.counters[location.own.name] ?? 0, ...above];
    const generation = generationOf(snapshot);
    const version = contentVersion(value);
    answer({ ...base, generation, ...(version ? { version } : {}), storageDown: false });
    const encoded = encodeValue(value);
    if (!encoded.ok) {
      this.stats.notStored += 1;
      this.log({ level: 'warn', event: 'cache.not-stored', key: location.key, detail: `${encoded.reason}${encoded.storedBytes ? ` (${encoded.storedBytes} bytes compressed)` : ''}` });
      return { ...base, generation, stored: false, notStoredReason: encoded.reason, storageDown: false };
    }
    const reading = {
      partitionKey: location.partitionKey,
      rowKey: location.rowKey,
      fetchedAt: fetchedAtMs,
      generation,
      ...(mode.lastReadAtMs !== undefined ? { lastReadAt: mode.lastReadAtMs } : {}),
      ...(version ? { version } : {}),
      ...encoded.properties,
    };
    try {
      const reason = await this.guardedWrite(location, snapshot[0]!, reading, mode.requireExisting ?? false);
      if (reason) this.stats.notStored += 1;
      return { ...base, generation, stored: !reason, ...(reason ? { notStoredReason: reason } : {}), ...(version ? { version } : {}), storageDown: false };
    } catch (error) {
      this.storageFailed('write', location.key, error);
      return { ...base, generation, stored: false, notStoredReason: 'storage-unavailable', storageDown: true };
    }
  }

  /**
   * Stores the reading unless the own counter moved since the fetch began (`counter`): compares it with the own
   * generation row as this instance knows it now; moved → dropped; else one transaction [update the generation row
   * If-Match that ETag (no change), upsert the reading]. A 412 means the row changed elsewhere: read it, decide again
   * (bounded). On success the row's new ETag is remembered, so this instance's next fill of the partition needs no
   * read either.
   * Why this is safe: the own row exists since before the fetch, and every purge bumps the generation rows it covers
   * before deleting — a scope purge bumps each cluster row below it, found by a query after its own bump — so either
   * we see the moved counter, or the bump fails our transaction, or our reading lands before the bump and the purge
   * deletes it. (The scope's `tree` needs no check of its own for that reason; it only adds to the generation shown.)
   * Writes of one partition are serialised in this instance, so one instance's concurrent fills do not 412 each other.
   * Returns undefined when stored, else why not.
   */
  private guardedWrite(location: KeyLocation, counter: number, reading: Record<string, unknown> & { partitionKey: string; rowKey: string }, requireExisting: boolean): Promise<NotStoredReason | undefined> {
    const partitionKey = location.own.partitionKey;
    return this.withPartitionLock(partitionKey, async () => {
      for (let attempt = 0; attempt < this.writeAttempts; attempt++) {
        const own = this.generations.knownRow(partitionKey) ?? (await this.generations.current(partitionKey));
        const now = own.counters[location.own.name] ?? 0;
        if (now !== counter) {
          this.stats.dropped += 1;
          this.log({ level: 'debug', event: 'cache.dropped', key: location.key, detail: `generation ${counter} → ${now}` });
          return 'generation-moved';
        }
        try {
          const response = await this.table.submitTransaction([
            ['update', { partitionKey, rowKey: GENERATION_ROW_KEY }, 'Merge', { etag: own.etag }],
            requireExisting ? ['update', reading, 'Replace', { etag: '*' }] : ['upsert', reading, 'Replace'],
          ]);
          // Sub-responses come in the order of the operations (some servers leave out their row keys).
          const etag = (response.getResponseForEntity(GENERATION_ROW_KEY) ?? response.subResponses[0])?.etag;
          if (etag) this.generations.remember({ ...own, etag });
          this.stats.stored += 1;
          this.writes += 1;
          if (this.written.size > 10_000) this.written.clear();
          this.written.set(location.key, this.writes);
          return undefined;
        } catch (error) {
          if (isNotFound(error) && requireExisting) return 'missing';
          if (!isPreconditionFailed(error)) throw error;
          this.stats.conflicts += 1; // the generation row changed elsewhere: read it and decide again
          await pause(Math.random() * Math.min(20, 2 ** attempt));
          await this.generations.read(partitionKey);
        }
      }
      this.stats.contention += 1;
      this.log({ level: 'warn', event: 'cache.contention', key: location.key });
      return 'contention';
    });
  }

  private async withPartitionLock<T>(partitionKey: string, work: () => Promise<T>): Promise<T> {
    const previous = this.partitionLocks.get(partitionKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((done) => (release = done));
    const tail = previous.then(() => mine);
    this.partitionLocks.set(partitionKey, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.partitionLocks.get(partitionKey) === tail) this.partitionLocks.delete(partitionKey);
    }
  }

  /**
   * New reads of invalidated keys must not join a fill that started before the purge. And this instance's own purge
   * explains why those readings are gone: their next fills may recall the generation rows it just bumped.
   */
  private detachInflight(prefix: string, exact = false): void {
    const matches = (key: string) => (exact ? key === prefix : keyMatchesPrefix(key, prefix));
    for (const key of [...this.inflight.keys()]) if (matches(key)) this.inflight.delete(key);
    for (const key of [...this.written.keys()]) if (matches(key)) this.written.delete(key);
  }

  // --- internals: purges ------------------------------------------------------------------------------------

  private async bumpGenerationsBelow(partitionKey: string): Promise<number> {
    const rows: string[] = [];
    const pages = this.table.listEntities({ queryOptions: { filter: `${partitionsBelowFilter(partitionKey)} and ${GENERATION_ROWS_FILTER}`, select: ['PartitionKey'] } });
    for await (const entity of pages) rows.push(entity.partitionKey!);
    await forEachLimited(rows, PARALLEL, async (pk) => {
      await this.generations.bump(pk);
    });
    return rows.length;
  }

  private async deleteReadings(partitionFilter: string): Promise<number> {
    const byPartition = new Map<string, string[]>();
    const pages = this.table.listEntities({ queryOptions: { filter: `${partitionFilter} and ${READING_ROWS_FILTER}`, select: ['PartitionKey', 'RowKey'] } });
    for await (const entity of pages) {
      const rows = byPartition.get(entity.partitionKey!) ?? [];
      rows.push(entity.rowKey!);
      byPartition.set(entity.partitionKey!, rows);
    }
    let deleted = 0;
    await forEachLimited([...byPartition], PARALLEL, async ([pk, rowKeys]) => {
      const count = await this.deletePartitionRows(pk, rowKeys);
      deleted += count;
    });
    return deleted;
  }

  /**
   * Deletes rows of one partition in transactions of ≤ 100. A row deleted concurrently fails the whole
   * transaction with 404: re-query which of them still exist and retry; after a few rounds, delete one by one.
   */
  private async deletePartitionRows(partitionKey: string, rowKeys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < rowKeys.length; start += CHUNK) {
      let chunk = rowKeys.slice(start, start + CHUNK);
      for (let attempt = 0; chunk.length > 0; attempt++) {
        if (chunk.length === 1 || attempt >= 3) {
          for (const rowKey of chunk) {
            try {
              await this.table.deleteEntity(partitionKey, rowKey);
              deleted += 1;
            } catch (error) {
              if (!isNotFound(error)) throw error;
            }
          }
          break;
        }
        try {
          await this.table.submitTransaction(chunk.map((rowKey) => ['delete', { partitionKey, rowKey }] as ['delete', { partitionKey: string; rowKey: string }]));
          deleted += chunk.length;
          break;
        } catch (error) {
          if (!isNotFound(error)) throw error;
          this.stats.deleteRetries += 1;
          chunk = await this.existingRows(partitionKey, chunk);
        }
      }
    }
    return deleted;
  }

  private async existingRows(partitionKey: string, rowKeys: readonly string[]): Promise<string[]> {
    const wanted = new Set(rowKeys);
    const present: string[] = [];
    const pages = this.table.listEntities({ queryOptions: { filter: `${odata`PartitionKey eq ${partitionKey}`} and ${READING_ROWS_FILTER}`, select: ['RowKey'] } });
    for await (const entity of pages) if (wanted.has(entity.rowKey!)) present.push(entity.rowKey!);
    return present;
  }

  // --- internals: misc --------------------------------------------------------------------------------------

  private track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private storageFailed(operation: string, key: string, error: unknown): void {
    this.stats.storageErrors += 1;
    this.log({ level: 'warn', event: `cache.storage.${operation}`, key, detail: describeError(error) });
  }

  private invalidationError(prefix: string, error: unknown): Error {
    if (error instanceof CacheStorageError) return error;
    return new CacheStorageError('unavailable', `invalidating ${prefix}: ${describeError(error)}`, { cause: error });
  }
}

function versionOf(row: StoredRow): { version?: string } {
  return typeof row.entity.version === 'string' ? { version: row.entity.version } : {};
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function createMonitorCache(options: MonitorCacheOptions): MonitorCache {
  return new MonitorCache(options);
}
