// Schedules: GET/POST /api/schedules, PUT/DELETE /api/schedules/{id}, and the per-minute timer that runs the due
// ones (exactly once across instances) and the audit retention. Every change is an audit entry.
import { actorOf, type AuditLog } from '../shared/audit/auditLog.js';
import { statusOf } from '../shared/errors.js';
import type { Caller } from '../shared/http/auth.js';
import { notFound } from '../shared/http/errors.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { oneLineError } from '../shared/observability/redaction.js';
import { clusterName, type Schema } from '../shared/http/validation.js';
import { nextRun } from '../shared/schedules/cron.js';
import { runDueSchedules, type ScheduleRunDeps } from '../shared/schedules/runner.js';
import type { Schedule, ScheduleStore } from '../shared/schedules/store.js';
import { cronExpression, flag, optional, scheduleAction, scheduleId, timeOrNull, timeZone } from '../shared/http/scheduleFields.js';
import type { ScheduleAnswer, ScheduleList } from '../shared/wire/index.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from './definition.js';

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

export interface ScheduleFunctionDeps {
  pipeline: HttpPipeline;
  store: ScheduleStore;
  audit: AuditLog;
  now: () => number;
}

/** A schedule as the API shows it: with its next run (null while paused). */
function withNextRun(schedule: Schedule, now: number): ScheduleAnswer {
  return { ...schedule, nextRun: schedule.enabled ? new Date(nextRun(schedule.cron, schedule.timeZone, now)).toISOString() : null };
}

export function scheduleFunctions(deps: ScheduleFunctionDeps): HttpFunctionDefinition[] {
  const { pipeline, store, audit, now } = deps;

  /** The change's audit entry; a failure to store it is logged, the change stands. */
  const recordChange = async (caller: Caller, requestId: string, schedule: Schedule, action: string, status: number, log: (line: string) => void) => {
    const { subscriptionId, resourceGroup, cluster } = schedule;
    const actor = { ...actorOf(caller), scheduleId: schedule.id };
    await audit.tryAppend({ actor, action, subscriptionId, resourceGroup, cluster, outcome: 'accepted', status, requestId }, log);
  };

  /** The schedule, if it exists and lies in a scope the caller may see (else 404 / 403). */
  const load = async (id: string) => {
    const stored = await store.get(id);
    if (!stored) throw notFound('scheduleNotFound', 'No schedule with this id');
    pipeline.auth.allowedScope(stored.schedule);
    return stored;
  };

  return [
    {
      kind: 'http',
      name: 'schedulesList',
      route: 'schedules',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope }) => {
        const at = now();
        return { body: { data: (await store.list(scope)).map(({ schedule }) => withNextRun(schedule, at)) } satisfies ScheduleList };
      }),
    },
    {
      kind: 'http',
      name: 'schedulesCreate',
      route: 'schedules',
      methods: ['POST'],
      handler: pipeline.wrap(
        {
          auth: 'operate',
          scopeFrom: 'body',
          body: CREATE_BODY,
        },
        async ({ scope, body, caller, requestId, log }) => {
          const at = new Date(now()).toISOString();
          const schedule: Schedule = {
            id: store.newId(),
            subscriptionId: scope.subscriptionId,
            resourceGroup: scope.resourceGroup,
            cluster: body.cluster,
            action: body.action,
            cron: body.cron,
            timeZone: body.timeZone,
            enabled: body.enabled ?? true,
            createdBy: { objectId: actorOf(caller).objectId, name: caller.name },
            createdAt: at,
            updatedAt: at,
            lastRun: null,
            ...(body.keepRunningUntil ? { keepRunningUntil: body.keepRunningUntil } : {}),
          };
          await store.create(schedule);
          await recordChange(caller, requestId, schedule, 'schedule.create', 201, log.error);
          return { status: 201, body: withNextRun(schedule, now()) };
        },
      ),
    },
    {
      kind: 'http',
      name: 'schedulesUpdate',
      route: 'schedules/{id}',
      methods: ['PUT'],
      handler: pipeline.wrap(
        {
          auth: 'operate',
          params: { id: scheduleId },
          body: UPDATE_BODY,
        },
        async ({ params, body, caller, requestId, log }) => {
          // Read, change, write If-Match; a claim by the timer in between makes us read again.
          for (let attempt = 0; ; attempt++) {
            const stored = await load(params.id);
            const before = stored.schedule;
            const next: Schedule = { ...before };
            if (body.action !== undefined) next.action = body.action;
            if (body.cron !== undefined) next.cron = body.cron;
            if (body.timeZone !== undefined) next.timeZone = body.timeZone;
            if (body.enabled !== undefined) next.enabled = body.enabled;
            if (body.keepRunningUntil === null) delete next.keepRunningUntil;
            else if (body.keepRunningUntil !== undefined) next.keepRunningUntil = body.keepRunningUntil;
            // A new rhythm (or a resumed one) owes nothing from before the change.
            if (next.action !== before.action || next.cron !== before.cron || next.timeZone !== before.timeZone || next.enabled !== before.enabled) {
              next.updatedAt = new Date(now()).toISOString();
            }
            try {
              await store.replace(next, stored.etag);
            } catch (error) {
              if (statusOf(error) === 412 && attempt < 3) continue;
              throw error;
            }
            await recordChange(caller, requestId, next, 'schedule.update', 200, log.error);
            return { body: withNextRun(next, now()) };
          }
        },
      ),
    },
    {
      kind: 'http',
      name: 'schedulesDelete',
      route: 'schedules/{id}',
      methods: ['DELETE'],
      handler: pipeline.wrap({ auth: 'operate', params: { id: scheduleId } }, async ({ params, caller, requestId, log }) => {
        const { schedule } = await load(params.id);
        if (await store.delete(schedule.id)) await recordChange(caller, requestId, schedule, 'schedule.delete', 204, log.error);
        return { status: 204 };
      }),
    },
  ];
}

export function schedulesTimerFunctions(deps: ScheduleRunDeps & { retention: () => Promise<number | undefined> }): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'runSchedules',
      schedule: SCHEDULES_TIMER,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const result = await runDueSchedules({ ...deps, log: (line) => context.warn(line) }).catch((error: unknown) => {
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
