// Server-side transitions: a lifecycle action (or ARM's own Starting/Stopping/Deleting) opens one, so every dashboard
// and every instance shows "starting…" and fast-polls, also after a reload. A read that observes the expected state,
// or the deadline, ends it; a passed deadline is reported as timedOut (for a short window, so that overlapping
// readers and timer runs all agree on it), then never again, so the UI can say once that the operation got stuck.
//
// Rows live in the cache table, in the scope's partition, RowKey `t:{cluster}` (transitionRowLocation): the cache's
// purges and scans only touch RowKeys `v:…` and `generation`, so they never see a transition row, and a transition
// outlives the purge of its scope. Every change to an existing row is If-Match its ETag: a reconcile working from an
// older listing never ends a transition that an action opened (or renewed) meanwhile.
import { odata, type TableClient } from '@azure/data-tables';
import { clusterListKey, locateKey, transitionRowLocation, TRANSITION_ROWS_FILTER } from '../cache/index.js';
import { isLostRace, statusOf } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { LifecycleAction, ExpectedPowerState, Transition } from '../wire/index.js';
export type { LifecycleAction, ExpectedPowerState, Transition };
import { EXPECTED_POWER_STATE, actionInProgress, reachedExpectedState } from '../wire/index.js';
export { EXPECTED_POWER_STATE, actionInProgress };

/** What a read observed of a cluster (absent from ARM's list: the cluster is gone). */
export interface ObservedCluster {
  name: string;
  powerState?: string;
  provisioningState?: string;
}

export interface ReconcileOptions {
  /** When the observation was taken (before the ARM call). A listing older than a transition never ends it. Default: now. */
  observedAt?: number;
}

/** The expected power state and an ended operation; for delete, the cluster gone (reachedExpectedState). */
function reached(transition: Transition, cluster: ObservedCluster | undefined): boolean {
  return reachedExpectedState(transition.expectedPowerState, cluster);
}

function endedInFailure(cluster: ObservedCluster | undefined): boolean {
  return cluster?.provisioningState?.toLowerCase() === 'failed';
}

type TransitionEntity = Transition & {
  partitionKey: string;
  rowKey: string;
  etag: string;
  subscriptionId: string;
  resourceGroup: string;
  /** timedOut / failed: when a read first found the deadline passed or the failure (the report window starts then). */
  timedOutAt?: string;
};

interface StoredTransition {
  scope: Scope;
  transition: Transition;
  timedOutAtMs?: number;
  etag: string;
}

/** The columns of a transition row, for a scan that reads them along with everything else. */
export const TRANSITION_COLUMNS = [
  'subscriptionId',
  'resourceGroup',
  'cluster',
  'action',
  'expectedPowerState',
  'startedAt',
  'deadline',
  'startedBy',
  'source',
  'status',
  'timedOutAt',
] as const;

function scopePartition(scope: Scope): string {
  return locateKey(clusterListKey(scope)).partitionKey;
}

/** 404 (already gone) and 412 (changed meanwhile: someone else decided) end a conditional change quietly. */
function ignoreRaced(error: unknown): void {
  if (!isLostRace(error)) throw error;
}

function fromEntity(row: TransitionEntity): StoredTransition {
  return {
    scope: { subscriptionId: row.subscriptionId, resourceGroup: row.resourceGroup },
    transition: {
      cluster: row.cluster,
      action: row.action,
      expectedPowerState: row.expectedPowerState,
      startedAt: row.startedAt,
      deadline: row.deadline,
      startedBy: row.startedBy,
      source: row.source,
      status: row.status,
    },
    ...(row.timedOutAt ? { timedOutAtMs: Date.parse(row.timedOutAt) } : {}),
    etag: row.etag,
  };
}

export class TransitionStore {
  constructor(
    private readonly table: TableClient,
    private readonly options: {
      deadlineSeconds: number;
      now: () => number;
      /** How long a passed deadline (or a failure) is shown (default 60 s: at least one poll of any dashboard). */
      timedOutReportSeconds?: number;
      log?: (line: string) => void;
      /** Told once when a transition is marked timedOut or failed (by the write that won), with when (notifications). */
      onEnded?: (scope: Scope, transition: Transition, at: string) => void;
    },
  ) {}

