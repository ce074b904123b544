// Schedules: GET/POST /api/schedules, PUT/DELETE /api/schedules/{id}, and the per-minute timer that runs the due
// ones (exactly once across instances) and the audit retention. The work is ScheduleService's.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName, optional, type Schema } from '../shared/http/validation.js';
import { oneLineError } from '../shared/observability/redaction.js';
import type { ScheduleService } from '../shared/schedules/service.js';
import type { Scope } from '../shared/scope.js';
import type { ScheduleList } from '../shared/wire/index.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from './definition.js';
import { cronExpression, flag, scheduleAction, scheduleId, timeOrNull, timeZone } from './scheduleFields.js';

/** Every minute, at second 0 (NCRONTAB with seconds, as Functions timers). */
export const SCHEDULES_TIMER = '0 * * * * *';

const CREATE_BODY = {
  cluster: clusterName,
  action: scheduleAction,
  cron: cronExpression,
  timeZone,
  enabled: optional(flag),
  keepRunningUntil: optional(timeOrNull),
} satisfies Schema;
const UPDATE_BODY = {
  action: optional(scheduleAction),
  cron: optional(cronExpression),
  timeZone: optional(timeZone),
  enabled: optional(flag),
  keepRunningUntil: optional(timeOrNull),
} satisfies Schema;

export function scheduleFunctions(deps: { pipeline: HttpPipeline; schedules: ScheduleService }): HttpFunctionDefinition[] {
  const { pipeline, schedules } = deps;
  const mayAccess = (scope: Scope) => pipeline.auth.allowedScope(scope);
  return [
    {
      kind: 'http',
      name: 'schedulesList',
      route: 'schedules',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope }) => ({
        body: { data: await schedules.list(scope) } satisfies ScheduleList,
      })),
    },
    {
      kind: 'http',
      name: 'schedulesCreate',
      route: 'schedules',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate', scopeFrom: 'body', body: CREATE_BODY }, async ({ scope, body, caller, requestId, log }) => ({
        status: 201,
        body: await schedules.create(scope, body, { caller, requestId, log: log.error }),
      })),
    },
    {
      kind: 'http',
      name: 'schedulesUpdate',
      route: 'schedules/{id}',
      methods: ['PUT'],
      handler: pipeline.wrap({ auth: 'operate', params: { id: scheduleId }, body: UPDATE_BODY }, async ({ params, body, caller, requestId, log }) => ({
        body: await schedules.update(params.id, body, { caller, requestId, log: log.error, mayAccess }),
      })),
    },
    {
      kind: 'http',
      name: 'schedulesDelete',
      route: 'schedules/{id}',
      methods: ['DELETE'],
      handler: pipeline.wrap({ auth: 'operate', params: { id: scheduleId } }, async ({ params, caller, requestId, log }) => {
        await schedules.delete(params.id, { caller, requestId, log: log.error, mayAccess });
        return { status: 204 };
      }),
    },
  ];
}

export function schedulesTimerFunctions(deps: { schedules: ScheduleService; retention: () => Promise<number | undefined> }): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'runSchedules',
      schedule: SCHEDULES_TIMER,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const result = await deps.schedules
          .runDue((line) => context.warn(line))
          .catch((error: unknown) => {
            context.warn(`schedules unavailable: ${oneLineError(error)}`);
            return undefined;
          });
        if (result?.due) context.log(`schedules: ${JSON.stringify(result)}`);
        const removed = await deps.retention().catch((error: unknown) => {
          context.warn(`audit retention failed: ${oneLineError(error)}`);
          return undefined;
        });
        if (removed) context.log(`audit retention: ${removed} entries removed`);
      },
    },
  ];
}
