// The auto-stop timer (every minute, on every instance). One query reads every enabled row, the scopes' cluster lists
// come from the cache (no ARM call of its own), and each running cluster is judged with one Kubernetes read:
// - a cluster whose window has run out (as of the last check) is claimed first: the row is written If-Match the ETag
//   listed, with a lease, so of the instances that judged it exactly one goes on; a claimer that died is taken over
//   once its lease has passed. The winner checks busy again (that one read, just before acting), then stops it
//   through the same audited path as a button (actor via autoStop), or lets it be when work has started;
// - any other running cluster is checked; what the check found is written only when it changed (a busy cluster
//   becoming idle starts its window), and the first judgement of a window's last quarter sends one warning.
// A check that cannot be made stops nothing (verdict.ts). Nothing is read for a cluster that is not running.
import type { AuditLog } from '../audit/auditLog.js';
import { forEachLimited } from '../concurrency.js';
import type { LifecycleService } from '../lifecycle/service.js';
import type { ClusterSummary } from '../monitor/clusters.js';
import { unreadableReason } from '../monitor/readability.js';
import type { MonitorService } from '../monitor/service.js';
import { oneLineError } from '../observability/redaction.js';
import { withRequestId } from '../observability/requestId.js';
import type { Scope } from '../scope.js';
import type { AuditActor, MonitorResponse, NotificationEvent } from '../wire/index.js';
import type { BusyCheck } from './busy.js';
import { partitionOf, type AutoStopState, type AutoStopStore, type StateChange, type StoredState } from './store.js';
import { judge, type BusyObservation, type Verdict, type VerdictInput } from './verdict.js';

/** The actor of every auto-stop, in the audit trail and the transition. */
export const AUTO_STOP_ACTOR: AuditActor = { objectId: 'autoStop', name: 'auto-stop', via: 'autoStop' };

/** How long a claim holds: the re-check and ARM's answer take seconds; a claimer gone this long is taken over. */
export const CLAIM_LEASE_MS = 3 * 60_000;

/** Clusters judged at once. */
const CONCURRENCY = 8;

export interface AutoStopRunDeps {
  store: AutoStopStore;
  monitor: Pick<MonitorService, 'readClusterList'>;
  busy: BusyCheck;
  lifecycle: Pick<LifecycleService, 'perform'>;
  audit: Pick<AuditLog, 'list'>;
  now: () => number;
  /** Whether the app may still act in the scope (ALLOWED_SCOPES may have shrunk since the row was written). */
  allowed: (scope: Scope) => boolean;
  /** The warning and the stop, for the notifications (the stop also reaches them through the audit trail). */
  notify?: (event: NotificationEvent) => unknown;
  log?: (line: string) => void;
}

export interface AutoStopRunResult {
  /** Enabled rows judged. */
  clusters: number;
  /** Busy checks made: one Kubernetes read each. */
  checked: number;
  stopped: number;
  warned: number;
  /** Claims another instance won, or holds. */
  lost: number;
  /** Checks that could not be made (nothing stopped for them). */
  failedChecks: number;
  /** Table operations of the auto-stop rows (the cluster lists' cache reads are counted by the cache). */
  tableOps: number;
}

/** The times the verdict weighs, from the row and what the cluster list shows now. */
export function timesOf(state: AutoStopState, cluster: ClusterSummary | undefined): VerdictInput['times'] {
  const transition = cluster?.transition;
  const startedNow = transition?.action === 'start' ? Date.parse(transition.startedAt) : undefined;
  const lastStartAt = Math.max(state.lastStartAt ?? -Infinity, startedNow ?? -Infinity);
  const times: VerdictInput['times'] = {};
  if (Number.isFinite(lastStartAt)) times.lastStartAt = lastStartAt;
  if (state.lastWorkSeenAt !== undefined) times.lastWorkSeenAt = state.lastWorkSeenAt;
  if (state.changedAt !== undefined) times.settingsChangedAt = state.changedAt;
  if (state.extendedAt !== undefined) times.lastExtendAt = state.extendedAt;
  if (state.extendUntil !== undefined) times.extendUntil = state.extendUntil;
  if (state.lastAttemptAt !== undefined) times.lastAttemptAt = state.lastAttemptAt;
  return times;
}

/**
 * The listing is ARM's word: nothing of it failed. A reading served stale is still ARM's (at most TTL + SWR old, and
 * every action of this app purges it); one whose refresh failed (ARM down, throttling) is not.
 */
export function armConfirms(list: MonitorResponse<ClusterSummary[]>): boolean {
  return list.degraded.length === 0;
}

