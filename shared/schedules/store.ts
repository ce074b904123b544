// Schedules in Table Storage: one partition ("schedule"), RowKey = id. The timer claims a run by writing `lastRun`
// If-Match the ETag it listed: of two instances that saw the same row, exactly one write succeeds (412 for the
// other), and only the winner acts.
import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { isLostRace, statusOf } from '../errors.js';
import { writesCreatingTable, type TableWrite } from '../tables.js';
import type { Scope } from '../scope.js';
import type { ScheduleAction, Schedule } from '../wire/index.js';
export type { ScheduleAction, Schedule };
import { SCHEDULE_ACTIONS } from '../wire/index.js';
export { SCHEDULE_ACTIONS };

export interface StoredSchedule {
  schedule: Schedule;
  etag: string;
}

const PARTITION = 'schedule';

type ScheduleRow = Omit<Schedule, 'createdBy' | 'lastRun' | 'id'> & {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  createdByObjectId: string;
  createdByName: string;
  lastRun?: string;
};

function toRow(schedule: Schedule): ScheduleRow {
  const { id, createdBy, lastRun, ...rest } = schedule;
  const row: ScheduleRow = { partitionKey: PARTITION, rowKey: id, ...rest, createdByObjectId: createdBy.objectId, createdByName: createdBy.name };
  if (lastRun) row.lastRun = lastRun;
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
  return { schedule, etag: row.etag ?? '' };
}

export class ScheduleStore {
  /** Writes that create the table on first use. */
  private readonly withTable: TableWrite;

  constructor(private readonly table: TableClient) {
    this.withTable = writesCreatingTable(table);
  }

  newId(): string {
    return randomUUID();
  }

  async create(schedule: Schedule): Promise<void> {
    await this.withTable(() => this.table.createEntity(toRow(schedule)));
  }

  async get(id: string): Promise<StoredSchedule | undefined> {
    try {
      return fromRow(await this.table.getEntity<ScheduleRow>(PARTITION, id));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Replaces the schedule, If-Match the ETag read (a change and a claim never overwrite each other silently). */
  async replace(schedule: Schedule, etag: string): Promise<void> {
    await this.table.updateEntity(toRow(schedule), 'Replace', { etag });
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(PARTITION, id);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Every schedule, or a scope's (compared case-insensitively, as ARM names are). */
  async list(scope?: Scope): Promise<StoredSchedule[]> {
    const found: StoredSchedule[] = [];
    try {
      for await (const row of this.table.listEntities<ScheduleRow>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } })) {
        const stored = fromRow(row);
        if (
          scope &&
          (stored.schedule.subscriptionId !== scope.subscriptionId.toLowerCase() ||
            stored.schedule.resourceGroup.toLowerCase() !== scope.resourceGroup.toLowerCase())
        )
          continue;
        found.push(stored);
      }
    } catch (error) {
      if (statusOf(error) === 404) return []; // no table yet: no schedules
      throw error;
    }
    return found.sort((a, b) => a.schedule.createdAt.localeCompare(b.schedule.createdAt) || a.schedule.id.localeCompare(b.schedule.id));
  }

  /**
   * Claims the run at `runAt`: writes lastRun If-Match the ETag the caller listed. True: this caller owns the run
   * (and the new ETag is returned through `etag`); false: another instance claimed it (or the schedule changed).
   */
  async claim(stored: StoredSchedule, runAt: number): Promise<{ claimed: true; etag: string } | { claimed: false }> {
    try {
      const response = await this.table.updateEntity(
        { partitionKey: PARTITION, rowKey: stored.schedule.id, lastRun: new Date(runAt).toISOString(), lastOutcome: 'claimed' },
        'Merge',
        { etag: stored.etag },
      );
      return { claimed: true, etag: response.etag ?? '' };
    } catch (error) {
      if (isLostRace(error)) return { claimed: false };
      throw error;
    }
  }

  /** Records what came of a claimed run (best effort: the audit entry is the record). */
  async recordOutcome(id: string, outcome: string, etag: string): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: id, lastOutcome: outcome }, 'Merge', { etag }).catch((error: unknown) => {
      if (!isLostRace(error)) throw error; // changed or deleted meanwhile: theirs stands
    });
  }
}
