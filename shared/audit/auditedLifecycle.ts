// The one lifecycle path of buttons and schedules alike: the action through LifecycleService, and its audit entry
// (accepted, refused by ARM, or failed). The entry never decides the answer: ARM accepted means 202 even when the
// entry could not be stored (its log line is written anyway, and the answer says what was not recorded).
import type { Caller } from '../caller.js';
import { describeFailure } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import type { LifecycleResult, LifecycleService } from '../lifecycle/actions.js';
import type { LifecycleAction } from '../lifecycle/transitions.js';
import type { Scope } from '../scope.js';
import type { AuditActor, AuditLog, AuditOutcome } from './auditLog.js';

/** The audit actor of a signed-in caller: the object id claim, never the display name. */
export function actorOf(caller: Caller): AuditActor {
  return { objectId: caller.userId ?? (caller.provider === 'development' ? 'development' : 'unknown'), name: caller.name, via: 'user' };
}

/** ARM (or our validation) said no: 4xx except a throttle. Everything else is a failure to act. */
export function outcomeOfStatus(status: number): Extract<AuditOutcome, 'refused' | 'failed'> {
  return status < 500 && status !== 429 ? 'refused' : 'failed';
}

export interface AuditedAction {
  scope: Scope;
  cluster: string;
  action: LifecycleAction;
  actor: AuditActor;
  requestId: string;
}

export interface AuditedLifecycleDeps {
  lifecycle: LifecycleService;
  audit: AuditLog;
  log?: (line: string) => void;
}

export async function performAudited(deps: AuditedLifecycleDeps, request: AuditedAction): Promise<LifecycleResult> {
  const { scope, cluster, action, actor, requestId } = request;
  const base = { actor, action, subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup, cluster, requestId };
  let result: LifecycleResult;
  try {
    const scheduled = actor.via === 'schedule';
    // A scheduled run answers nobody who would poll next: it does not wait out the cache's reuse window.
    result = await deps.lifecycle.act(scope, cluster, action, scheduled ? `${actor.name} (schedule)` : actor.name, { waitOutReuse: !scheduled });
  } catch (error) {
    const refused = describeFailure(error);
    await deps.audit
      .append({ ...base, outcome: outcomeOfStatus(refused.status), status: refused.status, reason: refused.message })
      .catch((e: unknown) => deps.log?.(`audit entry of ${action} ${scope.resourceGroup}/${cluster} not stored: ${oneLineError(e)}`));
    throw error;
  }
  try {
    await deps.audit.append({ ...base, outcome: 'accepted', status: 202, ...(result.armOperationId ? { armOperationId: result.armOperationId } : {}) });
  } catch (error) {
    deps.log?.(`audit entry of ${action} ${scope.resourceGroup}/${cluster} not stored: ${oneLineError(error)}`);
    result = {
      ...result,
      degraded: [...(result.degraded ?? []), { source: 'tableStorage', message: 'the audit entry could not be stored; it is in the logs' }],
    };
  }
  return result;
}
