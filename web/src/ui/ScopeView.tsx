// One scope (subscription / resource group) at a glance: a board of cards — AKS (each cluster with its node load and
// warm database chips, start / stop / delete, schedules, details), Jobs, Container Registry, Storage — with the
// transition banners and fast-poll of the cluster list, and the lifecycle actions.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Category, type Cluster, type Envelope, type LifecycleAction, type Scope } from '../lib/api.js';
import { deriveBanners, needsFastPoll, pendingActionOf, type Banner } from '../lib/banners.js';
import { cardKey } from '../lib/cardErrors.js';
import { availableActions, clusterChip, isReadable, type Permissions } from '../lib/clusterState.js';
import { formatAge } from '../lib/format.js';
import { autoStopKey, clusterListKey, COST_POLL_SECONDS, costKey, scopeKey } from '../lib/keys.js';
import { estimateNote, formatMoney, type AutoStopScope, type CostView } from '../lib/api.js';
import { AutoStopControl } from './AutoStopControl.js';
import { FAST_POLL_SECONDS, listIntervalSeconds } from '../lib/prefs.js';
import { recordReached, type Reached } from '../lib/reachLog.js';
import { hasReachedExpectedState, isExpired, type LocalTransition, type ReconcileResult } from '../lib/transitionStore.js';
import { EXPECTED_POWER_STATE, type ServerTransition } from '../lib/api.js';
import type { Schedule } from '../lib/fleetTable.js';
import { ActivityPanel } from './ActivityPanel.js';
import { BoardCard, Freshness } from './bits.js';
import { ClusterCard } from './ClusterCard.js';
import { ClusterLive } from './ClusterLive.js';
import { ClusterOps } from './ClusterOps.js';
import { DeleteDialog } from './DeleteDialog.js';
import { useErrors, usePollErrors } from './errors.js';
import { JobsCard } from './JobsCard.js';
import { RegistryCard } from './RegistryCard.js';
import { StorageCard } from './StorageCard.js';
import { useLocalTransitions, useNow, usePoll, useServices } from './services.js';
import { useLifecycle } from './useLifecycle.js';

const EMPTY_TRANSITIONS = {};

interface ScopeViewProps {
  scope: Scope;
  pollSeconds: number;
  /** The list's interval while a transition is open (10 s; tests pass less through ?fastPollSeconds=). */
  fastPollSeconds?: number;
  permissions: Permissions;
  /** A cluster to show expanded at once (opened from the fleet). */
  focusCluster?: string;
}

