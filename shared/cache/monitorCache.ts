// The monitor cache (docs/architecture.md §3): readings in Table Storage, stale-while-revalidate, generation rows that keep
// a fill overlapping a purge from storing its pre-mutation reading, boundary-safe prefix purges.
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { contentVersion, decodeValue, encodeValue } from './codec.js';
import { generationOf, Generations, sameGeneration, type CounterSnapshot, type GenerationRow } from './generations.js';
import {
  clusterListKey,
  clusterPrefix,
  keyMatchesPrefix,
  countersOfPartition,
  keyOfRow,
  locateKey,
  targetOfPrefix,
  type KeyLocation,
  type MonitorScope,
  type PrefixLevel,
} from './keys.js';
import { CacheStorageError, pause } from './storage.js';
import {
  GENERATION_ROW_KEY,
  GENERATION_ROWS_FILTER,
  partitionsBelowFilter,
  partitionTreeFilter,
  READING_ROW_PREFIX,
  READING_ROWS_FILTER,
  TRANSITION_ROW_PREFIX,
} from './layout.js';
import { describeError } from '../observability/redaction.js';
import { isConflict, isNotFound, isPreconditionFailed } from '../errors.js';
import { forEachLimited } from '../concurrency.js';

import type { CacheInfo, CacheState } from '../wire/index.js';
export type { CacheInfo, CacheState };

/** Why a fetched reading was answered but not stored. */
export type NotStoredReason =
  | 'generation-moved' // a purge overlapped the fetch: the reading may predate a mutation
  | 'storage-unavailable'
  | 'too-large' // over ~720 KB even compressed
  | 'not-serializable'
  | 'contention' // the generation row kept changing under us (bounded retries exhausted)
  | 'kept-better' // the fetch had a degraded part and the stored reading had none: the stored one stays
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
  /**
   * Present when the stored reading is served because a later fetch (this one, another viewer's, another
   * instance's or the timer's) had parts that could not be read: when, and those parts.
   */
  failure?: ReadingFailure;
}

/** A fetch whose degraded parts kept it from replacing the stored reading. */
export interface ReadingFailure {
  at: string;
  parts: unknown[];
}

/** The `cache` block of a monitor response. */
export function cacheInfo(read: CacheRead<unknown>): CacheInfo {
  return { state: read.state, ageSeconds: read.ageSeconds, fetchedAt: read.fetchedAt, generation: read.generation };
}

export interface ReadOptions<T = unknown> {
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
  /**
   * The parts of a fetched value that could not be read (none: a complete reading). A reading with such parts never
   * replaces a stored one without (the stored one is served, `stale`, with `failure` set, and the failure is noted
   * on its row for every reader); stored, it lives only `degradedTtlSeconds` and is never answered as `fresh`.
   */
  degradedParts?: (value: T) => readonly unknown[];
  /**
   * A background refresh that fails with an error this describes (as parts, like degradedParts) notes the failure on
   * the stored reading, so the next readers are served it `stale` with `failure` set instead of saying nothing.
   */
  failureParts?: (error: unknown) => readonly unknown[] | undefined;
  /**
   * Awaited before a fill (never on a hit); throwing refuses the fill before any row is created or written. E.g. the
   * cluster list must show the cluster first, so a read of a name that does not exist leaves nothing behind.
   */
  admit?: () => Promise<void>;
}

/** One row of the timer's table scan. */
export interface ScannedRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
  /** Every other column the scan selected. */
  [column: string]: unknown;
}

/** The whole table in one query (key columns and timestamps, plus what the caller asked for), sorted by row kind. */
export interface TableScan {
  readings: Array<{ key: string; partitionKey: string; rowKey: string; etag: string; fetchedAtMs: number; lastReadAtMs?: number }>;
  generations: Array<{ partitionKey: string; etag: string; touchedAtMs?: number }>;
  transitions: ScannedRow[];
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
  /** Lifetime of a reading stored with a degraded part, so the next poll soon after retries. Default 5. */
  degradedTtlSeconds?: number;
}

