// Server-side transitions: a lifecycle action (or ARM's own Starting/Stopping/Deleting) opens one, so every dashboard
// and every instance shows "starting…" and fast-polls, also after a reload. A read that observes the expected state,
// or the deadline, ends it; a deadline is reported once as timedOut so the UI can say the operation got stuck.
import { odata, type TableClient } from '@azure/data-tables';
import type { Scope } from '../scope.js';

export type LifecycleAction = 'start' | 'stop' | 'delete';
export type ExpectedPowerState = 'Running' | 'Stopped' | 'Deleted';

export interface Transition {
  cluster: string;
  action: LifecycleAction;
  expectedPowerState: ExpectedPowerState;
  startedAt: string;
  deadline: string;
  startedBy: string;
  /** api: started through this backend; arm: seen in ARM's provisioningState (CLI, portal, another tool). */
  source: 'api' | 'arm';
  status: 'open' | 'timedOut';
}

/** What a read observed of a cluster (absent from ARM's list: the cluster is gone). */
export interface ObservedCluster {
  name: string;
  powerState?: string;
  provisioningState?: string;
}

export const EXPECTED_POWER_STATE: Record<LifecycleAction, ExpectedPowerState> = {
  start: 'Running',
  stop: 'Stopped',
  delete: 'Deleted',
};

const ACTION_OF_PROVISIONING_STATE: Record<string, LifecycleAction> = {
  Starting: 'start',
  Stopping: 'stop',
  Deleting: 'delete',
};

/** Transition rows live in the cache table, in partitions outside the monitor key range. */
function partitionOf(scope: Scope): string {
  return `transition:${scope.subscriptionId}:${scope.resourceGroup}`;
}

function reached(transition: Transition, cluster: ObservedCluster | undefined): boolean {
  if (transition.expectedPowerState === 'Deleted') return cluster === undefined;
  if (!cluster) return false; // a start/stop target that vanished: the row is dropped as gone, not reached
  return cluster.powerState === transition.expectedPowerState && !(cluster.provisioningState! in ACTION_OF_PROVISIONING_STATE);
}

type TransitionEntity = Omit<Transition, 'cluster'> & { partitionKey: string; rowKey: string };

export class TransitionStore {
  constructor(
    private readonly table: TableClient,
    private readonly options: { deadlineSeconds: number; now: () => number },
  ) {}

  async open(scope: Scope, cluster: string, action: LifecycleAction, startedBy: string, source: Transition['source'] = 'api'): Promise<Transition> {
    const now = this.options.now();
    const transition: Transition = {
      cluster,
      action,
      expectedPowerState: EXPECTED_POWER_STATE[action],
      startedAt: new Date(now).toISOString(),
      deadline: new Date(now + this.options.deadlineSeconds * 1000).toISOString(),
      startedBy,
      source,
      status: 'open',
    };
    const { cluster: rowKey, ...fields } = transition;
    await this.table.upsertEntity<TransitionEntity>({ partitionKey: partitionOf(scope), rowKey, ...fields }, 'Replace');
    return transition;
  }

  async list(scope: Scope): Promise<Transition[]> {
    const rows = this.table.listEntities<TransitionEntity>({
      queryOptions: { filter: odata`PartitionKey eq ${partitionOf(scope)}` },
    });
    const transitions: Transition[] = [];
    for await (const row of rows) {
      transitions.push({
        cluster: row.rowKey,
        action: row.action,
        expectedPowerState: row.expectedPowerState,
        startedAt: row.startedAt,
        deadline: row.deadline,
        startedBy: row.startedBy,
        source: row.source,
        status: row.status,
      });
    }
    return transitions;
  }

  async close(scope: Scope, cluster: string): Promise<void> {
    await this.table.deleteEntity(partitionOf(scope), cluster).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error; // someone else closed it first
    });
  }

  /**
   * Reconciles the open transitions of a scope with what a read observed: ends the reached ones, reports a passed
   * deadline once as timedOut, opens one for a cluster ARM shows Starting/Stopping/Deleting. Returns the transitions
   * to show, by cluster name.
   */
  async reconcile(scope: Scope, observed: readonly ObservedCluster[]): Promise<Map<string, Transition>> {
    const now = this.options.now();
    const byName = new Map(observed.map((c) => [c.name, c]));
    const shown = new Map<string, Transition>();
    const writes: Promise<unknown>[] = [];
    for (const transition of await this.list(scope)) {
      const cluster = byName.get(transition.cluster);
      const gone = !cluster && transition.expectedPowerState !== 'Deleted';
      if (reached(transition, cluster) || gone || transition.status === 'timedOut') {
        writes.push(this.close(scope, transition.cluster)); // a timedOut one was reported by the previous read
      } else if (Date.parse(transition.deadline) <= now) {
        const timedOut: Transition = { ...transition, status: 'timedOut' };
        writes.push(this.table.updateEntity({ partitionKey: partitionOf(scope), rowKey: transition.cluster, status: 'timedOut' }, 'Merge'));
        shown.set(transition.cluster, timedOut);
      } else {
        shown.set(transition.cluster, transition);
      }
    }
    for (const cluster of observed) {
      const action = ACTION_OF_PROVISIONING_STATE[cluster.provisioningState ?? ''];
      if (action && !shown.has(cluster.name)) {
        writes.push(this.open(scope, cluster.name, action, 'Azure Resource Manager', 'arm').then((t) => shown.set(cluster.name, t)));
      }
    }
    await Promise.all(writes);
    return shown;
  }
}