export function findCluster(list: MonitorResponse<ClusterSummary[]>, name: string): ClusterSummary | undefined {
  return list.data?.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/**
 * What to write after a check: nothing when it found what the row says. Leaving "busy" (the work ended) or "failed"
 * (work may have run unseen) restarts the window at this check, so a stop always follows a full window and its warning.
 */
export function observed(before: BusyObservation, now: BusyObservation, at: number): StateChange {
  if (JSON.stringify(before) === JSON.stringify(now)) return {};
  const restart = before.kind === 'busy' || before.kind === 'failed' || now.kind === 'busy';
  return { busy: now, ...(restart ? { lastWorkSeenAt: at } : {}) };
}

const scopeOf = (state: AutoStopState): Scope => ({ subscriptionId: state.subscriptionId, resourceGroup: state.resourceGroup });

export async function runAutoStop(deps: AutoStopRunDeps): Promise<AutoStopRunResult> {
  const { store } = deps;
  const opsBefore = store.counters.queries + store.counters.reads + store.counters.writes;
  const result: AutoStopRunResult = { clusters: 0, checked: 0, stopped: 0, warned: 0, lost: 0, failedChecks: 0, tableOps: 0 };
  const rows = (await store.list()).filter((row) => row.state.enabled && deps.allowed(scopeOf(row.state)));
  result.clusters = rows.length;
  const scopes = new Map<string, Scope>();
  for (const row of rows) scopes.set(partitionOf(row.state), scopeOf(row.state));
  const lists = new Map<string, MonitorResponse<ClusterSummary[]> | undefined>();
  await forEachLimited([...scopes], CONCURRENCY, async ([key, scope]) => {
    try {
      lists.set(key, await deps.monitor.readClusterList(scope));
    } catch (error) {
      lists.set(key, undefined); // no list: nothing in the scope is judged this time
      deps.log?.(`auto-stop: cluster list of ${scope.resourceGroup} unavailable: ${oneLineError(error)}`);
    }
  });
  await forEachLimited(rows, CONCURRENCY, async (row) => {
    const list = lists.get(partitionOf(row.state));
    if (!list) return;
    try {
      await judgeOne(deps, row, list, result);
    } catch (error) {
      deps.log?.(`auto-stop of ${row.state.resourceGroup}/${row.state.cluster} failed: ${oneLineError(error)}`);
    }
  });
  result.tableOps = store.counters.queries + store.counters.reads + store.counters.writes - opsBefore;
  return result;
}

/** What the row should learn from the cluster list: its last start, and whether it runs (a change to Running looks the start up). */
async function learnt(deps: AutoStopRunDeps, state: AutoStopState, cluster: ClusterSummary | undefined): Promise<StateChange> {
  const change: StateChange = {};
  const { lastStartAt } = timesOf(state, cluster);
  const running = cluster !== undefined && unreadableReason(cluster) === undefined;
  if (running && state.seenRunning !== true) {
    // Started while nobody watched (or just enabled): the audit trail knows when.
    const page = await deps.audit.list(scopeOf(state), { cluster: state.cluster, limit: 50 });
    const start = page.data.find((entry) => entry.action === 'start' && entry.outcome === 'accepted');
    const at = start ? Date.parse(start.at) : undefined;
    if (at !== undefined && at > (lastStartAt ?? -Infinity)) change.lastStartAt = at;
    change.seenRunning = true;
  } else if (!running && state.seenRunning !== false) {
    change.seenRunning = false;
  }
  if (lastStartAt !== undefined && change.lastStartAt === undefined && lastStartAt !== state.lastStartAt) change.lastStartAt = lastStartAt;
  return change;
}

async function judgeOne(deps: AutoStopRunDeps, stored: StoredState, list: MonitorResponse<ClusterSummary[]>, result: AutoStopRunResult): Promise<void> {
  const { state } = stored;
  const cluster = findCluster(list, state.cluster);
  const learning = await learnt(deps, state, cluster);
  const known = withChange(state, learning);
  const now = deps.now();
  // Not running, an operation open, or ARM reports trouble: kept whatever the pods say, so nothing is read.
  const asArmShows = verdictFor(known, cluster, list, { kind: 'idle' }, now);
  if (!cluster || (asArmShows.verdict === 'keep' && asArmShows.nextStopAt === null)) {
    if (Object.keys(learning).length) await deps.store.change(stored, learning);
    return;
  }
  if (state.claim && state.claim.until > now) {
    result.lost++; // another instance is stopping it
    return;
  }
  if (verdictFor(known, cluster, list, state.busy, now).verdict === 'stop') {
    await claimAndStop(deps, stored, learning, known, cluster, list, result);
    return;
  }
  const busy = await check(deps, state, cluster, result);
  const checkedAt = deps.now();
  const change: StateChange = { ...learning, ...observed(state.busy, busy, checkedAt) };
  // A window found to have run out only now is left to the next run, which claims it before it checks again.
  const verdict = verdictFor(withChange(known, change), cluster, list, busy, checkedAt);
  const warnFor = verdict.verdict === 'warn' && verdict.nextStopAt !== null && state.warnedFor !== verdict.nextStopAt ? verdict.nextStopAt : undefined;
  if (warnFor !== undefined) change.warnedFor = warnFor;
  if (!Object.keys(change).length) return;
  const written = await deps.store.change(stored, change);
  if (written === undefined || warnFor === undefined) return; // another instance wrote first: it warns
  result.warned++;
  send(deps, {
    id: `autostop.warning:${partitionOf(state)}:${state.cluster.toLowerCase()}:${warnFor}`,
    at: new Date(checkedAt).toISOString(),
    kind: 'autostop.warning',
    subscriptionId: state.subscriptionId,
    resourceGroup: state.resourceGroup,
    cluster: cluster.name,
    actor: { name: AUTO_STOP_ACTOR.name, via: AUTO_STOP_ACTOR.via },
    message: `${cluster.name} is idle and will be stopped at ${new Date(warnFor).toISOString()} unless work starts or it is extended`,
  });
}

/** The row's state with a change applied (the fields the verdict reads). */
function withChange(state: AutoStopState, change: StateChange): AutoStopState {
  const next = { ...state };
  if (change.lastStartAt !== undefined) next.lastStartAt = change.lastStartAt;
  if (change.lastWorkSeenAt !== undefined) next.lastWorkSeenAt = change.lastWorkSeenAt;
  if (change.busy) next.busy = change.busy;
  return next;
}

function verdictFor(
  state: AutoStopState,
  cluster: ClusterSummary | undefined,
  list: MonitorResponse<ClusterSummary[]>,
  busy: BusyObservation,
  now: number,
): Verdict {
  return judge({ now, enabled: state.enabled, idleMinutes: state.idleMinutes, cluster, armConfirmed: armConfirms(list), busy, times: timesOf(state, cluster) });
}

/** The one Kubernetes read of a cluster in this run. */
async function check(deps: AutoStopRunDeps, state: AutoStopState, cluster: ClusterSummary, result: AutoStopRunResult): Promise<BusyObservation> {
  const busy = await deps.busy(scopeOf(state), cluster.name);
  result.checked++;
  if (busy.kind === 'failed') result.failedChecks++;
  return busy;
}

/** The window ran out as of the last check: claim, check again, and stop it only if it is still idle. */
async function claimAndStop(
  deps: AutoStopRunDeps,
  stored: StoredState,
  learning: StateChange,
  known: AutoStopState,
  cluster: ClusterSummary,
  list: MonitorResponse<ClusterSummary[]>,
  result: AutoStopRunResult,
): Promise<void> {
  const { state } = stored;
  const scope = scopeOf(state);
  const claimId = deps.store.newClaimId();
  const claimed = await deps.store.change(stored, { ...learning, claim: { id: claimId, until: deps.now() + CLAIM_LEASE_MS } });
  if (claimed === undefined) {
    result.lost++; // another instance claimed it first (or the settings changed meanwhile)
    return;
  }
  const busy = await check(deps, state, cluster, result);
  const now = deps.now();
  const observation = observed(state.busy, busy, now);
  const verdict = verdictFor(withChange(known, observation), cluster, list, busy, now);
  if (verdict.verdict !== 'stop') {
    await deps.store.force(state, { ...observation, claim: null }); // work started in time: the stop is off
    return;
  }
  const requestId = `autostop-${claimId}`;
  const accepted = await withRequestId(requestId, async () => {
    try {
      await deps.lifecycle.perform({ scope, cluster: cluster.name, action: 'stop', actor: AUTO_STOP_ACTOR, requestId }, deps.log);
      return true;
    } catch {
      return false; // refused or failed: perform recorded it in the audit trail; the cooldown spaces the next try
    }
  });
  await deps.store.force(state, { ...observation, claim: null, lastAttemptAt: now, ...(accepted ? { lastStop: { at: now, requestId } } : {}) });
  if (!accepted) return;
  result.stopped++;
  send(deps, {
    id: `autostop.stopped:${requestId}`,
    at: new Date(now).toISOString(),
    kind: 'autostop.stopped',
    subscriptionId: state.subscriptionId,
    resourceGroup: state.resourceGroup,
    cluster: cluster.name,
    action: 'stop',
    actor: { name: AUTO_STOP_ACTOR.name, via: AUTO_STOP_ACTOR.via },
    message: `${cluster.name} was stopped by auto-stop: ${verdict.reason}`,
    requestId,
  });
}

/** Hands an event over without waiting for it: a slow or failing receiver never holds up the timer. */
function send(deps: AutoStopRunDeps, event: NotificationEvent): void {
  if (!deps.notify) return;
  void Promise.resolve()
    .then(() => deps.notify!(event))
    .catch((error: unknown) => deps.log?.(`auto-stop notification ${event.kind} not handed over: ${oneLineError(error)}`));
}
