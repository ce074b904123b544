// The schedules timer (every minute): every due run of every schedule ends in exactly one audit outcome, across all
// instances, and no action is sent twice.
//
// A run is claimed first: lastRun written with a lease If-Match the ETag listed (store.ts); only the winner goes on. It
// is judged on the scope's cluster list (read once per scope and run, from the cache while fresh) and sent through the
// same lifecycle path as a button press (transition, purge, audit). A due action whose cluster is already in the target
// state or busy is recorded as skipped; a run more than MISSED_AFTER_MS late (the app was down) as missed; "keep
// running until" skips stops until then; a schedule whose scope is no longer allowed is skipped (scopeNotAllowed); one
// stored before the 5-minute rule with a cron that fires more often is skipped once and paused.
//
// The outcome is written on the schedule row only once its audit entry is stored (or in the audit outbox). A claim
// that ended otherwise (its answer lost, the instance gone, Table Storage down) keeps its row `claimed` until the
// lease runs out; then the next run of any instance takes it over: if the entry of that run (its id is made from the
// schedule and the run) exists, its outcome is recorded; else ARM's list is read fresh, and a transition this schedule
// opened since the first claim means ARM accepted it (recorded as accepted, not sent again); otherwise the run is
// judged as any other.
import { entryId, outcomeOfStatus, type AuditActor, type AuditLog, type AuditOutcome } from '../audit/auditLog.js';
import { forEachLimited } from '../concurrency.js';
import { describeFailure } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import { withRequestId } from '../observability/requestId.js';
import type { LifecycleService } from '../lifecycle/service.js';
import { actionInProgress, EXPECTED_POWER_STATE } from '../lifecycle/transitions.js';
import type { ClusterSummary } from '../monitor/clusters.js';
import type { MonitorService } from '../monitor/service.js';
import type { Scope } from '../scope.js';
import { latestRunBetween, tooFrequent } from './cron.js';
import { LEGACY_PARTITION, type Claim, type ScheduleStore, type StoredSchedule } from './store.js';

/** A run later than this is not made up for: it is recorded as missed. */
export const MISSED_AFTER_MS = 10 * 60 * 1000;

/**
 * How long a claim is its claimant's: well over a run's own bound (a list read and an ARM call, each within
 * UPSTREAM_TIMEOUT_MS, and a few Table writes of 2 s each), so a takeover never overlaps a claimant still at work.
 */
export const CLAIM_LEASE_MS = 2 * 60 * 1000;

/** Clusters judged at once: many schedules due at the same minute (19:00 stops) must not burst ARM. */
const CONCURRENCY = 8;

/** The reason of a schedule skipped because its scope is no longer among ALLOWED_SCOPES. */
export const SCOPE_NOT_ALLOWED = 'scopeNotAllowed';
/** The reason of a schedule skipped and paused because its cron fires more often than every 5 minutes. */
export const CRON_TOO_FREQUENT = 'cronTooFrequent';

export interface ScheduleRunDeps {
  store: ScheduleStore;
  monitor: Pick<MonitorService, 'fetchClusterList' | 'currentClusterList'>;
  lifecycle: LifecycleService;
  audit: AuditLog;
  now: () => number;
  /** Whether a scope is among today's ALLOWED_SCOPES. */
  scopeAllowed: (scope: Scope) => boolean;
  log?: (line: string) => void;
}

export type ScheduleRunResult = Record<'due' | 'lost' | 'takenOver' | 'unresolved' | 'moved' | AuditOutcome, number>;

/** The run (scheduled time) owed by a schedule at `now`, if any: the latest since its last run or last change. */
export function dueRun(stored: StoredSchedule, now: number): number | undefined {
  const { schedule } = stored;
  if (!schedule.enabled) return undefined;
  const after = Math.max(Date.parse(schedule.updatedAt), schedule.lastRun ? Date.parse(schedule.lastRun) : -Infinity);
  return latestRunBetween(schedule.cron, schedule.timeZone, after, now);
}

/** A run this instance may claim: due, a claim whose lease ran out (takeover), or a cron too frequent to run. */
interface Owed {
  stored: StoredSchedule;
  runAt: number;
  takeover: boolean;
  tooFrequent: boolean;
}

