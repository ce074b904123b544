// The audit trail: who did what to which cluster, and what came of it. Append-only: entries are only ever added
// (and removed past the retention by the timer); no route updates or deletes one. Each entry is also written as one
// structured log line, so Application Insights has it even if Table Storage lost it.
//
// Rows: PartitionKey = the scope ({sub}:{rg}, encoded and lower case), RowKey = {inverted epoch ms}-{random}, so a
// scope's partition reads newest first, and a cursor is simply the last RowKey served. The RowKey is chosen before the
// first try, so an append is idempotent: a retry that finds its RowKey taken (409) was stored by an earlier try. A
// scheduled run's entry has a RowKey derived from the schedule and the run (entryId), so whoever records that run
// (its claimant, a takeover) writes the same row, once.
//
// Outbox: an entry that could not be appended is written to the partition `outbox` with its own RowKey, and the
// schedules timer re-appends it (flushOutbox) every minute until it is stored; neither a retry nor a late first
// write can double it.
import { createHash, randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { encodeComponent } from '../cache/keys.js';
import type { Caller } from '../caller.js';
import { isConflict, isNotFound } from '../errors.js';
import { writesCreatingTable, type TableWrite } from '../tables.js';
import { oneLineError, redactText } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { AuditOutcome, AuditActor, AuditEntry, AuditPage } from '../wire/index.js';
export type { AuditOutcome, AuditActor, AuditEntry, AuditPage };

/** A cursor is a RowKey we issued: 13 digits, a dash, 12 hex digits. */
export const AUDIT_CURSOR = /^\d{13}-[0-9a-f]{12}$/;

const MAX_EPOCH_MS = 9_999_999_999_999;

function invertedTime(ms: number): string {
  return String(MAX_EPOCH_MS - ms).padStart(13, '0');
}

/** The audit actor of a signed-in caller: the object id claim, never the display name. */
export function actorOf(caller: Caller): AuditActor {
  return { objectId: caller.userId ?? (caller.provider === 'development' ? 'development' : 'unknown'), name: caller.name, via: 'user' };
}

/** ARM (or our validation) said no: 4xx except a throttle. Everything else is a failure to act. */
export function outcomeOfStatus(status: number): Extract<AuditOutcome, 'refused' | 'failed'> {
  return status < 500 && status !== 429 ? 'refused' : 'failed';
}

/** The outbox's partition: scope partitions always contain a colon, this one never does. */
const OUTBOX = 'outbox';

/** A RowKey of an entry at `atMs` made from `key` (e.g. a schedule and its run): the same key, the same row. */
export function entryId(atMs: number, key: string): string {
  return `${invertedTime(atMs)}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

export function auditPartition(scope: Scope): string {
  return `${encodeComponent(scope.subscriptionId.toLowerCase())}:${encodeComponent(scope.resourceGroup.toLowerCase())}`;
}

type AuditRow = TableEntity<{
  at: string;
  actorObjectId: string;
  actorName: string;
  actorVia: AuditActor['via'];
  scheduleId?: string;
  action: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  /** The cluster in lower case, for the per-cluster filter (ARM names are case-insensitive). */
  clusterKey: string;
  outcome: AuditOutcome;
  status: number;
  reason?: string;
  requestId: string;
  clientRequestId?: string;
  armOperationId?: string;
  /** Outbox rows only: the partition the entry belongs in. */
  entryPartition?: string;
}>;

function newRowKey(atMs: number): string {
  return `${invertedTime(atMs)}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function toRow(entry: AuditEntry, rowKey: string): AuditRow {
  const { actor, ...rest } = entry;
  const row: AuditRow = {
    partitionKey: auditPartition(entry),
    rowKey,
    ...rest,
    actorObjectId: actor.objectId,
    actorName: actor.name,
    actorVia: actor.via,
    clusterKey: entry.cluster.toLowerCase(),
  };
  if (actor.scheduleId) row.scheduleId = actor.scheduleId;
  // An optional field spread in as undefined is left out of the row (its type hides that undefined).
  return Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([, value]) => value !== undefined)) as AuditRow;
}

function fromRow(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    at: row.at,
    actor: { objectId: row.actorObjectId, name: row.actorName, via: row.actorVia, ...(row.scheduleId ? { scheduleId: row.scheduleId } : {}) },
    action: row.action,
    subscriptionId: row.subscriptionId,
    resourceGroup: row.resourceGroup,
    cluster: row.cluster,
    outcome: row.outcome,
    status: row.status,
    requestId: row.requestId,
  };
  if (row.reason) entry.reason = row.reason;
  if (row.clientRequestId) entry.clientRequestId = row.clientRequestId;
  if (row.armOperationId) entry.armOperationId = row.armOperationId;
  return entry;
}

export interface AuditLogOptions {
  now?: () => number;
  /** Where the structured line goes (the app's log sink); it is redacted first. */
  log?: (line: string) => void;
  /** Told of every entry once it is stored, with its row key (notifications); must not throw or wait. */
  observe?: (entry: AuditEntry, rowKey: string) => void;
}

export class AuditLog {
  private readonly now: () => number;
  /** Writes that create the table on first use. */
  private readonly withTable: TableWrite;

  constructor(
    private readonly table: TableClient,
    private readonly options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.withTable = writesCreatingTable(table);
  }

