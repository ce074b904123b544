// Idle auto-stop: a cluster's settings and status (one cluster, or a whole scope in one answer), a change of the
// settings and "+30 min" (each an audit entry), and the per-minute evaluation (runner.ts). The status is judged from
// the cached cluster list and what the last busy check stored, never from a Kubernetes read of its own: a page
// showing it on every card costs one Table query and one cached list per scope.
import { actorOf, type AuditLog } from '../audit/auditLog.js';
import type { Caller } from '../caller.js';
import { Busy, ClusterNotFound, OperationRefused } from '../errors.js';
import type { ClusterSummary } from '../monitor/clusters.js';
import type { MonitorService } from '../monitor/service.js';
import type { Scope } from '../scope.js';
import type { AutoStopList, AutoStopStatus, IdleMinutes, MonitorResponse } from '../wire/index.js';
import { armConfirms, findCluster, runAutoStop, timesOf, type AutoStopRunDeps, type AutoStopRunResult } from './runner.js';
import { defaultState, type AutoStopState } from './store.js';
import { extendedUntil, judge, stopDeadline } from './verdict.js';

/** What a change sets (absent: unchanged). */
export interface AutoStopChanges {
  enabled?: boolean;
  idleMinutes?: IdleMinutes;
}

/** Who asks, for the audit entry. */
export interface ChangeRequest {
  caller: Caller;
  requestId: string;
  /** Where an audit entry that could not be stored is logged. */
  log?: (line: string) => void;
}

/** Attempts of an extend that lost its write to the timer (412). */
const EXTEND_ATTEMPTS = 4;

export type AutoStopDeps = AutoStopRunDeps & { audit: AuditLog; monitor: Pick<MonitorService, 'readClusterList'> };

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export class AutoStopService {
  constructor(private readonly deps: AutoStopDeps) {}

  /** One cluster's status (404 when the cluster list does not show it). */
  async status(scope: Scope, cluster: string): Promise<AutoStopStatus> {
    const [list, stored] = await Promise.all([this.deps.monitor.readClusterList(scope), this.deps.store.get(scope, cluster)]);
    const listed = this.listed(scope, list, cluster);
    return this.statusOf(stored?.state ?? defaultState(scope, listed.name), listed, list);
  }

  /** Every listed cluster's status: one partition query and the cached list. */
  async scopeStatus(scope: Scope): Promise<AutoStopList> {
    const [list, rows] = await Promise.all([this.deps.monitor.readClusterList(scope), this.deps.store.list(scope)]);
    const byName = new Map(rows.map((row) => [row.state.cluster.toLowerCase(), row.state]));
    const data = (list.data ?? []).map((cluster) => this.statusOf(byName.get(cluster.name.toLowerCase()) ?? defaultState(scope, cluster.name), cluster, list));
    return { data, degraded: list.degraded };
  }

  /** Sets the settings (a change gives a full window: the next stop is at least the window away, with its warning). */
  async update(scope: Scope, cluster: string, changes: AutoStopChanges, request: ChangeRequest): Promise<AutoStopStatus> {
    const list = await this.deps.monitor.readClusterList(scope);
    const listed = this.listed(scope, list, cluster); // a name ARM does not know gets no row
    const now = this.deps.now();
    await this.deps.store.upsert(scope, listed.name, { ...changes, changedAt: now, changedBy: request.caller.name });
    const state = (await this.deps.store.get(scope, listed.name))?.state ?? { ...defaultState(scope, listed.name), ...changes, changedAt: now };
    const what = state.enabled ? `on, stops after ${state.idleMinutes} idle minutes` : `off (${state.idleMinutes} idle minutes when on)`;
    await this.record(request, scope, listed.name, 'autostop.update', 200, `auto-stop ${what}`);
    return this.statusOf(state, listed, list);
  }

  /** "+30 min": the window ends 30 minutes later than it would have (at most 240 minutes from now). */
  async extend(scope: Scope, cluster: string, request: ChangeRequest): Promise<AutoStopStatus> {
    const list = await this.deps.monitor.readClusterList(scope);
    const listed = this.listed(scope, list, cluster);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.deps.store.get(scope, listed.name);
      if (!stored?.state.enabled) throw new OperationRefused(`Auto-stop is off for ${listed.name}: there is nothing to extend`);
      const now = this.deps.now();
      const until = extendedUntil(stopDeadline({ idleMinutes: stored.state.idleMinutes, times: timesOf(stored.state, listed) })?.deadline, now);
      const written = await this.deps.store.change(stored, { extendUntil: until, extendedAt: now });
      if (written === undefined) {
        if (attempt < EXTEND_ATTEMPTS - 1) continue;
        throw new Busy(); // the timer kept writing the row: retry
      }
      await this.record(request, scope, listed.name, 'autostop.extend', 200, `kept running until ${new Date(until).toISOString()}`);
      return this.statusOf({ ...stored.state, extendUntil: until, extendedAt: now }, listed, list);
    }
  }

  /** The timer's minute (runner.ts). */
  evaluate(log?: (line: string) => void): Promise<AutoStopRunResult> {
    return runAutoStop({ ...this.deps, ...(log ? { log } : {}) });
  }

  private listed(scope: Scope, list: MonitorResponse<ClusterSummary[]>, cluster: string): ClusterSummary {
    const found = findCluster(list, cluster);
    if (!found) throw new ClusterNotFound(cluster, scope.resourceGroup);
    return found;
  }

  private statusOf(state: AutoStopState, cluster: ClusterSummary, list: MonitorResponse<ClusterSummary[]>): AutoStopStatus {
    const now = this.deps.now();
    const verdict = judge({
      now,
      enabled: state.enabled,
      idleMinutes: state.idleMinutes,
      cluster,
      armConfirmed: armConfirms(list),
      busy: state.busy,
      times: timesOf(state, cluster),
    });
    const { busy } = state;
    return {
      subscriptionId: state.subscriptionId,
      resourceGroup: state.resourceGroup,
      cluster: cluster.name,
      enabled: state.enabled,
      idleMinutes: state.idleMinutes,
      verdict: verdict.verdict,
      reason: verdict.reason,
      lastActivityAt: iso(verdict.lastActivityAt),
      nextStopAt: iso(verdict.nextStopAt),
      busy: busy.kind === 'busy' ? { jobs: busy.jobs, pods: busy.pods } : busy.kind === 'idle' ? { jobs: 0, pods: 0 } : null,
      extendUntil: state.extendUntil !== undefined && state.extendUntil > now ? iso(state.extendUntil) : null,
      lastStop: state.lastStop ? { at: new Date(state.lastStop.at).toISOString(), requestId: state.lastStop.requestId } : null,
      evaluatedAt: new Date(now).toISOString(),
    };
  }

  /** The change's audit entry; a failure to store it is logged, the change stands. */
  private async record(request: ChangeRequest, scope: Scope, cluster: string, action: string, status: number, reason: string): Promise<void> {
    await this.deps.audit.tryAppend(
      { actor: actorOf(request.caller), action, ...scope, cluster, outcome: 'accepted', status, reason, requestId: request.requestId },
      request.log,
    );
  }
}
