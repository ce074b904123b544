// Start / stop / delete: kick off ARM's long-running operation, and as soon as ARM accepted it open the transition
// and purge the cluster's cache rows (bumping their generations), so the very next poll re-reads ARM and no refresh
// already in flight can write its pre-action reading back.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { clusterListKey, type MonitorCache } from '../cache/index.js';
import { ClusterNotFound, OperationRefused, statusOf } from '../errors.js';
import { oneLineError, redactText } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { LifecycleAccepted } from '../wire/index.js';
import type { LifecycleAction, Transition, TransitionStore } from './transitions.js';

/** The 202 the route sends, plus what only the audit trail keeps. */
export interface LifecycleResult extends LifecycleAccepted {
  /** The id of ARM's operation (from Azure-AsyncOperation), for the audit trail; not part of the HTTP answer. */
  armOperationId?: string;
}

export interface LifecycleDeps {
  cache: MonitorCache;
  transitions: TransitionStore;
  arm: (subscriptionId: string) => ContainerServiceClient;
  upstreamTimeoutMs: number;
  log?: (line: string) => void;
}

type RawResponse = { headers?: { get?(name: string): string | undefined | null } | Record<string, string | undefined> };

function begin(
  client: ContainerServiceClient,
  action: LifecycleAction,
  resourceGroup: string,
  cluster: string,
  abortSignal: AbortSignal,
  onResponse: (raw: RawResponse) => void,
) {
  const clusters = client.managedClusters;
  const options = { abortSignal, onResponse };
  switch (action) {
    case 'start':
      return clusters.start(resourceGroup, cluster, options);
    case 'stop':
      return clusters.stop(resourceGroup, cluster, options);
    case 'delete':
      return clusters.delete(resourceGroup, cluster, options);
  }
}

/** The operation id: the last path segment of ARM's Azure-AsyncOperation URL. */
function operationIdOf(raw: RawResponse): string | undefined {
  const headers = raw.headers;
  const value =
    typeof headers?.get === 'function'
      ? headers.get('azure-asyncoperation')
      : (headers as Record<string, string | undefined> | undefined)?.['azure-asyncoperation'];
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value).pathname.split('/').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

/** ARM's refusal as a service failure: ARM's own reason for a 409, ClusterNotFound for a 404; anything else as thrown. */
function refusal(error: unknown, cluster: string): unknown {
  const status = statusOf(error);
  if (status === 404) return new ClusterNotFound(cluster);
  if (status === 409) {
    const reason = error instanceof Error && error.message ? redactText(error.message) : 'Another operation is in progress';
    return new OperationRefused(reason, { cause: error });
  }
  return error;
}

export class LifecycleService {
  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * `waitOutReuse` (default true): answer only once the cache's reuse window has passed after the purge, so whoever
   * is answered finds the action on every instance's next read. A scheduled run has nobody waiting for its answer.
   */
  async act(scope: Scope, cluster: string, action: LifecycleAction, startedBy: string, { waitOutReuse = true } = {}): Promise<LifecycleResult> {
    const { arm, cache, transitions, upstreamTimeoutMs } = this.deps;
    let armOperationId: string | undefined;
    const poller = begin(arm(scope.subscriptionId), action, scope.resourceGroup, cluster, AbortSignal.timeout(upstreamTimeoutMs), (raw) => {
      armOperationId ??= operationIdOf(raw);
    });
    try {
      // Resolves on ARM's 202 without polling; the operation runs for minutes and is followed through the transition.
      await poller.submitted();
      // ARM answers a delete of a resource that does not exist with 204: done at once, nothing was there.
      if (action === 'delete' && poller.isDone) throw Object.assign(new Error('no such cluster'), { statusCode: 404 });
    } catch (error) {
      const refused = refusal(error, cluster);
      if (refused instanceof ClusterNotFound) {
        // Gone: nothing of it may be served again. A name that never existed has nothing stored, and nothing is
        // created for it. The scope's cached list is purged only when it shows the cluster (ARM's 404 is the fresh
        // word on it): a name the list does not show leaves it as it is, so junk names cost no ARM list reads.
        const listed = await this.cachedListShows(scope, cluster);
        await cache.forgetCluster(scope, cluster, { list: listed }).catch((e: unknown) => this.deps.log?.(`purge after 404 failed: ${oneLineError(e)}`));
        if (waitOutReuse) await cache.outlastReuse();
      }
      throw refused;
    }
    // ARM accepted: from here on the action happens whatever else fails, so the answer is 202 in any case and names
    // what could not be recorded. The transition first: a read between the two then still sees the old reading, never
    // a fresh one without the transition.
    const degraded: NonNullable<LifecycleResult['degraded']> = [];
    let transition: Transition;
    try {
      transition = await transitions.open(scope, cluster, action, startedBy);
    } catch (error) {
      transition = transitions.describe(cluster, action, startedBy);
      degraded.push({ source: 'tableStorage', message: 'the transition could not be stored; the dashboard follows ARM' });
      this.deps.log?.(`transition of ${scope.resourceGroup}/${cluster} not stored: ${oneLineError(error)}`);
    }
    try {
      // The scope's list and the cluster's categories; their generations move even if nothing was stored.
      await cache.invalidateCluster(scope, cluster);
    } catch (error) {
      degraded.push({ source: 'tableStorage', message: 'cached readings could not be purged; they expire with their TTL' });
      this.deps.log?.(`purge of ${scope.resourceGroup}/${cluster} failed: ${oneLineError(error)}`);
    }
    // Other instances may answer a reading they read moments before the purge for a short window (the cache's reuse
    // window): the answer waits it out, so the caller's next poll, on any instance, shows the action.
    if (waitOutReuse) await cache.outlastReuse();
    return {
      operation: { action, cluster, status: 'accepted' },
      transition,
      ...(degraded.length ? { degraded } : {}),
      ...(armOperationId ? { armOperationId } : {}),
    };
  }

  /** Whether the scope's stored cluster list (whatever its age) names the cluster; false when none is stored. */
  private async cachedListShows(scope: Scope, cluster: string): Promise<boolean> {
    const list = await this.deps.cache.peek<Array<{ name: string }>>(clusterListKey(scope));
    return list?.value.some((c) => c.name.toLowerCase() === cluster.toLowerCase()) ?? false;
  }
}
