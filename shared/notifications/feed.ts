// The in-app feed: one row per event in its scope's partition (`feed:{scope}`, RowKey `{inverted time}_{event id}`,
// so a partition reads newest first and writing one event twice finds its own row), and one "seen until" row per
// reader (partition `seen`, RowKey the reader's pseudonymous id: never a name or an object id).
import { odata, type TableClient } from '@azure/data-tables';
import { auditPartition } from '../audit/auditLog.js';
import { ALL_RESOURCE_GROUPS } from '../config.js';
import { isConflict, isNotFound } from '../errors.js';
import type { Scope } from '../scope.js';
import type { TableWrite } from '../tables.js';
import type { NotificationEvent } from '../wire/index.js';

const MAX_EPOCH_MS = 9_999_999_999_999;
const SEEN_PARTITION = 'seen';
/** Rows read per scope at most: the feed is small (a few events per cluster a day, kept for the retention). */
const MAX_ROWS_PER_SCOPE = 1_000;

const inverted = (ms: number) => String(MAX_EPOCH_MS - ms).padStart(13, '0');

function feedPartition(scope: Scope): string {
  return `feed:${auditPartition(scope)}`;
}

/** Every feed partition of a scope: one, or a subscription's range for `{subscriptionId}/*`. */
function scopeFilter(scope: Scope): string {
  if (scope.resourceGroup !== ALL_RESOURCE_GROUPS) return odata`PartitionKey eq ${feedPartition(scope)}`;
  const prefix = feedPartition({ subscriptionId: scope.subscriptionId, resourceGroup: '' }); // "feed:{sub}:"
  return odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix.slice(0, -1)};`}`;
}

interface FeedRow {
  partitionKey: string;
  rowKey: string;
  event: string;
  /** When this row was written (ms): what "unread" compares, since an event's own time may precede a mark-read. */
  publishedAt: number;
}

export interface FeedPage {
  events: NotificationEvent[];
  unread: number;
  seenUntil: string | null;
}

export class FeedStore {
  constructor(
    private readonly table: TableClient,
    private readonly withTable: TableWrite,
    private readonly now: () => number,
  ) {}

  /** Adds the event; an event already there (a repeated publish) is left as it is. */
  async add(event: NotificationEvent): Promise<void> {
    const row: FeedRow = {
      partitionKey: feedPartition(event),
      rowKey: `${inverted(Date.parse(event.at))}_${event.id}`,
      event: JSON.stringify(event),
      publishedAt: this.now(),
    };
    await this.withTable(() => this.table.createEntity(row)).catch((error: unknown) => {
      if (!isConflict(error)) throw error;
    });
  }

  /** The scopes' events newer than the retention, newest first, `limit` of them, and how many this reader has not seen. */
  async read(scopes: readonly Scope[], reader: string, limit: number, retentionMs: number): Promise<FeedPage> {
    const cutoff = inverted(this.now() - retentionMs);
    const [perScope, seenUntil] = await Promise.all([
      Promise.all(scopes.map((scope) => this.rows(`${scopeFilter(scope)} and ${odata`RowKey lt ${cutoff}`}`))),
      this.seenUntil(reader),
    ]);
    const rows = perScope.flat().sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
    const seenMs = seenUntil ? Date.parse(seenUntil) : -Infinity;
    return {
      events: rows.slice(0, limit).map((row) => JSON.parse(row.event) as NotificationEvent),
      unread: rows.filter((row) => row.publishedAt > seenMs).length,
      seenUntil,
    };
  }

  /** "Mark all read": everything published until now is seen by this reader. */
  async markRead(reader: string): Promise<string> {
    const seenUntil = new Date(this.now()).toISOString();
    await this.withTable(() => this.table.upsertEntity({ partitionKey: SEEN_PARTITION, rowKey: reader, seenUntil }, 'Replace'));
    return seenUntil;
  }

  /** Removes feed rows older than the cutoff (the timer's retention); returns how many went. */
  async removeOlderThan(cutoffMs: number): Promise<number> {
    const filter = odata`PartitionKey ge ${'feed:'} and PartitionKey lt ${'feed;'} and RowKey gt ${inverted(cutoffMs)}`;
    const old: Array<{ partitionKey: string; rowKey: string }> = [];
    try {
      for await (const row of this.table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
        old.push({ partitionKey: row.partitionKey!, rowKey: row.rowKey! });
      }
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    await Promise.all(old.map((row) => this.table.deleteEntity(row.partitionKey, row.rowKey).catch(() => {})));
    return old.length;
  }

  private async seenUntil(reader: string): Promise<string | null> {
    try {
      const row = await this.table.getEntity<{ seenUntil: string }>(SEEN_PARTITION, reader);
      return row.seenUntil;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private async rows(filter: string): Promise<FeedRow[]> {
    const rows: FeedRow[] = [];
    try {
      for await (const row of this.table.listEntities<FeedRow>({ queryOptions: { filter } })) {
        rows.push(row);
        if (rows.length >= MAX_ROWS_PER_SCOPE) break;
      }
    } catch (error) {
      if (isNotFound(error)) return []; // no table yet: nothing was ever published
      throw error;
    }
    return rows;
  }
}
