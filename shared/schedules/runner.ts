// The schedules timer (every minute): runs each due schedule exactly once across all instances. A run is claimed
// first (lastRun written If-Match the ETag listed; a lost claim does nothing), then judged on ARM's current state
// and sent through the same lifecycle path as a button press (transition, purge, audit). A due action whose cluster
// is already in the target state or busy is recorded as skipped, not sent; a run more than MISSED_AFTER_MS late
// (the app was down) is recorded as missed; "keep running until" skips stops until then.
import { outcomeOfStatus, type AuditActor, type AuditLog, type AuditOutcome } from '../audit/auditLog.js';
import { forEachLimited } from '../concurrency.js';
import { describeFailure } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import { withRequestId } from '../observability/requestId.js';
import type { LifecycleService } from '../lifecycle/service.js';
import { actionInProgress, EXPECTED_POWER_STATE } from '../lifecycle/transitions.js';
import type { MonitorService } from '../monitor/service.js';
import { latestRunBetween } from './cron.js';
import type { ScheduleStore, StoredSchedule } from './store.js';

/** A run later than this is not made up for: it is recorded as missed. */
export const MISSED_AFTER_MS = 10 * 60 * 1000;

/** Schedules judged at once: many due at the same minute (19:00 stops) must not burst ARM. */
const CONCURRENCY = 8;

export interface ScheduleRunDeps {
  store: ScheduleStore;
  monitor: Pick<MonitorService, 'fetchClusterList'>;
  lifecycle: LifecycleService;
  audit: AuditLog;
  now: () => number;
  log?: (line: string) => void;
}

export type ScheduleRunResult = Record<'due' | 'lost' | AuditOutcome, number>;

/** The run (scheduled time) owed by a schedule at `now`, if any: the latest since its last run or last change. */
export function dueRun(stored: StoredSchedule, now: number): number | undefined {
  const { schedule } = stored;
  if (!schedule.enabled) return undefined;
  const after = Math.max(Date.parse(schedule.updatedAt), schedule.lastRun ? Date.parse(schedule.lastRun) : -Infinity);
  return latestRunBetween(schedule.cron, schedule.timeZone, after, now);
}

export async function runDueSchedules(deps: ScheduleRunDeps): Promise<ScheduleRunResult> {
  const now = deps.now();
  const result: ScheduleRunResult = { due: 0, lost: 0, accepted: 0, refused: 0, failed: 0, skipped: 0, missed: 0 };
  const schedules = await deps.store.list();
  await forEachLimited(schedules, CONCURRENCY, async (stored) => {
    try {
      const runAt = dueRun(stored, now);
      if (runAt === undefined) return;
      result.due++;
      const claim = await deps.store.claim(stored, runAt);
      if (!claim.claimed) {
        result.lost++; // another instance runs it
        return;
      }
      const outcome = await runClaimed(deps, stored, runAt, now);
      result[outcome]++;
      await deps.store.recordOutcome(stored.schedule.id, outcome, claim.etag);
    } catch (error) {
      result.failed++;
      deps.log?.(`schedule ${stored.schedule.id} failed: ${oneLineError(error)}`);
    }
  });
  return result;
}

async function runClaimed(deps: ScheduleRunDeps, stored: StoredSchedule, runAt: number, now: number): Promise<AuditOutcome> {
  const { schedule } = stored;
  const scope = { subscriptionId: schedule.subscriptionId, resourceGroup: schedule.resourceGroup };
  const actor: AuditActor = { objectId: schedule.createdBy.objectId, name: schedule.createdBy.name, via: 'schedule', scheduleId: schedule.id };
  const requestId = `schedule-${schedule.id}-${runAt}`;
  const record = async (outcome: AuditOutcome, status: number, reason: string) => {
    await deps.audit.append({ actor, action: schedule.action, ...scope, cluster: schedule.cluster, outcome, status, reason, requestId });
    return outcome;
  };
  const dueAt = new Date(runAt).toISOString();
  if (now - runAt > MISSED_AFTER_MS) return record('missed', 0, `due at ${dueAt}; the app was not running then`);
  if (schedule.action === 'stop' && schedule.keepRunningUntil && Date.parse(schedule.keepRunningUntil) > runAt) {
    return record('skipped', 0, `kept running until ${schedule.keepRunningUntil}`);
  }
  return withRequestId(requestId, async () => {
    let clusters;
    try {
      clusters = await deps.monitor.fetchClusterList(scope); // ARM now, not a cached reading
    } catch (error) {
      const failed = describeFailure(error);
      return record(outcomeOfStatus(failed.status), failed.status, failed.message);
    }
    const cluster = clusters.find((c) => c.name.toLowerCase() === schedule.cluster.toLowerCase());
    if (!cluster) return record('failed', 404, `No cluster ${schedule.cluster} in ${schedule.resourceGroup}`);
    const busy = actionInProgress(cluster) ?? (cluster.transition?.status === 'open' ? cluster.transition.action : undefined);
    if (busy) return record('skipped', 0, `another operation is in progress (${busy})`);
    if (cluster.powerState === EXPECTED_POWER_STATE[schedule.action]) return record('skipped', 0, `already ${cluster.powerState}`);
    try {
      await deps.lifecycle.perform({ scope, cluster: cluster.name, action: schedule.action, actor, requestId }, deps.log);
      return 'accepted';
    } catch (error) {
      return outcomeOfStatus(describeFailure(error).status); // perform recorded it
    }
  });
}
