// Reading rows: the one owner of reading, decoding and annotating them (lastReadAt, a noted failure). The guarded
// write of a new reading is fill.ts's (one transaction with its generation row); purges and the timer's scan select
// rows by the layout's filters (layout.ts).
import type { TableClient } from '@azure/data-tables';
import { decodeValue } from './codec.js';
import type { KeyLocation } from './keys.js';
import type { CacheLog } from './types.js';
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

const MAX_FAILURE_CHARS = 30_000; // one string property

export class ReadingRows {
  /** When Table Storage last answered a read of a row (performance.now(): real time, whatever the cache's clock). */
  answeredAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly table: TableClient,
    private readonly log: CacheLog,
  ) {}

  /** The row of a key, undefined if there is none (or it holds no reading); throws what the table threw otherwise. */
  async get(location: KeyLocation): Promise<StoredRow | undefined> {
    try {
      const entity = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey);
      this.answeredAt = performance.now();
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
      this.answeredAt = performance.now();
      return undefined;
    }
  }

  /** Only the row's lastReadAt: undefined if the row is missing; throws what the table threw otherwise. */
  async lastReadAt(location: KeyLocation): Promise<{ lastReadAtMs?: number } | undefined> {
    try {
      const row = await this.table.getEntity<ReadingEntity>(location.partitionKey, location.rowKey, { queryOptions: { select: ['lastReadAt'] } });
      return typeof row.lastReadAt === 'number' ? { lastReadAtMs: row.lastReadAt } : {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The row's value, or undefined if it is unreadable (logged; the caller treats the row as missing). */
  decode(row: StoredRow): { value: unknown } | undefined {
    try {
      return { value: decodeValue(row.entity) };
    } catch (error) {
      this.log({ level: 'warn', event: 'cache.corrupt', key: row.location.key, detail: describeError(error) });
      return undefined;
    }
  }

  /** Stamps lastReadAt. Merge If-Match * fails with 404 on a missing row: a purge that deleted it stays effective. */
  async stampRead(location: KeyLocation, now: number): Promise<void> {
    const { partitionKey, rowKey } = location;
    try {
      await this.table.updateEntity({ partitionKey, rowKey, lastReadAt: now }, 'Merge', { etag: '*' });
    } catch (error) {
      if (!isNotFound(error)) this.log({ level: 'debug', event: 'cache.touch.failed', key: location.key, detail: describeError(error) });
    }
  }

  /**
   * Notes on a complete reading that a later fetch failed in part, so every reader of it (any instance) is told.
   * Best effort, If-Match the row read: a reading stored meanwhile is newer and has no such failure. False when the
   * parts are too large to note (nothing was tried).
   */
  async noteFailure(row: StoredRow, failure: NotedFailure): Promise<boolean> {
    const text = JSON.stringify(failure.parts);
    if (text.length > MAX_FAILURE_CHARS) return false;
    const { partitionKey, rowKey } = row.location;
    try {
      await this.table.updateEntity({ partitionKey, rowKey, failedAt: failure.atMs, failure: text }, 'Merge', { etag: row.etag });
    } catch (error) {
      this.log({ level: 'debug', event: 'cache.note-failure.failed', key: row.location.key, detail: describeError(error) });
    }
    return true;
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
