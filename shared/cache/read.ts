// The read path: a stored reading served by its age (fresh, stale with a refresh scheduled, or fetched again), the
// degraded readings' rules for readers, reads that raced this instance's own write, and peek. What the read path
// keeps of its own: when it last stamped lastReadAt per key, and the background work idle() waits for.
import { storageFailed, type CacheContext } from './context.js';
import type { Fetched, FillMode, Fills } from './fill.js';
import { locateKey } from './keys.js';
import type { ReadStart, RecentReadings } from './recent.js';
import type { ReadingRows, StoredRow } from './rows.js';
import type { CacheEntry, CacheRead, CacheState, ReadOptions } from './types.js';

/** Table Storage that answered within this long is slow, not down, when a call times out. */
const STORAGE_ALIVE_MS = 5_000;

/** A Table call given up by its own timeouts (per try or per call), as opposed to refused or failed. */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

export class Reader {
  /** When this instance last stamped lastReadAt, per key. */
  private readonly touched = new Map<string, number>();
  /** Background work (stale refreshes, lastReadAt stamps, answers written behind) that idle() waits for. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly context: CacheContext,
    private readonly recent: RecentReadings,
    private readonly rows: ReadingRows,
    private readonly fills: Fills,
  ) {}

  /** Resolves once every scheduled background refresh and lastReadAt stamp has settled. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /**
   * fresh (age ≤ TTL) / stale (≤ TTL + SWR, refresh scheduled) / refreshed (fetched now) / uncached (storage
   * unreachable: fetched, not stored). Storage errors never reach the caller; fetcher errors do (see serveStaleOnError).
   * Throws CacheKeyError for a key that is not a monitor key or cannot be stored.
   */
  async read<T>(key: string, fetcher: () => Promise<T>, options: ReadOptions<T> = {}): Promise<CacheRead<T>> {
    const { stats, now } = this.context;
    const location = locateKey(key);
    const ttlMs = options.ttlSeconds !== undefined ? Math.max(0, options.ttlSeconds) * 1000 : this.context.ttlMs;
    const swrMs = options.swrSeconds !== undefined ? Math.max(0, options.swrSeconds) * 1000 : this.context.swrMs;

    let row: StoredRow | undefined;
    let storageUp = true;
    // A complete, fresh reading this instance read from the table moments ago is answered again (recent.ts).
    const reusable = this.recent.recall(key);
    let reused: { value: unknown } | undefined;
    let started: ReadStart | undefined;
    if (reusable && isFreshAndWhole(reusable.row, ttlMs, now())) {
      row = reusable.row;
      reused = { value: reusable.value };
      stats.reused += 1;
    } else {
      for (let attempt = 0; ; attempt++) {
        started = this.recent.begin();
        try {
          row = await this.rows.get(location);
        } catch (error) {
          // On a busy instance a Table call can time out while Table Storage itself is fine (it answered this instance
          // moments ago): the reader waits for one more try instead of fetching upstream without the cache.
          if (attempt === 0 && isTimeout(error) && performance.now() - this.rows.answeredAt < STORAGE_ALIVE_MS) {
            stats.storageRetries += 1;
            continue;
          }
          storageUp = false;
          storageFailed(this.context, 'read', key, error);
        }
        // Under load a Table read can be answered with the row as it was before this instance's own write of the key
        // landed. Acting on it would fetch the key a second time: a missing row is read again, a stale one is served
        // without scheduling another refresh.
        if (!this.recent.raced(key, started, row)) break;
        stats.superseded += 1;
        if (row || !storageUp || attempt > 0) {
          if (row) row.superseded = true;
          break;
        }
      }
    }

    const readAt = now();
    const degradedParts = options.degradedParts as FillMode['degradedParts'];
    if (row) {
      const ageMs = Math.max(0, readAt - row.fetchedAtMs);
      // A degraded reading lives only its short TTL, is answered as stale (it is not the whole truth), and is
      // fetched again once that has passed.
      const servable = row.degraded ? ageMs <= Math.min(ttlMs, this.context.degradedTtlMs) : ageMs <= ttlMs + swrMs;
      const stored = servable ? (reused ?? this.rows.decode(row)) : undefined;
      if (stored && started && !row.superseded) this.recent.keep(row, stored.value, started);
      if (stored) {
        this.touch(row, readAt);
        const state = ageMs <= ttlMs && !row.degraded && !row.failure ? 'fresh' : 'stale';
        if (ageMs > ttlMs && !row.degraded && !row.superseded) this.track(this.fills.refresh(location, fetcher, degradedParts, options.failureParts));
        stats[state] += 1;
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
      const goneElsewhere = !row && this.recent.wrote(key);
      const fill = this.fills.start(location, fetcher, {
        useStorage: storageUp,
        lastReadAtMs: readAt,
        readSnapshot: goneElsewhere,
        ...(degradedParts ? { degradedParts } : {}),
      });
      // writeBehind: a complete reading is answered once fetched; a degraded one only once its write decided whether
      // it gives way to a complete stored reading (the fill answers it then), so it is never served in place of one.
      const outcome: Fetched = options.writeBehind ? await fill.fetched : await fill.done;
      if (options.writeBehind) this.track(fill.done.catch(() => {})); // its failure is the fetch's, answered here
      const kept = outcome.kept ? this.rows.decode(outcome.kept) : undefined;
      if (outcome.kept && kept) {
        // The fetch lost a part the stored reading has: serve the stored one, saying what failed just now.
        this.touch(outcome.kept, readAt); // still in use: removeExpired keeps it
        stats.stale += 1;
        return {
          value: kept.value as T,
          state: 'stale',
          ageSeconds: Math.max(0, now() - outcome.kept.fetchedAtMs) / 1000,
          fetchedAt: iso(outcome.kept.fetchedAtMs),
          generation: outcome.kept.generation,
          failure: { at: iso(outcome.fetchedAtMs), parts: [...(degradedParts?.(outcome.value) ?? [])] },
          ...versionOf(outcome.kept),
        };
      }
      const state: CacheState = outcome.storageDown ? 'uncached' : 'refreshed';
      stats[state] += 1;
      return {
        value: outcome.value as T,
        state,
        ageSeconds: Math.max(0, now() - outcome.fetchedAtMs) / 1000,
        fetchedAt: iso(outcome.fetchedAtMs),
        generation: outcome.generation,
        ...(outcome.stored !== undefined ? { stored: outcome.stored } : {}),
        ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}),
        ...(outcome.version ? { version: outcome.version } : {}),
      };
    } catch (fetchError) {
      // An unreadable row is not served: the fetch error propagates.
      const old = row && options.serveStaleOnError?.(fetchError) ? this.rows.decode(row) : undefined;
      if (!row || !old) throw fetchError;
      this.touch(row, readAt); // still in use: removeExpired keeps it
      stats.stale += 1;
      return {
        value: old.value as T,
        state: 'stale',
        ageSeconds: Math.max(0, now() - row.fetchedAtMs) / 1000,
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
      row = await this.rows.get(location);
    } catch (error) {
      storageFailed(this.context, 'peek', key, error);
      return undefined;
    }
    const stored = row && this.rows.decode(row);
    if (!row || !stored) return undefined;
    return {
      key,
      value: stored.value as T,
      fetchedAt: iso(row.fetchedAtMs),
      fetchedAtMs: row.fetchedAtMs,
      ageSeconds: Math.max(0, this.context.now() - row.fetchedAtMs) / 1000,
      generation: row.generation,
      ...(row.lastReadAtMs !== undefined ? { lastReadAtMs: row.lastReadAtMs } : {}),
    };
  }

  /** Records that the row is being read, at most once per TTL/2 per key per instance; never creates a row. */
  private touch(row: StoredRow, now: number): void {
    const interval = this.context.ttlMs / 2;
    const key = row.location.key;
    if (row.lastReadAtMs !== undefined && now - row.lastReadAtMs < interval) return;
    const last = this.touched.get(key);
    if (last !== undefined && now - last < interval) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(key, now);
    this.track(this.rows.stampRead(row.location, now));
  }

  private track(promise: Promise<unknown> | undefined): void {
    if (!promise) return;
    const tracked = promise.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}

/** Answered `fresh` as it is: no part missing, no failure noted, within the TTL. (A superseded row is never kept.) */
function isFreshAndWhole(row: StoredRow, ttlMs: number, now: number): boolean {
  return !row.degraded && !row.failure && now - row.fetchedAtMs <= ttlMs;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function versionOf(row: StoredRow): { version?: string } {
  return typeof row.entity.version === 'string' ? { version: row.entity.version } : {};
}
