// Fills: one fetch per key in flight in this instance, and its guarded write (the generation counter snapshotted
// before the fetch, checked at write time in one If-Match transaction; degraded readings never replace complete ones),
// and the background refresh of a stale reading. What a fill keeps of its own: the fills in flight and the queue of
// writes per partition.
import type { TransactionAction } from '@azure/data-tables';
import { contentVersion, encodeValue } from './codec.js';
import { storageFailed, type CacheContext } from './context.js';
import { generationOf, sameGeneration, type CounterSnapshot, type GenerationRow, type Generations } from './generations.js';
import { type KeyLocation, keyMatchesPrefix } from './keys.js';
import type { RecentReadings } from './recent.js';
import type { NotedFailure, ReadingRows, StoredRow } from './rows.js';
import { pause } from './storage.js';
import type { NotStoredReason, ReadOptions } from './types.js';
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

export class Fills {
  /** Single flight per key in this instance: concurrent misses and stale refreshes share one fetch. */
  private readonly inflight = new Map<string, Fill>();
  /** Tail of the queue of writes per partition in this instance. */
  private readonly partitionLocks = new Map<string, Promise<void>>();

  constructor(
    private readonly context: CacheContext,
    private readonly generations: Generations,
    private readonly rows: ReadingRows,
    private readonly recent: RecentReadings,
  ) {}

