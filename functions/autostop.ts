// Idle auto-stop: GET /api/autostop (one cluster with &cluster=, else every cluster of the scope), PUT /api/autostop
// (the settings), POST /api/autostop/extend ("+30 min"), and the timer that judges every enabled cluster (on every
// instance; a stop is claimed first, so one instance acts). The work is AutoStopService's. The GETs are polling reads:
// never captured by the inspector.
import type { AutoStopService } from '../shared/autostop/service.js';
import { invalidParameter, missingParameter } from '../shared/http/errors.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName, optional, type Schema, type Validator } from '../shared/http/validation.js';
import { oneLineError } from '../shared/observability/redaction.js';
import { IDLE_MINUTES, type AutoStopList, type AutoStopStatus, type IdleMinutes } from '../shared/wire/index.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from './definition.js';
import { flag } from './scheduleFields.js';

export const idleMinutes: Validator<IdleMinutes> = (raw, field) => {
  if (typeof raw !== 'number' || !(IDLE_MINUTES as readonly number[]).includes(raw))
    throw invalidParameter(field, `one of ${IDLE_MINUTES.join(', ')} (minutes)`);
  return raw as IdleMinutes;
};

const UPDATE_QUERY = { cluster: clusterName } satisfies Schema;
const UPDATE_BODY = { enabled: optional(flag), idleMinutes: optional(idleMinutes) } satisfies Schema;

export function autoStopFunctions(deps: { pipeline: HttpPipeline; autostop: AutoStopService }): HttpFunctionDefinition[] {
  const { pipeline, autostop } = deps;
  return [
    {
      kind: 'http',
      name: 'autoStopStatus',
      route: 'autostop',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query', query: { cluster: optional(clusterName) } }, async ({ scope, query }) => ({
        body: query.cluster
          ? ((await autostop.status(scope, query.cluster)) satisfies AutoStopStatus)
          : ((await autostop.scopeStatus(scope)) satisfies AutoStopList),
      })),
    },
    {
      kind: 'http',
      name: 'autoStopUpdate',
      route: 'autostop',
      methods: ['PUT'],
      handler: pipeline.wrap(
        { auth: 'operate', scopeFrom: 'query', query: UPDATE_QUERY, body: UPDATE_BODY },
        async ({ scope, query, body, caller, requestId, log }) => {
          if (body.enabled === undefined && body.idleMinutes === undefined) throw missingParameter('enabled', 'enabled (true or false) and/or idleMinutes');
          const changes = {
            ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
            ...(body.idleMinutes !== undefined ? { idleMinutes: body.idleMinutes } : {}),
          };
          return { body: (await autostop.update(scope, query.cluster, changes, { caller, requestId, log: log.error })) satisfies AutoStopStatus };
        },
      ),
    },
    {
      kind: 'http',
      name: 'autoStopExtend',
      route: 'autostop/extend',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate', scopeFrom: 'body', body: { cluster: clusterName } }, async ({ scope, body, caller, requestId, log }) => ({
        body: (await autostop.extend(scope, body.cluster, { caller, requestId, log: log.error })) satisfies AutoStopStatus,
      })),
    },
  ];
}

export function autoStopTimerFunctions(deps: { schedule: string; autostop: AutoStopService }): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'autoStop',
      schedule: deps.schedule,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const result = await deps.autostop
          .evaluate((line) => context.warn(line))
          .catch((error: unknown) => {
            context.warn(`auto-stop unavailable: ${oneLineError(error)}`);
            return undefined;
          });
        if (result?.clusters) context.log(`auto-stop: ${JSON.stringify(result)}`);
      },
    },
  ];
}
