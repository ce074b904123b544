// Scheduled start / stop: a scope's schedules with their next run (a page at a time), creating (within the caps of its
// cluster and scope), changing and deleting one (each change an audit entry), the schedules left outside today's
// scopes (for an admin to delete), and the per-minute run of the due ones (runner.ts). The routes
// (functions/schedules.ts) validate the input and check the caller's scope; everything else happens here.
import { actorOf } from '../audit/auditLog.js';
import type { Caller } from '../caller.js';
import { ScheduleLimitReached, ScheduleNotFound, statusOf } from '../errors.js';
import type { Scope } from '../scope.js';
import type { ScheduleAnswer, ScheduleList } from '../wire/index.js';
import { nextRun } from './cron.js';
import { runDueSchedules, type ScheduleRunDeps, type ScheduleRunResult } from './runner.js';
import { ScheduleCapReached, type Schedule, type ScheduleAction, type ScheduleCaps, type StoredSchedule } from './store.js';

/** A new schedule's fields, as the route validated them. */
export interface NewSchedule {
  cluster: string;
  action: ScheduleAction;
  cron: string;
  timeZone: string;
  enabled?: boolean;
  keepRunningUntil?: string | null;
}

/** What a change sets (absent: unchanged; `keepRunningUntil: null` clears it). */
export type ScheduleChanges = Partial<Omit<NewSchedule, 'cluster'>>;

/** Who asks, for the audit entry of a change. */
export interface ChangeRequest {
  caller: Caller;
  /** The server's own id of the request. */
  requestId: string;
  /** The x-request-id the caller sent, kept apart on the audit entry. */
  clientRequestId?: string;
  /** Where an audit entry that could not be stored is logged. */
  log?: (line: string) => void;
  /** Throws when the caller may not see the schedule's scope (the pipeline's scope check). */
  mayAccess: (scope: Scope) => unknown;
}

/** Attempts of a change that lost its write to the timer's claim of the same schedule (412). */
const CHANGE_ATTEMPTS = 4;

export interface ScheduleServiceDeps extends ScheduleRunDeps {
  caps: ScheduleCaps;
}

