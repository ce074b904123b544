// Schedules in Table Storage: one partition per scope ({sub}:{rg}, encoded, lower case), RowKey = the schedule's id
// (time-ordered, so a scope's partition reads in creation order), plus one `~scope` row per partition that counts its
// schedules (in all and per cluster). A create and a delete change the count and the schedule in one transaction
// If-Match that row, so the caps are exact under any concurrency: of two creates that read the same count, one fails
// (412) and reads again. A missing count row (a new scope, or one a move from the old layout invalidated) is rebuilt
// from the partition.
//
// A run is claimed by writing `lastRun` and `lastOutcome: "claimed"` with a lease (`leaseUntil`) If-Match the ETag
// listed: of two instances that saw the same row exactly one write succeeds. A claim whose outcome was not recorded
// within its lease is taken over by the next run of any instance (runner.ts); `claimedAt` keeps the first claim's
// time through takeovers, so a takeover can tell an action of this run from an older one.
import { randomBytes } from 'node:crypto';
import { odata, type TableClient, type TableTransaction } from '@azure/data-tables';
import { encodeComponent } from '../cache/keys.js';
import { Busy, isConflict, isLostRace, isNotFound, statusOf } from '../errors.js';
import { writesCreatingTable, type TableWrite } from '../tables.js';
import type { Scope } from '../scope.js';
import type { ScheduleAction, Schedule as ScheduleAnswerFields } from '../wire/index.js';
export type { ScheduleAction };
import { SCHEDULE_ACTIONS } from '../wire/index.js';
export { SCHEDULE_ACTIONS };

/** A schedule as stored: the creator's object id is kept (the audit actor of its runs), never answered. */
export interface Schedule extends Omit<ScheduleAnswerFields, 'createdBy'> {
  createdBy: { objectId: string; name: string };
}

/** A claimed run in progress: whose lease ends when, and when the run was first claimed. */
export interface Claim {
  claimedAt: number;
  leaseUntil: number;
}

export interface StoredSchedule {
  schedule: Schedule;
  etag: string;
  /** Present while the row says `lastOutcome: "claimed"` (a claim of a version before leases: both 0, long expired). */
  claim?: Claim;
  /** The row's partition (a scope's, or the single partition of the version before scopes had their own). */
  partitionKey: string;
}

/** The partition every schedule lived in before each scope had its own; the timer moves such rows (runner.ts). */
export const LEGACY_PARTITION = 'schedule';

/** The RowKey of a partition's scope row; `~` sorts after every schedule id. */
const SCOPE_ROW = '~scope';

/** Attempts of a create or delete whose count was overtaken by another change in the same scope (412). */
const CHANGE_ATTEMPTS = 8;

/** A partition's schedules: in all and by cluster (lower case). */
interface Counts {
  total: number;
  clusters: Record<string, number>;
}

type TransactionAction = TableTransaction['actions'][number];

export function schedulePartition(scope: Scope): string {
  return `${encodeComponent(scope.subscriptionId.toLowerCase())}:${encodeComponent(scope.resourceGroup.toLowerCase())}`;
}

type ScheduleRow = Omit<Schedule, 'createdBy' | 'lastRun' | 'id'> & {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  createdByObjectId: string;
  createdByName: string;
  lastRun?: string;
  claimedAt?: number;
  leaseUntil?: number;
};

function toRow(schedule: Schedule, partitionKey: string, claim?: Claim): ScheduleRow {
  const { id, createdBy, lastRun, ...rest } = schedule;
  const row: ScheduleRow = { partitionKey, rowKey: id, ...rest, createdByObjectId: createdBy.objectId, createdByName: createdBy.name };
  if (lastRun) row.lastRun = lastRun;
  if (claim && schedule.lastOutcome === 'claimed') Object.assign(row, claim);
  // An optional field spread in as undefined is left out of the row (its type hides that undefined).
  return Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([, value]) => value !== undefined)) as ScheduleRow;
}

function fromRow(row: ScheduleRow): StoredSchedule {
  const schedule: Schedule = {
    id: row.rowKey,
    subscriptionId: row.subscriptionId,
    resourceGroup: row.resourceGroup,
    cluster: row.cluster,
    action: row.action,
    cron: row.cron,
    timeZone: row.timeZone,
    enabled: row.enabled,
    createdBy: { objectId: row.createdByObjectId, name: row.createdByName },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastRun: row.lastRun ?? null,
  };
  if (row.lastOutcome) schedule.lastOutcome = row.lastOutcome;
  if (row.keepRunningUntil) schedule.keepRunningUntil = row.keepRunningUntil;
  const claim = row.lastOutcome === 'claimed' ? { claimedAt: row.claimedAt ?? 0, leaseUntil: row.leaseUntil ?? 0 } : undefined;
  return { schedule, etag: row.etag ?? '', partitionKey: row.partitionKey, ...(claim ? { claim } : {}) };
}

