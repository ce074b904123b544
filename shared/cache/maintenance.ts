// The timer's maintenance: one scan of the table per run, the refresh candidates, refreshing a reading only while it
// exists, and removing expired readings and the generation rows nothing needs any more.
import { invalidationError, PARALLEL, storageFailed, type CacheContext } from './context.js';
import type { FillMode, Fills } from './fill.js';
import type { Generations } from './generations.js';
import type { ReadingRows } from './rows.js';
import { countersOfPartition, keyOfRow, locateKey } from './keys.js';
import type { RefreshCandidate, RefreshOutcome, ScannedRow, TableScan } from './types.js';
import { GENERATION_ROW_KEY, READING_ROW_PREFIX, TRANSITION_ROW_PREFIX } from './layout.js';
import { isNotFound, isPreconditionFailed } from '../errors.js';
import { forEachLimited } from '../concurrency.js';

const SCAN_SELECT = ['PartitionKey', 'RowKey', 'fetchedAt', 'lastReadAt', 'touchedAt'];

export class Maintenance {
  constructor(
    private readonly context: CacheContext,
    private readonly generations: Generations,
    private readonly rows: ReadingRows,
    private readonly fills: Fills,
  ) {}

  /**
   * Every row of the table in one query: readings (with their timestamps), generation rows (with their stamp) and
   * transition rows (with `columns`). The timer makes one of these per run and judges everything by it.
   */
  async scanTable(columns: readonly string[] = []): Promise<TableScan> {
    const result: TableScan = { readings: [], generations: [], transitions: [] };
    const pages = this.context.table.listEntities<ScannedRow>({ queryOptions: { select: [...new Set([...SCAN_SELECT, ...columns])] } });
    for await (const entity of pages) {
      const { partitionKey, rowKey, etag } = entity;
      if (rowKey === GENERATION_ROW_KEY) {
        result.generations.push({ partitionKey, etag, ...(typeof entity.touchedAt === 'number' ? { touchedAtMs: entity.touchedAt } : {}) });
      } else if (rowKey.startsWith(TRANSITION_ROW_PREFIX)) {
        result.transitions.push(entity);
      } else if (rowKey.startsWith(READING_ROW_PREFIX) && typeof entity.fetchedAt === 'number') {
        let key: string;
        try {
          key = keyOfRow(partitionKey, rowKey);
        } catch {
          continue;
        }
        result.readings.push({
          key,
          partitionKey,
          rowKey,
          etag,
          fetchedAtMs: entity.fetchedAt,
          ...(typeof entity.lastReadAt === 'number' ? { lastReadAtMs: entity.lastReadAt } : {}),
        });
      }
    }
    return result;
  }

  /**
   * Readings someone read within the hot window (default 2 × TTL) that are older than `minAgeSeconds`
   * (default TTL), oldest first. One scan of the reading rows (key columns and timestamps only).
   */
  async listRefreshCandidates(
    now = this.context.now(),
    options: { minAgeSeconds?: number; hotWindowSeconds?: number } = {},
    scan?: TableScan,
  ): Promise<RefreshCandidate[]> {
    const minAgeMs = options.minAgeSeconds !== undefined ? options.minAgeSeconds * 1000 : this.context.ttlMs;
    const hotMs = options.hotWindowSeconds !== undefined ? options.hotWindowSeconds * 1000 : this.context.hotWindowMs;
    const candidates: RefreshCandidate[] = [];
    for (const row of (scan ?? (await this.scanTable())).readings) {
      if (row.lastReadAtMs === undefined || now - row.lastReadAtMs > hotMs) continue;
      if (now - row.fetchedAtMs <= minAgeMs) continue;
      candidates.push({ key: row.key, fetchedAtMs: row.fetchedAtMs, lastReadAtMs: row.lastReadAtMs, ageSeconds: (now - row.fetchedAtMs) / 1000 });
    }
    return candidates.sort((a, b) => a.fetchedAtMs - b.fetchedAtMs);
  }

  /**
   * Refreshes a reading only if its row still exists (a purged or expired row stays gone), with the same guarded
   * write as read(). Fetcher errors propagate; storage problems come back as notStoredReason.
   */
  async refreshExisting(key: string, fetcher: () => Promise<unknown>, options: Pick<FillMode, 'degradedParts'> = {}): Promise<RefreshOutcome> {
    const location = locateKey(key);
    let lastReadAtMs: number | undefined;
    try {
      const row = await this.rows.lastReadAt(location);
      if (!row) return { key, stored: false, notStoredReason: 'missing', generation: null };
      lastReadAtMs = row.lastReadAtMs;
    } catch (error) {
      storageFailed(this.context, 'refresh', key, error);
      return { key, stored: false, notStoredReason: 'storage-unavailable', generation: null };
    }
    const outcome = await this.fills.start(location, fetcher, {
      useStorage: true,
      requireExisting: true,
      ...(lastReadAtMs !== undefined ? { lastReadAtMs } : {}),
      ...(options.degradedParts ? { degradedParts: options.degradedParts } : {}),
    }).done;
    return { key, stored: outcome.stored, generation: outcome.generation, ...(outcome.notStoredReason ? { notStoredReason: outcome.notStoredReason } : {}) };
  }

