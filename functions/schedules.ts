// Schedules: GET/POST /api/schedules, PUT/DELETE /api/schedules/{id}, and the per-minute timer that runs the due
// ones (exactly once across instances), re-appends the audit outbox and runs the audit retention. The work is
// ScheduleService's.
import { invalidParameter } from '../shared/http/errors.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName, integerInRange, optional, resourceGroup, subscriptionId, type Schema, type Validator } from '../shared/http/validation.js';
import { oneLineError } from '../shared/observability/redaction.js';
import type { ScheduleService } from '../shared/schedules/service.js';
import type { Scope } from '../shared/scope.js';
import type { ScheduleList } from '../shared/wire/index.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from './definition.js';
import { cronExpression, flag, scheduleAction, scheduleId, timeOrNull, timeZone } from './scheduleFields.js';

/** Every minute, at second 0 (NCRONTAB with seconds, as Functions timers). */
export const SCHEDULES_TIMER = '0 * * * * *';

/** A page holds every schedule of a scope under the default SCHEDULES_MAX_PER_SCOPE. */
const PAGE_LIMIT = integerInRange(1, 100, 100);

/** `orphaned=true`: the schedules outside today's scopes (an admin's list); no other value. */
const orphanedFlag: Validator<boolean> = (raw, field) => {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalidParameter(field, 'true or false');
};

const LIST_QUERY = {
  subscriptionId: optional(subscriptionId),
  resourceGroup: optional(resourceGroup),
  orphaned: orphanedFlag,
  limit: PAGE_LIMIT,
  continuationToken: optional(scheduleId),
} satisfies Schema;

export function scheduleFunctions(deps: { pipeline: HttpPipeline; schedules: ScheduleService; now: () => number }): HttpFunctionDefinition[] {
  const { pipeline, schedules } = deps;
  const keepRunningUntil = timeOrNull(deps.now);
  const CREATE_BODY = {
    cluster: clusterName,
    action: scheduleAction,
    cron: cronExpression,
    timeZone,
    enabled: optional(flag),
    keepRunningUntil: optional(keepRunningUntil),
  } satisfies Schema;
  const UPDATE_BODY = {
    action: optional(scheduleAction),
    cron: optional(cronExpression),
    timeZone: optional(timeZone),
    enabled: optional(flag),
    keepRunningUntil: optional(keepRunningUntil),
  } satisfies Schema;
  const mayAccess = (scope: Scope) => pipeline.auth.allowedScope(scope);
  return [
    {
      kind: 'http',
      name: 'schedulesList',
      route: 'schedules',
      methods: ['GET'],
      // A scope's schedules, a page at a time; or, for an admin, those outside every allowed scope (`orphaned=true`).
      handler: pipeline.wrap({ auth: 'read', query: LIST_QUERY }, async ({ query, caller }) => {
        if (query.orphaned) {
          pipeline.auth.authorize(caller, 'admin');
          return { body: (await schedules.orphaned()) satisfies ScheduleList };
        }
        const scope = pipeline.auth.allowedScope({
          subscriptionId: subscriptionId(query.subscriptionId, 'subscriptionId'),
          resourceGroup: resourceGroup(query.resourceGroup, 'resourceGroup'),
        });
        return { body: (await schedules.list(scope, { limit: query.limit, after: query.continuationToken })) satisfies ScheduleList };
      }),
    },
    {
      kind: 'http',
      name: 'schedulesCreate',
      route: 'schedules',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate', scopeFrom: 'body', body: CREATE_BODY }, async ({ scope, body, caller, requestId, clientRequestId, log }) => ({
        status: 201,
        body: await schedules.create(scope, body, { caller, requestId, ...(clientRequestId ? { clientRequestId } : {}), log: log.error }),
      })),
    },
    {
      kind: 'http',
      name: 'schedulesUpdate',
      route: 'schedules/{id}',
      methods: ['PUT'],
      handler: pipeline.wrap(
        { auth: 'operate', params: { id: scheduleId }, body: UPDATE_BODY },
        async ({ params, body, caller, requestId, clientRequestId, log }) => ({
          body: await schedules.update(params.id, body, { caller, requestId, ...(clientRequestId ? { clientRequestId } : {}), log: log.error, mayAccess }),
        }),
      ),
    },
    {
      kind: 'http',
      name: 'schedulesDelete',
      route: 'schedules/{id}',
      methods: ['DELETE'],
      handler: pipeline.wrap({ auth: 'operate', params: { id: scheduleId } }, async ({ params, caller, requestId, clientRequestId, log }) => {
        // A schedule left outside every allowed scope (it no longer runs) may be deleted by an admin.
        const mayDelete = (scope: Scope) => {
          if (schedules.scopeAllowed(scope)) return mayAccess(scope);
          if (caller.permissions.includes('admin')) return scope;
          return mayAccess(scope);
        };
        await schedules.delete(params.id, { caller, requestId, ...(clientRequestId ? { clientRequestId } : {}), log: log.error, mayAccess: mayDelete });
        return { status: 204 };
      }),
    },
  ];
}

export function schedulesTimerFunctions(deps: {
  schedules: ScheduleService;
  /** Re-appends the audit entries waiting in the outbox; the number stored. */
  outbox: () => Promise<number>;
  retention: () => Promise<number | undefined>;
}): TimerFunctionDefinition[] {
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
        const flushed = await deps.outbox().catch((error: unknown) => {
          context.warn(`audit outbox not emptied: ${oneLineError(error)}`);
          return undefined;
        });
        if (flushed) context.log(`audit outbox: ${flushed} entries stored`);
        const removed = await deps.retention().catch((error: unknown) => {
          context.warn(`audit retention failed: ${oneLineError(error)}`);
          return undefined;
        });
        if (removed) context.log(`audit retention: ${removed} entries removed`);
      },
    },
  ];
}
