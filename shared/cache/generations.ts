// Generation rows: one per purge unit (scope, cluster), RowKey `generation`.
// Only the counters are truth; a row's ETag serves as the guard of the transaction that stores a reading.
// Rows are created on demand. A deleted counter restarts at 0 (1 when a purge creates it) and could match the
// snapshot of a fill still in flight, so a row is only removed (MonitorCache.removeUnneededGenerations) when it has
// been idle far longer than any fill lasts: every write stamps `touchedAt`, and a fill re-stamps a row whose stamp
// is older than half that idle time before it takes its snapshot (or recalls it: see `current`).
// A re-created row also gets a new `incarnation`: a fill's snapshot is (incarnation, counter), so even a fill that
// outlived the idle time (or an instance whose memory of a row is older than its removal) cannot take a re-created
// row's restarted counter for the one it saw.
import { randomBytes } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { countersOfPartition, type CounterName, type CounterRef, type KeyLocation } from './keys.js';
import { GENERATION_ROW_KEY } from './layout.js';
import { isConflict, isNotFound, isPreconditionFailed } from '../errors.js';
import { CacheStorageError, pause } from './storage.js';

export interface GenerationRow {
  partitionKey: string;
  etag: string;
  counters: Partial<Record<CounterName, number>>;
  /** Set when the row is created ('' on rows created before): a removed and re-created row never has the same. */
  incarnation: string;
  /** When a fill or a purge last stamped the row (the cache's clock, epoch ms); absent on rows written before. */
  touchedAtMs?: number;
}

type GenerationEntity = { partitionKey: string; rowKey: string; etag: string; touchedAt?: number; incarnation?: string } & Partial<Record<CounterName, number>>;

export interface GenerationsOptions {
  bumpAttempts?: number;
  now?: () => number;
  /** A fill re-stamps its row when the stamp is older than this (half the idle time after which rows may go). */
  restampAfterMs?: number;
}

function countersOf(entity: Partial<Record<CounterName, unknown>>, names: readonly CounterName[]): Partial<Record<CounterName, number>> {
  const counters: Partial<Record<CounterName, number>> = {};
  for (const name of names) {
    const value = entity[name];
    counters[name] = typeof value === 'number' ? value : 0;
  }
  return counters;
}

function newIncarnation(): string {
  return randomBytes(9).toString('base64url');
}

/** True when `row` is the same row (not removed and re-created since) with the same `name` counter as `seen`. */
export function sameGeneration(seen: GenerationRow, row: GenerationRow, name: CounterName): boolean {
  return seen.incarnation === row.incarnation && (seen.counters[name] ?? 0) === (row.counters[name] ?? 0);
}

/** Snapshot of the counters covering a key: [own, ...ancestors], in KeyLocation order. */
export type CounterSnapshot = number[];

export const generationOf = (snapshot: CounterSnapshot) => snapshot.reduce((a, b) => a + b, 0);

export class Generations {
  /**
   * The last state of each generation row this instance read, created, bumped or wrote through: a fill takes its
   * snapshot from here instead of a Table round trip. Stale knowledge is safe: the write is If-Match the ETag known,
   * so a row changed elsewhere answers 412, is read again and decided again (same incarnation and counter, or the
   * reading is dropped), and a row removed meanwhile answers 404 (forgotten; the reading is dropped).
   */
  private readonly known = new Map<string, GenerationRow>();
  private readonly bumpAttempts: number;
  private readonly now: () => number;
  private readonly restampAfterMs: number;

  constructor(
    private readonly table: TableClient,
    options: GenerationsOptions = {},
  ) {
    this.bumpAttempts = options.bumpAttempts ?? 25;
    this.now = options.now ?? Date.now;
    this.restampAfterMs = options.restampAfterMs ?? 5 * 60_000;
  }

  /** A missing row reads as 0 (it is created at 0, bumped to 1). */
  async readCounter(ref: CounterRef): Promise<number> {
    return (await this.read(ref.partitionKey))?.counters[ref.name] ?? 0;
  }

  /**
   * The counters covering a key now, and the own row whose ETag guards the write. The own row is created here if
   * missing, so a purge that enumerates generation rows in its range while the fetch runs finds and bumps it.
   */
  async covering(location: KeyLocation): Promise<{ own: GenerationRow; snapshot: CounterSnapshot }> {
    const [own, ancestors] = await Promise.all([this.ensure(location.own.partitionKey), Promise.all(location.ancestors.map((ref) => this.readCounter(ref)))]);
    return { own, snapshot: [own.counters[location.own.name] ?? 0, ...ancestors] };
  }