  /**
   * Deletes readings nobody needs: fetched longer ago than TTL + SWR and not read within that time either
   * (a row still being read, e.g. served stale while upstream fails, is kept). Deletes If-Match the ETag seen
   * by the scan, so a row refreshed or read meanwhile survives. Returns the number removed.
   */
  async removeExpired(now = this.context.now(), scan?: TableScan): Promise<number> {
    const limitMs = this.context.ttlMs + this.context.swrMs;
    const expired = (scan ?? (await this.scanTable())).readings.filter(
      (row) => now - row.fetchedAtMs > limitMs && now - (row.lastReadAtMs ?? row.fetchedAtMs) > limitMs,
    );
    let removed = 0;
    await forEachLimited(expired, PARALLEL, async (row) => {
      try {
        await this.context.table.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
        removed += 1;
      } catch (error) {
        if (!isNotFound(error) && !isPreconditionFailed(error)) throw invalidationError('removeExpired', error);
      }
    });
    return removed;
  }

  /**
   * Removes the generation rows nothing needs any more, so the table's size follows the fleet, not the traffic: a
   * unit's (a cluster's, a storage account's, a subscription's resource group list's) with no reading under it and no
   * transition in the scan, and a scope's with no reading, no transition and no unit row below it (a scope ARM does not
   * have, read before its admission existed, or one nobody has read for long); each idle (not stamped by a fill or a
   * purge) for at least TTL + SWR and 10 min. Deletes If-Match the ETag the scan saw: a row a fill or a purge touched
   * meanwhile stays. A row written before rows were stamped is stamped now and judged by a later run. Returns the
   * number removed.
   */
  async removeUnneededGenerations(now = this.context.now(), scan?: TableScan): Promise<number> {
    const rows = scan ?? (await this.scanTable());
    const parentOf = (partitionKey: string) => partitionKey.slice(0, partitionKey.lastIndexOf(':'));
    const withReadings = new Set(rows.readings.map((row) => row.partitionKey));
    const withTransition = new Set(rows.transitions.map((row) => `${row.partitionKey}:${row.rowKey.slice(TRANSITION_ROW_PREFIX.length)}`));
    const scopesWithTransitions = new Set(rows.transitions.map((row) => row.partitionKey));
    const countersOf = (partitionKey: string) => {
      try {
        return countersOfPartition(partitionKey);
      } catch {
        return [];
      }
    };
    const unitRows = rows.generations.filter((row) => countersOf(row.partitionKey).includes('counter'));
    const scopeRows = rows.generations.filter((row) => countersOf(row.partitionKey).includes('list'));
    // A scope with a unit row (or a reading) below it is in use: its unit rows go first, the scope row later.
    const scopesInUse = new Set([...unitRows.map((row) => parentOf(row.partitionKey)), ...rows.readings.map((row) => parentOf(row.partitionKey))]);
    const unneeded = [
      ...unitRows.filter((row) => !withReadings.has(row.partitionKey) && !withTransition.has(row.partitionKey)),
      ...scopeRows.filter((row) => !withReadings.has(row.partitionKey) && !scopesWithTransitions.has(row.partitionKey) && !scopesInUse.has(row.partitionKey)),
    ];
    let removed = 0;
    await forEachLimited(unneeded, PARALLEL, async (row) => {
      try {
        if (row.touchedAtMs === undefined) {
          await this.context.table.updateEntity({ partitionKey: row.partitionKey, rowKey: GENERATION_ROW_KEY, touchedAt: now }, 'Merge', { etag: row.etag });
        } else if (now - row.touchedAtMs > this.context.generationIdleMs) {
          await this.context.table.deleteEntity(row.partitionKey, GENERATION_ROW_KEY, { etag: row.etag });
          this.generations.forget(row.partitionKey);
          removed += 1;
        }
      } catch (error) {
        if (!isNotFound(error) && !isPreconditionFailed(error)) throw invalidationError('removeUnneededGenerations', error);
      }
    });
    return removed;
  }
}
