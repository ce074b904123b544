// Start / stop / delete, the one path of buttons and schedules alike: ARM's long-running operation (actions.ts); as
// soon as ARM accepted it, the transition opens and the cluster's cache rows are purged (bumping their generations),
// so the very next poll re-reads ARM and no refresh already in flight can write its pre-action reading back; and the
// audit entry (accepted, refused by ARM, or failed). The entry never decides the answer: ARM accepted means 202 even
// when the entry could not be stored (its log line is written anyway, and the answer says what was not recorded).
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import type { AuditActor, AuditLog } from '../audit/auditLog.js';
import { outcomeOfStatus } from '../audit/auditLog.js';
import { clusterListKey, type MonitorCache } from '../cache/index.js';
import { ClusterNotFound, describeFailure } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { LifecycleAccepted } from '../wire/index.js';
import { submitAction } from './actions.js';
import type { LifecycleAction, Transition, TransitionStore } from './transitions.js';

/** The 202 the route sends, plus what only the audit trail keeps. */
export interface LifecycleResult extends LifecycleAccepted {
  /** The id of ARM's operation (from Azure-AsyncOperation), for the audit trail; not part of the HTTP answer. */
  armOperationId?: string;
}

/** An action and who asked for it (a signed-in caller, or a schedule). */
export interface LifecycleRequest {
  scope: Scope;
  cluster: string;
  action: LifecycleAction;
  actor: AuditActor;
  /** The server's own id of the request or scheduled run. */
  requestId: string;
  /** The x-request-id the caller sent, kept apart on the audit entry. */
  clientRequestId?: string;
  /** The audit entry's id (AuditLog's entryId), when whoever asks may ask again for the same action (a scheduled run). */
  auditId?: string;
}

export interface LifecycleDeps {
  cache: MonitorCache;
  transitions: TransitionStore;
  arm: (subscriptionId: string) => ContainerServiceClient;
  audit: AuditLog;
  upstreamTimeoutMs: number;
  log?: (line: string) => void;
}

export class LifecycleService {
  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * The action and its audit entry: what the routes and the schedules call. `log` takes what could not be recorded
   * (the caller's own log, so the line goes with its request).
   */
  async perform(request: LifecycleRequest, log?: (line: string) => void): Promise<LifecycleResult> {
    const { scope, cluster, action, actor, requestId, clientRequestId, auditId } = request;
    const entry = {
      actor,
      action,
      subscriptionId: scope.subscriptionId,
      resourceGroup: scope.resourceGroup,
      cluster,
      requestId,
      ...(clientRequestId ? { clientRequestId } : {}),
    };
    let result: LifecycleResult;
    try {
      const scheduled = actor.via === 'schedule';
      // A scheduled run or an auto-stop answers nobody who would poll next: it does not wait out the cache's reuse window.
      result = await this.act(scope, cluster, action, scheduled ? `${actor.name} (schedule)` : actor.name, { waitOutReuse: actor.via === 'user' });
    } catch (error) {
      const refused = describeFailure(error);
      await this.deps.audit.tryAppend({ ...entry, outcome: outcomeOfStatus(refused.status), status: refused.status, reason: refused.message }, log, auditId);
      throw error;
    }
    const recorded = await this.deps.audit.tryAppend(
      { ...entry, outcome: 'accepted', status: 202, ...(result.armOperationId ? { armOperationId: result.armOperationId } : {}) },
      log,
      auditId,
    );
    if (recorded) return result;
    return { ...result, degraded: [...(result.degraded ?? []), { source: 'tableStorage', message: 'the audit entry could not be stored; it is in the logs' }] };
  }

  /**
   * The action without its audit entry (perform's first step). `waitOutReuse` (default true): answer only once the
   * cache's reuse window has passed after the purge, so whoever is answered finds the action on every instance's next
   * read. A scheduled run has nobody waiting for its answer.
   */
  async act(scope: Scope, cluster: string, action: LifecycleAction, startedBy: string, { waitOutReuse = true } = {}): Promise<LifecycleResult> {
    const { arm, cache, transitions, upstreamTimeoutMs } = this.deps;
    let armOperationId: string | undefined;
    try {
      ({ armOperationId } = await submitAction(arm(scope.subscriptionId), scope.resourceGroup, cluster, action, AbortSignal.timeout(upstreamTimeoutMs)));
    } catch (error) {
      if (error instanceof ClusterNotFound) {
        // Gone: nothing of it may be served again. A name that never existed has nothing stored, and nothing is
        // created for it. The scope's cached list is purged only when it shows the cluster (ARM's 404 is the fresh
        // word on it): a name the list does not show leaves it as it is, so junk names cost no ARM list reads.
        const listed = await this.cachedListShows(scope, cluster);
        await cache.forgetCluster(scope, cluster, { list: listed }).catch((e: unknown) => this.deps.log?.(`purge after 404 failed: ${oneLineError(e)}`));
        if (waitOutReuse) await cache.outlastReuse();
      }
      throw error;
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
