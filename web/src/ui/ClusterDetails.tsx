// Per-cluster views. Only the selected tab is polled: the other categories cost nothing until chosen.
import { memo, useCallback, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type {
  Category,
  CategoryData,
  Envelope,
  EventList,
  Job,
  JobList,
  KubeEvent,
  KubeNode,
  NodeUsage,
  Pod,
  PodList,
  Scope,
  UnreadableReason,
  WarmupState,
  WarmupStatus,
} from '../lib/api.js';
import { formatAge, formatBytes, formatMillicores, formatShortDuration, percentOf, secondsSince } from '../lib/format.js';
import { categoryKey } from '../lib/keys.js';
import { namespacesOf, viewRows, type ColumnDef, type TableQuery } from '../lib/tableView.js';
import { DegradedLine, Freshness, UsageBar } from './bits.js';
import { usePollErrors } from './errors.js';
import { useNow, usePoll, useServices } from './services.js';

const TABS: { category: Category; label: string }[] = [
  { category: 'nodes', label: 'Nodes' },
  { category: 'pods', label: 'Pods' },
  { category: 'top-nodes', label: 'Usage' },
  { category: 'warmup-status', label: 'Warm-up' },
  { category: 'events', label: 'Events' },
  { category: 'jobs', label: 'Jobs' },
];

interface DetailsProps {
  scope: Scope;
  cluster: string;
  pollSeconds: number;
  initialCategory?: Category;
}

export const ClusterDetails = memo(function ClusterDetails({ scope, cluster, pollSeconds, initialCategory = 'nodes' }: DetailsProps) {
  const [selected, setSelected] = useState<Category>(initialCategory);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const baseId = useId();

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const last = TABS.length - 1;
    const target =
      event.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : event.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : undefined;
    const tab = target === undefined ? undefined : TABS[target];
    if (target === undefined || !tab) return;
    event.preventDefault();
    setSelected(tab.category);
    tabRefs.current[target]?.focus();
  };

  return (
    <section className="details" data-testid={`cluster-details-${cluster}`} aria-label={`Details of ${cluster}`}>
      <div role="tablist" aria-label={`Views of ${cluster}`} className="tabs">
        {TABS.map((tab, index) => (
          <button
            key={tab.category}
            ref={(el) => {
              tabRefs.current[index] = el;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${tab.category}`}
            aria-selected={selected === tab.category}
            aria-controls={`${baseId}-panel`}
            tabIndex={selected === tab.category ? 0 : -1}
            data-testid={`tab-${tab.category}-${cluster}`}
            onClick={() => setSelected(tab.category)}
            onKeyDown={(e) => onKeyDown(e, index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${selected}`} className="tabpanel">
        <CategoryPanel key={selected} scope={scope} cluster={cluster} category={selected} pollSeconds={pollSeconds} />
      </div>
    </section>
  );
});

/** Why the server read nothing of the cluster (it is not contacted while it cannot answer). */
const NOT_READABLE: Readonly<Record<UnreadableReason, string>> = {
  clusterStopped: 'The cluster is stopped: there is nothing live to show.',
  clusterStarting: 'The cluster is starting: its API server is not reachable yet.',
  clusterStopping: 'The cluster is stopping: there is nothing live to show.',
  clusterDeleting: 'The cluster is being deleted: there is nothing live to show.',
};

function CategoryPanel({ scope, cluster, category, pollSeconds }: { scope: Scope; cluster: string; category: Category; pollSeconds: number }) {
  const { api, poller } = useServices();
  // tables can be long: their ages move in 5 s steps rather than re-rendering every second
  const now = useNow(5000);
  const key = categoryKey(scope, cluster, category);
  const load = useCallback(() => api.category(scope, cluster, category), [api, scope, cluster, category]);
  const snapshot = usePoll<Envelope<CategoryData[Category]>>(key, load, pollSeconds * 1000);
  const envelope = snapshot.data;

  usePollErrors(key, `Could not load ${category} of ${cluster}`, snapshot);

  const nodes = category === 'top-nodes' ? poller.get<Envelope<KubeNode[]>>(categoryKey(scope, cluster, 'nodes'))?.data?.data : undefined;

  return (
    <div className="panel" data-testid={`panel-${category}-${cluster}`}>
      <div className="panel-head">
        <Freshness envelopes={[envelope]} now={now} testId={`panel-freshness-${category}-${cluster}`} />
        <span className="loading" aria-hidden={!snapshot.loading} style={{ visibility: snapshot.loading ? 'visible' : 'hidden' }}>
          loading…
        </span>
        <button type="button" className="small" onClick={() => poller.refresh(key)} disabled={snapshot.loading}>
          Refresh
        </button>
      </div>
      {envelope && <DegradedLine degraded={envelope.degraded} />}
      {!envelope && !snapshot.error && <p className="empty">Loading…</p>}
      {!envelope && snapshot.error !== undefined && <p className="empty">Could not load this view.</p>}
      {envelope && envelope.data === null && <p className="empty">{envelope.reason ? NOT_READABLE[envelope.reason] : 'No data.'}</p>}
      {envelope && envelope.data !== null && (
        <>
          {category === 'nodes' && <NodesView nodes={envelope.data as KubeNode[]} now={now} id={`nodes-${cluster}`} />}
          {category === 'pods' && <PodsView pods={envelope.data as PodList} now={now} id={`pods-${cluster}`} />}
          {category === 'top-nodes' && <UsageView usage={envelope.data as NodeUsage[]} nodes={nodes ?? null} />}
          {category === 'warmup-status' && <WarmupView status={envelope.data as WarmupStatus} cluster={cluster} />}
          {category === 'events' && <EventsView events={envelope.data as EventList} now={now} id={`events-${cluster}`} />}
          {category === 'jobs' && <JobsView jobs={envelope.data as JobList} now={now} id={`jobs-${cluster}`} />}
        </>
      )}
    </div>
  );
}

function Empty({ what }: { what: string }) {
  return <p className="empty">No {what}.</p>;
}

/** A column of a detail table: how it sorts and filters, and how a row's cell looks. */
interface Column<T> extends ColumnDef<T> {
  cell: (row: T) => ReactNode;
  className?: (row: T) => string | undefined;
  title?: (row: T) => string | undefined;
}

/**
 * A detail table: sort by any column (click its header), a text filter, a namespace filter when the rows have
 * several namespaces. Each cell carries its column's name, so on a narrow window a row becomes a labelled block
 * (nothing cut to two columns, nothing clipped).
 */
function DataTable<T>({
  id,
  caption,
  columns,
  rows,
  rowKey,
  rowClass,
  namespaceOf,
}: {
  id: string;
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string;
  rowClass?: (row: T) => string | undefined;
  namespaceOf?: (row: T) => string | undefined;
}) {
  const [query, setQuery] = useState<TableQuery>({ text: '', namespace: '' });
  const namespaces = namespaceOf ? namespacesOf(rows, namespaceOf) : [];
  const shown = viewRows(rows, columns, query, namespaceOf);
  const sortBy = (key: string) => setQuery((q) => ({ ...q, sort: q.sort?.key === key ? { key, descending: !q.sort.descending } : { key, descending: false } }));
  return (
    <>
      <div className="table-tools">
        <input
          type="search"
          placeholder="Filter rows"
          aria-label={`Filter ${caption.toLowerCase()}`}
          data-testid={`table-filter-${id}`}
          value={query.text}
          onChange={(e) => setQuery((q) => ({ ...q, text: e.target.value }))}
        />
        {namespaces.length > 1 && (
          <select
            aria-label="Namespace"
            data-testid={`table-namespace-${id}`}
            value={query.namespace}
            onChange={(e) => setQuery((q) => ({ ...q, namespace: e.target.value }))}
          >
            <option value="">All namespaces</option>
            {namespaces.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        )}
        {/* on a narrow window the header row is gone (each row is a labelled block): sorting from here */}
        <select
          className="narrow-only"
          aria-label="Sort by"
          data-testid={`table-sortby-${id}`}
          value={query.sort ? `${query.sort.key}:${query.sort.descending ? 'desc' : 'asc'}` : ''}
          onChange={(e) => {
            const [key, direction] = e.target.value.split(':');
            setQuery((q) => ({ ...q, sort: key ? { key, descending: direction === 'desc' } : undefined }));
          }}
        >
          <option value="">Sort: as listed</option>
          {columns
            .filter((c) => c.sortValue)
            .flatMap((c) => [
              <option key={`${c.key}:asc`} value={`${c.key}:asc`}>
                {c.label} ▴
              </option>,
              <option key={`${c.key}:desc`} value={`${c.key}:desc`}>
                {c.label} ▾
              </option>,
            ])}
        </select>
        <span className="quiet small" data-testid={`table-count-${id}`} data-shown={shown.length} data-total={rows.length}>
          {shown.length === rows.length ? `${rows.length} rows` : `${shown.length} of ${rows.length}`}
        </span>
      </div>
      <div className="table-wrap">
        <table className="stack" data-testid={`table-${id}`}>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col" aria-sort={query.sort?.key === c.key ? (query.sort.descending ? 'descending' : 'ascending') : undefined}>
                  {c.sortValue ? (
                    <button type="button" className="link sort" data-testid={`table-sort-${id}-${c.key}`} onClick={() => sortBy(c.key)}>
                      {c.label}
                      <span aria-hidden="true">{query.sort?.key === c.key ? (query.sort.descending ? ' ▾' : ' ▴') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, i) => (
              <tr key={rowKey(row, i)} className={rowClass?.(row)}>
                {columns.map((c) => (
                  <td key={c.key} data-label={c.label} className={c.className?.(row)} title={c.title?.(row)}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="empty">
                  No row matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Sorting by age: the youngest first when ascending. */
const age = (t: number | undefined) => (t === undefined ? undefined : -t);

function NodesView({ nodes, now, id }: { nodes: KubeNode[]; now: number; id: string }) {
  if (nodes.length === 0) return <Empty what="nodes" />;
  const columns: Column<KubeNode>[] = [
    { key: 'name', label: 'Name', sortValue: (n) => n.name, cell: (n) => n.name, className: () => 'mono' },
    {
      key: 'ready',
      label: 'Ready',
      sortValue: (n) => `${n.ready === undefined ? '?' : n.ready ? 'Ready' : 'NotReady'}${n.unschedulable ? ', SchedulingDisabled' : ''}`,
      cell: (n) => (
        <>
          {n.ready === undefined ? '?' : n.ready ? 'Ready' : <span className="bad">NotReady</span>}
          {n.unschedulable && <span className="warn">, SchedulingDisabled</span>}
        </>
      ),
    },
    { key: 'pool', label: 'Pool', sortValue: (n) => n.pool, cell: (n) => n.pool ?? '–' },
    { key: 'roles', label: 'Roles', sortValue: (n) => n.roles.join(', '), cell: (n) => n.roles.join(', ') || '–' },
    { key: 'version', label: 'Version', sortValue: (n) => n.version, cell: (n) => n.version ?? '–' },
    {
      key: 'age',
      label: 'Age',
      sortValue: (n) => age(n.createdAt),
      text: () => '',
      cell: (n) => formatAge(secondsSince(n.createdAt, now)),
      className: () => 'nowrap',
    },
    { key: 'cpu', label: 'Allocatable CPU', sortValue: (n) => n.allocatableMillicores, text: () => '', cell: (n) => formatMillicores(n.allocatableMillicores) },
    {
      key: 'memory',
      label: 'Allocatable memory',
      sortValue: (n) => n.allocatableMemoryBytes,
      text: () => '',
      cell: (n) => formatBytes(n.allocatableMemoryBytes),
    },
    { key: 'taints', label: 'Taints', sortValue: (n) => n.taints.join(', '), cell: (n) => n.taints.join(', ') || '–', className: () => 'mono' },
  ];
  return <DataTable id={id} caption="Nodes" columns={columns} rows={nodes} rowKey={(n) => n.name} />;
}

function PodsView({ pods, now, id }: { pods: PodList; now: number; id: string }) {
  if (pods.items.length === 0) return <Empty what="pods" />;
  const columns: Column<Pod>[] = [
    { key: 'name', label: 'Name', sortValue: (p) => p.name, cell: (p) => p.name, className: () => 'mono' },
    {
      key: 'status',
      label: 'Status',
      sortValue: (p) => p.status ?? p.phase,
      cell: (p) => p.status ?? p.phase ?? '?',
      className: (p) => podStatusClass(p.phase, p.status),
      title: (p) => (p.phase && p.status !== p.phase ? `phase ${p.phase}` : undefined),
    },
    {
      key: 'ready',
      label: 'Ready',
      text: () => '',
      sortValue: (p) => p.readyContainers,
      cell: (p) => `${p.readyContainers ?? '?'}/${p.totalContainers ?? '?'}`,
    },
    {
      key: 'restarts',
      label: 'Restarts',
      text: () => '',
      sortValue: (p) => p.restarts,
      cell: (p) => p.restarts ?? '–',
      className: (p) => ((p.restarts ?? 0) > 0 ? 'warn' : undefined),
    },
    { key: 'age', label: 'Age', text: () => '', sortValue: (p) => age(p.createdAt), cell: (p) => formatAge(secondsSince(p.createdAt, now)) },
    { key: 'namespace', label: 'Namespace', sortValue: (p) => p.namespace, cell: (p) => p.namespace ?? '–' },
    { key: 'node', label: 'Node', sortValue: (p) => p.node, cell: (p) => p.node ?? '–', className: () => 'mono' },
  ];
  return (
    <>
      {pods.truncated && <p className="note">{`Showing the first ${pods.items.length} pods only.`}</p>}
      <DataTable id={id} caption="Pods" columns={columns} rows={pods.items} rowKey={(p) => `${p.namespace}/${p.name}`} namespaceOf={(p) => p.namespace} />
    </>
  );
}

/** kubectl-like colouring: a failing container reason is bad even while the pod's phase is Running. */
function podStatusClass(phase: string | undefined, status: string | undefined): string | undefined {
  const shown = status ?? phase;
  if (phase === 'Failed' || /BackOff|Err|Error|OOMKilled|Invalid/i.test(shown ?? '')) return 'bad';
  if (phase === 'Pending' || shown === 'Terminating' || shown === 'ContainerCreating') return 'warn';
  return undefined;
}

function UsageView({ usage, nodes }: { usage: NodeUsage[]; nodes: KubeNode[] | null }) {
  if (usage.length === 0) return <Empty what="metrics" />;
  return (
    <ul className="usage-list">
      {usage.map((u) => {
        // percent from the API, else computed from the node's allocatable when the Nodes tab loaded it
        const node = nodes?.find((n) => n.name === u.name);
        const cpu = u.cpuPercent ?? percentOf(u.cpuMillicores, node?.allocatableMillicores);
        const memory = u.memoryPercent ?? percentOf(u.memoryBytes, node?.allocatableMemoryBytes);
        const pct = (v: number | undefined) => (v === undefined ? '' : ` (${Math.round(v)}% of allocatable)`);
        return (
          <li key={u.name}>
            <span className="mono">{u.name}</span>
            <UsageBar label={`CPU of ${u.name}`} percent={cpu} text={`CPU ${formatMillicores(u.cpuMillicores)}${pct(cpu)}`} />
            <UsageBar label={`Memory of ${u.name}`} percent={memory} text={`Memory ${formatBytes(u.memoryBytes)}${pct(memory)}`} />
          </li>
        );
      })}
    </ul>
  );
}

const WARMUP_ORDER: readonly WarmupState[] = ['failed', 'running', 'stale', 'missing', 'done', 'unknown'];

function WarmupView({ status, cluster }: { status: WarmupStatus; cluster: string }) {
  const [open, setOpen] = useState<string | null>(null);
  if (status.nodes.length === 0) return <Empty what="warm-up status" />;
  const openNode = status.nodes.find((n) => n.node === open);
  const counts = WARMUP_ORDER.map((state) => [state, status.nodes.filter((n) => n.status === state).length] as const).filter(([, n]) => n > 0);
  return (
    <>
      <p className="note" data-testid={`warmup-summary-${cluster}`}>
        {counts.map(([state, n]) => `${n} ${state}`).join(' · ')}
        {status.nodes.some((n) => n.logTail) ? ' — chips marked “log” show the log tail' : ''}
      </p>
      <ul className="warmup" aria-label={`Warm-up per node of ${cluster}`}>
        {status.nodes.map((n) => (
          <li key={n.node}>
            <button
              type="button"
              className={`chip chip-warmup-${n.status}`}
              data-testid={`warmup-chip-${n.node}`}
              data-status={n.status}
              aria-pressed={open === n.node}
              disabled={!n.logTail}
              title={[n.reason, n.logTail ? 'Show the log tail' : 'No log'].filter(Boolean).join(' · ')}
              onClick={() => setOpen(open === n.node ? null : n.node)}
            >
              {/* one flex item: the chip's gap would otherwise split "node: status" */}
              <span>
                <span className="mono">{n.node}</span>: {n.status}
                {n.gone ? ' (node gone)' : ''}
              </span>
              {n.logTail && <span className="log-mark">log</span>}
            </button>
          </li>
        ))}
      </ul>
      {openNode?.logTail && (
        <figure className="log">
          <figcaption>
            Log tail of {openNode.job ?? 'the warm-up job'} on {openNode.node}
            {openNode.reason ? ` — ${openNode.reason}` : ''}
          </figcaption>
          <pre tabIndex={0}>{openNode.logTail}</pre>
        </figure>
      )}
    </>
  );
}

function EventsView({ events: list, now, id }: { events: EventList; now: number; id: string }) {
  const events = list.items;
  if (events.length === 0) return <Empty what="events" />;
  const columns: Column<KubeEvent>[] = [
    { key: 'type', label: 'Type', sortValue: (e) => e.type, cell: (e) => e.type ?? '–' },
    { key: 'reason', label: 'Reason', sortValue: (e) => e.reason, cell: (e) => e.reason ?? '–' },
    {
      key: 'object',
      label: 'Object',
      sortValue: (e) => `${e.namespace ? `${e.namespace}/` : ''}${e.object ?? ''}`,
      cell: (e) => `${e.namespace ? `${e.namespace}/` : ''}${e.object ?? '–'}`,
      className: () => 'mono',
    },
    { key: 'message', label: 'Message', text: (e) => e.message, cell: (e) => e.message ?? '', className: () => 'message' },
    { key: 'count', label: 'Count', text: () => '', sortValue: (e) => e.count ?? 1, cell: (e) => e.count ?? 1 },
    {
      key: 'lastSeen',
      label: 'Last seen',
      text: () => '',
      sortValue: (e) => age(e.lastSeen),
      cell: (e) => (e.lastSeen ? `${formatAge(secondsSince(e.lastSeen, now))} ago` : '–'),
      className: () => 'nowrap',
    },
  ];
  return (
    <>
      {list.truncated && <p className="note">{`Showing the ${events.length} most recent events only.`}</p>}
      <DataTable
        id={id}
        caption="Events, warnings first"
        columns={columns}
        rows={events}
        rowKey={(_, i) => String(i)}
        rowClass={(e) => (e.type === 'Warning' ? 'row-warning' : undefined)}
        namespaceOf={(e) => e.namespace}
      />
    </>
  );
}

function JobsView({ jobs, now, id }: { jobs: JobList; now: number; id: string }) {
  if (jobs.items.length === 0) return <Empty what="jobs" />;
  const { counts } = jobs;
  const columns: Column<Job>[] = [
    { key: 'name', label: 'Name', sortValue: (j) => j.name, cell: (j) => j.name, className: () => 'mono' },
    { key: 'status', label: 'Status', sortValue: (j) => j.status, cell: (j) => j.status, className: (j) => (j.status === 'failed' ? 'bad' : undefined) },
    { key: 'app', label: 'App', sortValue: (j) => j.app, cell: (j) => j.app ?? '–' },
    { key: 'namespace', label: 'Namespace', sortValue: (j) => j.namespace, cell: (j) => j.namespace },
    {
      key: 'started',
      label: 'Started',
      text: () => '',
      sortValue: (j) => age(j.startedAt),
      cell: (j) => (j.startedAt ? `${formatAge(secondsSince(j.startedAt, now))} ago` : '–'),
      className: () => 'nowrap',
    },
    { key: 'duration', label: 'Duration', text: () => '', sortValue: (j) => j.durationSeconds, cell: (j) => formatShortDuration(j.durationSeconds) },
    {
      key: 'failure',
      label: 'Failure',
      sortValue: (j) => j.failure?.reason,
      text: (j) => (j.failure ? `${j.failure.reason} ${j.failure.message ?? ''}` : undefined),
      cell: (j) => (j.failure ? `${j.failure.reason}${j.failure.message ? `: ${j.failure.message}` : ''}` : ''),
      className: () => 'message',
    },
  ];
  return (
    <>
      <p className="note">
        {`${counts.running} running · ${counts.failed} failed · ${counts.succeeded} succeeded${counts.suspended ? ` · ${counts.suspended} suspended` : ''}`}
        {jobs.truncated ? ` — showing ${jobs.items.length} of ${counts.total}` : ''}
      </p>
      <DataTable
        id={id}
        caption="Jobs, newest first"
        columns={columns}
        rows={jobs.items}
        rowKey={(j) => `${j.namespace}/${j.name}`}
        rowClass={(j) => (j.status === 'failed' ? 'row-warning' : undefined)}
        namespaceOf={(j) => j.namespace}
      />
    </>
  );
}
