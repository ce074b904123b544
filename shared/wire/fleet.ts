// GET /api/monitor/fleet: every allowed scope's clusters at once, with counts by state.
import type { CacheInfo, ClusterSummary, Degraded } from './monitor.js';
import type { SubscriptionSummary } from './subscriptions.js';

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
  /** The subscription's display name; null when the identity's subscription list does not show it. */
  subscriptionName: string | null;
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
  /** The allowed subscriptions by name (with their tenant, for portal links), as GET /api/subscriptions answers them. */
  subscriptions: SubscriptionSummary[];
  /**
   * Subscription-wide scopes whose resource groups could not be listed (their scopes are missing above), and
   * subscription names that could not be read (`arm:subscriptions`: their ids stand for their names).
   */
  degraded: Degraded[];
}
