// GET /api/monitor/fleet: every allowed scope's clusters at once, with counts by state.
import type { CacheInfo, ClusterSummary, Degraded } from './monitor.js';

export type FleetState = 'running' | 'stopped' | 'transitioning' | 'failed';
export const FLEET_STATES: readonly FleetState[] = ['running', 'stopped', 'transitioning', 'failed'];

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