export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  /** A page of a scope's schedules (its own partition), in creation order, each with its next run. */
  async list(scope: Scope, page: { limit: number; after?: string }): Promise<ScheduleList> {
    const { items, next } = await this.deps.store.page(scope, page);
    const at = this.deps.now();
    return { data: items.map(({ schedule }) => withNextRun(schedule, at)), ...(next ? { continuationToken: next } : {}) };
  }

  /** The schedules whose scope is no longer among ALLOWED_SCOPES: they do not run; an admin may delete them. */
  async orphaned(): Promise<ScheduleList> {
    const at = this.deps.now();
    const left = (await this.deps.store.list()).filter(({ schedule }) => !this.deps.scopeAllowed(schedule));
    return { data: left.map(({ schedule }) => withNextRun(schedule, at)) };
  }

  /** Whether a schedule's scope is among today's ALLOWED_SCOPES. */
  scopeAllowed(scope: Scope): boolean {
    return this.deps.scopeAllowed(scope);
  }

  async create(scope: Scope, fields: NewSchedule, request: Omit<ChangeRequest, 'mayAccess'>): Promise<ScheduleAnswer> {
    const { store, now } = this.deps;
    const at = new Date(now()).toISOString();
    const schedule: Schedule = {
      id: store.newId(now()),
      subscriptionId: scope.subscriptionId,
      resourceGroup: scope.resourceGroup,
      cluster: fields.cluster,
      action: fields.action,
      cron: fields.cron,
      timeZone: fields.timeZone,
      enabled: fields.enabled ?? true,
      createdBy: { objectId: actorOf(request.caller).objectId, name: request.caller.name },
      createdAt: at,
      updatedAt: at,
      lastRun: null,
      ...(fields.keepRunningUntil ? { keepRunningUntil: fields.keepRunningUntil } : {}),
    };
    await store.create(schedule, this.deps.caps).catch((error: unknown) => {
      if (!(error instanceof ScheduleCapReached)) throw error;
      throw error.cap === 'perCluster'
        ? new ScheduleLimitReached('cluster', this.deps.caps.perCluster)
        : new ScheduleLimitReached('scope', this.deps.caps.perScope);
    });
    await this.recordChange(request, schedule, 'schedule.create', 201);
    return withNextRun(schedule, now());
  }

  /** Read, change, write If-Match; a claim by the timer in between makes it read again. */
  async update(id: string, changes: ScheduleChanges, request: ChangeRequest): Promise<ScheduleAnswer> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.load(id, request);
      const next = changed(stored.schedule, changes, this.deps.now);
      try {
        await this.deps.store.replace(stored, next);
      } catch (error) {
        if (statusOf(error) === 412 && attempt < CHANGE_ATTEMPTS - 1) continue;
        throw error;
      }
      // a pause and a resume are named as such in the activity; any other change is an update
      const action =
        stored.schedule.enabled && !next.enabled ? 'schedule.pause' : !stored.schedule.enabled && next.enabled ? 'schedule.resume' : 'schedule.update';
      await this.recordChange(request, next, action, 200);
      return withNextRun(next, this.deps.now());
    }
  }

  async delete(id: string, request: ChangeRequest): Promise<void> {
    const stored = await this.load(id, request);
    if (await this.deps.store.delete(stored)) await this.recordChange(request, stored.schedule, 'schedule.delete', 204);
  }

  /** The timer's minute: every due schedule run exactly once across instances (runner.ts). */
  runDue(log?: (line: string) => void): Promise<ScheduleRunResult> {
    return runDueSchedules({ ...this.deps, ...(log ? { log } : {}) });
  }

  /** The schedule, if it exists and lies in a scope the caller may see (else ScheduleNotFound, or the check's error). */
  private async load(id: string, request: ChangeRequest): Promise<StoredSchedule> {
    const stored = await this.deps.store.get(id);
    if (!stored) throw new ScheduleNotFound();
    request.mayAccess(stored.schedule);
    return stored;
  }

  /** The change's audit entry; a failure to store it is logged, the change stands. */
  private async recordChange(request: Omit<ChangeRequest, 'mayAccess'>, schedule: Schedule, action: string, status: number): Promise<void> {
    const { subscriptionId, resourceGroup, cluster } = schedule;
    const actor = { ...actorOf(request.caller), scheduleId: schedule.id };
    await this.deps.audit.tryAppend(
      {
        actor,
        action,
        subscriptionId,
        resourceGroup,
        cluster,
        outcome: 'accepted',
        status,
        requestId: request.requestId,
        ...(request.clientRequestId ? { clientRequestId: request.clientRequestId } : {}),
      },
      request.log,
    );
  }
}

/** A schedule as the API shows it: with its next run (null while paused), its creator by name only. */
export function withNextRun(schedule: Schedule, now: number): ScheduleAnswer {
  const { createdBy, ...rest } = schedule;
  return {
    ...rest,
    createdBy: { name: createdBy.name },
    nextRun: schedule.enabled ? new Date(nextRun(schedule.cron, schedule.timeZone, now)).toISOString() : null,
  };
}

/** The schedule with the changes applied; a new rhythm (or a resumed one) owes nothing from before the change. */
export function changed(before: Schedule, changes: ScheduleChanges, now: () => number): Schedule {
  const next: Schedule = { ...before };
  if (changes.action !== undefined) next.action = changes.action;
  if (changes.cron !== undefined) next.cron = changes.cron;
  if (changes.timeZone !== undefined) next.timeZone = changes.timeZone;
  if (changes.enabled !== undefined) next.enabled = changes.enabled;
  if (changes.keepRunningUntil === null) delete next.keepRunningUntil;
  else if (changes.keepRunningUntil !== undefined) next.keepRunningUntil = changes.keepRunningUntil;
  if (next.action !== before.action || next.cron !== before.cron || next.timeZone !== before.timeZone || next.enabled !== before.enabled) {
    next.updatedAt = new Date(now()).toISOString();
  }
  return next;
}
