// A fill: one fetch per key in flight in this instance, and its guarded write (the generation counter snapshotted
// before the fetch, checked at write time in one If-Match transaction; degraded readings never replace complete ones).
import type { TransactionAction } from '@azure/data-tables';
import { contentVersion, encodeValue } from './codec.js';
import type { CacheCore, NotedFailure, StoredRow } from './core.js';
import { generationOf, sameGeneration, type CounterSnapshot, type GenerationRow } from './generations.js';
import { type KeyLocation } from './keys.js';
import { pause } from './storage.js';
import type { NotStoredReason } from './types.js';
import { GENERATION_ROW_KEY } from './layout.js';
import { isConflict, isNotFound, isPreconditionFailed } from '../errors.js';
import { describeError } from '../observability/redaction.js';

/** The fill's answer once the reading is fetched, before its write has decided whether it is stored. */
export interface Fetched {
  value: unknown;
  version?: string;
  fetchedAtMs: number;
  generation: number | null;
  stored?: boolean;
  notStoredReason?: NotStoredReason;
  storageDown: boolean;
  /** With notStoredReason 'kept-better': the stored reading that stays. */
  kept?: StoredRow;
}

/** The fill's answer once its write has decided. */
export interface FillOutcome extends Fetched {
  stored: boolean;
}

/** A fill in flight: `fetched` settles once the reading is fetched, `done` once it is written (or not). */
export interface Fill {
  fetched: Promise<Fetched>;
  done: Promise<FillOutcome>;
}

export interface FillMode {
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

const MAX_FAILURE_CHARS = 30_000; // one string property

/** Starts a fill of the key, or joins the one already in flight in this instance (single flight per key). */
export function startFill(cache: CacheCore, location: KeyLocation, fetcher: () => Promise<unknown>, mode: FillMode): Fill {
  const running = cache.inflight.get(location.key);
  if (running) return running;
  let answer!: (fetched: Fetched) => void;
  let fail!: (error: unknown) => void;
  const fetched = new Promise<Fetched>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  const done = runFill(cache, location, fetcher, mode, answer).then(
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
      if (cache.inflight.get(location.key) === entry) cache.inflight.delete(location.key);
    });
  cache.inflight.set(location.key, entry);
  return entry;
}