  /** A new open transition (not stored). */
  describe(cluster: string, action: LifecycleAction, startedBy: string, source: Transition['source'] = 'api', startedAt = this.options.now()): Transition {
    return {
      cluster,
      action,
      expectedPowerState: EXPECTED_POWER_STATE[action],
      startedAt: new Date(startedAt).toISOString(),
      deadline: new Date(startedAt + this.options.deadlineSeconds * 1000).toISOString(),
      startedBy,
      source,
      status: 'open',
    };
  }

  /** Opens (or renews) the cluster's transition: an action replaces whatever was there. */
  async open(scope: Scope, cluster: string, action: LifecycleAction, startedBy: string, source: Transition['source'] = 'api'): Promise<Transition> {
    const transition = this.describe(cluster, action, startedBy, source);
    await this.table.upsertEntity(this.entityOf(scope, transition), 'Replace');
    return transition;
  }

  /** The open and timed-out transitions of a scope. */
  async list(scope: Scope): Promise<Transition[]> {
    return (await this.rows(scope)).map((row) => row.transition);
  }

  /** Every transition row of the table, with its scope (the timer's sweep). */
  /** The transitions among rows of a whole-table scan (MonitorCache.scan with TRANSITION_COLUMNS): no query of its own. */
  fromScan(rows: readonly Record<string, unknown>[]): Array<{ scope: Scope; transition: Transition }> {
    return rows.map((row) => fromEntity(row as unknown as TransitionEntity)).map((stored) => ({ scope: stored.scope, transition: stored.transition }));
  }

  async listAll(): Promise<Array<{ scope: Scope; transition: Transition }>> {
    const found: Array<{ scope: Scope; transition: Transition }> = [];
    for await (const row of this.table.listEntities<TransitionEntity>({ queryOptions: { filter: TRANSITION_ROWS_FILTER } })) {
      const stored = fromEntity(row);
      found.push({ scope: stored.scope, transition: stored.transition });
    }
    return found;
  }

  async close(scope: Scope, cluster: string): Promise<void> {
    const { partitionKey, rowKey } = transitionRowLocation(scope, cluster);
    await this.table.deleteEntity(partitionKey, rowKey).catch(ignoreRaced); // someone else closed it first
  }

  /**
   * Reconciles the transitions of a scope with what a read observed, and returns those to show, by cluster name
   * (ARM's spelling): ends the reached ones (expected power state with no operation in progress; gone, for a delete)
   * and those whose start/stop target vanished; shows a passed deadline as timedOut for the report window, then keeps
   * it silently while ARM still shows that operation in progress (so it is not re-opened from ARM's state); opens one
   * for a cluster ARM shows Starting/Stopping/Deleting. Table Storage failing never fails the read: the transitions
   * ARM's state implies are shown, unstored.
   */
  async reconcile(scope: Scope, observed: readonly ObservedCluster[], options: ReconcileOptions = {}): Promise<Map<string, Transition>> {
    const now = this.options.now();
    const observedAt = options.observedAt ?? now;
    const reportWindowMs = (this.options.timedOutReportSeconds ?? 60) * 1000;
    const byName = new Map(observed.map((c) => [c.name.toLowerCase(), c]));
    const shown = new Map<string, Transition>();
    const occupied = new Set<string>(); // clusters whose row stays
    const show = (transition: Transition) => {
      const cluster = byName.get(transition.cluster.toLowerCase());
      const name = cluster?.name ?? transition.cluster;
      shown.set(name, { ...transition, cluster: name });
    };
    // Every change runs at once; each one's failure is collected (never left unhandled: a rejected promise nobody
    // awaits ends the Functions worker) and the first one fails the reconcile once all have settled.
    const failures: unknown[] = [];
    const settle = (change: Promise<unknown>) => change.catch((error: unknown) => void failures.push(error));
    const firstFailure = () => {
      if (failures.length > 0) throw failures[0];
    };
    try {
      const closing: Promise<unknown>[] = [];
      const writes: Promise<unknown>[] = [];
      for (const row of await this.rows(scope)) {
        const { transition, etag } = row;
        const key = transition.cluster.toLowerCase();
        const cluster = byName.get(key);
        const { partitionKey, rowKey } = transitionRowLocation(scope, transition.cluster);
        const current = observedAt >= Date.parse(transition.startedAt);
        const gone = !cluster && transition.expectedPowerState !== 'Deleted';
        if (transition.status === 'failed') {
          // Shown for the report window, then closed.
          if (now - (row.timedOutAtMs ?? now) < reportWindowMs) {
            occupied.add(key);
            show(transition);
          } else {
            closing.push(settle(this.table.deleteEntity(partitionKey, rowKey, { etag }).catch(ignoreRaced)));
          }
          continue;
        }
        if (current && reached(transition, cluster) && endedInFailure(cluster)) {
          occupied.add(key);
          const timedOutAt = new Date(now).toISOString();
          const failed: Transition = { ...transition, status: 'failed' };
          writes.push(settle(this.markEnded(scope, failed, timedOutAt, etag)));
          show(failed);
          continue;
        }
        if (current && (reached(transition, cluster) || gone)) {
          closing.push(settle(this.table.deleteEntity(partitionKey, rowKey, { etag }).catch(ignoreRaced)));
          continue;
        }
        if (transition.status === 'timedOut') {
          if (now - (row.timedOutAtMs ?? Date.parse(transition.deadline)) < reportWindowMs) {
            occupied.add(key);
            show(transition);
          } else if (current && actionInProgress(cluster) !== transition.action) {
            closing.push(settle(this.table.deleteEntity(partitionKey, rowKey, { etag }).catch(ignoreRaced)));
          } else {
            occupied.add(key); // reported; kept silently while ARM still runs that operation, so it is not re-opened
          }
          continue;
        }
        occupied.add(key);
        if (Date.parse(transition.deadline) <= now) {
          const timedOutAt = new Date(now).toISOString();
          const timedOut: Transition = { ...transition, status: 'timedOut' };
          writes.push(settle(this.markEnded(scope, timedOut, timedOutAt, etag)));
          show(timedOut);
        } else {
          show(transition);
        }
      }
      await Promise.all(closing); // before opening anew in a row that is being closed
      if (failures.length > 0) await Promise.all(writes);
      firstFailure();
      for (const cluster of observed) {
        const action = actionInProgress(cluster);
        if (!action || occupied.has(cluster.name.toLowerCase())) continue;
        writes.push(settle(this.openFromArm(scope, cluster.name, action).then(show)));
      }
      await Promise.all(writes);
      firstFailure();
    } catch (error) {
      this.options.log?.(`transitions of ${scope.resourceGroup} unavailable: ${oneLineError(error)}`);
      shown.clear();
      for (const cluster of observed) {
        const action = actionInProgress(cluster);
        if (action) shown.set(cluster.name, this.describe(cluster.name, action, 'Azure Resource Manager', 'arm', observedAt));
      }
    }
    return shown;
  }