  /** Starts a fill of the key, or joins the one already in flight in this instance (single flight per key). */
  start(location: KeyLocation, fetcher: () => Promise<unknown>, mode: FillMode): Fill {
    const running = this.inflight.get(location.key);
    if (running) return running;
    let answer!: (fetched: Fetched) => void;
    let fail!: (error: unknown) => void;
    const fetched = new Promise<Fetched>((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
    const done = this.run(location, fetcher, mode, answer).then(
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

  /**
   * A stale reading's refresh, in the background (unless one is in flight already): a fill whose failure is logged,
   * and noted on the stored reading when `failureParts` describes it. Resolves when it has settled; never rejects.
   */
  refresh(
    location: KeyLocation,
    fetcher: () => Promise<unknown>,
    degradedParts?: FillMode['degradedParts'],
    failureParts?: ReadOptions['failureParts'],
  ): Promise<unknown> | undefined {
    if (this.inflight.has(location.key)) return undefined;
    const { stats, log, now } = this.context;
    const startedAtMs = now();
    return this.start(location, fetcher, { useStorage: true, lastReadAtMs: startedAtMs, ...(degradedParts ? { degradedParts } : {}) }).done.catch(
      async (error: unknown) => {
        stats.refreshErrors += 1;
        log({ level: 'warn', event: 'cache.refresh.failed', key: location.key, detail: describeError(error) });
        const parts = failureParts?.(error);
        if (!parts?.length) return;
        try {
          const row = await this.rows.get(location);
          if (row && !row.degraded) await this.noteFailure(row, { atMs: startedAtMs, parts: [...parts] });
        } catch (noteError) {
          log({ level: 'debug', event: 'cache.note-failure.failed', key: location.key, detail: describeError(noteError) });
        }
      },
    );
  }

  /**
   * A purge bumped the generations of `prefix` (or of the key itself, `exact`): the fills in flight under it are let go
   * (they finish, but their writes find the bump), so this instance's next read starts a fill of its own.
   */
  detach(prefix: string, exact = false): void {
    for (const key of [...this.inflight.keys()]) if (exact ? key === prefix : keyMatchesPrefix(key, prefix)) this.inflight.delete(key);
  }

  private async run(location: KeyLocation, fetcher: () => Promise<unknown>, mode: FillMode, answer: (fetched: Fetched) => void): Promise<FillOutcome> {
    const { stats, log, now } = this.context;
    // The own counter is taken before the fetch starts (from what this instance knows of the row: no round trip
    // once it has seen it); the write compares it with the row it knows then, and the transaction is If-Match that
    // row's ETag. The ancestors' counters only make up the reported generation: they are read while the fetch runs.
    let own: GenerationRow | undefined;
    let ancestors: Promise<number[] | undefined> = Promise.resolve(undefined);
    if (mode.useStorage) {
      try {
        own = mode.readSnapshot ? await this.generations.ensure(location.own.partitionKey) : await this.generations.current(location.own.partitionKey);
        ancestors = Promise.all(location.ancestors.map((ref) => this.generations.readCounter(ref))).catch((error: unknown) => {
          storageFailed(this.context, 'snapshot', location.key, error);
          return undefined;
        });
      } catch (error) {
        storageFailed(this.context, 'snapshot', location.key, error);
      }
    }
    const fetchedAtMs = now();
    stats.fetches += 1;
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
      stats.notStored += 1;
      log({
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
      const written = await this.guardedWrite(
        location,
        own,
        reading,
        mode.requireExisting ?? false,
        degraded ? { atMs: fetchedAtMs, parts: [...parts] } : undefined,
      );
      const reason = typeof written === 'object' ? 'kept-better' : written;
      if (reason) stats.notStored += 1;
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
      storageFailed(this.context, 'write', location.key, error);
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
    failure: NotedFailure | undefined,
  ): Promise<NotStoredReason | StoredRow | undefined> {
    const { table, stats, log, writeAttempts } = this.context;
    const degraded = failure !== undefined;
    const partitionKey = location.own.partitionKey;
    const name = location.own.name;
    return this.withPartitionLock(partitionKey, async () => {
      for (let attempt = 0; attempt < writeAttempts; attempt++) {
        // The row as this instance knows it now (its own writes, bumps and reads since the snapshot included), read
        // if it knows none. Gone, re-created (another incarnation, its counter restarted) or moved: dropped.
        const own = this.generations.knownRow(partitionKey) ?? (await this.generations.read(partitionKey));
        if (!own || !sameGeneration(seen, own, name)) {
          stats.dropped += 1;
          const counter = (row: GenerationRow) => `${row.incarnation || '-'}/${row.counters[name] ?? 0}`;
          log({ level: 'debug', event: 'cache.dropped', key: location.key, detail: `generation ${counter(seen)} → ${own ? counter(own) : 'removed'}` });
          return 'generation-moved';
        }
        let write: TransactionAction;
        if (degraded) {
          const existing = await this.rows.get(location);
          if (existing && !existing.degraded && this.rows.decode(existing)) {
            await this.noteFailure(existing, failure);
            return existing;
          }
          if (!existing && requireExisting) return 'missing';
          write = existing ? ['update', reading, 'Replace', { etag: existing.etag }] : ['create', reading];
        } else {
          write = requireExisting ? ['update', reading, 'Replace', { etag: '*' }] : ['upsert', reading, 'Replace'];
        }
        try {
          const response = await table.submitTransaction([['update', { partitionKey, rowKey: GENERATION_ROW_KEY }, 'Merge', { etag: own.etag }], write]);
          // Sub-responses come in the order of the operations (some servers leave out their row keys).
          const etag = (response.getResponseForEntity(GENERATION_ROW_KEY) ?? response.subResponses[0])?.etag;
          if (etag) this.generations.remember({ ...own, etag });
          stats.stored += 1;
          this.recent.stored(location.key, Number(reading.fetchedAt));
          return undefined;
        } catch (error) {
          if (isNotFound(error)) {
            // The generation row was removed (the timer's cleanup) or, for refreshExisting or a degraded reading's
            // update, the reading: what this instance knew of the row is forgotten and the write decided again. A
            // removed row is never re-created here: it reads as missing, a re-created one as another incarnation.
            this.generations.forget(partitionKey);
            if (requireExisting) return 'missing';
            stats.conflicts += 1;
            continue;
          }
          // 409: a degraded reading's create met a row stored meanwhile; decide again like a 412.
          if (!isPreconditionFailed(error) && !(degraded && isConflict(error))) throw error;
          stats.conflicts += 1; // the generation row changed elsewhere: read it and decide again
          await pause(Math.random() * Math.min(20, 2 ** attempt));
          await this.generations.read(partitionKey);
        }
      }
      stats.contention += 1;
      log({ level: 'warn', event: 'cache.contention', key: location.key });
      return 'contention';
    });
  }

  /** Notes the failure on the stored reading (rows.ts), and this instance's readers read the row again to be told. */
  private async noteFailure(row: StoredRow, failure: NotedFailure): Promise<void> {
    if (await this.rows.noteFailure(row, failure)) this.recent.forgetKey(row.location.key);
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
}