interface StoredRow {
  location: KeyLocation;
  entity: Record<string, unknown>;
  etag: string;
  fetchedAtMs: number;
  generation: number;
  lastReadAtMs?: number;
  /** The reading had a part that could not be read. */
  degraded: boolean;
  /** A later fetch failed in part and left this reading in place. */
  failure?: { atMs: number; parts: unknown[] };
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
  /** With notStoredReason 'kept-better': the stored reading that stays. */
  kept?: StoredRow;
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
  degradedParts?: (value: unknown) => readonly unknown[];
}

type ReadingEntity = {
  partitionKey: string;
  rowKey: string;
  fetchedAt: number;
  generation: number;
  lastReadAt?: number;
  degraded?: boolean;
  failedAt?: number;
  failure?: string;
} & Record<string, unknown>;

const SCAN_SELECT = ['PartitionKey', 'RowKey', 'fetchedAt', 'lastReadAt', 'touchedAt'];
/**
 * A generation row may go once idle this long (and at least TTL + SWR): far longer than any fill lasts (bounded by
 * UPSTREAM_TIMEOUT_MS, at most 2 min), so no fill in flight can hold a snapshot of a removed row. (Should one
 * anyway, its write finds the row gone or re-created as another incarnation, and drops the reading.)
 */
const MIN_GENERATION_IDLE_MS = 10 * 60_000;
const CHUNK = 100; // operations per transaction
const MAX_FAILURE_CHARS = 30_000; // one string property
const PARALLEL = 8;

export class MonitorCache {
  readonly stats: CacheStats = {
    fresh: 0, stale: 0, refreshed: 0, uncached: 0, stored: 0, dropped: 0, conflicts: 0, contention: 0,
    notStored: 0, refreshErrors: 0, storageErrors: 0, deleteRetries: 0, fetches: 0, superseded: 0,
  };

  private readonly table: TableClient;
  private readonly generations: Generations;
  private readonly ttlMs: number;
  private readonly swrMs: number;
  private readonly degradedTtlMs: number;
  private readonly hotWindowMs: number;
  private readonly generationIdleMs: number;
  private readonly writeAttempts: number;
  private readonly now: () => number;
  private readonly log: CacheLog;
  /** Single flight per key in this instance: concurrent misses and stale refreshes share one fetch. */
  private readonly inflight = new Map<string, Fill>();
  /** Background work (stale refreshes, lastReadAt merges) that idle() waits for. */
  private readonly background = new Set<Promise<unknown>>();
  /** Tail of the queue of writes per partition in this instance. */
  private readonly partitionLocks = new Map<string, Promise<void>>();
  /** When this instance last merged lastReadAt, per key. */
  private readonly touched = new Map<string, number>();
  /**
   * Counts this instance's stored readings; `written` maps a key to the count when its last reading was stored and
   * that reading's fetchedAt.
   */
  private writes = 0;
  private readonly written = new Map<string, { seq: number; fetchedAtMs: number }>();