  /**
   * The own row as this instance last knew it (no round trip) while its stamp is recent, else read (re-stamped) or
   * created now. A recalled row with a recent stamp cannot be removed by the timer before the fill ends (rows go after
   * twice that idle time), so a fill holding it has a row that purges find and bump, as with one read now.
   */
  async current(partitionKey: string): Promise<GenerationRow> {
    const known = this.known.get(partitionKey);
    if (known && known.touchedAtMs !== undefined && this.now() - known.touchedAtMs <= this.restampAfterMs) return known;
    return this.ensure(partitionKey);
  }

  /** What this instance knows of a row, if anything. */
  knownRow(partitionKey: string): GenerationRow | undefined {
    return this.known.get(partitionKey);
  }

  /** Forgets what this instance knew of a row (it was found gone, or changed in a way it did not see). */
  forget(partitionKey: string): void {
    this.known.delete(partitionKey);
  }

  /** Records a row's state seen or written by this instance. */
  remember(row: GenerationRow): GenerationRow {
    if (!row.etag) {
      this.known.delete(row.partitionKey);
      return row;
    }
    if (this.known.size >= 10_000 && !this.known.has(row.partitionKey)) this.known.clear();
    this.known.set(row.partitionKey, row);
    return row;
  }

  async read(partitionKey: string): Promise<GenerationRow | undefined> {
    try {
      const entity = await this.table.getEntity<GenerationEntity>(partitionKey, GENERATION_ROW_KEY);
      return this.remember({
        partitionKey,
        etag: entity.etag,
        counters: countersOf(entity, countersOfPartition(partitionKey)),
        incarnation: typeof entity.incarnation === 'string' ? entity.incarnation : '',
        ...(typeof entity.touchedAt === 'number' ? { touchedAtMs: entity.touchedAt } : {}),
      });
    } catch (error) {
      if (isNotFound(error)) {
        this.forget(partitionKey);
        return undefined;
      }
      throw error;
    }
  }

  /** The row with its current ETag, created at 0 if missing, re-stamped if its stamp is old (see the top). */
  async ensure(partitionKey: string): Promise<GenerationRow> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.read(partitionKey);
      const now = this.now();
      if (row && row.touchedAtMs !== undefined && now - row.touchedAtMs <= this.restampAfterMs) return row;
      if (row) {
        try {
          const stamped = await this.table.updateEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, touchedAt: now }, 'Merge', { etag: row.etag });
          if (stamped.etag) return this.remember({ ...row, etag: stamped.etag, touchedAtMs: now });
        } catch (error) {
          if (!isPreconditionFailed(error) && !isNotFound(error)) throw error; // changed or removed meanwhile: read again
        }
        continue;
      }
      const counters = countersOf({}, countersOfPartition(partitionKey));
      try {
        const incarnation = newIncarnation();
        const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters, incarnation, touchedAt: now });
        if (created.etag) return this.remember({ partitionKey, etag: created.etag, counters, incarnation, touchedAtMs: now });
      } catch (error) {
        if (!isConflict(error)) throw error; // someone else created it: read it again
      }
    }
    throw new CacheStorageError('contention', `generation row ${partitionKey} could not be read or created`);
  }

  /**
   * Increments `names` (all of the partition's counters by default), If-Match the ETag just read, retrying on 412;
   * a missing row is created with the counters at 1.
   */
  async bump(partitionKey: string, names: readonly CounterName[] = countersOfPartition(partitionKey)): Promise<GenerationRow> {
    for (let attempt = 0; attempt < this.bumpAttempts; attempt++) {
      if (attempt > 0) await pause(Math.random() * Math.min(50, 2 ** attempt)); // de-synchronise competing writers
      const row = await this.read(partitionKey);
      if (!row) {
        const counters = countersOf({}, countersOfPartition(partitionKey));
        for (const name of names) counters[name] = 1;
        const touchedAtMs = this.now();
        try {
          const incarnation = newIncarnation();
          const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters, incarnation, touchedAt: touchedAtMs });
          return this.remember({ partitionKey, etag: created.etag ?? '', counters, incarnation, touchedAtMs });
        } catch (error) {
          if (isConflict(error)) continue;
          throw error;
        }
      }
      const changed: Partial<Record<CounterName, number>> = {};
      for (const name of names) changed[name] = (row.counters[name] ?? 0) + 1;
      const touchedAtMs = this.now();
      try {
        const updated = await this.table.updateEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...changed, touchedAt: touchedAtMs }, 'Merge', {
          etag: row.etag,
        });
        return this.remember({ ...row, etag: updated.etag ?? '', counters: { ...row.counters, ...changed }, touchedAtMs });
      } catch (error) {
        if (isPreconditionFailed(error) || isNotFound(error)) continue;
        throw error;
      }
    }
    throw new CacheStorageError('contention', `generation row ${partitionKey} could not be bumped in ${this.bumpAttempts} attempts`);
  }
}
