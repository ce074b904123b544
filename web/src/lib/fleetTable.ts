// The pure helpers of the fleet table (rows, filter, sort) and of a schedule's "next action" line.
// DOM-free: unit tests import it under Node.
import { fleetStateOf } from '../../../shared/wire/index.js';
import type { Cluster, Scope } from './api.js';
import { clusterChip } from './clusterState.js';
import { FLEET_STATES, type Fleet, type FleetState, type Schedule } from './fleetData.js';

export { fleetStateOf } from '../../../shared/wire/index.js';
export * from './fleetData.js';

/** One row of the fleet table. */
export interface FleetRow {
  scope: Scope;
  /** The subscription as people name it: its display name, else the start of its id. */
  subscription: string;
  cluster: Cluster;
  chip: ReturnType<typeof clusterChip>;
  state: FleetState;
  nodes: number;
}

export function fleetRows(fleet: Fleet): FleetRow[] {
  return fleet.scopes.flatMap((scope) =>
    scope.clusters.map((cluster) => ({
      scope: { subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup },
      subscription: scope.subscriptionName ?? `${scope.subscriptionId.slice(0, 8)}…`,
      cluster,
      chip: clusterChip(cluster, cluster.transition?.status === 'open' ? cluster.transition.action : undefined),
      state: fleetStateOf(cluster),
      nodes: cluster.nodePools.reduce((sum, pool) => sum + (pool.count ?? 0), 0),
    })),
  );
}

export type FleetSortKey = 'name' | 'scope' | 'location' | 'state' | 'version' | 'nodes';

export function filterRows(rows: readonly FleetRow[], text: string, state: FleetState | 'all'): FleetRow[] {
  const needle = text.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (state === 'all' || row.state === state) &&
      (!needle ||
        `${row.cluster.name} ${row.scope.resourceGroup} ${row.subscription} ${row.scope.subscriptionId} ${row.cluster.location ?? ''} ${row.cluster.kubernetesVersion ?? ''}`
          .toLowerCase()
          .includes(needle)),
  );
}

export function sortRows(rows: readonly FleetRow[], key: FleetSortKey, descending = false): FleetRow[] {
  const value = (row: FleetRow): string | number => {
    switch (key) {
      case 'name':
        return row.cluster.name;
      case 'scope':
        return `${row.subscription}/${row.scope.resourceGroup}`;
      case 'location':
        return row.cluster.location ?? '';
      case 'state':
        return FLEET_STATES.indexOf(row.state);
      case 'version':
        return (row.cluster.kubernetesVersion ?? '')
          .split('.')
          .map((p) => p.padStart(4, '0'))
          .join('.');
      case 'nodes':
        return row.nodes;
    }
  };
  const sorted = [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order || a.cluster.name.localeCompare(b.cluster.name);
  });
  return descending ? sorted.reverse() : sorted;
}

/**
 * A schedule's state in the list: "paused", or its next action in its own time zone, named by its IANA name
 * everywhere ("stops today 19:00 (Europe/Berlin)"), never an abbreviation that differs by zone (CET beside GMT-5).
 */
export function describeNextAction(schedule: Schedule, now: number): string {
  const verb = schedule.action === 'stop' ? 'stops' : 'starts';
  if (!schedule.enabled) return 'paused';
  if (schedule.nextRun === undefined) return 'no next run';
  const tz = schedule.timeZone;
  const dayOf = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit' }).format(schedule.nextRun);
  const day = dayOf(schedule.nextRun);
  const when =
    day === dayOf(now)
      ? 'today'
      : day === dayOf(now + 86_400_000)
        ? 'tomorrow'
        : new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short' }).format(schedule.nextRun);
  const kept =
    schedule.action === 'stop' && schedule.keepRunningUntil !== undefined && schedule.keepRunningUntil > schedule.nextRun ? ' (skipped: kept running)' : '';
  return `${verb} ${when} ${time} (${tz})${kept}`;
}

export const FLEET_KEY = 'fleet';
export const auditKey = (scope: Scope, cluster?: string) => `audit:${scope.subscriptionId}:${scope.resourceGroup}${cluster ? `:${cluster}` : ''}`;
