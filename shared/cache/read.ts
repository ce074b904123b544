// The read path: a stored reading served by its age (fresh, stale with a refresh scheduled, or fetched again), the
// degraded readings' rules for readers, reads that raced this instance's own write, and peek.
import { iso, type CacheCore, type StoredRow } from './core.js';
import { noteFailure, startFill, type Fetched, type FillMode } from './fill.js';
import { locateKey, type KeyLocation } from './keys.js';
import type { CacheEntry, CacheRead, CacheState, ReadOptions } from './types.js';
import { isNotFound } from '../errors.js';
import { describeError } from '../observability/redaction.js';

/** Table Storage that answered within this long is slow, not down, when a call times out. */
const STORAGE_ALIVE_MS = 5_000;

/** A Table call given up by its own timeouts (per try or per call), as opposed to refused or failed. */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * fresh (age ≤ TTL) / stale (≤ TTL + SWR, refresh scheduled) / refreshed (fetched now) / uncached (storage
 * unreachable: fetched, not stored). Storage errors never reach the caller; fetcher errors do (see serveStaleOnError).
 * Throws CacheKeyError for a key that is not a monitor key or cannot be stored.
 */
export async function read<T>(cache: CacheCore, key: string, fetcher: () => Promise<T>, options: ReadOptions<T> = {}): Promise<CacheRead<T>> {
  const location = locateKey(key);
  const ttlMs = options.ttlSeconds !== undefined ? Math.max(0, options.ttlSeconds) * 1000 : cache.ttlMs;
  const swrMs = options.swrSeconds !== undefined ? Math.max(0, options.swrSeconds) * 1000 : cache.swrMs;

  let row: StoredRow | undefined;
  let storageUp = true;
  // A complete, fresh reading this instance read from the table moments ago is answered again (recent.ts).
  const reusable = cache.recent.recall(key);
  let reused: { value: unknown } | undefined;
  let started: ReturnType<typeof cache.recent.begin> | undefined;
  if (reusable && isFreshAndWhole(reusable.row, ttlMs, cache.now())) {
    row = reusable.row;
    reused = { value: reusable.value };
    cache.stats.reused += 1;
  } else {
    for (let attempt = 0; ; attempt++) {
      const writesBefore = cache.writes;
      started = cache.recent.begin();
      try {
        row = await cache.getReading(location);
      } catch (error) {
        // On a busy instance a Table call can time out while Table Storage itself is fine (it answered this instance
        // moments ago): the reader waits for one more try instead of fetching upstream without the cache.
        if (attempt === 0 && isTimeout(error) && performance.now() - cache.storageAnsweredAt < STORAGE_ALIVE_MS) {
          cache.stats.storageRetries += 1;
          continue;
        }
        storageUp = false;
        cache.storageFailed('read', key, error);
      }
      // Under load a Table read can be answered with the row as it was before this instance's own write of the key
      // landed. Acting on it would fetch the key a second time: a missing row is read again, a stale one is served
      // without scheduling another refresh.
      // A row that already is the reading just written (an answer written behind, then read back) is not behind.
      const own = cache.written.get(key);
      const raced = own !== undefined && own.seq > writesBefore && !(row && row.fetchedAtMs >= own.fetchedAtMs);
      if (!raced) break;
      cache.stats.superseded += 1;
      if (row || !storageUp || attempt > 0) {
        if (row) row.superseded = true;
        break;
      }
    }
  }

  const now = cache.now();
  const degradedParts = options.degradedParts as FillMode['degradedParts'];
  if (row) {
    const ageMs = Math.max(0, now - row.fetchedAtMs);
    // A degraded reading lives only its short TTL, is answered as stale (it is not the whole truth), and is
    // fetched again once that has passed.
    const servable = row.degraded ? ageMs <= Math.min(ttlMs, cache.degradedTtlMs) : ageMs <= ttlMs + swrMs;
    const stored = servable ? (reused ?? cache.decodeRow(row)) : undefined;
    if (stored && started && !row.superseded) cache.recent.keep(row, stored.value, started);
    if (stored) {
      touch(cache, row, now);
      const state = ageMs <= ttlMs && !row.degraded && !row.failure ? 'fresh' : 'stale';
      if (ageMs > ttlMs && !row.degraded && !row.superseded) scheduleRefresh(cache, location, fetcher, degradedParts, options.failureParts);
      cache.stats[state] += 1;
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
    const goneElsewhere = !row && cache.written.has(key);
    const fill = startFill(cache, location, fetcher, {
      useStorage: storageUp,
      lastReadAtMs: now,
      readSnapshot: goneElsewhere,
      ...(degradedParts ? { degradedParts } : {}),
    });
    // writeBehind: a complete reading is answered once fetched; a degraded one only once its write decided whether
    // it gives way to a complete stored reading (runFill answers it then), so it is never served in place of one.
    const outcome: Fetched = options.writeBehind ? await fill.fetched : await fill.done;
    if (options.writeBehind) cache.track(fill.done.catch(() => {})); // its failure is the fetch's, answered here
    const kept = outcome.kept ? cache.decodeRow(outcome.kept) : undefined;
    if (outcome.kept && kept) {
      // The fetch lost a part the stored reading has: serve the stored one, saying what failed just now.
      touch(cache, outcome.kept, now); // still in use: removeExpired keeps it
      cache.stats.stale += 1;
      return {
        value: kept.value as T,
        state: 'stale',
        ageSeconds: Math.max(0, cache.now() - outcome.kept.fetchedAtMs) / 1000,
        fetchedAt: iso(outcome.kept.fetchedAtMs),
        generation: outcome.kept.generation,
        failure: { at: iso(outcome.fetchedAtMs), parts: [...(degradedParts?.(outcome.value) ?? [])] },
        ...versionOf(outcome.kept),
      };
    }
    const state: CacheState = outcome.storageDown ? 'uncached' : 'refreshed';
    cache.stats[state] += 1;
    return {
      value: outcome.value as T,
      state,
      ageSeconds: Math.max(0, cache.now() - outcome.fetchedAtMs) / 1000,
      fetchedAt: iso(outcome.fetchedAtMs),
      generation: outcome.generation,
      ...(outcome.stored !== undefined ? { stored: outcome.stored } : {}),
      ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}),
      ...(outcome.version ? { version: outcome.version } : {}),
    };
  } catch (fetchError) {
    // An unreadable row is not served: the fetch error propagates.
    const old = row && options.serveStaleOnError?.(fetchError) ? cache.decodeRow(row) : undefined;
    if (!row || !old) throw fetchError;
    touch(cache, row, now); // still in use: removeExpired keeps it
    cache.stats.stale += 1;
    return {
      value: old.value as T,
      state: 'stale',
      ageSeconds: Math.max(0, cache.now() - row.fetchedAtMs) / 1000,
      fetchedAt: iso(row.fetchedAtMs),
      generation: row.generation,
      fetchError,
      ...versionOf(row),
    };
  }
}