export function ScopeView({ scope, pollSeconds, fastPollSeconds = FAST_POLL_SECONDS, permissions, focusCluster }: ScopeViewProps) {
  const { api, poller, transitions, storage } = useServices();
  const now = useNow(1000);
  const listKey = clusterListKey(scope);
  const local = useLocalTransitions(scope);
  const [stuck, setStuck] = useState<LocalTransition[]>([]);
  // clusters whose details are open, on which tab (a chip opens the warm-up tab)
  const [drills, setDrills] = useState<Readonly<Record<string, { category: Category; request: number }>>>(() =>
    focusCluster ? { [focusCluster]: { category: 'nodes', request: 0 } } : {},
  );
  const [schedules, setSchedules] = useState<readonly Schedule[]>([]);
  const [activityOpen, setActivityOpen] = useState(false);
  const [deleteTarget, setDeleteTarget] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [fast, setFast] = useState(() => local.length > 0);

  const load = useCallback(() => api.clusters(scope), [api, scope]);
  const list = usePoll<Envelope<Cluster[]>>(listKey, load, listIntervalSeconds(pollSeconds, fast, fastPollSeconds) * 1000);
  const envelope = list.data;
  const clusters = envelope?.data ?? null;

  // Whatever the answer, the list is read again at once: a refusal usually means the page's reading is behind
  // (someone else stopped the cluster), so the card shows the real state, and the error stays on the card.
  const reread = useCallback(() => poller.refresh(listKey), [poller, listKey]);
  const { pending, errorOf, act: send, dismiss, settle } = useLifecycle(reread);

  // Cost (an estimate that moves slowly: once a minute) and auto-stop (each tick): one request each for the scope.
  const loadCost = useCallback(() => api.cost(scope), [api, scope]);
  const cost = usePoll<CostView>(costKey(scope), loadCost, Math.max(pollSeconds, COST_POLL_SECONDS) * 1000).data;
  const loadAutoStop = useCallback(() => api.autoStops(scope), [api, scope]);
  const autoStops = usePoll<AutoStopScope>(autoStopKey(scope), loadAutoStop, pollSeconds * 1000).data;
  const rereadAutoStop = useCallback(() => poller.refresh(autoStopKey(scope)), [poller, scope]);

  const banners = deriveBanners({ local, stuck, server: envelope?.transitions ?? EMPTY_TRANSITIONS, clusters, now });
  const fastNow = needsFastPoll(banners);
  useEffect(() => setFast(fastNow), [fastNow]);

  // Poll failures become a quiet message; the next success, or leaving the scope, clears it.
  usePollErrors(listKey, 'Could not refresh the clusters', list);

  const applyReconcile = useCallback((result: ReconcileResult) => {
    if (result.expired.length) {
      setStuck((prev) => [...prev.filter((p) => !result.expired.some((e) => e.cluster === p.cluster)), ...result.expired]);
    }
    const said = [
      ...result.reached.map((t) => (t.action === 'delete' ? `${t.cluster} was deleted.` : `${t.cluster} is now ${t.expectedPowerState}.`)),
      ...result.failed.map((t) => `The ${t.action} of ${t.cluster} failed: Azure reports its provisioning state as Failed.`),
      ...result.vanished.map((t) => `${t.cluster} is no longer in this resource group.`),
    ];
    if (said.length) setAnnouncement(said.join(' '));
  }, []);

  // Each successful list reading settles what it can: transitions that arrived, stuck notices that resolved, errors
  // about a state the cluster has left.
  const readAt = list.updatedAt;
  useEffect(() => {
    if (clusters && readAt !== undefined) settle((e) => (e.key.startsWith(`${scopeKey(scope)}:`) ? clusters.find((c) => c.name === e.cluster) : null), readAt);
  }, [clusters, readAt, settle, scope]);
  // what the last reading showed open, to note when an operation is seen done (the activity's "reached … after")
  const openBefore = useRef<Readonly<Record<string, ServerTransition>>>({});
  useEffect(() => {
    if (!clusters) return;
    const seenAt = readAt ?? Date.now();
    const result = transitions.reconcile(scope, clusters);
    const done: Reached[] = result.reached.map((t) => ({ cluster: t.cluster, action: t.action, startedAt: t.startedAt, reachedAt: seenAt }));
    for (const [cluster, t] of Object.entries(openBefore.current)) {
      const now = envelope?.transitions[cluster];
      const reached = hasReachedExpectedState(
        { cluster, action: t.action, expectedPowerState: EXPECTED_POWER_STATE[t.action], startedAt: 0, deadline: 0 },
        clusters,
      );
      if (!now && reached && t.startedAt !== undefined) done.push({ cluster, action: t.action, startedAt: t.startedAt, reachedAt: seenAt });
    }
    openBefore.current = envelope?.transitions ?? EMPTY_TRANSITIONS;
    recordReached(storage, scope, done);
    applyReconcile(result);
    setStuck((prev) => {
      const still = prev.filter((t) => !hasReachedExpectedState(t, clusters));
      return still.length === prev.length ? prev : still;
    });
  }, [clusters, transitions, scope, applyReconcile, storage]);

  // Deadlines pass even when no reading arrives (API down, tab just shown).
  useEffect(() => {
    if (local.some((t) => isExpired(t, now))) applyReconcile(transitions.reconcile(scope, null));
  }, [now, local, transitions, scope, applyReconcile]);

  const act = useCallback(
    async (cluster: string, action: LifecycleAction) => {
      const { accepted, said } = await send(scope, cluster, action);
      if (accepted) setStuck((prev) => prev.filter((t) => t.cluster !== cluster));
      setAnnouncement(said);
    },
    [send, scope],
  );

  const errors = useErrors();
  // Schedules change rarely: read once for the scope and again after a change made here, never polled.
  const loadSchedules = useCallback(() => {
    api.schedules(scope).then(
      (found) => {
        setSchedules(found);
        errors.resolve('schedules');
      },
      (error: unknown) => errors.report('schedules', 'Could not load the schedules', error),
    );
  }, [api, scope, errors]);
  // A transition opening or ending may be a schedule's run: read them again then (their last outcome), not per tick.
  const transitionsSeen = Object.keys(envelope?.transitions ?? EMPTY_TRANSITIONS)
    .sort()
    .join(',');
  useEffect(() => loadSchedules(), [loadSchedules, transitionsSeen]);

  const toggle = useCallback((cluster: string) => {
    setDrills(({ [cluster]: open, ...rest }) => (open ? rest : { ...rest, [cluster]: { category: 'nodes', request: 0 } }));
  }, []);
  const drill = useCallback((cluster: string, category: Category) => {
    setDrills((prev) => ({ ...prev, [cluster]: { category, request: (prev[cluster]?.request ?? 0) + 1 } }));
  }, []);

  const sorted = useMemo(() => (clusters ? [...clusters].sort((a, b) => a.name.localeCompare(b.name)) : null), [clusters]);
  // the jobs card reads the clusters whose API server answers now (same list for every render of one reading)
  const readableList = (sorted ?? [])
    .filter(isReadable)
    .map((c) => c.name)
    .join('\n');
  const readable = useMemo(() => (readableList ? readableList.split('\n') : []), [readableList]);
  const running = sorted?.filter((c) => c.powerState === 'Running').length ?? 0;
  // "Refresh now": every key of this scope on screen (the list, the cards, the open details)
  const refreshAll = () => {
    const prefix = `:${scopeKey(scope)}`;
    for (const { key } of poller.active()) if (key.includes(prefix)) poller.refresh(key);
  };
  const intervalSeconds = listIntervalSeconds(pollSeconds, fastNow, fastPollSeconds);
  const lastUpdate = list.updatedAt === undefined ? undefined : (now - list.updatedAt) / 1000;

  return (
    <section className="scope" aria-label={`Resources of ${scope.resourceGroup}`}>
      <div className="scopebar">
        <p className="pollstatus" data-testid="poll-status" data-mode={fastNow ? 'fast' : 'normal'} data-interval-seconds={intervalSeconds}>
          {fastNow ? `Fast-polling every ${intervalSeconds} s while an operation is in progress` : `Refreshing every ${intervalSeconds} s`}
          {lastUpdate !== undefined && ` · clusters changed ${formatAge(lastUpdate)} ago`}
          {/* always there, shown only while loading: the bar never changes width, so "Refresh now" stays put */}
          <span className="loading" aria-hidden={!list.loading} style={{ visibility: list.loading ? 'visible' : 'hidden' }}>
            {' '}
            · loading…
          </span>
        </p>
        <div className="scopebar-actions">
          <button type="button" data-testid="refresh-button" onClick={refreshAll} disabled={list.loading}>
            Refresh now
          </button>
          <button type="button" data-testid="activity-toggle" aria-expanded={activityOpen} onClick={() => setActivityOpen((open) => !open)}>
            {activityOpen ? 'Hide activity' : 'Activity'}
          </button>
        </div>
      </div>
      {activityOpen && <ActivityPanel scope={scope} pollSeconds={pollSeconds} />}

      <TransitionBanners banners={banners} onDismissStuck={(cluster) => setStuck((prev) => prev.filter((t) => t.cluster !== cluster))} />
      <p className="sr-only" aria-live="polite" data-testid="announcement">
        {announcement}
      </p>

      <div className="board">
        <div className="board-col board-main">
          <BoardCard
            id="aks"
            title="AKS"
            summary={
              sorted ? (
                <>
                  {`${sorted.length} ${sorted.length === 1 ? 'cluster' : 'clusters'} · ${running} running`}
                  {cost && <CostSummary cost={cost} />}
                </>
              ) : undefined
            }
            freshness={<Freshness envelopes={[envelope]} now={now} testId="aks-freshness" />}
            degraded={envelope?.degraded}
          >
            {!sorted && !list.error && <p className="quiet">Loading clusters…</p>}
            {!sorted && list.error !== undefined && <p className="quiet">The clusters could not be loaded.</p>}
            {sorted && sorted.length === 0 && <p className="quiet">No clusters in {scope.resourceGroup}.</p>}
            {sorted &&
              sorted.map((cluster) => {
                const chip = clusterChip(cluster, pendingActionOf(banners, cluster.name));
                return (
                  <ClusterCard
                    key={cluster.name}
                    scope={scope}
                    cluster={cluster}
                    chip={chip}
                    actions={availableActions(cluster, chip, permissions)}
                    sending={pending[cardKey(scope, cluster.name)]}
                    error={errorOf(scope, cluster.name)}
                    onDismissError={(name) => dismiss(cardKey(scope, name))}
                    drill={drills[cluster.name]}
                    pollSeconds={pollSeconds}
                    now={now}
                    onToggle={toggle}
                    onAction={(name, action) => void act(name, action)}
                    onDelete={setDeleteTarget}
                    live={
                      isReadable(cluster) ? <ClusterLive scope={scope} cluster={cluster.name} pollSeconds={pollSeconds} now={now} onDrill={drill} /> : undefined
                    }
                    cost={(() => {
                      const c = cost?.clusters.find((x) => x.cluster === cluster.name);
                      return c && cost ? { cluster: c, currency: cost.currency, pricesAsOf: cost.pricesAsOf } : undefined;
                    })()}
                    autoStop={(() => {
                      const status = autoStops?.clusters.find((x) => x.cluster === cluster.name);
                      return status && cluster.powerState === 'Running' ? (
                        <AutoStopControl
                          scope={scope}
                          status={status}
                          canOperate={permissions.start || permissions.stop}
                          now={now}
                          onChanged={rereadAutoStop}
                        />
                      ) : undefined;
                    })()}
                    extra={
                      <ClusterOps
                        scope={scope}
                        cluster={cluster.name}
                        schedules={schedules.filter((s) => s.cluster.toLowerCase() === cluster.name.toLowerCase())}
                        canOperate={permissions.start || permissions.stop}
                        now={now}
                        pollSeconds={pollSeconds}
                        onChanged={loadSchedules}
                      />
                    }
                  />
                );
              })}
          </BoardCard>
          <JobsCard scope={scope} clusters={readable} pollSeconds={pollSeconds} now={now} />
        </div>
        <div className="board-col board-side">
          <RegistryCard scope={scope} pollSeconds={pollSeconds} now={now} />
          <StorageCard scope={scope} pollSeconds={pollSeconds} now={now} />
        </div>
      </div>

      {deleteTarget && (
        <DeleteDialog
          cluster={deleteTarget}
          onCancel={() => setDeleteTarget(null)}
          onConfirm={() => {
            const target = deleteTarget;
            setDeleteTarget(null);
            setDrills(({ [target]: _closed, ...rest }) => rest);
            void act(target, 'delete');
          }}
        />
      )}
    </section>
  );
}

