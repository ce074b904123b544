// The fleet: every cluster of every scope the caller may see, in one table (one request per tick), with counts by
// state, a text and state filter and sortable columns. A row opens the cluster's card and details in its scope.
// Per running cluster it shows the warm databases ready and the jobs running / failed: the same keys the scope view
// polls (one request per key, whoever watches it), read here at most once a minute.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Envelope, JobList, LifecycleAction, Scope, WarmupStatus } from '../lib/api.js';
import { cardKey } from '../lib/cardErrors.js';
import { availableActions, isReadable, portalUrl, transitionText, type Permissions } from '../lib/clusterState.js';
import { formatAge } from '../lib/format.js';
import { FLEET_KEY, FLEET_STATES, filterRows, fleetRows, sortRows, type Fleet, type FleetRow, type FleetSortKey, type FleetState } from '../lib/fleetTable.js';
import { categoryKey, COST_FLEET_KEY, COST_POLL_SECONDS } from '../lib/keys.js';
import { estimateNote, formatMoney, type CostFleetView } from '../lib/api.js';
import { WARM_CHIPS_IDLE_MS } from '../lib/warmChips.js';
import { DegradedLine } from './bits.js';
import { CardErrorLine, usePollErrors } from './errors.js';
import { useNow, usePoll, usePolls, useServices } from './services.js';
import { useLifecycle } from './useLifecycle.js';

const STATE_LABEL: Record<FleetState, string> = { running: 'Running', stopped: 'Stopped', transitioning: 'Transitioning', failed: 'Failed' };
const COLUMNS: Array<{ key: FleetSortKey; label: string }> = [
  { key: 'name', label: 'Cluster' },
  { key: 'scope', label: 'Scope' },
  { key: 'location', label: 'Location' },
  { key: 'state', label: 'State' },
  { key: 'version', label: 'Kubernetes' },
  { key: 'nodes', label: 'Nodes' },
];

interface FleetViewProps {
  pollSeconds: number;
  /** The interval while a row's cluster is starting or stopping (10 s; tests pass less through ?fastPollSeconds=). */
  fastPollSeconds: number;
  permissions: Permissions;
  onOpen: (scope: Scope, cluster: string) => void;
  /** The scopes of the latest reading ({sub}/* expanded), for the scope picker. */
  onScopes?: (scopes: Scope[]) => void;
}

