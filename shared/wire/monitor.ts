// The monitor's answers: the envelope every monitor route sends, and the cluster summary of a scope's list.
import type { Transition } from './lifecycle.js';

export type CacheState = 'fresh' | 'stale' | 'refreshed' | 'uncached';

/** The `cache` block of a monitor answer. */
export interface CacheInfo {
  state: CacheState;
  ageSeconds: number;
  fetchedAt: string;
  /** Sum of the generation counters covering the key when the reading was fetched; null when storage was unreachable. */
  generation: number | null;
}

/** One part of an answer that could not be read; shows as `degraded: [...]`. */
export interface Degraded {
  /** What was read, e.g. "kubernetes:nodes", "arm:managedClusters". */
  source: string;
  /** Upstream HTTP status; 504 for a timeout, 502 for a connection failure or an unreadable answer. */
  status: number;
  message: string;
}

/** Why a cluster's per-cluster reads answer `data: null`. */
export const UNREADABLE_REASONS = ['clusterStarting', 'clusterStopping', 'clusterStopped', 'clusterDeleting'] as const;
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

export interface MonitorResponse<T> {
  data: T | null;
  cache: CacheInfo;
  degraded: Degraded[];
  /** Why data is null: the cluster's API server cannot be read now (starting, stopping, stopped, being deleted). */
  reason?: UnreadableReason;
  /** Per-cluster reads: the cluster's transition, if any. */
  transition?: Transition;
}

export interface NodePoolSummary {
  name: string;
  count: number;
  vmSize?: string;
  mode?: string;
}

export interface ClusterSummary {
  name: string;
  /** ARM's resource id (for a portal link: portalUrlOf); absent from readings stored before it was added. */
  id?: string;
  location: string;
  kubernetesVersion?: string;
  /** Running | Stopped (ARM's powerState.code); AKS may flip it as a start or stop begins: read it with provisioningState. */
  powerState: string;
  /** Succeeded | Starting | Stopping | Deleting | Failed | …; read it together with powerState. */
  provisioningState: string;
  nodePools: NodePoolSummary[];
  fqdn?: string;
  transition?: Transition;
}