function TransitionBanners({ banners, onDismissStuck }: { banners: Banner[]; onDismissStuck: (cluster: string) => void }) {
  if (banners.length === 0) return null;
  return (
    <div className="banners" data-testid="transition-banners">
      {banners.map((b) => (
        <div
          key={b.cluster}
          role="status"
          className={`banner ${b.stuck ? 'banner-stuck' : 'banner-open'}`}
          data-testid={`transition-banner-${b.cluster}`}
          data-cluster={b.cluster}
          data-action={b.action}
          data-source={b.source}
          data-stuck={b.stuck ? 'true' : 'false'}
        >
          {!b.stuck && <span className="spinner" aria-hidden="true" />}
          <span className="banner-text">
            {b.message}
            {b.startedBy ? ` Started by ${b.startedBy}.` : ''}
          </span>
          {b.stuck && b.source === 'local' && (
            <button type="button" className="icon" aria-label={`Dismiss notice about ${b.cluster}`} onClick={() => onDismissStuck(b.cluster)}>
              ×
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

/** The scope's running cost and what stops saved this month, marked as an estimate. */
function CostSummary({ cost }: { cost: CostView }) {
  const { totals, currency } = cost;
  return (
    <span className="cost-summary" data-testid="scope-cost" title={estimateNote(cost.pricesAsOf)}>
      {totals.hourly > 0 && ` · ≈ ${formatMoney(totals.hourly, currency)}/h (${formatMoney(totals.projectedMonthly, currency)}/mo)`}
      {totals.savingsThisMonth > 0 && (
        <span className="saved" data-testid="scope-savings">
          {` · saved ≈ ${formatMoney(totals.savingsThisMonth, currency)} this month by schedules and auto-stop`}
        </span>
      )}
      {totals.unpriced > 0 && ` · ${totals.unpriced} without a price`}
    </span>
  );
}
