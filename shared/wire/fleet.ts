// GET /api/monitor/fleet: every allowed scope's clusters at once, with counts by state.
import type { CacheInfo, ClusterSummary, Degraded } from './monitor.js';

export type FleetState = 'running' | 'stopped' | 'transitioning' | 'failed';
export const FLEET_STATES: readonly FleetState[] = ['running', 'stopped', 'transitioning', 'failed'];

/** ARM's provisioning states that name an operation in progress (ARM's own, or one of ours). */
export const TRANSITIONAL_PROVISIONING_STATES: ReadonlySet<string> = new Set([
  'Starting',
  'Stopping',
  'Deleting',
  'Creating',
  'Updating',
  'Upgrading',
  'Scaling',
  'Migrating',
  'Reconciling',
]);

/**
 * One state per cluster, for the fleet's counts (server) and its rows (dashboard): an open transition or ARM's
 * operation first, then a failure, then the power state.
 */
export function fleetStateOf(cluster: { powerState?: string; provisioningState?: string; transition?: { status: string } }): FleetState {
  const provisioning = cluster.provisioningState ?? '';
  if (cluster.transition?.status === 'open' || TRANSITIONAL_PROVISIONING_STATES.has(provisioning)) return 'transitioning';
  if (provisioning === 'Failed' || cluster.transition?.status === 'timedOut') return 'failed';
  return cluster.powerState === 'Running' ? 'running' : 'stopped';
}

export interface FleetScope {
  subscriptionId: string;
  resourceGroup: string;
  clusters: ClusterSummary[];
  /** null when the scope could not be read at all. */
  cache: CacheInfo | null;
  degraded: Degraded[];
  transitionCount: number;
}

export interface FleetResponse {
  scopes: FleetScope[];
  totals: Record<FleetState, number> & { clusters: number; scopes: number };
  /** Subscription-wide scopes whose resource groups could not be listed (their scopes are missing above). */
  degraded: Degraded[];
}