/** The stored reading whatever its age (undefined if missing, unreadable or storage unreachable). */
export async function peek<T = unknown>(cache: CacheCore, key: string): Promise<CacheEntry<T> | undefined> {
  const location = locateKey(key);
  let row: StoredRow | undefined;
  try {
    row = await cache.getReading(location);
  } catch (error) {
    cache.storageFailed('peek', key, error);
    return undefined;
  }
  const stored = row && cache.decodeRow(row);
  if (!row || !stored) return undefined;
  return {
    key,
    value: stored.value as T,
    fetchedAt: iso(row.fetchedAtMs),
    fetchedAtMs: row.fetchedAtMs,
    ageSeconds: Math.max(0, cache.now() - row.fetchedAtMs) / 1000,
    generation: row.generation,
    ...(row.lastReadAtMs !== undefined ? { lastReadAtMs: row.lastReadAtMs } : {}),
  };
}

/** Answered `fresh` as it is: no part missing, no failure noted, within the TTL. (A superseded row is never kept.) */
function isFreshAndWhole(row: StoredRow, ttlMs: number, now: number): boolean {
  return !row.degraded && !row.failure && now - row.fetchedAtMs <= ttlMs;
}

/** Records that the row is being read, at most once per TTL/2 per key per instance; never creates a row. */
function touch(cache: CacheCore, row: StoredRow, now: number): void {
  const interval = cache.ttlMs / 2;
  const key = row.location.key;
  if (row.lastReadAtMs !== undefined && now - row.lastReadAtMs < interval) return;
  const last = cache.touched.get(key);
  if (last !== undefined && now - last < interval) return;
  if (cache.touched.size > 10_000) cache.touched.clear();
  cache.touched.set(key, now);
  const { partitionKey, rowKey } = row.location;
  // Merge If-Match * fails with 404 on a missing row: a purge that deleted it stays effective.
  cache.track(
    cache.table.updateEntity({ partitionKey, rowKey, lastReadAt: now }, 'Merge', { etag: '*' }).catch((error: unknown) => {
      if (!isNotFound(error)) cache.log({ level: 'debug', event: 'cache.touch.failed', key, detail: describeError(error) });
    }),
  );
}

function scheduleRefresh(
  cache: CacheCore,
  location: KeyLocation,
  fetcher: () => Promise<unknown>,
  degradedParts?: FillMode['degradedParts'],
  failureParts?: ReadOptions['failureParts'],
): void {
  if (cache.inflight.has(location.key)) return;
  const startedAtMs = cache.now();
  cache.track(
    startFill(cache, location, fetcher, { useStorage: true, lastReadAtMs: startedAtMs, ...(degradedParts ? { degradedParts } : {}) }).done.catch(
      async (error: unknown) => {
        cache.stats.refreshErrors += 1;
        cache.log({ level: 'warn', event: 'cache.refresh.failed', key: location.key, detail: describeError(error) });
        const parts = failureParts?.(error);
        if (!parts?.length) return;
        try {
          const row = await cache.getReading(location);
          if (row && !row.degraded) await noteFailure(cache, row, { atMs: startedAtMs, parts: [...parts] });
        } catch (noteError) {
          cache.log({ level: 'debug', event: 'cache.note-failure.failed', key: location.key, detail: describeError(noteError) });
        }
      },
    ),
  );
}

function versionOf(row: StoredRow): { version?: string } {
  return typeof row.entity.version === 'string' ? { version: row.entity.version } : {};
}
