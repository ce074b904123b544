// What every part of the monitor cache shares: the table, the settings, the counters, what this instance knows of its
// own fills and writes, and reading one reading row.
import type { TableClient } from '@azure/data-tables';
import { decodeValue } from './codec.js';
import type { Fill } from './fill.js';
import { Generations } from './generations.js';
import { RecentReadings } from './recent.js';
import type { KeyLocation } from './keys.js';
import { CacheStorageError } from './storage.js';
import type { CacheLog, CacheStats, MonitorCacheOptions } from './types.js';
import { isNotFound } from '../errors.js';
import { describeError } from '../observability/redaction.js';

/** A later fetch that failed in part and left a stored reading in place: when (epoch ms) and those parts. */
export interface NotedFailure {
  atMs: number;
  parts: unknown[];
}

/** A reading row as read from the table: its columns (`entity`) and, parsed, what the read path needs of them. */
export interface StoredRow {
  location: KeyLocation;
  entity: ReadingEntity;
  etag: string;
  fetchedAtMs: number;
  generation: number;
  lastReadAtMs?: number;
  /** The reading had a part that could not be read. */
  degraded: boolean;
  /** A later fetch failed in part and left this reading in place. */
  failure?: NotedFailure;
  /** Read while this instance stored a newer reading of the key: no refresh is scheduled for it. */
  superseded?: boolean;
}

/** A reading row's columns, as the table returns them. */
export type ReadingEntity = {
  partitionKey: string;
  rowKey: string;
  fetchedAt: number;
  generation: number;
  lastReadAt?: number;
  degraded?: boolean;
  failedAt?: number;
  failure?: string;
} & Record<string, unknown>;

/**
 * A generation row may go once idle this long (and at least TTL + SWR): far longer than any fill lasts (bounded by
 * UPSTREAM_TIMEOUT_MS, at most 2 min), so no fill in flight can hold a snapshot of a removed row. (Should one
 * anyway, its write finds the row gone or re-created as another incarnation, and drops the reading.)
 */
const MIN_GENERATION_IDLE_MS = 10 * 60_000;
export const PARALLEL = 8;

/** The state of one MonitorCache: the modules read.ts, fill.ts, purge.ts and maintenance.ts work on it. */
export class CacheCore {
  readonly stats: CacheStats = {
    fresh: 0,
    stale: 0,
    refreshed: 0,
    uncached: 0,
    stored: 0,
    dropped: 0,
    conflicts: 0,
    contention: 0,
    notStored: 0,
    refreshErrors: 0,
    storageErrors: 0,
    deleteRetries: 0,
    fetches: 0,
    storageRetries: 0,
    superseded: 0,
    reused: 0,
  };

  readonly table: TableClient;
  readonly generations: Generations;
  readonly ttlMs: number;
  readonly swrMs: number;
  readonly degradedTtlMs: number;
  readonly hotWindowMs: number;
  readonly generationIdleMs: number;
  readonly writeAttempts: number;
  readonly now: () => number;
  readonly log: CacheLog;
  /** Single flight per key in this instance: concurrent misses and stale refreshes share one fetch. */
  readonly inflight = new Map<string, Fill>();
  /** Background work (stale refreshes, lastReadAt merges) that idle() waits for. */
  readonly background = new Set<Promise<unknown>>();
  /** Tail of the queue of writes per partition in this instance. */
  readonly partitionLocks = new Map<string, Promise<void>>();
  /** When Table Storage last answered a read of this instance (performance.now(): real time, whatever the clock). */
  storageAnsweredAt = Number.NEGATIVE_INFINITY;
  /** When this instance last merged lastReadAt, per key. */
  readonly touched = new Map<string, number>();
  /**
   * Counts this instance's stored readings; `written` maps a key to the count when its last reading was stored and
   * that reading's fetchedAt.
   */
  writes = 0;
  readonly written = new Map<string, { seq: number; fetchedAtMs: number }>();
  /** Fresh readings read from the table moments ago, answered again for a short window (recent.ts). */
  readonly recent: RecentReadings;

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
    this.recent = new RecentReadings(Math.max(0, options.reuseWindowMs ?? 0), options.reuseClock);
  }

  /** Resolves once every scheduled background refresh and lastReadAt merge has settled. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async getReading(location: KeyLocation): Promise<StoredRow | undefined> {
    try {
      const entity = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey);
      this.storageAnsweredAt = performance.now();
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
      if (!isNotFound(error)) throw error;
      this.storageAnsweredAt = performance.now();
      return undefined;
    }
  }

  /** The row's value, or undefined if it is unreadable (logged; the caller treats the row as missing). */
  decodeRow(row: StoredRow): { value: unknown } | undefined {
    try {
      return { value: decodeValue(row.entity) };
    } catch (error) {
      this.log({ level: 'warn', event: 'cache.corrupt', key: row.location.key, detail: describeError(error) });
      return undefined;
    }
  }

  track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  storageFailed(operation: string, key: string, error: unknown): void {
    this.stats.storageErrors += 1;
    this.log({ level: 'warn', event: `cache.storage.${operation}`, key, detail: describeError(error) });
  }

  invalidationError(prefix: string, error: unknown): Error {
    if (error instanceof CacheStorageError) return error;
    return new CacheStorageError('unavailable', `invalidating ${prefix}: ${describeError(error)}`, { cause: error });
  }
}

/** A failure noted after the reading was fetched (one noted on an older reading of the row would not apply). */
function failureOf(entity: ReadingEntity): { failure?: NotedFailure } {
  if (typeof entity.failedAt !== 'number' || entity.failedAt < entity.fetchedAt || typeof entity.failure !== 'string') return {};
  try {
    const parts: unknown = JSON.parse(entity.failure);
    return Array.isArray(parts) && parts.length > 0 ? { failure: { atMs: entity.failedAt, parts } } : {};
  } catch {
    return {};
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
