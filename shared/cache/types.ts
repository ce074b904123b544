// The public types of the monitor cache: what a read answers, the options it takes, the timer's scan and the counters.
import type { TableClient } from '@azure/data-tables';
import type { PrefixLevel } from './keys.js';

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

/** A reading row as the timer's scan sees it: where it is and its timestamps, not its value. */
export interface ScannedReading {
  key: string;
  partitionKey: string;
  rowKey: string;
  etag: string;
  fetchedAtMs: number;
  lastReadAtMs?: number;
}

/** The whole table in one query (key columns and timestamps, plus what the caller asked for), sorted by row kind. */
export interface TableScan {
  readings: ScannedReading[];
  generations: Array<{ partitionKey: string; etag: string; touchedAtMs?: number }>;
  transitions: ScannedRow[];
}

/** What `peek` answers: the stored reading with its value, whatever its age (no state: nothing was decided). */
export interface CacheEntry<T> {
  key: string;
  value: T;
  fetchedAt: string;
  fetchedAtMs: number;
  ageSeconds: number;
  generation: number;
  lastReadAtMs?: number;
}

/** A scanned reading someone read recently and that is older than the TTL: the timer refreshes it. */
export interface RefreshCandidate {
  key: string;
  fetchedAtMs: number;
  lastReadAtMs: number;
  ageSeconds: number;
}

/** What `refreshExisting` answers: whether the fill stored the reading (no value: nobody is answered). */
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
  /** Fresh hits answered from a reading this instance read from the table moments ago (recent.ts): no Table call. */
  reused: number;
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
  /**
   * A complete, fresh reading read from the table is answered again for this long without another Table read
   * (recent.ts); another instance's purge is seen here at most this late. Default 0 (every hit reads the table).
   */
  reuseWindowMs?: number;
  /** The reuse window's clock: monotonic milliseconds. Default performance.now (tests move their own). */
  reuseClock?: () => number;
}