  /** Marks a transition timedOut or failed (If-Match); only the write that wins tells onEnded, so it hears each once. */
  private async markEnded(scope: Scope, ended: Transition, at: string, etag: string): Promise<void> {
    const { partitionKey, rowKey } = transitionRowLocation(scope, ended.cluster);
    try {
      await this.table.updateEntity({ partitionKey, rowKey, status: ended.status, timedOutAt: at }, 'Merge', { etag });
    } catch (error) {
      ignoreRaced(error);
      return;
    }
    try {
      this.options.onEnded?.(scope, ended, at);
    } catch {
      // an observer never changes the reconcile
    }
  }

  /** Opens a transition seen in ARM's state, unless a row appeared meanwhile (an action's own wins): insert only. */
  private async openFromArm(scope: Scope, cluster: string, action: LifecycleAction): Promise<Transition> {
    const transition = this.describe(cluster, action, 'Azure Resource Manager', 'arm');
    try {
      await this.table.createEntity(this.entityOf(scope, transition));
      return transition;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      const { partitionKey, rowKey } = transitionRowLocation(scope, cluster);
      try {
        return fromEntity(await this.table.getEntity<TransitionEntity>(partitionKey, rowKey)).transition;
      } catch (readError) {
        if (statusOf(readError) === 404) return transition; // closed meanwhile: show what ARM shows, unstored
        throw readError;
      }
    }
  }

  private async rows(scope: Scope): Promise<StoredTransition[]> {
    const filter = `${odata`PartitionKey eq ${scopePartition(scope)}`} and ${TRANSITION_ROWS_FILTER}`;
    const rows: StoredTransition[] = [];
    for await (const row of this.table.listEntities<TransitionEntity>({ queryOptions: { filter } })) rows.push(fromEntity(row));
    return rows;
  }

  private entityOf(scope: Scope, transition: Transition): Omit<TransitionEntity, 'etag'> {
    const { partitionKey, rowKey } = transitionRowLocation(scope, transition.cluster);
    return { partitionKey, rowKey, subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup, ...transition };
  }
}
