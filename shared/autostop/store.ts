// The auto-stop rows in Table Storage (AUTOSTOP_TABLE_NAME): one per cluster someone configured, PartitionKey = the
// scope ({sub}:{rg}, lower case), RowKey = the cluster (lower case), so a scope's rows are one partition query and the
// timer's are one query of the table. A row holds the settings, what the last busy check found (written only when
// that changes), the warning sent, the claim of a stop and the last stop. Every write the timer makes is If-Match the
// ETag it listed: of two instances that judged the same row, one writes and the other's 412 tells it to leave it.
import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { encodeComponent } from '../cache/keys.js';
import { isLostRace, isNotFound } from '../errors.js';
import type { Scope } from '../scope.js';
import { writesCreatingTable, type TableWrite } from '../tables.js';
import { IDLE_MINUTES, type IdleMinutes } from '../wire/index.js';
import type { BusyObservation } from './verdict.js';

export const DEFAULT_IDLE_MINUTES: IdleMinutes = 60;

/** One cluster's auto-stop state; times are epoch ms (absent: never). */
export interface AutoStopState {
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  enabled: boolean;
  idleMinutes: IdleMinutes;
  changedAt?: number;
  changedBy?: string;
  extendUntil?: number;
  extendedAt?: number;
  /** The cluster's last start, as the timer learnt it (a start transition, or the audit trail). */
  lastStartAt?: number;
  /** Whether the timer last saw it Running (a change to Running makes it look up the start). */
  seenRunning?: boolean;
  busy: BusyObservation;
  lastWorkSeenAt?: number;
  /** The stop time a warning was sent for (once per window, across instances). */
  warnedFor?: number;
  /** A stop claimed by one instance, until the lease ends (then another may take it over). */
  claim?: { id: string; until: number };
  lastAttemptAt?: number;
  lastStop?: { at: number; requestId: string };
}

export interface StoredState {
  state: AutoStopState;
  etag: string;
}

/** The state of a cluster nobody configured: off, with the default window. */
export function defaultState(scope: Scope, cluster: string): AutoStopState {
  return { ...scope, cluster, enabled: false, idleMinutes: DEFAULT_IDLE_MINUTES, busy: { kind: 'unknown' } };
}

export function partitionOf(scope: Scope): string {
  return `${encodeComponent(scope.subscriptionId.toLowerCase())}:${encodeComponent(scope.resourceGroup.toLowerCase())}`;
}

const rowKeyOf = (cluster: string) => encodeComponent(cluster.toLowerCase());

/** Times are ISO strings in the row ('' once cleared: a Merge cannot remove a property). */
interface Row {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  enabled?: boolean;
  idleMinutes?: number;
  changedAt?: string;
  changedBy?: string;
  extendUntil?: string;
  extendedAt?: string;
  lastStartAt?: string;
  seenRunning?: boolean;
  busyKind?: string;
  busyJobs?: number;
  busyPods?: number;
  busyFailure?: string;
  lastWorkSeenAt?: string;
  warnedFor?: string;
  claimId?: string;
  claimUntil?: string;
  lastAttemptAt?: string;
  lastStopAt?: string;
  lastStopRequestId?: string;
}

const time = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
};
const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

function busyOf(row: Row): BusyObservation {
  switch (row.busyKind) {
    case 'idle':
      return { kind: 'idle' };
    case 'busy':
      return { kind: 'busy', jobs: row.busyJobs ?? 0, pods: row.busyPods ?? 0 };
    case 'failed':
      return { kind: 'failed', reason: row.busyFailure ?? 'unknown' };
    default:
      return { kind: 'unknown' };
  }
}

function fromRow(row: Row): StoredState {
  const idle = (IDLE_MINUTES as readonly number[]).includes(row.idleMinutes ?? 0) ? (row.idleMinutes as IdleMinutes) : DEFAULT_IDLE_MINUTES;
  const claimUntil = time(row.claimUntil);
  const lastStopAt = time(row.lastStopAt);
  const state: AutoStopState = {
    subscriptionId: row.subscriptionId,
    resourceGroup: row.resourceGroup,
    cluster: row.cluster,
    enabled: row.enabled === true,
    idleMinutes: idle,
    busy: busyOf(row),
  };
  const times = {
    changedAt: time(row.changedAt),
    extendUntil: time(row.extendUntil),
    extendedAt: time(row.extendedAt),
    lastStartAt: time(row.lastStartAt),
    lastWorkSeenAt: time(row.lastWorkSeenAt),
    warnedFor: time(row.warnedFor),
    lastAttemptAt: time(row.lastAttemptAt),
  };
  for (const [name, value] of Object.entries(times)) if (value !== undefined) (state as unknown as Record<string, number>)[name] = value;
  if (row.changedBy) state.changedBy = row.changedBy;
  if (row.seenRunning !== undefined) state.seenRunning = row.seenRunning;
  if (row.claimId && claimUntil !== undefined) state.claim = { id: row.claimId, until: claimUntil };
  if (lastStopAt !== undefined) state.lastStop = { at: lastStopAt, requestId: row.lastStopRequestId ?? '' };
  return { state, etag: row.etag ?? '' };
}

