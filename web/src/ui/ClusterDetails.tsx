// Per-cluster views. Only the selected tab is polled: the other categories cost nothing until chosen.
import { memo, useCallback, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type {
  Category,
  CategoryData,
  Envelope,
  EventList,
  JobList,
  KubeNode,
  NodeUsage,
  PodList,
  Scope,
  UnreadableReason,
  WarmupState,
  WarmupStatus,
} from '../lib/api.js';
import { formatAge, formatBytes, formatMillicores, formatShortDuration, percentOf, secondsSince } from '../lib/format.js';
import { categoryKey } from '../lib/keys.js';
import { CacheBadge, DegradedLine, UsageBar } from './bits.js';
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
        {envelope && <CacheBadge cache={envelope.cache} receivedAt={envelope.receivedAt} now={now} />}
        {snapshot.loading && <span className="loading">loading…</span>}
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
          {category === 'nodes' && <NodesView nodes={envelope.data as KubeNode[]} now={now} />}
          {category === 'pods' && <PodsView pods={envelope.data as PodList} now={now} />}
          {category === 'top-nodes' && <UsageView usage={envelope.data as NodeUsage[]} nodes={nodes ?? null} />}
          {category === 'warmup-status' && <WarmupView status={envelope.data as WarmupStatus} cluster={cluster} />}
          {category === 'events' && <EventsView events={envelope.data as EventList} now={now} />}
          {category === 'jobs' && <JobsView jobs={envelope.data as JobList} now={now} />}
        </>
      )}
    </div>
  );
}

function Empty({ what }: { what: string }) {
  return <p className="empty">No {what}.</p>;
}

/** A scrollable table with a caption for screen readers and one header row; `children` are the body rows. */
function DataTable({ caption, className, columns, children }: { caption: string; className: string; columns: readonly string[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

const NODE_COLUMNS = ['Name', 'Ready', 'Pool', 'Roles', 'Version', 'Age', 'Allocatable CPU', 'Allocatable memory', 'Taints'] as const;
// what matters first: a narrow window scrolls sideways to the rest
const POD_COLUMNS = ['Name', 'Status', 'Ready', 'Restarts', 'Age', 'Namespace', 'Node'] as const;
const JOB_COLUMNS = ['Name', 'Status', 'App', 'Namespace', 'Started', 'Duration', 'Failure'] as const;
const EVENT_COLUMNS = ['Type', 'Reason', 'Object', 'Message', 'Count', 'Last seen'] as const;

function NodesView({ nodes, now }: { nodes: KubeNode[]; now: number }) {
  if (nodes.length === 0) return <Empty what="nodes" />;
  return (
    <DataTable caption="Nodes" className="wide" columns={NODE_COLUMNS}>
      {nodes.map((n) => (
        <tr key={n.name}>
          <th scope="row" className="mono">
            {n.name}
          </th>
          <td>
            {n.ready === undefined ? '?' : n.ready ? 'Ready' : <span className="bad">NotReady</span>}
            {n.unschedulable && <span className="warn">, SchedulingDisabled</span>}
          </td>
          <td>{n.pool ?? '–'}</td>
          <td>{n.roles.join(', ') || '–'}</td>
          <td>{n.version ?? '–'}</td>
          <td className="nowrap">{formatAge(secondsSince(n.createdAt, now))}</td>
          <td>{formatMillicores(n.allocatableMillicores)}</td>
          <td>{formatBytes(n.allocatableMemoryBytes)}</td>
          <td className="mono">{n.taints.join(', ') || '–'}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function PodsView({ pods, now }: { pods: PodList; now: number }) {
  if (pods.items.length === 0) return <Empty what="pods" />;
  return (
    <>
      {pods.truncated && <p className="note">{`Showing the first ${pods.items.length} pods only.`}</p>}
      <DataTable caption="Pods" className="wide" columns={POD_COLUMNS}>
        {pods.items.map((p) => (
          <tr key={`${p.namespace}/${p.name}`}>
            <th scope="row" className="mono">
              {p.name}
            </th>
            <td className={podStatusClass(p.phase, p.status)} title={p.phase && p.status !== p.phase ? `phase ${p.phase}` : undefined}>
              {p.status ?? p.phase ?? '?'}
            </td>
            <td>
              {p.readyContainers ?? '?'}/{p.totalContainers ?? '?'}
            </td>
            <td className={(p.restarts ?? 0) > 0 ? 'warn' : undefined}>{p.restarts ?? '–'}</td>
            <td>{formatAge(secondsSince(p.createdAt, now))}</td>
            <td>{p.namespace ?? '–'}</td>
            <td className="mono">{p.node ?? '–'}</td>
          </tr>
        ))}
      </DataTable>
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

function EventsView({ events: list, now }: { events: EventList; now: number }) {
  const events = list.items;
  if (events.length === 0) return <Empty what="events" />;
  return (
    <>
      {list.truncated && <p className="note">{`Showing the ${events.length} most recent events only.`}</p>}
      <DataTable caption="Events, warnings first" className="stack" columns={EVENT_COLUMNS}>
        {events.map((e, i) => (
          <tr key={i} className={e.type === 'Warning' ? 'row-warning' : undefined}>
            <td data-label="Type">{e.type ?? '–'}</td>
            <td data-label="Reason">{e.reason ?? '–'}</td>
            <td data-label="Object" className="mono">
              {e.namespace ? `${e.namespace}/` : ''}
              {e.object ?? '–'}
            </td>
            <td data-label="Message" className="message">
              {e.message ?? ''}
            </td>
            <td data-label="Count">{e.count ?? 1}</td>
            <td data-label="Last seen" className="nowrap">
              {e.lastSeen ? `${formatAge(secondsSince(e.lastSeen, now))} ago` : '–'}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

function JobsView({ jobs, now }: { jobs: JobList; now: number }) {
  if (jobs.items.length === 0) return <Empty what="jobs" />;
  const { counts } = jobs;
  return (
    <>
      <p className="note">
        {`${counts.running} running · ${counts.failed} failed · ${counts.succeeded} succeeded${counts.suspended ? ` · ${counts.suspended} suspended` : ''}`}
        {jobs.truncated ? ` — showing ${jobs.items.length} of ${counts.total}` : ''}
      </p>
      <DataTable caption="Jobs, newest first" className="stack" columns={JOB_COLUMNS}>
        {jobs.items.map((j) => (
          <tr key={`${j.namespace}/${j.name}`} className={j.status === 'failed' ? 'row-warning' : undefined}>
            <td data-label="Name" className="mono">
              {j.name}
            </td>
            <td data-label="Status" className={j.status === 'failed' ? 'bad' : undefined}>
              {j.status}
            </td>
            <td data-label="App">{j.app ?? '–'}</td>
            <td data-label="Namespace">{j.namespace}</td>
            <td data-label="Started" className="nowrap">
              {j.startedAt ? `${formatAge(secondsSince(j.startedAt, now))} ago` : '–'}
            </td>
            <td data-label="Duration">{formatShortDuration(j.durationSeconds)}</td>
            <td data-label="Failure" className="message">
              {j.failure ? `${j.failure.reason}${j.failure.message ? `: ${j.failure.message}` : ''}` : ''}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