  constructor(options: MonitorCacheOptions) {
    if (!(options.ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0');
    if (!(options.swrSeconds >= 0)) throw new RangeError('swrSeconds must be >= 0');
    this.table = options.table;
    this.ttlMs = options.ttlSeconds * 1000;
    this.swrMs = options.swrSeconds * 1000;
    this.now = options.now ?? Date.now;
    this.generationIdleMs = Math.max(this.ttlMs + this.swrMs, MIN_GENERATION_IDLE_MS);
    this.generations = new Generations(options.table, { bumpAttempts: options.bumpAttempts ?? 25, now: this.now, restampAfterMs: this.generationIdleMs / 2 });
    this.degradedTtlMs = Math.max(0, options.degradedTtlSeconds ?? 5) * 1000;
    this.hotWindowMs = (options.hotWindowSeconds ?? 2 * options.ttlSeconds) * 1000;
    this.writeAttempts = options.writeAttempts ?? 10;
    this.log = options.log ?? (() => {});
  }

  // --- reads ------------------------------------------------------------------------------------------------

  /**
   * fresh (age ≤ TTL) / stale (≤ TTL + SWR, refresh scheduled) / refreshed (fetched now) / uncached (storage
   * unreachable: fetched, not stored). Storage errors never reach the caller; fetcher errors do (see serveStaleOnError).
   * Throws CacheKeyError for a key that is not a monitor key or cannot be stored.
   */
  async read<T>(key: string, fetcher: () => Promise<T>, options: ReadOptions<T> = {}): Promise<CacheRead<T>> {
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
        storageUp = false;
        this.storageFailed('read', key, error);
      }
      // Under load a Table read can be answered with the row as it was before this instance's own write of the key
      // landed. Acting on it would fetch the key a second time: a missing row is read again, a stale one is served
      // without scheduling another refresh.
      // A row that already is the reading just written (an answer written behind, then read back) is not behind.
      const own = this.written.get(key);
      const raced = own !== undefined && own.seq > writesBefore && !(row && row.fetchedAtMs >= own.fetchedAtMs);
      if (!raced) break;
      this.stats.superseded += 1;
      if (row || !storageUp || attempt > 0) {
        if (row) row.superseded = true;
        break;
      }
    }

    const now = this.now();
    const degradedParts = options.degradedParts as FillMode['degradedParts'];
    if (row) {
      const ageMs = Math.max(0, now - row.fetchedAtMs);
      // A degraded reading lives only its short TTL, is answered as stale (it is not the whole truth), and is
      // fetched again once that has passed.
      const servable = row.degraded ? ageMs <= Math.min(ttlMs, this.degradedTtlMs) : ageMs <= ttlMs + swrMs;
      const stored = servable ? this.decodeRow(row) : undefined;
      if (stored) {
        this.touch(row, now);
        const state = ageMs <= ttlMs && !row.degraded && !row.failure ? 'fresh' : 'stale';
        if (ageMs > ttlMs && !row.degraded && !row.superseded) this.scheduleRefresh(location, fetcher, degradedParts, options.failureParts);
        this.stats[state] += 1;
        return {
          value: stored.value as T,
          state,
          ageSeconds: ageMs / 1000,
          fetchedAt: iso(row.fetchedAtMs),
          generation: row.generation,
          ...(row.failure ? { failure: { at: iso(row.failure.atMs), parts: row.failure.parts } } : {}),
          ...versionOf(row),
        };
      }
    }

    try {
      if (options.admit) await options.admit();
      // A reading this instance stored is gone: removed elsewhere (a purge bumps first), so what this instance knows
      // of the generation row is likely behind. The snapshot is read, not recalled, lest the write be dropped.
      const goneElsewhere = !row && this.written.has(key);
      const fill = this.fill(location, fetcher, {
        useStorage: storageUp,
        lastReadAtMs: now,
        readSnapshot: goneElsewhere,
        ...(degradedParts ? { degradedParts } : {}),
      });
      // writeBehind: a complete reading is answered once fetched; a degraded one only once its write decided whether
      // it gives way to a complete stored reading (runFill answers it then), so it is never served in place of one.
      const outcome: Fetched = options.writeBehind ? await fill.fetched : await fill.done;
      if (options.writeBehind) this.track(fill.done.catch(() => {})); // its failure is the fetch's, answered here
      const kept = outcome.kept ? this.decodeRow(outcome.kept) : undefined;
      if (outcome.kept && kept) {
        // The fetch lost a part the stored reading has: serve the stored one, saying what failed just now.
        this.touch(outcome.kept, now); // still in use: removeExpired keeps it
        this.stats.stale += 1;
        return {
          value: kept.value as T,
          state: 'stale',
          ageSeconds: Math.max(0, this.now() - outcome.kept.fetchedAtMs) / 1000,
          fetchedAt: iso(outcome.kept.fetchedAtMs),
          generation: outcome.kept.generation,
          failure: { at: iso(outcome.fetchedAtMs), parts: [...(degradedParts?.(outcome.value) ?? [])] },
          ...versionOf(outcome.kept),
        };
      }
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
  async listRefreshCandidates(now = this.now(), options: { minAgeSeconds?: number; hotWindowSeconds?: number } = {}, scan?: TableScan): Promise<RefreshCandidate[]> {
    const minAgeMs = options.minAgeSeconds !== undefined ? options.minAgeSeconds * 1000 : this.ttlMs;
    const hotMs = options.hotWindowSeconds !== undefined ? options.hotWindowSeconds * 1000 : this.hotWindowMs;
    const candidates: RefreshCandidate[] = [];
    for (const row of (scan ?? (await this.scan())).readings) {
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
  async refreshExisting(key: string, fetcher: () => Promise<unknown>, options: Pick<FillMode, 'degradedParts'> = {}): Promise<RefreshOutcome> {
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
    const outcome = await this.fill(location, fetcher, {
      useStorage: true,
      requireExisting: true,
      ...(lastReadAtMs !== undefined ? { lastReadAtMs } : {}),
      ...(options.degradedParts ? { degradedParts: options.degradedParts } : {}),
    }).done;
    return { key, stored: outcome.stored, generation: outcome.generation, ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}) };
  }

  /**
   * Deletes readings nobody needs: fetched longer ago than TTL + SWR and not read within that time either
   * (a row still being read, e.g. served stale while upstream fails, is kept). Deletes If-Match the ETag seen
   * by the scan, so a row refreshed or read meanwhile survives. Returns the number removed.
   */
  async removeExpired(now = this.now(), scan?: TableScan): Promise<number> {
    const limitMs = this.ttlMs + this.swrMs;
    const expired = (scan ?? (await this.scan())).readings.filter(
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

  /**
   * Removes the generation rows of clusters nothing needs any more: no reading under them and no transition in the
   * scan, and idle (not stamped by a fill or a purge) for at least TTL + SWR and 10 min. So the table's size follows
   * the fleet, not the traffic. Scope rows stay (their number is bounded by ALLOWED_SCOPES). Deletes If-Match the
   * ETag the scan saw: a row a fill or a purge touched meanwhile stays. A row written before rows were stamped is
   * stamped now and judged by a later run. Returns the number removed.
   */
  async removeUnneededGenerations(now = this.now(), scan?: TableScan): Promise<number> {
    const rows = scan ?? (await this.scan());
    const withReadings = new Set(rows.readings.map((row) => row.partitionKey));
    const withTransition = new Set(rows.transitions.map((row) => `${row.partitionKey}:${row.rowKey.slice(TRANSITION_ROW_PREFIX.length)}`));
    const clusterRows = rows.generations.filter((row) => {
      try {
        return countersOfPartition(row.partitionKey).includes('counter');
      } catch {
        return false;
      }
    });
    let removed = 0;
    await forEachLimited(clusterRows, PARALLEL, async (row) => {
      if (withReadings.has(row.partitionKey) || withTransition.has(row.partitionKey)) return;
      try {
        if (row.touchedAtMs === undefined) {
          await this.table.updateEntity({ partitionKey: row.partitionKey, rowKey: GENERATION_ROW_KEY, touchedAt: now }, 'Merge', { etag: row.etag });
        } else if (now - row.touchedAtMs > this.generationIdleMs) {
          await this.table.deleteEntity(row.partitionKey, GENERATION_ROW_KEY, { etag: row.etag });
          this.generations.forget(row.partitionKey);
          removed += 1;
        }
      } catch (error) {
        if (!isNotFound(error) && !isPreconditionFailed(error)) throw this.invalidationError('removeUnneededGenerations', error);
      }
    });
    return removed;
  }

  /**
   * Every row of the table in one query: readings (with their timestamps), generation rows (with their stamp) and
   * transition rows (with `columns`). The timer makes one of these per run and judges everything by it.
   */
  async scan(columns: readonly string[] = []): Promise<TableScan> {
    const result: TableScan = { readings: [], generations: [], transitions: [] };
    const pages = this.table.listEntities<ScannedRow>({ queryOptions: { select: [...new Set([...SCAN_SELECT, ...columns])] } });
    for await (const entity of pages) {
      const { partitionKey, rowKey, etag } = entity;
      if (rowKey === GENERATION_ROW_KEY) {
        result.generations.push({ partitionKey, etag, ...(typeof entity.touchedAt === 'number' ? { touchedAtMs: entity.touchedAt } : {}) });
      } else if (rowKey.startsWith(TRANSITION_ROW_PREFIX)) {
        result.transitions.push(entity);
      } else if (rowKey.startsWith(READING_ROW_PREFIX) && typeof entity.fetchedAt === 'number') {
        let key: string;
        try {
          key = keyOfRow(partitionKey, rowKey);
        } catch {
          continue;
        }
        result.readings.push({ key, partitionKey, rowKey, etag, fetchedAtMs: entity.fetchedAt, ...(typeof entity.lastReadAt === 'number' ? { lastReadAtMs: entity.lastReadAt } : {}) });
      }
    }
    return result;
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

  /**
   * A cluster upstream says does not exist: purges what is stored of it, creating nothing for it. Without its
   * generation row there is no reading of it and no fill in flight (a fill creates the row before its fetch), so
   * there is nothing to do; a name that never existed leaves no trace, however often it is asked for.
   * `list`: the scope's cluster list goes too (a lifecycle 404: a list fetched before it must not be stored after);
   * the scope's row is one of the allowed scopes', so this creates nothing that traffic could multiply.
   */
  async forgetCluster(scope: MonitorScope, cluster: string, options: { list?: boolean } = {}): Promise<InvalidationResult> {
    const prefix = clusterPrefix(scope, cluster);
    const target = targetOfPrefix(prefix);
    if (target.level !== 'cluster') throw new Error(`unexpected prefix level ${target.level}`);
    let exists: boolean;
    try {
      exists = (await this.generations.read(target.partitionKey)) !== undefined;
    } catch (error) {
      throw this.invalidationError(prefix, error);
    }
    if (exists) return options.list ? this.invalidateCluster(scope, cluster) : this.invalidatePrefix(prefix);
    if (!options.list) return { level: 'none', bumped: 0, deleted: 0 };
    const list = locateKey(clusterListKey(scope));
    try {
      await this.generations.bump(list.own.partitionKey, ['list']);
      this.detachInflight(list.key, true);
      const deleted = await this.deletePartitionRows(list.partitionKey, [list.rowKey]);
      return { level: 'key', bumped: 1, deleted };
    } catch (error) {
      throw this.invalidationError(list.key, error);
    }
  }

  // --- internals: reading rows ------------------------------------------------------------------------------

  private async getReading(location: KeyLocation): Promise<StoredRow | undefined> {
    try {
      const entity = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey);
      if (typeof entity.fetchedAt !== 'number') return undefined;
      return {
        location,
        entity,
        etag: entity.etag,
        degraded: entity.degraded === true,
        ...failureOf(entity),
        fetchedAtMs: entity.fetchedAt,
        generation: typeof entity.generation === 'number' ? entity.generation : 0,
        ...(typeof entity.lastReadAt === 'number' ? { lastReadAtMs: entity.lastReadAt } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
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

  private scheduleRefresh(
    location: KeyLocation,
    fetcher: () => Promise<unknown>,
    degradedParts?: FillMode['degradedParts'],
    failureParts?: ReadOptions['failureParts'],
  ): void {
    if (this.inflight.has(location.key)) return;
    const startedAtMs = this.now();
    this.track(
      this.fill(location, fetcher, { useStorage: true, lastReadAtMs: startedAtMs, ...(degradedParts ? { degradedParts } : {}) }).done.catch(async (error: unknown) => {
        this.stats.refreshErrors += 1;
        this.log({ level: 'warn', event: 'cache.refresh.failed', key: location.key, detail: describeError(error) });
        const parts = failureParts?.(error);
        if (!parts?.length) return;
        try {
          const row = await this.getReading(location);
          if (row && !row.degraded) await this.noteFailure(row, { atMs: startedAtMs, parts: [...parts] });
        } catch (noteError) {
          this.log({ level: 'debug', event: 'cache.note-failure.failed', key: location.key, detail: describeError(noteError) });
        }
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
    const parts = mode.degradedParts?.(value) ?? [];
    const degraded = parts.length > 0;
    // writeBehind readers get a complete reading now; a degraded one once the write has decided (it may give way to
    // a complete stored reading, which is then what they are served).
    if (!degraded) answer({ ...base, generation, ...(version ? { version } : {}), storageDown: false });
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
      ...(degraded ? { degraded: true } : {}),
      ...encoded.properties,
    };
    try {
      const written = await this.guardedWrite(location, own, reading, mode.requireExisting ?? false, degraded ? { atMs: fetchedAtMs, parts: [...parts] } : undefined);
      const reason = typeof written === 'object' ? 'kept-better' : written;
      if (reason) this.stats.notStored += 1;
      return {
        ...base,
        generation,
        stored: !reason,
        ...(reason ? { notStoredReason: reason } : {}),
        ...(typeof written === 'object' ? { kept: written } : {}),
        ...(version ? { version } : {}),
        storageDown: false,
      };
    } catch (error) {
      this.storageFailed('write', location.key, error);
      return { ...base, generation, stored: false, notStoredReason: 'storage-unavailable', storageDown: true };
    }
  }

  /**
   * Stores the reading unless the own generation row changed since the fetch began (`seen`): compares it with the
   * row as this instance knows it now — same incarnation (not removed and re-created: a re-created row restarts its
   * counter) and same counter; gone or changed → dropped; else one transaction [update the generation row If-Match
   * that ETag (no change), upsert the reading]. A 412 means the row changed elsewhere: read it, decide again
   * (bounded); a 404 means it was removed: forgotten, read, dropped. On success the row's new ETag is remembered, so
   * this instance's next fill of the partition needs no read either.
   * Why this is safe: the own row exists since before the fetch, and every purge bumps the generation rows it covers
   * before deleting — a scope purge bumps each cluster row below it, found by a query after its own bump — so either
   * we see the moved counter, or the bump fails our transaction, or our reading lands before the bump and the purge
   * deletes it. (The scope's `tree` needs no check of its own for that reason; it only adds to the generation shown.)
   * Writes of one partition are serialised in this instance, so one instance's concurrent fills do not 412 each other.
   * A degraded reading is written only over nothing or over another degraded reading, If-Match the row it saw (or
   * create-only), so a good reading another writer stores meanwhile is never replaced by it.
   * Returns undefined when stored, the stored row when a degraded reading gave way to it, else why not.
   */
  private guardedWrite(
    location: KeyLocation,
    seen: GenerationRow,
    reading: Record<string, unknown> & { partitionKey: string; rowKey: string },
    requireExisting: boolean,
    failure: StoredRow['failure'],
  ): Promise<NotStoredReason | StoredRow | undefined> {
    const degraded = failure !== undefined;
    const partitionKey = location.own.partitionKey;
    const name = location.own.name;
    return this.withPartitionLock(partitionKey, async () => {
      for (let attempt = 0; attempt < this.writeAttempts; attempt++) {
        // The row as this instance knows it now (its own writes, bumps and reads since the snapshot included), read
        // if it knows none. Gone, re-created (another incarnation, its counter restarted) or moved: dropped.
        const own = this.generations.knownRow(partitionKey) ?? (await this.generations.read(partitionKey));
        if (!own || !sameGeneration(seen, own, name)) {
          this.stats.dropped += 1;
          const counter = (row: GenerationRow) => `${row.incarnation || '-'}/${row.counters[name] ?? 0}`;
          this.log({ level: 'debug', event: 'cache.dropped', key: location.key, detail: `generation ${counter(seen)} → ${own ? counter(own) : 'removed'}` });
          return 'generation-moved';
        }
        let write: TransactionAction;
        if (degraded) {
          const existing = await this.getReading(location);
          if (existing && !existing.degraded && this.decodeRow(existing)) {
            await this.noteFailure(existing, failure);
            return existing;
          }
          if (!existing && requireExisting) return 'missing';
          write = existing ? ['update', reading, 'Replace', { etag: existing.etag }] : ['create', reading];
        } else {
          write = requireExisting ? ['update', reading, 'Replace', { etag: '*' }] : ['upsert', reading, 'Replace'];
        }
        try {
          const response = await this.table.submitTransaction([
            ['update', { partitionKey, rowKey: GENERATION_ROW_KEY }, 'Merge', { etag: own.etag }],
            write,
          ]);
          // Sub-responses come in the order of the operations (some servers leave out their row keys).
          const etag = (response.getResponseForEntity(GENERATION_ROW_KEY) ?? response.subResponses[0])?.etag;
          if (etag) this.generations.remember({ ...own, etag });
          this.stats.stored += 1;
          this.writes += 1;
          if (this.written.size > 10_000) this.written.clear();
          this.written.set(location.key, { seq: this.writes, fetchedAtMs: Number(reading.fetchedAt) });
          return undefined;
        } catch (error) {
          if (isNotFound(error)) {
            // The generation row was removed (the timer's cleanup) or, for refreshExisting or a degraded reading's
            // update, the reading: what this instance knew of the row is forgotten and the write decided again. A
            // removed row is never re-created here: it reads as missing, a re-created one as another incarnation.
            this.generations.forget(partitionKey);
            if (requireExisting) return 'missing';
            this.stats.conflicts += 1;
            continue;
          }
          // 409: a degraded reading's create met a row stored meanwhile; decide again like a 412.
          if (!isPreconditionFailed(error) && !(degraded && isConflict(error))) throw error;
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

  /**
   * Notes on a complete reading that a later fetch failed in part, so every reader of it (any instance) is told.
   * Best effort, If-Match the row just read: a reading stored meanwhile is newer and has no such failure.
   */
  private async noteFailure(row: StoredRow, failure: NonNullable<StoredRow['failure']>): Promise<void> {
    const text = JSON.stringify(failure.parts);
    if (text.length > MAX_FAILURE_CHARS) return;
    const { partitionKey, rowKey } = row.location;
    try {
      await this.table.updateEntity({ partitionKey, rowKey, failedAt: failure.atMs, failure: text }, 'Merge', { etag: row.etag });
    } catch (error) {
      this.log({ level: 'debug', event: 'cache.note-failure.failed', key: row.location.key, detail: describeError(error) });
    }
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

/** A failure noted after the reading was fetched (one noted on an older reading of the row would not apply). */
function failureOf(entity: ReadingEntity): { failure?: { atMs: number; parts: unknown[] } } {
  if (typeof entity.failedAt !== 'number' || entity.failedAt < entity.fetchedAt || typeof entity.failure !== 'string') return {};
  try {
    const parts: unknown = JSON.parse(entity.failure);
    return Array.isArray(parts) && parts.length > 0 ? { failure: { atMs: entity.failedAt, parts } } : {};
  } catch {
    return {};
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function createMonitorCache(options: MonitorCacheOptions): MonitorCache {
  return new MonitorCache(options);
}