/** The row properties a change sets (only those: a Merge leaves the others alone). */
export type StateChange = Partial<Omit<AutoStopState, 'subscriptionId' | 'resourceGroup' | 'cluster' | 'claim' | 'lastStop'>> & {
  claim?: { id: string; until: number } | null;
  lastStop?: { at: number; requestId: string };
};

function changeRow(state: Pick<AutoStopState, 'subscriptionId' | 'resourceGroup' | 'cluster'>, change: StateChange): Row {
  const row: Row = {
    partitionKey: partitionOf(state),
    rowKey: rowKeyOf(state.cluster),
    subscriptionId: state.subscriptionId,
    resourceGroup: state.resourceGroup,
    cluster: state.cluster,
  };
  if (change.enabled !== undefined) row.enabled = change.enabled;
  if (change.idleMinutes !== undefined) row.idleMinutes = change.idleMinutes;
  if (change.changedBy !== undefined) row.changedBy = change.changedBy;
  if (change.seenRunning !== undefined) row.seenRunning = change.seenRunning;
  for (const name of ['changedAt', 'extendUntil', 'extendedAt', 'lastStartAt', 'lastWorkSeenAt', 'warnedFor', 'lastAttemptAt'] as const) {
    if (name in change) row[name] = iso(change[name]);
  }
  if (change.busy) {
    row.busyKind = change.busy.kind;
    row.busyJobs = change.busy.kind === 'busy' ? change.busy.jobs : 0;
    row.busyPods = change.busy.kind === 'busy' ? change.busy.pods : 0;
    row.busyFailure = change.busy.kind === 'failed' ? change.busy.reason : '';
  }
  if (change.claim !== undefined) {
    row.claimId = change.claim?.id ?? '';
    row.claimUntil = iso(change.claim?.until);
  }
  if (change.lastStop) {
    row.lastStopAt = iso(change.lastStop.at);
    row.lastStopRequestId = change.lastStop.requestId;
  }
  return row;
}

/** Table operations this store made (for the timer's metrics line and the benchmark). */
export interface StoreCounters {
  queries: number;
  reads: number;
  writes: number;
}

export class AutoStopStore {
  private readonly withTable: TableWrite;
  readonly counters: StoreCounters = { queries: 0, reads: 0, writes: 0 };

  constructor(private readonly table: TableClient) {
    this.withTable = writesCreatingTable(table);
  }

  /** A new claim id. */
  newClaimId(): string {
    return randomUUID();
  }

  async get(scope: Scope, cluster: string): Promise<StoredState | undefined> {
    this.counters.reads++;
    try {
      return fromRow(await this.table.getEntity<Row>(partitionOf(scope), rowKeyOf(cluster)));
    } catch (error) {
      if (isNotFound(error)) return undefined; // no row (or no table yet): never configured
      throw error;
    }
  }

  /** A scope's rows (one partition query), or every row (one query of the table, for the timer). */
  async list(scope?: Scope): Promise<StoredState[]> {
    const found: StoredState[] = [];
    const options = scope ? { queryOptions: { filter: odata`PartitionKey eq ${partitionOf(scope)}` } } : {};
    try {
      for await (const page of this.table.listEntities<Row>(options).byPage({ maxPageSize: 1000 })) {
        this.counters.queries++;
        for (const row of page) found.push(fromRow(row));
      }
    } catch (error) {
      if (isNotFound(error)) return found; // no table yet: nothing configured
      throw error;
    }
    return found;
  }

  /** Sets the settings whatever else the row holds (created if missing); its ETag moves, so no claim of before holds. */
  async upsert(scope: Scope, cluster: string, change: StateChange): Promise<void> {
    this.counters.writes++;
    await this.withTable(() => this.table.upsertEntity(changeRow({ ...scope, cluster }, change), 'Merge'));
  }

  /**
   * Writes the change If-Match the ETag the caller read: the new ETag, or undefined when another writer came first
   * (412) or the row is gone (404).
   */
  async change(stored: StoredState, change: StateChange): Promise<string | undefined> {
    this.counters.writes++;
    try {
      return (await this.table.updateEntity(changeRow(stored.state, change), 'Merge', { etag: stored.etag })).etag ?? '';
    } catch (error) {
      if (isLostRace(error)) return undefined;
      throw error;
    }
  }

  /** Writes the change whatever happened since (the owner of a claim recording what came of it). */
  async force(state: AutoStopState, change: StateChange): Promise<void> {
    this.counters.writes++;
    await this.table.updateEntity(changeRow(state, change), 'Merge', { etag: '*' }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error; // removed meanwhile: nothing to record on
    });
  }
}
