// When a cluster's Kubernetes API can be read, from what ARM shows. AKS reports `powerState: Running` while a start
// is still going on (`provisioningState: Starting`, the API server not reachable yet) and `Stopped` while a stop
// is (`Stopping`), so the power state alone does not say it; both together do. The monitor reads, the pods pages
// and the refresh timer all ask here, so a cluster is never contacted on one path and skipped on another.
import type { ClusterSummary } from './clusters.js';
import type { UnreadableReason } from '../wire/index.js';
export type { UnreadableReason };

/** Provisioning states of an operation in progress that takes the API server away (or has not brought it up yet). */
const IN_PROGRESS: Readonly<Record<string, UnreadableReason>> = {
  starting: 'clusterStarting',
  stopping: 'clusterStopping',
  deleting: 'clusterDeleting',
};

/** undefined when the cluster can be read; else why not. */
export function unreadableReason(cluster: Pick<ClusterSummary, 'powerState' | 'provisioningState'>): UnreadableReason | undefined {
  const inProgress = IN_PROGRESS[cluster.provisioningState.toLowerCase()];
  if (inProgress) return inProgress;
  if (cluster.powerState.toLowerCase() !== 'running') return 'clusterStopped';
  return undefined; // Running with Succeeded, Failed, Updating, Upgrading, Canceled…
}
