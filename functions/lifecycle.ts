// POST /api/aks/start | stop | delete: kick off the ARM operation, answer 202 as soon as ARM accepted it.
import { actorOf } from '../shared/audit/auditLog.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName } from '../shared/http/validation.js';
import type { LifecycleService } from '../shared/lifecycle/service.js';
import type { LifecycleAction } from '../shared/lifecycle/transitions.js';
import type { LifecycleAccepted } from '../shared/wire/index.js';
import type { HttpFunctionDefinition } from './definition.js';

/** Who may do what: start and stop need the operator role, delete the admin role. */
const PERMISSION_OF: Record<LifecycleAction, 'operate' | 'admin'> = { start: 'operate', stop: 'operate', delete: 'admin' };

export function lifecycleFunctions(deps: { pipeline: HttpPipeline; lifecycle: LifecycleService }): HttpFunctionDefinition[] {
  const { pipeline, lifecycle } = deps;
  return (Object.keys(PERMISSION_OF) as LifecycleAction[]).map((action) => ({
    kind: 'http',
    name: `aks${action[0]!.toUpperCase()}${action.slice(1)}`,
    route: `aks/${action}`,
    methods: ['POST'],
    handler: pipeline.wrap(
      { auth: PERMISSION_OF[action], scopeFrom: 'body', body: { cluster: clusterName } },
      async ({ scope, body, caller, log, requestId, clientRequestId }) => {
        const { armOperationId: _id, ...result } = await lifecycle.perform(
          { scope, cluster: body.cluster, action, actor: actorOf(caller), requestId, ...(clientRequestId ? { clientRequestId } : {}) },
          log.error,
        );
        log.info(`${action} ${scope.resourceGroup}/${body.cluster} accepted by ARM`);
        if (result.degraded) log.warn(`${action} ${scope.resourceGroup}/${body.cluster}: ${result.degraded.map((d) => d.message).join('; ')}`);
        return { status: 202, body: result satisfies LifecycleAccepted };
      },
    ),
  }));
}