function owedRun(stored: StoredSchedule, now: number): Owed | undefined {
  const { schedule, claim } = stored;
  if (claim) {
    if (claim.leaseUntil > now || !schedule.lastRun) return undefined; // its claimant is at work
    return { stored, runAt: Date.parse(schedule.lastRun), takeover: true, tooFrequent: false };
  }
  // Not walked: a cron stored before the 5-minute rule is skipped once (now) and paused.
  if (schedule.enabled && tooFrequent(schedule.cron)) return { stored, runAt: Math.floor(now / 1000) * 1000, takeover: false, tooFrequent: true };
  const runAt = dueRun(stored, now);
  return runAt === undefined ? undefined : { stored, runAt, takeover: false, tooFrequent: false };
}

const scopeOf = ({ schedule }: StoredSchedule): Scope => ({ subscriptionId: schedule.subscriptionId, resourceGroup: schedule.resourceGroup });

export async function runDueSchedules(deps: ScheduleRunDeps): Promise<ScheduleRunResult> {
  const now = deps.now();
  const result: ScheduleRunResult = { due: 0, lost: 0, takenOver: 0, unresolved: 0, moved: 0, accepted: 0, refused: 0, failed: 0, skipped: 0, missed: 0 };
  const fail = (stored: StoredSchedule, error: unknown) => deps.log?.(`schedule ${stored.schedule.id}: ${oneLineError(error)}`);
  const owed = new Map<string, Owed[]>(); // by scope and cluster: one cluster's runs one after another
  const takeoverScopes = new Set<string>();
  const legacy: StoredSchedule[] = [];
  for (const stored of await deps.store.list()) {
    if (stored.partitionKey === LEGACY_PARTITION) {
      legacy.push(stored);
      continue;
    }
    try {
      const run = owedRun(stored, now);
      if (!run) continue;
      const key = `${stored.partitionKey}\n${stored.schedule.cluster.toLowerCase()}`;
      owed.set(key, [...(owed.get(key) ?? []), run]);
      if (run.takeover) takeoverScopes.add(stored.partitionKey);
    } catch (error) {
      fail(stored, error); // a stored cron the parser refuses: nothing to run
    }
  }
  // Rows of the version before each scope had its own partition: moved now, run from their new row from the next minute.
  await forEachLimited(legacy, CONCURRENCY, async (stored) => {
    try {
      await deps.store.moveToScopePartition(stored);
      result.moved++;
    } catch (error) {
      fail(stored, error);
    }
  });

  // One list read per scope and run: fresh from ARM when a takeover must check what ARM did, else from the cache.
  const lists = new Map<string, Promise<ClusterSummary[]>>();
  const clustersOf = (stored: StoredSchedule) => {
    let list = lists.get(stored.partitionKey);
    if (!list) {
      const scope = scopeOf(stored);
      list = takeoverScopes.has(stored.partitionKey) ? deps.monitor.fetchClusterList(scope) : deps.monitor.currentClusterList(scope);
      list.catch(() => {}); // each run that asks reports the failure
      lists.set(stored.partitionKey, list);
    }
    return list;
  };

  await forEachLimited([...owed.values()], CONCURRENCY, async (runs) => {
    let actedOn: string | undefined; // this run's own action on the cluster: the list read before it does not show it
    for (const run of runs) {
      try {
        result.due++;
        const claimed = await deps.store.claim(run.stored, run.runAt, now, CLAIM_LEASE_MS);
        if (!claimed.claimed) {
          result.lost++; // another instance runs it
          continue;
        }
        if (run.takeover) result.takenOver++;
        const settled = await settle(deps, run, claimed.claim, now, () => clustersOf(run.stored), actedOn);
        if (settled.acted) actedOn = run.stored.schedule.action;
        if (!settled.outcome) {
          result.unresolved++; // its entry is neither stored nor in the outbox: the lease hands it on
          continue;
        }
        result[settled.outcome]++;
        await deps.store.recordOutcome(run.stored, settled.outcome, claimed.etag, run.tooFrequent ? { enabled: false } : {});
      } catch (error) {
        result.unresolved++; // the claim (if it landed) runs out and the run is taken over
        fail(run.stored, error);
      }
    }
  });
  return result;
}