export function FleetView({ pollSeconds, fastPollSeconds, permissions, onOpen, onScopes }: FleetViewProps) {
  const { api, poller } = useServices();
  const now = useNow(1000);
  const load = useCallback(() => api.fleet(), [api]);
  // faster while a cluster of the fleet is starting or stopping, as the scope view does
  const [transitioning, setTransitioning] = useState(false);
  const snapshot = usePoll<Fleet>(FLEET_KEY, load, (transitioning ? Math.min(pollSeconds, fastPollSeconds) : pollSeconds) * 1000);
  usePollErrors(FLEET_KEY, 'Could not refresh the fleet', snapshot);
  const fleet = snapshot.data;
  // the fleet's running cost and savings, an estimate read once a minute
  const loadCost = useCallback(() => api.costFleet(), [api]);
  const cost = usePoll<CostFleetView>(COST_FLEET_KEY, loadCost, Math.max(pollSeconds, COST_POLL_SECONDS) * 1000).data;
  const [text, setText] = useState('');
  const [state, setState] = useState<FleetState | 'all'>('all');
  const [sort, setSort] = useState<{ key: FleetSortKey; descending: boolean }>({ key: 'name', descending: false });

  useEffect(() => {
    if (fleet && onScopes) onScopes(fleet.scopes.map(({ subscriptionId, resourceGroup }) => ({ subscriptionId, resourceGroup })));
  }, [fleet, onScopes]);

  const all = useMemo(() => (fleet ? fleetRows(fleet) : []), [fleet]);
  const tenants = useMemo(() => new Map((fleet?.subscriptions ?? []).flatMap((s) => (s.tenantId ? [[s.subscriptionId, s.tenantId] as const] : []))), [fleet]);
  const anyTransitioning = all.some((r) => r.state === 'transitioning');
  useEffect(() => setTransitioning(anyTransitioning), [anyTransitioning]);
  const rows = useMemo(() => sortRows(filterRows(all, text, state), sort.key, sort.descending), [all, text, state, sort]);
  const degradedScopes = fleet?.scopes.filter((s) => s.degraded.length > 0) ?? [];

  // the shown rows' running clusters: their warm databases and jobs, slowly (the scope view polls them faster)
  const live = useMemo(() => rows.filter((r) => isReadable(r.cluster)), [rows]);
  const slowMs = Math.max(pollSeconds * 1000, WARM_CHIPS_IDLE_MS);
  const warmEntries = useMemo(
    () => live.map((r) => ({ key: categoryKey(r.scope, r.cluster.name, 'warmup-status'), load: () => api.category(r.scope, r.cluster.name, 'warmup-status') })),
    [api, live],
  );
  const jobEntries = useMemo(
    () => live.map((r) => ({ key: categoryKey(r.scope, r.cluster.name, 'jobs'), load: () => api.category(r.scope, r.cluster.name, 'jobs') })),
    [api, live],
  );
  const warm = usePolls<Envelope<WarmupStatus>>(warmEntries, slowMs);
  const jobs = usePolls<Envelope<JobList>>(jobEntries, slowMs);
  const liveOf = (row: FleetRow) => {
    const i = live.indexOf(row);
    return i < 0 ? undefined : { warm: warm[i]?.data?.data ?? undefined, jobs: jobs[i]?.data?.data ?? undefined };
  };
  // start / stop through the same code as the cards: the fleet is read again at once, an error stays on its row
  const reread = useCallback(() => poller.refresh(FLEET_KEY), [poller]);
  const lifecycle = useLifecycle(reread);
  const { settle } = lifecycle;
  const readAt = snapshot.updatedAt;
  useEffect(() => {
    if (readAt !== undefined) settle((e) => all.find((r) => cardKey(r.scope, r.cluster.name) === e.key)?.cluster, readAt);
  }, [all, readAt, settle]);
  const chooseSort = (key: FleetSortKey) => setSort((prev) => ({ key, descending: prev.key === key ? !prev.descending : false }));

  return (
    <section className="fleet" aria-label="Fleet" data-testid="fleet-view">
      <div className="scopebar">
        <p className="counts" data-testid="fleet-counts">
          {FLEET_STATES.map((s) => (
            <button
              type="button"
              key={s}
              className={`count count-${s}${state === s ? ' active' : ''}`}
              data-testid={`fleet-count-${s}`}
              data-count={fleet?.totals[s] ?? 0}
              aria-pressed={state === s}
              onClick={() => setState((prev) => (prev === s ? 'all' : s))}
            >
              {STATE_LABEL[s]} {fleet?.totals[s] ?? '–'}
            </button>
          ))}
        </p>
        <div className="fleet-tools">
          <input
            type="search"
            className="fleet-filter"
            placeholder="Filter: name, scope, location"
            aria-label="Filter clusters by name, scope, location or version"
            data-testid="fleet-filter"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <select aria-label="Filter by state" data-testid="fleet-state-filter" value={state} onChange={(e) => setState(e.target.value as FleetState | 'all')}>
            <option value="all">All states</option>
            {FLEET_STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
          <button type="button" data-testid="fleet-refresh" onClick={() => poller.refresh(FLEET_KEY)} disabled={snapshot.loading}>
            Refresh now
          </button>
        </div>
      </div>
      {cost && (
        <p className="fleet-cost" data-testid="fleet-cost" title={estimateNote(cost.pricesAsOf)}>
          ≈ {formatMoney(cost.totals.hourly, cost.currency)}/h for the running clusters ({formatMoney(cost.totals.projectedMonthly, cost.currency)}/mo)
          {cost.totals.savingsThisMonth > 0 && (
            <span className="saved"> · saved ≈ {formatMoney(cost.totals.savingsThisMonth, cost.currency)} this month by schedules and auto-stop</span>
          )}
          {cost.totals.unpriced > 0 && ` · ${cost.totals.unpriced} without a price`} <span className="estimate">estimate</span>
        </p>
      )}
      {fleet && (
        <DegradedLine
          degraded={[...fleet.degraded, ...degradedScopes.flatMap((s) => s.degraded.map((d) => ({ ...d, source: `${s.resourceGroup}: ${d.source}` })))]}
        />
      )}
      {!fleet && !snapshot.error && <p className="empty">Loading the fleet…</p>}
      {!fleet && snapshot.error !== undefined && <p className="empty">The fleet could not be loaded.</p>}
      {fleet && (
        <div className="table-wrap">
          <table className="fleet-table" data-testid="fleet-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" className="link" data-testid={`fleet-sort-${c.key}`} onClick={() => chooseSort(c.key)}>
                      {c.label}
                      {sort.key === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                    </button>
                  </th>
                ))}
                <th>Warm databases</th>
                <th>Jobs</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <FleetRowView key={cardKey(row.scope, row.cluster.name)} row={row} permissions={permissions} lifecycle={lifecycle}>
                  <td>
                    <button type="button" className="link" data-testid={`fleet-open-${row.cluster.name}`} onClick={() => onOpen(row.scope, row.cluster.name)}>
                      {row.cluster.name}
                    </button>{' '}
                    <a
                      className="portal"
                      href={portalUrl(row.scope, row.cluster, tenants.get(row.scope.subscriptionId))}
                      target="_blank"
                      rel="noreferrer"
                      title={`${row.cluster.name} in the Azure portal`}
                      aria-label={`${row.cluster.name} in the Azure portal`}
                      data-testid={`fleet-portal-${row.cluster.name}`}
                    >
                      ↗
                    </a>
                  </td>
                  <td title={`subscription ${row.scope.subscriptionId}`} data-testid={`fleet-scope-${row.cluster.name}`}>
                    {row.scope.resourceGroup} <span className="muted">· {row.subscription}</span>
                  </td>
                  <td data-testid={`fleet-location-${row.cluster.name}`}>{row.cluster.location ?? '–'}</td>
                  <td>
                    <span
                      className={`chip chip-${row.chip.kind}`}
                      data-testid={`fleet-chip-${row.cluster.name}`}
                      data-state={row.chip.kind}
                      title={row.chip.detail}
                    >
                      {row.chip.label}
                    </span>
                    {row.cluster.transition && (
                      <span className="fleet-transition muted small" data-testid={`fleet-transition-${row.cluster.name}`}>
                        {transitionText(row.cluster.transition, now, formatAge)}
                      </span>
                    )}
                  </td>
                  <td>{row.cluster.kubernetesVersion ?? '–'}</td>
                  <td>{row.nodes}</td>
                  <LiveCells cluster={row.cluster.name} live={liveOf(row)} />
                </FleetRowView>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={9} className="empty">
                    No cluster matches.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The databases ready and the jobs running / failed of a running cluster; "–" for the others, "…" until read. */
function LiveCells({ cluster, live }: { cluster: string; live: { warm?: WarmupStatus; jobs?: JobList } | undefined }) {
  if (!live) {
    return (
      <>
        <td className="muted">–</td>
        <td className="muted">–</td>
      </>
    );
  }
  const dbs = live.warm?.databases;
  const ready = dbs?.filter((d) => d.status === 'ready').length ?? 0;
  const failed = dbs?.filter((d) => d.status === 'failed').length ?? 0;
  const attention = dbs?.filter((d) => d.status === 'loading' || d.status === 'stale').length ?? 0;
  const counts = live.jobs?.counts;
  return (
    <>
      <td data-testid={`fleet-dbs-${cluster}`} data-ready={dbs ? ready : undefined} data-total={dbs?.length}>
        {!dbs ? (
          <span className="muted">…</span>
        ) : dbs.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <span title={dbs.map((d) => `${d.name}: ${d.status}`).join(', ')}>
            {`${ready}/${dbs.length} ready`}
            {failed > 0 && <span className="count-bad">{` · ${failed} failed`}</span>}
            {attention > 0 && <span className="muted">{` · ${attention} loading or stale`}</span>}
          </span>
        )}
      </td>
      <td data-testid={`fleet-jobs-${cluster}`} data-running={counts?.running} data-failed={counts?.failed}>
        {!counts ? (
          <span className="muted">…</span>
        ) : (
          <>
            <span className={counts.running ? 'count-busy' : 'muted'}>{`${counts.running} running`}</span>
            {counts.failed > 0 && <span className="count-bad">{` · ${counts.failed} failed`}</span>}
          </>
        )}
      </td>
    </>
  );
}

/**
 * A fleet row with its Start / Stop (never Delete: that stays on the card, behind its dialog) and, under it, the
 * last action's error until the cluster's state changes.
 */
function FleetRowView({
  row,
  permissions,
  lifecycle,
  children,
}: {
  row: FleetRow;
  permissions: Permissions;
  lifecycle: ReturnType<typeof useLifecycle>;
  children: ReactNode;
}) {
  const name = row.cluster.name;
  const key = cardKey(row.scope, name);
  const sending = lifecycle.pending[key];
  const actions = availableActions(row.cluster, row.chip, permissions);
  const error = lifecycle.errorOf(row.scope, name);
  const button = (action: Exclude<LifecycleAction, 'delete'>, label: string) => (
    <button
      type="button"
      className={`small${sending === action ? ' is-sending' : ''}`}
      data-testid={`fleet-${action}-${name}`}
      aria-label={`${label} ${name}`}
      title={actions[action].reason}
      aria-busy={sending === action}
      disabled={!actions[action].enabled || sending !== undefined}
      onClick={() => void lifecycle.act(row.scope, name, action)}
    >
      {sending === action && <span className="spinner" aria-hidden="true" />}
      {label}
    </button>
  );
  return (
    <>
      <tr data-testid={`fleet-row-${name}`} data-state={row.state}>
        {children}
        <td className="fleet-actions">{row.cluster.powerState === 'Stopped' ? button('start', 'Start') : button('stop', 'Stop')}</td>
      </tr>
      {error && (
        <tr className="fleet-error-row">
          <td colSpan={9}>
            <CardErrorLine error={error} onDismiss={() => lifecycle.dismiss(key)} />
          </td>
        </tr>
      )}
    </>
  );
}