/** A page of a scope's schedules; `after` of the next page is the last id served. */
export interface SchedulePage {
  items: StoredSchedule[];
  next?: string;
}

/** Caps a create is checked against (SCHEDULES_MAX_PER_CLUSTER, SCHEDULES_MAX_PER_SCOPE). */
export interface ScheduleCaps {
  perCluster: number;
  perScope: number;
}

export class ScheduleCapReached extends Error {
  constructor(readonly cap: 'perCluster' | 'perScope') {
    super(cap);
    this.name = 'ScheduleCapReached';
  }
}

export class ScheduleStore {
  /** Writes that create the table on first use. */
  private readonly withTable: TableWrite;

  constructor(private readonly table: TableClient) {
    this.withTable = writesCreatingTable(table);
  }

  /** A UUID (version 7) whose first 48 bits are the time: ids sort in creation order within a partition. */
  newId(now = Date.now()): string {
    const bytes = randomBytes(16);
    bytes.writeUIntBE(now, 0, 6);
    bytes[6] = (bytes[6]! & 0x0f) | 0x70;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Inserts the schedule unless its cluster or scope holds the cap already (ScheduleCapReached). */
  async create(schedule: Schedule, caps: ScheduleCaps): Promise<void> {
    const partitionKey = schedulePartition(schedule);
    const cluster = schedule.cluster.toLowerCase();
    await this.changeCounted(partitionKey, (counts) => {
      if (counts.total >= caps.perScope) throw new ScheduleCapReached('perScope');
      if ((counts.clusters[cluster] ?? 0) >= caps.perCluster) throw new ScheduleCapReached('perCluster');
      return {
        counts: { total: counts.total + 1, clusters: { ...counts.clusters, [cluster]: (counts.clusters[cluster] ?? 0) + 1 } },
        action: ['create', toRow(schedule, partitionKey)],
      };
    });
  }

  /** The schedule with this id, in whichever scope's partition it is (a query by RowKey across partitions). */
  async get(id: string): Promise<StoredSchedule | undefined> {
    try {
      for await (const row of this.table.listEntities<ScheduleRow>({ queryOptions: { filter: odata`RowKey eq ${id}` } })) return fromRow(row);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return undefined;
  }

  /** Replaces the schedule, If-Match the ETag read (a change and a claim never overwrite each other silently). */
  async replace(stored: StoredSchedule, schedule: Schedule): Promise<void> {
    await this.table.updateEntity(toRow(schedule, stored.partitionKey, stored.claim), 'Replace', { etag: stored.etag });
  }

  async delete(stored: StoredSchedule): Promise<boolean> {
    const deleteRow = async () => {
      await this.table.deleteEntity(stored.partitionKey, stored.schedule.id);
      return true;
    };
    try {
      if (stored.partitionKey === LEGACY_PARTITION) return await deleteRow(); // not counted
      const cluster = stored.schedule.cluster.toLowerCase();
      await this.changeCounted(stored.partitionKey, (counts) => ({
        counts: { total: Math.max(0, counts.total - 1), clusters: { ...counts.clusters, [cluster]: Math.max(0, (counts.clusters[cluster] ?? 0) - 1) } },
        action: ['delete', { partitionKey: stored.partitionKey, rowKey: stored.schedule.id }],
      }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** A page of a scope's schedules (its own partition only), in creation order, after the id `after`. */
  async page(scope: Scope, options: { limit: number; after?: string }): Promise<SchedulePage> {
    let filter = `${odata`PartitionKey eq ${schedulePartition(scope)}`} and ${odata`RowKey lt ${SCOPE_ROW}`}`;
    if (options.after) filter += ` and ${odata`RowKey gt ${options.after}`}`;
    const items: StoredSchedule[] = [];
    try {
      // One more than asked, to know whether another page follows.
      for await (const page of this.table.listEntities<ScheduleRow>({ queryOptions: { filter } }).byPage({ maxPageSize: options.limit + 1 })) {
        items.push(...page.map(fromRow));
        if (items.length > options.limit) break;
      }
    } catch (error) {
      if (isNotFound(error)) return { items: [] }; // no table yet: no schedules
      throw error;
    }
    const served = items.slice(0, options.limit);
    return { items: served, ...(items.length > options.limit ? { next: served.at(-1)!.schedule.id } : {}) };
  }

  /** Every schedule of every scope (the timer's minute, the admin's list of orphaned ones). */
  async list(): Promise<StoredSchedule[]> {
    const found: StoredSchedule[] = [];
    try {
      for await (const row of this.table.listEntities<ScheduleRow>({ queryOptions: { filter: odata`RowKey ne ${SCOPE_ROW}` } })) found.push(fromRow(row));
    } catch (error) {
      if (isNotFound(error)) return []; // no table yet: no schedules
      throw error;
    }
    return found;
  }

  /**
   * Moves a schedule from the partition of the version before scopes had their own into its scope's (insert, then
   * delete; an insert that finds it there already carries on with the delete), and has the scope counted again.
   */
  async moveToScopePartition(stored: StoredSchedule): Promise<void> {
    const partitionKey = schedulePartition(stored.schedule);
    await this.withTable(() => this.table.createEntity(toRow(stored.schedule, partitionKey, stored.claim))).catch((error: unknown) => {
      if (!isConflict(error)) throw error;
    });
    await this.table.deleteEntity(stored.partitionKey, stored.schedule.id, { etag: stored.etag }).catch((error: unknown) => {
      if (!isLostRace(error)) throw error;
    });
    // The scope's count no longer holds: removed, it is counted again from the partition by the next change.
    await this.table.deleteEntity(partitionKey, SCOPE_ROW).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  /**
   * Claims the run at `runAt` for a lease: writes lastRun If-Match the ETag the caller listed. True: this caller owns
   * the run until `leaseUntil` (the new ETag is returned); false: another instance claimed it (or the schedule
   * changed). A takeover keeps the first claim's `claimedAt`.
   */
  async claim(
    stored: StoredSchedule,
    runAt: number,
    now: number,
    leaseMs: number,
  ): Promise<{ claimed: true; etag: string; claim: Claim } | { claimed: false }> {
    const claim: Claim = { claimedAt: stored.claim && stored.claim.claimedAt > 0 ? stored.claim.claimedAt : now, leaseUntil: now + leaseMs };
    try {
      const response = await this.table.updateEntity(
        { partitionKey: stored.partitionKey, rowKey: stored.schedule.id, lastRun: new Date(runAt).toISOString(), lastOutcome: 'claimed', ...claim },
        'Merge',
        { etag: stored.etag },
      );
      return { claimed: true, etag: response.etag ?? '', claim };
    } catch (error) {
      if (isLostRace(error)) return { claimed: false };
      throw error;
    }
  }

  /** Records what came of a claimed run and ends the claim, If-Match the claim's ETag (a takeover's write stands). */
  async recordOutcome(stored: StoredSchedule, outcome: string, etag: string, changes: { enabled?: boolean } = {}): Promise<void> {
    await this.table
      .updateEntity({ partitionKey: stored.partitionKey, rowKey: stored.schedule.id, lastOutcome: outcome, leaseUntil: 0, ...changes }, 'Merge', { etag })
      .catch((error: unknown) => {
        if (!isLostRace(error)) throw error; // changed, taken over or deleted meanwhile: theirs stands
      });
  }

  /**
   * Changes a partition's schedules and its count row together: `change` decides from the current counts (or throws),
   * and the transaction lands If-Match the count row read (412: counted again, a few times, then Busy).
   */
  private async changeCounted(partitionKey: string, change: (counts: Counts) => { counts: Counts; action: TransactionAction }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { counts, etag } = await this.counts(partitionKey);
      const next = change(counts);
      const countRow = { partitionKey, rowKey: SCOPE_ROW, total: next.counts.total, clusters: JSON.stringify(next.counts.clusters) };
      try {
        await this.table.submitTransaction([etag ? ['update', countRow, 'Replace', { etag }] : ['create', countRow], next.action]);
        return;
      } catch (error) {
        // Another change (or the first count row) landed between the read and the write: count again.
        const status = statusOf(error);
        if (status !== 412 && !(status === 409 && !etag)) throw error;
        if (attempt === CHANGE_ATTEMPTS - 1) throw new Busy({ cause: error }); // 409 conflict: try again
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  /** A partition's counts and its count row's ETag; without a row, counted from the partition (no ETag: created by the change). */
  private async counts(partitionKey: string): Promise<{ counts: Counts; etag?: string }> {
    try {
      const row = await this.table.getEntity<{ total: number; clusters: string }>(partitionKey, SCOPE_ROW);
      return { counts: { total: row.total, clusters: JSON.parse(row.clusters) as Record<string, number> }, etag: row.etag };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const counts: Counts = { total: 0, clusters: {} };
    try {
      for await (const row of this.table.listEntities<ScheduleRow>({
        queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey', 'cluster'] },
      })) {
        if (row.rowKey === SCOPE_ROW) continue;
        const cluster = row.cluster.toLowerCase();
        counts.total++;
        counts.clusters[cluster] = (counts.clusters[cluster] ?? 0) + 1;
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.table.createTable();
    }
    return { counts };
  }
}
