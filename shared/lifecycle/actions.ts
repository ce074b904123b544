// Start / stop / delete: kick off ARM's long-running operation, and as soon as ARM accepted it open the transition
// and purge the cluster's cache rows (bumping their generations), so the very next poll re-reads ARM and no refresh
// already in flight can write its pre-action reading back.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { clusterPrefix, type MonitorCache } from '../cache/index.js';
import { ApiError, conflict, fromUpstreamError, notFound } from '../http/errors.js';
import type { Scope } from '../scope.js';
import type { LifecycleAction, Transition, TransitionStore } from './transitions.js';

export interface LifecycleResult {
  operation: { action: LifecycleAction; cluster: string; status: 'accepted' };
  transition: Transition;
}

export interface LifecycleDeps {
  cache: MonitorCache;
  transitions: TransitionStore;
  arm: (subscriptionId: string) => ContainerServiceClient;
  upstreamTimeoutMs: number;
}

function begin(client: ContainerServiceClient, action: LifecycleAction, resourceGroup: string, cluster: string, abortSignal: AbortSignal) {
  const clusters = client.managedClusters;
  switch (action) {
    case 'start': return clusters.start(resourceGroup, cluster, { abortSignal });
    case 'stop': return clusters.stop(resourceGroup, cluster, { abortSignal });
    case 'delete': return clusters.delete(resourceGroup, cluster, { abortSignal });
  }
}

/** ARM's refusal, in the API's terms: ARM's own reason for a 409, clusterNotFound for a 404. */
function refusal(error: unknown, cluster: string): ApiError {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404) return notFound('clusterNotFound', `No cluster ${cluster} in this resource group`);
  if (status === 409) {
    const reason = error instanceof Error && error.message ? error.message : 'Another operation is in progress';
    return conflict(reason, 'operationNotAllowed');
  }
  return fromUpstreamError(error) ?? (error as ApiError);
}

export class LifecycleService {
  constructor(private readonly deps: LifecycleDeps) {}

  async act(scope: Scope, cluster: string, action: LifecycleAction, startedBy: string): Promise<LifecycleResult> {
    const { arm, cache, transitions, upstreamTimeoutMs } = this.deps;
    const poller = begin(arm(scope.subscriptionId), action, scope.resourceGroup, cluster, AbortSignal.timeout(upstreamTimeoutMs));
    try {
      // Resolves on ARM's 202; the operation itself runs for minutes and is followed through the transition.
      await poller.submitted();
    } catch (error) {
      const refused = refusal(error, cluster);
      if (refused.status === 404) await cache.invalidatePrefix(clusterPrefix(scope, cluster));
      throw refused;
    }
    const transition = await transitions.open(scope, cluster, action, startedBy);
    await cache.invalidateCluster(scope, cluster);
    return { operation: { action, cluster, status: 'accepted' }, transition };
  }
}