interface Settled {
  /** Undefined: the audit entry could not be stored nor put in the outbox. */
  outcome?: AuditOutcome;
  /** The action was sent to ARM. */
  acted?: boolean;
}

async function settle(
  deps: ScheduleRunDeps,
  run: Owed,
  claim: Claim,
  now: number,
  clusters: () => Promise<ClusterSummary[]>,
  actedOn: string | undefined,
): Promise<Settled> {
  const { schedule } = run.stored;
  const { runAt } = run;
  const scope = scopeOf(run.stored);
  const actor: AuditActor = { objectId: schedule.createdBy.objectId, name: schedule.createdBy.name, via: 'schedule', scheduleId: schedule.id };
  const requestId = `schedule-${schedule.id}-${runAt}`;
  // The same id for whoever records this run: its claimant, or a takeover after the lease.
  const auditId = entryId(runAt, `${schedule.id}:${runAt}`);
  const record = async (outcome: AuditOutcome, status: number, reason: string): Promise<Settled> => {
    const entry = { actor, action: schedule.action, ...scope, cluster: schedule.cluster, outcome, status, reason, requestId };
    return (await deps.audit.tryAppend(entry, deps.log, auditId)) ? { outcome } : {};
  };
  const dueAt = new Date(runAt).toISOString();

  if (run.takeover) {
    const recorded = await deps.audit.find(scope, auditId);
    if (recorded) return { outcome: recorded.outcome }; // the claimant recorded it; only the schedule row was not
  }
  if (!deps.scopeAllowed(scope)) return record('skipped', 0, `${SCOPE_NOT_ALLOWED}: ${schedule.resourceGroup} is no longer among the allowed scopes`);
  if (run.tooFrequent) return record('skipped', 0, `${CRON_TOO_FREQUENT}: "${schedule.cron}" runs more often than every 5 minutes; paused`);

  return withRequestId(requestId, async () => {
    let list: ClusterSummary[] | undefined;
    const readList = async () => {
      try {
        list = await clusters();
        return undefined;
      } catch (error) {
        const failed = describeFailure(error);
        return record(outcomeOfStatus(failed.status), failed.status, failed.message);
      }
    };
    const find = () => list!.find((c) => c.name.toLowerCase() === schedule.cluster.toLowerCase());

    if (run.takeover) {
      // Did the claimant's action reach ARM? Its transition (opened once ARM accepted) says so, or ARM's own state.
      const failed = await readList();
      if (failed) return failed;
      const transition = find()?.transition;
      if (transition?.action === schedule.action && transition.startedBy.endsWith('(schedule)') && Date.parse(transition.startedAt) >= claim.claimedAt) {
        return record('accepted', 202, `ARM accepted it at ${transition.startedAt} (recorded after the lease of its claim ran out)`);
      }
    }
    if (!schedule.enabled) return record('skipped', 0, 'paused after its run was claimed');
    if (now - runAt > MISSED_AFTER_MS) return record('missed', 0, `due at ${dueAt}; the app was not running then`);
    if (schedule.action === 'stop' && schedule.keepRunningUntil && Date.parse(schedule.keepRunningUntil) > runAt) {
      return record('skipped', 0, `kept running until ${schedule.keepRunningUntil}`);
    }
    if (!list) {
      const failed = await readList();
      if (failed) return failed;
    }
    const cluster = find();
    if (!cluster) return record('failed', 404, `No cluster ${schedule.cluster} in ${schedule.resourceGroup}`);
    const busy = actedOn ?? actionInProgress(cluster) ?? (cluster.transition?.status === 'open' ? cluster.transition.action : undefined);
    if (busy) return record('skipped', 0, `another operation is in progress (${busy})`);
    if (cluster.powerState === EXPECTED_POWER_STATE[schedule.action]) return record('skipped', 0, `already ${cluster.powerState}`);
    let outcome: AuditOutcome;
    try {
      await deps.lifecycle.perform({ scope, cluster: cluster.name, action: schedule.action, actor, requestId, auditId }, deps.log);
      outcome = 'accepted';
    } catch (error) {
      outcome = outcomeOfStatus(describeFailure(error).status);
    }
    // perform recorded it; only an entry that is stored (or waits in the outbox) ends the claim.
    return (await deps.audit.find(scope, auditId)) ? { outcome, acted: true } : { acted: true };
  });
}
