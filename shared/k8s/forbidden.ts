// A Kubernetes 403 on an AKS cluster with Azure RBAC means the app's identity lacks a data action there. Said as
// such, an operator knows what to grant; "Forbidden" alone reads like an outage, and an empty list like no data.
import { SOURCES } from './reads.js';
import type { Degraded, Reading } from './upstream.js';

const DATA_ACTION_PREFIX = 'Microsoft.ContainerService/managedClusters';

/** The data action each read needs (AKS authorizes pods/log as pods/read; there is no pods/log data action). */
const DATA_ACTIONS: Record<string, string> = {
  [SOURCES.nodes]: 'nodes/read',
  [SOURCES.pods]: 'pods/read',
  [SOURCES.podLog]: 'pods/read',
  [SOURCES.events]: 'events/read',
  [SOURCES.jobs]: 'batch/jobs/read',
  [SOURCES.nodeMetrics]: 'metrics.k8s.io/nodes/read',
};

/** The reading with each 403 part reworded as the data action the app's identity lacks on `cluster`. */
export function explainForbidden<T>(reading: Reading<T>, cluster: string): Reading<T> {
  if (!reading.degraded.some((d) => d.status === 403)) return reading;
  return { ...reading, degraded: reading.degraded.map((d) => (d.status === 403 ? forbiddenPart(d, cluster) : d)) };
}

function forbiddenPart(part: Degraded, cluster: string): Degraded {
  // Warm-up log reads name their pod after the source ("kubernetes:pods/log ns/name").
  const action = DATA_ACTIONS[part.source.split(' ')[0]!];
  const lacks = action ? `${DATA_ACTION_PREFIX}/${action}` : `read access to ${part.source.replace(/^kubernetes:/, '')}`;
  return {
    ...part,
    message: `the app's identity lacks ${lacks} on cluster ${cluster}: assign it a role that grants it (e.g. Azure Kubernetes Service RBAC Reader) on the cluster`,
  };
}
