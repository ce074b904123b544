// One scope (subscription / resource group): the cluster list, its transition banners and fast-poll,
// the cards, and the lifecycle actions.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, type Cluster, type Envelope, type LifecycleAction, type Scope } from '../lib/api.js';
import { deriveBanners, needsFastPoll, pendingActionOf, type Banner } from '../lib/banners.js';
import { availableActions, clusterChip, type Permissions } from '../lib/clusterState.js';
import { formatAge } from '../lib/format.js';
import { clusterListKey } from '../lib/keys.js';
import { FAST_POLL_SECONDS, listIntervalSeconds } from '../lib/prefs.js';
import { hasReachedExpectedState, isExpired, type LocalTransition, type ReconcileResult } from '../lib/transitionStore.js';
import type { Schedule } from '../lib/fleetTable.js';
import { ActivityPanel } from './ActivityPanel.js';
import { CacheBadge, DegradedLine } from './bits.js';
import { ClusterCard } from './ClusterCard.js';
import { ClusterOps } from './ClusterOps.js';
import { DeleteDialog } from './DeleteDialog.js';
import { useErrors, usePollErrors } from './errors.js';
import { useLocalTransitions, useNow, usePoll, useServices } from './services.js';

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
  const { api, poller, transitions } = useServices();
  const errors = useErrors();
  const now = useNow(1000);
  const listKey = clusterListKey(scope);
  const local = useLocalTransitions(scope);
  const [stuck, setStuck] = useState<LocalTransition[]>([]);
  const [pending, setPending] = useState<Record<string, LifecycleAction>>({});
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(focusCluster ? [focusCluster] : []));
  const [schedules, setSchedules] = useState<readonly Schedule[]>([]);
  const [activityOpen, setActivityOpen] = useState(false);
  const [deleteTarget, setDeleteTarget] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [fast, setFast] = useState(() => local.length > 0);
  const actionCounter = useRef(0);

  const load = useCallback(() => api.clusters(scope), [api, scope]);
  const list = usePoll<Envelope<Cluster[]>>(listKey, load, listIntervalSeconds(pollSeconds, fast, fastPollSeconds) * 1000);
  const envelope = list.data;
  const clusters = envelope?.data ?? null;

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

  // Each successful list reading settles what it can: transitions that arrived, stuck notices that resolved.
  useEffect(() => {
    if (!clusters) return;
    applyReconcile(transitions.reconcile(scope, clusters));
    setStuck((prev) => {
      const still = prev.filter((t) => !hasReachedExpectedState(t, clusters));
      return still.length === prev.length ? prev : still;
    });
  }, [clusters, transitions, scope, applyReconcile]);

  // Deadlines pass even when no reading arrives (API down, tab just shown).
  useEffect(() => {
    if (local.some((t) => isExpired(t, now))) applyReconcile(transitions.reconcile(scope, null));
  }, [now, local, transitions, scope, applyReconcile]);

  // Never rejects (a failure goes to the error list), so the card starts it with `void`.
  const act = useCallback(
    async (cluster: string, action: LifecycleAction) => {
      const source = `action:${cluster}:${++actionCounter.current}`;
      const what = `${action.charAt(0).toUpperCase()}${action.slice(1)} of ${cluster}`;
      setPending((p) => ({ ...p, [cluster]: action }));
      try {
        const result = await api.lifecycle(action, scope, cluster);
        transitions.record(scope, cluster, action);
        if (result.degraded.length) {
          // ARM accepted; what the backend could not record (e.g. the transition row) is said, not hidden
          const missed = result.degraded.map((d) => `${d.source}: ${d.message ?? 'failed'}`).join('; ');
          errors.report(source, `${what} accepted, but`, new ApiError(missed, 202, 'degraded', result.requestId));
        }
        setStuck((prev) => prev.filter((t) => t.cluster !== cluster));
        setAnnouncement(`${what} accepted.`);
        poller.refresh(listKey);
      } catch (error) {
        errors.report(source, `Could not ${action} ${cluster}`, error);
      } finally {
        setPending(({ [cluster]: _done, ...rest }) => rest);
      }
    },
    [api, scope, transitions, poller, listKey, errors],
  );

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
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(cluster)) next.add(cluster);
      return next;
    });
  }, []);

  const sorted = useMemo(() => (clusters ? [...clusters].sort((a, b) => a.name.localeCompare(b.name)) : null), [clusters]);
  const intervalSeconds = listIntervalSeconds(pollSeconds, fastNow, fastPollSeconds);
  const lastUpdate = list.updatedAt === undefined ? undefined : (now - list.updatedAt) / 1000;

  return (
    <section className="scope" aria-label={`Clusters of ${scope.resourceGroup}`}>
      <div className="scopebar">
        <p className="pollstatus" data-testid="poll-status" data-mode={fastNow ? 'fast' : 'normal'} data-interval-seconds={intervalSeconds}>
          {fastNow ? `Fast-polling every ${intervalSeconds} s while an operation is in progress` : `Refreshing every ${intervalSeconds} s`}
          {lastUpdate !== undefined && ` · updated ${formatAge(lastUpdate)} ago`}
          {list.loading && <span className="loading"> · loading…</span>}
        </p>
        <button type="button" data-testid="refresh-button" onClick={() => poller.refresh(listKey)} disabled={list.loading}>
          Refresh now
        </button>
        <button type="button" data-testid="activity-toggle" aria-expanded={activityOpen} onClick={() => setActivityOpen((open) => !open)}>
          {activityOpen ? 'Hide activity' : 'Activity'}
        </button>
      </div>
      {activityOpen && <ActivityPanel scope={scope} pollSeconds={pollSeconds} />}

      <TransitionBanners banners={banners} onDismissStuck={(cluster) => setStuck((prev) => prev.filter((t) => t.cluster !== cluster))} />
      <p className="sr-only" aria-live="polite" data-testid="announcement">
        {announcement}
      </p>
      {envelope && <DegradedLine degraded={envelope.degraded} />}

      {!sorted && !list.error && <p className="empty">Loading clusters…</p>}
      {!sorted && list.error !== undefined && <p className="empty">The clusters could not be loaded.</p>}
      {sorted && sorted.length === 0 && <p className="empty">No clusters in {scope.resourceGroup}.</p>}
      {sorted && envelope && (
        <div className="cards">
          {sorted.map((cluster) => {
            const chip = clusterChip(cluster, pendingActionOf(banners, cluster.name));
            return (
              <ClusterCard
                key={cluster.name}
                scope={scope}
                cluster={cluster}
                chip={chip}
                actions={availableActions(cluster, chip, permissions)}
                sending={pending[cluster.name]}
                cache={<CacheBadge cache={envelope.cache} receivedAt={envelope.receivedAt} now={now} testId={`cache-info-${cluster.name}`} />}
                expanded={expanded.has(cluster.name)}
                pollSeconds={pollSeconds}
                onToggle={toggle}
                onAction={(name, action) => void act(name, action)}
                onDelete={setDeleteTarget}
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
        </div>
      )}

      {deleteTarget && (
        <DeleteDialog
          cluster={deleteTarget}
          onCancel={() => setDeleteTarget(null)}
          onConfirm={() => {
            const target = deleteTarget;
            setDeleteTarget(null);
            setExpanded((prev) => {
              const next = new Set(prev);
              next.delete(target);
              return next;
            });
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