  /**
   * Appends one entry (insert only: an entry is never replaced) and writes its log line. `id` names the row (entryId);
   * by default a new one. A row already there under that id is this entry, stored by an earlier try.
   */
  async append(entry: Omit<AuditEntry, 'at'> & { at?: string }, id?: string): Promise<AuditEntry> {
    const atMs = entry.at ? Date.parse(entry.at) : this.now();
    const full: AuditEntry = { ...entry, at: new Date(atMs).toISOString() };
    // The log line first: it survives a Table Storage outage.
    this.options.log?.(`audit ${redactText(JSON.stringify(full))}`);
    const rowKey = id ?? newRowKey(atMs);
    await this.insert(toRow(full, rowKey));
    this.observeStored(full, rowKey);
    return full;
  }

  /**
   * Appends the entry; one that could not be appended goes to the outbox (re-appended by flushOutbox), and one that
   * could not go there either is logged (`log`) and the caller carries on, since an entry never decides what happens
   * (its log line is written either way). True when it was stored or is in the outbox.
   */
  async tryAppend(entry: Omit<AuditEntry, 'at'>, log?: (line: string) => void, id?: string): Promise<boolean> {
    const atMs = this.now();
    const full: AuditEntry = { ...entry, at: new Date(atMs).toISOString() };
    const row = toRow(full, id ?? newRowKey(atMs));
    try {
      await this.append(full, row.rowKey);
      return true;
    } catch (error) {
      const schedule = entry.actor.scheduleId ? ` (schedule ${entry.actor.scheduleId})` : '';
      try {
        await this.insert({ ...row, partitionKey: OUTBOX, entryPartition: row.partitionKey });
        log?.(`audit entry of ${entry.action} ${entry.resourceGroup}/${entry.cluster}${schedule} put in the outbox: ${oneLineError(error)}`);
        return true;
      } catch (outboxError) {
        log?.(`audit entry of ${entry.action} ${entry.resourceGroup}/${entry.cluster}${schedule} not stored: ${oneLineError(outboxError)}`);
        return false;
      }
    }
  }

  /** The entry with this id in the scope's partition, or waiting in the outbox; undefined when neither has it. */
  async find(scope: Scope, id: string): Promise<AuditEntry | undefined> {
    for (const partitionKey of [auditPartition(scope), OUTBOX]) {
      try {
        return fromRow(await this.table.getEntity<AuditRow>(partitionKey, id));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  /** Re-appends what waits in the outbox (same RowKey: never twice) and empties it; the number stored. */
  async flushOutbox(): Promise<number> {
    let stored = 0;
    try {
      for await (const row of this.table.listEntities<AuditRow>({ queryOptions: { filter: odata`PartitionKey eq ${OUTBOX}` } })) {
        const { entryPartition, etag: _etag, timestamp: _timestamp, ...entry } = row as AuditRow & { etag?: string; timestamp?: string };
        if (!entryPartition) continue;
        await this.insert({ ...entry, partitionKey: entryPartition });
        this.observeStored(fromRow({ ...entry, partitionKey: entryPartition }), row.rowKey);
        await this.table.deleteEntity(OUTBOX, row.rowKey).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
        stored++;
      }
    } catch (error) {
      if (isNotFound(error)) return stored; // no table yet: nothing waits
      throw error;
    }
    return stored;
  }

  /** Tells the observer (the notifications) of a stored entry; an observer never changes what the audit trail did. */
  private observeStored(entry: AuditEntry, rowKey: string): void {
    try {
      this.options.observe?.(entry, rowKey);
    } catch {
      // ignored: see above
    }
  }

  /** Insert only; 409 (the RowKey is taken) means an earlier try of this same entry landed. */
  private async insert(row: AuditRow): Promise<void> {
    await this.withTable(() => this.table.createEntity(row)).catch((error: unknown) => {
      if (!isConflict(error)) throw error;
    });
  }

  /** A scope's entries, newest first, optionally of one cluster; `after` is the previous page's token. */
  async list(scope: Scope, options: { cluster?: string; limit: number; after?: string }): Promise<AuditPage> {
    let filter = odata`PartitionKey eq ${auditPartition(scope)}`;
    if (options.after) filter += ` and ${odata`RowKey gt ${options.after}`}`;
    if (options.cluster) filter += ` and ${odata`clusterKey eq ${options.cluster.toLowerCase()}`}`;
    const rows: AuditRow[] = [];
    // One more than asked, to know whether another page follows.
    const iterator = this.table.listEntities<AuditRow>({ queryOptions: { filter } }).byPage({ maxPageSize: options.limit + 1 });
    try {
      for await (const page of iterator) {
        rows.push(...page);
        if (rows.length > options.limit) break;
      }
    } catch (error) {
      if (isNotFound(error)) return { data: [] }; // no table yet: nothing was ever recorded
      throw error;
    }
    const data = rows.slice(0, options.limit);
    const more = rows.length > options.limit;
    return { data: data.map(fromRow), ...(more ? { continuationToken: data.at(-1)!.rowKey } : {}) };
  }

  /** Removes entries older than the cutoff (the timer's retention); returns how many went. */
  async removeOlderThan(cutoffMs: number): Promise<number> {
    const filter = odata`RowKey gt ${invertedTime(cutoffMs)}`;
    const byPartition = new Map<string, string[]>();
    try {
      for await (const row of this.table.listEntities<AuditRow>({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
        byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), row.rowKey]);
      }
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const [partitionKey, rowKeys] of byPartition) {
      for (let i = 0; i < rowKeys.length; i += 100) {
        const chunk = rowKeys.slice(i, i + 100);
        await this.table.submitTransaction(chunk.map((rowKey) => ['delete', { partitionKey, rowKey }]));
        removed += chunk.length;
      }
    }
    return removed;
  }
}
