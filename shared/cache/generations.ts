// Generation rows: one per purge unit (scope, cluster), RowKey `generation`.
// Only the counters are truth; a row's ETag serves as the guard of the transaction that stores a reading.
// Rows are created on demand and never deleted (a deleted counter would restart at 0 and could match an old snapshot).
import type { TableClient } from '@azure/data-tables';
import { countersOfPartition, GENERATION_ROW_KEY, type CounterName, type CounterRef, type KeyLocation } from './keys.js';
import { CacheStorageError, isConflict, isNotFound, isPreconditionFailed, pause } from './storage.js';

export interface GenerationRow {
  partitionKey: string;
  etag: string;
  counters: Partial<Record<CounterName, number>>;
}

type GenerationEntity = { partitionKey: string; rowKey: string; etag: string } & Partial<Record<CounterName, number>>;

function countersOf(entity: Partial<Record<CounterName, unknown>>, names: readonly CounterName[]): Partial<Record<CounterName, number>> {
  const counters: Partial<Record<CounterName, number>> = {};
  for (const name of names) counters[name] = typeof entity[name] === 'number' ? (entity[name] as number) : 0;
  return counters;
}

/** Snapshot of the counters covering a key: [own, ...ancestors], in KeyLocation order. */
export type CounterSnapshot = number[];

export const generationOf = (snapshot: CounterSnapshot) => snapshot.reduce((a, b) => a + b, 0);

export class Generations {
  /**
   * The last state of each generation row this instance read, created, bumped or wrote through: a fill takes its
   * snapshot from here instead of a Table round trip. Stale knowledge is safe: the write is If-Match the ETag known,
   * so a row changed elsewhere answers 412, is read again and decided again.
   */
  private readonly known = new Map<string, GenerationRow>();

  constructor(
    private readonly table: TableClient,
    private readonly bumpAttempts = 25,
  ) {}

  /** A missing row reads as 0 (it is created at 0, bumped to 1). */
  async readCounter(ref: CounterRef): Promise<number> {
    return (await this.read(ref.partitionKey))?.counters[ref.name] ?? 0;
  }

  /**
   * The counters covering a key now, and the own row whose ETag guards the write. The own row is created here if
   * missing, so a purge that enumerates generation rows in its range while the fetch runs finds and bumps it.
   */
  async covering(location: KeyLocation): Promise<{ own: GenerationRow; snapshot: CounterSnapshot }> {
    const [own, ancestors] = await Promise.all([
      this.ensure(location.own.partitionKey),
      Promise.all(location.ancestors.map((ref) => this.readCounter(ref))),
    ]);
    return { own, snapshot: [own.counters[location.own.name] ?? 0, ...ancestors] };
  }

  /** The own row as this instance last knew it (no round trip), else read or created now. */
  async current(partitionKey: string): Promise<GenerationRow> {
    return this.known.get(partitionKey) ?? this.ensure(partitionKey);
  }

  /** What this instance knows of a row, if anything. */
  knownRow(partitionKey: string): GenerationRow | undefined {
    return this.known.get(partitionKey);
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
      return this.remember({ partitionKey, etag: entity.etag, counters: countersOf(entity, countersOfPartition(partitionKey)) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The row with its current ETag, created at 0 if missing. */
  async ensure(partitionKey: string): Promise<GenerationRow> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.read(partitionKey);
      if (row) return row;
      const counters = countersOf({}, countersOfPartition(partitionKey));
      try {
        const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters });
        if (created.etag) return this.remember({ partitionKey, etag: created.etag, counters });
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
        try {
          const created = await this.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...counters });
          return this.remember({ partitionKey, etag: created.etag ?? '', counters });
        } catch (error) {
          if (isConflict(error)) continue;
          throw error;
        }
      }
      const changed: Partial<Record<CounterName, number>> = {};
      for (const name of names) changed[name] = (row.counters[name] ?? 0) + 1;
      try {
        const updated = await this.table.updateEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, ...changed }, 'Merge', { etag: row.etag });
        return this.remember({ partitionKey, etag: updated.etag ?? '', counters: { ...row.counters, ...changed } });
      } catch (error) {
        if (isPreconditionFailed(error) || isNotFound(error)) continue;
        throw error;
      }
    }
    throw new CacheStorageError('contention', `generation row ${partitionKey} could not be bumped in ${this.bumpAttempts} attempts`);
  }
}
