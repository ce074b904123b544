// Generation rows: one per purge unit (scope, cluster), RowKey `generation`.
// Only the counters are truth; a row's ETag serves as the guard of the transaction that stores a reading.
// Rows are created on demand. A deleted counter restarts at 0 (1 when a purge creates it) and could match the
// snapshot of a fill still in flight, so a row is only removed (MonitorCache.removeUnneededGenerations) when it has
// been idle far longer than any fill lasts: every write stamps `touchedAt`, and a fill re-stamps a row whose stamp
// is older than half that idle time before it takes its snapshot.
import type { TableClient } from '@azure/data-tables';
import { countersOfPartition, GENERATION_ROW_KEY, type CounterName, type CounterRef, type KeyLocation } from './keys.js';
import { CacheStorageError, isConflict, isNotFound, isPreconditionFailed, pause } from './storage.js';

export interface GenerationRow {
  partitionKey: string;
  etag: string;
  counters: Partial<Record<CounterName, number>>;
  /** When a fill or a purge last stamped the row (the cache's clock, epoch ms); absent on rows written before. */
  touchedAtMs?: number;
}

type GenerationEntity = { partitionKey: string; rowKey: string; etag: string; touchedAt?: number } & Partial<Record<CounterName, number>>;

export interface GenerationsOptions {
  bumpAttempts?: number;
  now?: () => number;
  /** A fill re-stamps its row when the stamp is older than this (half the idle time after which rows may go). */
  restampAfterMs?: number;
}

function countersOf(entity: Partial<Record<CounterName, unknown>>, names: readonly CounterName[]): Partial<Record<CounterName, number>> {
  const counters: Partial<Record<CounterName, number>> = {};
  for (const name of names) counters[name] = typeof entity[name] === 'number' ? (entity[name] as number) : 0;
  return counters;
}

/** Snapshot of the counters covering a key: [own, ...ancestors], in KeyLocation order. */
export type CounterSnapshot = number[];

export const generationOf = (snapshot: CounterSnapshot) => snapshot.reduce((a, b) => a + b, 0);

export class Generations {
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
   * The counters covering a key now, and the own row whose ETag guards the write. A fill takes this before its
   * fetch starts and again just before writing, and compares. The own row is created here if missing, so a purge
   * that enumerates generation rows in its range while the fetch runs finds and bumps it.
   */
  async covering(location: KeyLocation): Promise<{ own: GenerationRow; snapshot: CounterSnapshot }> {
    const [own, ancestors] = await Promise.all([
      this.ensure(location.own.partitionKey),
      Promise.all(location.ancestors.map((ref) => this.readCounter(ref))),
    ]);
    return { own, snapshot: [own.counters[location.own.name] ?? 0, ...ancestors] };
  }

  async read(partitionKey: string): Promise<GenerationRow | undefined> {
    try {
      const entity = await this.table.getEntity<GenerationEntity>(partitionKey, GENERATION_ROW_KEY);
      return {
        partitionKey,
        etag: entity.etag,
        counters: countersOf(entity, countersOfPartition(partitionKey)),
        ...(typeof entity.touchedAt === 'number' ? { touchedAtMs: entity.touchedAt } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
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
          if (stamped.etag) return { ...row, etag: stamped.etag, touchedAtMs: now };
        } catch (error) {
          if (!isPreconditionFailed(error) && !isNotFound(error)) throw error; // changed or removed meanwhile: read again
        }
        continue;
      }
      const counters = countersOf({}, countersOfPartition(partitionKey));
      try {
        const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters, touchedAt: now });
        if (created.etag) return { partitionKey, etag: created.etag, counters, touchedAtMs: now };
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
          const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters, touchedAt: touchedAtMs });
          return { partitionKey, etag: created.etag ?? '', counters, touchedAtMs };
        } catch (error) {
          if (isConflict(error)) continue;
          throw error;
        }
      }
      const changed: Partial<Record<CounterName, number>> = {};
      for (const name of names) changed[name] = (row.counters[name] ?? 0) + 1;
      const touchedAtMs = this.now();
      try {
        const updated = await this.table.updateEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...changed, touchedAt: touchedAtMs }, 'Merge', { etag: row.etag });
        return { partitionKey, etag: updated.etag ?? '', counters: { ...row.counters, ...changed }, touchedAtMs };
      } catch (error) {
        if (isPreconditionFailed(error) || isNotFound(error)) continue;
        throw error;
      }
    }
    throw new CacheStorageError('contention', `generation row ${partitionKey} could not be bumped in ${this.bumpAttempts} attempts`);
  }
}
