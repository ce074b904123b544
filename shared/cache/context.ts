// What every part of one MonitorCache is given: the table, the clock, the log, the settings and the counters. Plain
// data: the state each part keeps of its own (fills in flight, readings read moments ago, generation rows known) is
// that part's.
import type { TableClient } from '@azure/data-tables';
import { CacheStorageError } from './storage.js';
import type { CacheLog, CacheStats, MonitorCacheOptions } from './types.js';
import { describeError } from '../observability/redaction.js';

/**
 * A generation row may go once idle this long (and at least TTL + SWR): far longer than any fill lasts (bounded by
 * UPSTREAM_TIMEOUT_MS, at most 2 min), so no fill in flight can hold a snapshot of a removed row. (Should one
 * anyway, its write finds the row gone or re-created as another incarnation, and drops the reading.)
 */
const MIN_GENERATION_IDLE_MS = 10 * 60_000;
/** Table calls one purge or timer task makes at once. */
export const PARALLEL = 8;

export interface CacheContext {
  readonly table: TableClient;
  readonly stats: CacheStats;
  readonly now: () => number;
  readonly log: CacheLog;
  readonly ttlMs: number;
  readonly swrMs: number;
  readonly degradedTtlMs: number;
  readonly hotWindowMs: number;
  readonly generationIdleMs: number;
  readonly writeAttempts: number;
}

export function cacheContext(options: MonitorCacheOptions): CacheContext {
  if (!(options.ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0');
  if (!(options.swrSeconds >= 0)) throw new RangeError('swrSeconds must be >= 0');
  const ttlMs = options.ttlSeconds * 1000;
  const swrMs = options.swrSeconds * 1000;
  return {
    table: options.table,
    stats: {
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
    },
    now: options.now ?? Date.now,
    log: options.log ?? (() => {}),
    ttlMs,
    swrMs,
    degradedTtlMs: Math.max(0, options.degradedTtlSeconds ?? 5) * 1000,
    hotWindowMs: (options.hotWindowSeconds ?? 2 * options.ttlSeconds) * 1000,
    generationIdleMs: Math.max(ttlMs + swrMs, MIN_GENERATION_IDLE_MS),
    writeAttempts: options.writeAttempts ?? 10,
  };
}

/** A Table call that failed where the cache carries on without it: counted and logged. */
export function storageFailed(context: CacheContext, operation: string, key: string, error: unknown): void {
  context.stats.storageErrors += 1;
  context.log({ level: 'warn', event: `cache.storage.${operation}`, key, detail: describeError(error) });
}

/** What a purge or removal that failed throws: a CacheStorageError. */
export function invalidationError(prefix: string, error: unknown): Error {
  if (error instanceof CacheStorageError) return error;
  return new CacheStorageError('unavailable', `invalidating ${prefix}: ${describeError(error)}`, { cause: error });
}