async function runFill(
  cache: CacheCore,
  location: KeyLocation,
  fetcher: () => Promise<unknown>,
  mode: FillMode,
  answer: (fetched: Fetched) => void,
): Promise<FillOutcome> {
  // The own counter is taken before the fetch starts (from what this instance knows of the row: no round trip
  // once it has seen it); the write compares it with the row it knows then, and the transaction is If-Match that
  // row's ETag. The ancestors' counters only make up the reported generation: they are read while the fetch runs.
  let own: GenerationRow | undefined;
  let ancestors: Promise<number[] | undefined> = Promise.resolve(undefined);
  if (mode.useStorage) {
    try {
      own = mode.readSnapshot ? await cache.generations.ensure(location.own.partitionKey) : await cache.generations.current(location.own.partitionKey);
      ancestors = Promise.all(location.ancestors.map((ref) => cache.generations.readCounter(ref))).catch((error: unknown) => {
        cache.storageFailed('snapshot', location.key, error);
        return undefined;
      });
    } catch (error) {
      cache.storageFailed('snapshot', location.key, error);
    }
  }
  const fetchedAtMs = cache.now();
  cache.stats.fetches += 1;
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
    cache.stats.notStored += 1;
    cache.log({
      level: 'warn',
      event: 'cache.not-stored',
      key: location.key,
      detail: `${encoded.reason}${encoded.storedBytes ? ` (${encoded.storedBytes} bytes compressed)` : ''}`,
    });
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
    const written = await guardedWrite(
      cache,
      location,
      own,
      reading,
      mode.requireExisting ?? false,
      degraded ? { atMs: fetchedAtMs, parts: [...parts] } : undefined,
    );
    const reason = typeof written === 'object' ? 'kept-better' : written;
    if (reason) cache.stats.notStored += 1;
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
    cache.storageFailed('write', location.key, error);
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
function guardedWrite(
  cache: CacheCore,
  location: KeyLocation,
  seen: GenerationRow,
  reading: Record<string, unknown> & { partitionKey: string; rowKey: string },
  requireExisting: boolean,
  failure: NotedFailure | undefined,
): Promise<NotStoredReason | StoredRow | undefined> {
  const degraded = failure !== undefined;
  const partitionKey = location.own.partitionKey;
  const name = location.own.name;
  return withPartitionLock(cache, partitionKey, async () => {
    for (let attempt = 0; attempt < cache.writeAttempts; attempt++) {
      // The row as this instance knows it now (its own writes, bumps and reads since the snapshot included), read
      // if it knows none. Gone, re-created (another incarnation, its counter restarted) or moved: dropped.
      const own = cache.generations.knownRow(partitionKey) ?? (await cache.generations.read(partitionKey));
      if (!own || !sameGeneration(seen, own, name)) {
        cache.stats.dropped += 1;
        const counter = (row: GenerationRow) => `${row.incarnation || '-'}/${row.counters[name] ?? 0}`;
        cache.log({ level: 'debug', event: 'cache.dropped', key: location.key, detail: `generation ${counter(seen)} → ${own ? counter(own) : 'removed'}` });
        return 'generation-moved';
      }
      let write: TransactionAction;
      if (degraded) {
        const existing = await cache.getReading(location);
        if (existing && !existing.degraded && cache.decodeRow(existing)) {
          await noteFailure(cache, existing, failure);
          return existing;
        }
        if (!existing && requireExisting) return 'missing';
        write = existing ? ['update', reading, 'Replace', { etag: existing.etag }] : ['create', reading];
      } else {
        write = requireExisting ? ['update', reading, 'Replace', { etag: '*' }] : ['upsert', reading, 'Replace'];
      }
      try {
        const response = await cache.table.submitTransaction([['update', { partitionKey, rowKey: GENERATION_ROW_KEY }, 'Merge', { etag: own.etag }], write]);
        // Sub-responses come in the order of the operations (some servers leave out their row keys).
        const etag = (response.getResponseForEntity(GENERATION_ROW_KEY) ?? response.subResponses[0])?.etag;
        if (etag) cache.generations.remember({ ...own, etag });
        cache.stats.stored += 1;
        cache.writes += 1;
        if (cache.written.size > 10_000) cache.written.clear();
        cache.written.set(location.key, { seq: cache.writes, fetchedAtMs: Number(reading.fetchedAt) });
        cache.recent.forgetKey(location.key);
        return undefined;
      } catch (error) {
        if (isNotFound(error)) {
          // The generation row was removed (the timer's cleanup) or, for refreshExisting or a degraded reading's
          // update, the reading: what this instance knew of the row is forgotten and the write decided again. A
          // removed row is never re-created here: it reads as missing, a re-created one as another incarnation.
          cache.generations.forget(partitionKey);
          if (requireExisting) return 'missing';
          cache.stats.conflicts += 1;
          continue;
        }
        // 409: a degraded reading's create met a row stored meanwhile; decide again like a 412.
        if (!isPreconditionFailed(error) && !(degraded && isConflict(error))) throw error;
        cache.stats.conflicts += 1; // the generation row changed elsewhere: read it and decide again
        await pause(Math.random() * Math.min(20, 2 ** attempt));
        await cache.generations.read(partitionKey);
      }
    }
    cache.stats.contention += 1;
    cache.log({ level: 'warn', event: 'cache.contention', key: location.key });
    return 'contention';
  });
}

/**
 * Notes on a complete reading that a later fetch failed in part, so every reader of it (any instance) is told.
 * Best effort, If-Match the row just read: a reading stored meanwhile is newer and has no such failure.
 */
export async function noteFailure(cache: CacheCore, row: StoredRow, failure: NotedFailure): Promise<void> {
  const text = JSON.stringify(failure.parts);
  if (text.length > MAX_FAILURE_CHARS) return;
  const { partitionKey, rowKey } = row.location;
  try {
    await cache.table.updateEntity({ partitionKey, rowKey, failedAt: failure.atMs, failure: text }, 'Merge', { etag: row.etag });
  } catch (error) {
    cache.log({ level: 'debug', event: 'cache.note-failure.failed', key: row.location.key, detail: describeError(error) });
  }
  cache.recent.forgetKey(row.location.key); // readers must be told of the failure: read the row again
}

async function withPartitionLock<T>(cache: CacheCore, partitionKey: string, work: () => Promise<T>): Promise<T> {
  const previous = cache.partitionLocks.get(partitionKey) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((done) => (release = done));
  const tail = previous.then(() => mine);
  cache.partitionLocks.set(partitionKey, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (cache.partitionLocks.get(partitionKey) === tail) cache.partitionLocks.delete(partitionKey);
  }
}
