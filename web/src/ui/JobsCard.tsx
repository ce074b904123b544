// The Jobs card: the jobs of the scope's running clusters in one list, newest first, failures with their reason and
// message and never dropped by the row limit; a job opens its events (the cluster's events about the Job and its
// pods), polled only while open.
import { useCallback, useMemo, useState } from 'react';
import type { Envelope, EventList, JobList, Scope } from '../lib/api.js';
import { formatAge, formatShortDuration, secondsSince } from '../lib/format.js';
import { eventsOfJob, jobRowId, mergeJobs, visibleJobRows, type JobRow } from '../lib/jobRows.js';
import { categoryKey } from '../lib/keys.js';
import { BoardCard, Freshness } from './bits.js';
import { usePoll, usePolls, useServices } from './services.js';

const ROW_LIMIT = 8;
type Filter = 'all' | 'failed' | 'running';
const STATUS_LABEL: Record<string, string> = { running: 'Running', succeeded: 'Succeeded', failed: 'Failed', suspended: 'Suspended', unknown: 'Unknown' };

interface Props {
  scope: Scope;
  /** The scope's clusters whose API server can be read now. */
  clusters: readonly string[];
  pollSeconds: number;
  now: number;
}

export function JobsCard({ scope, clusters, pollSeconds, now }: Props) {
  const { api } = useServices();
  const entries = useMemo(
    () => clusters.map((cluster) => ({ key: categoryKey(scope, cluster, 'jobs'), load: () => api.category(scope, cluster, 'jobs') })),
    [api, scope, clusters],
  );
  const snapshots = usePolls<Envelope<JobList>>(entries, pollSeconds * 1000);
  const [filter, setFilter] = useState<Filter>('all');
  const [open, setOpen] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);

  const read = clusters.flatMap((cluster, i) => {
    const list = snapshots[i]?.data?.data;
    return list ? [{ cluster, list }] : [];
  });
  const merged = mergeJobs(read);
  const filtered = filter === 'all' ? merged.rows : merged.rows.filter((r) => r.job.status === filter);
  const rows = showAll ? filtered : visibleJobRows(filtered, ROW_LIMIT);
  const hidden = filtered.length - rows.length;
  const envelopes = snapshots.map((s) => s.data);
  const degraded = [
    ...clusters.flatMap((cluster, i) => (snapshots[i]?.data?.degraded ?? []).map((d) => ({ ...d, source: `${cluster}: ${d.source}` }))),
    ...clusters.flatMap((cluster, i) =>
      snapshots[i]?.error !== undefined ? [{ source: `${cluster}: jobs`, message: 'could not be read (showing the last answer, if any)' }] : [],
    ),
  ];
  const loading = clusters.length > 0 && read.length === 0 && snapshots.some((s) => s.error === undefined);
  const several = clusters.length > 1;

  const { counts } = merged;
  const summary =
    read.length === 0 ? undefined : (
      <>
        <span className={counts.running ? 'count-busy' : undefined}>{counts.running} running</span>
        {' · '}
        <span className={counts.failed ? 'count-bad' : undefined}>{counts.failed} failed</span>
        {' · '}
        {counts.succeeded} succeeded
        {counts.suspended ? ` · ${counts.suspended} suspended` : ''}
      </>
    );

  return (
    <BoardCard id="jobs" title="Jobs" summary={summary} freshness={<Freshness envelopes={envelopes} now={now} testId="jobs-freshness" />} degraded={degraded}>
      {clusters.length === 0 && <p className="quiet">No running cluster in this scope: no jobs to list.</p>}
      {loading && <p className="quiet">Reading the jobs of {clusters.join(', ')}…</p>}
      {read.length > 0 && (
        <>
          <div className="segmented" role="group" aria-label="Show jobs">
            {(['all', 'failed', 'running'] as const).map((f) => (
              <button key={f} type="button" className="small" aria-pressed={filter === f} data-testid={`jobs-filter-${f}`} onClick={() => setFilter(f)}>
                {f === 'all' ? `All ${counts.total}` : f === 'failed' ? `Failed ${counts.failed}` : `Running ${counts.running}`}
              </button>
            ))}
          </div>
          {rows.length === 0 && <p className="quiet">{filter === 'all' ? 'No jobs on the running clusters.' : `No ${filter} jobs.`}</p>}
          <ul className="jobs" aria-label="Jobs, newest first">
            {rows.map((row) => (
              <JobItem
                key={jobRowId(row)}
                row={row}
                scope={scope}
                showCluster={several}
                open={open === jobRowId(row)}
                onToggle={() => setOpen((o) => (o === jobRowId(row) ? null : jobRowId(row)))}
                pollSeconds={pollSeconds}
                now={now}
              />
            ))}
          </ul>
          {(hidden > 0 || merged.truncated) && (
            <p className="quiet small">
              {hidden > 0 && (
                <button type="button" className="link" onClick={() => setShowAll(true)}>
                  Show {hidden} more
                </button>
              )}
              {hidden > 0 && merged.truncated && ' · '}
              {merged.truncated && 'Some clusters have more jobs than were listed.'}
            </p>
          )}
        </>
      )}
    </BoardCard>
  );
}

function JobItem({
  row,
  scope,
  showCluster,
  open,
  onToggle,
  pollSeconds,
  now,
}: {
  row: JobRow;
  scope: Scope;
  showCluster: boolean;
  open: boolean;
  onToggle: () => void;
  pollSeconds: number;
  now: number;
}) {
  const { job, cluster } = row;
  const eventsId = `job-events-${cluster}-${job.namespace}-${job.name}`;
  const pods =
    job.status === 'running'
      ? `${job.active} pod${job.active === 1 ? '' : 's'} active`
      : job.completions > 1 || job.failed > 0
        ? `${job.succeeded}/${job.completions} done${job.failed ? `, ${job.failed} failed` : ''}`
        : '';
  const meta = [job.app, job.namespace, showCluster ? cluster : '', pods].filter(Boolean);
  return (
    <li className={`job job-${job.status}`} data-testid="job-row" data-job={job.name} data-status={job.status} data-cluster={cluster}>
      <span className={`job-status status-${job.status}`}>{STATUS_LABEL[job.status]}</span>
      <div className="job-main">
        <button
          type="button"
          className="link job-name mono"
          aria-expanded={open}
          aria-controls={eventsId}
          data-testid={`job-toggle-${job.name}`}
          onClick={onToggle}
        >
          {job.name}
        </button>
        <span className="job-meta">{meta.join(' · ')}</span>
        {job.failure && (
          <p className="job-failure" data-testid={`job-failure-${job.name}`}>
            <strong>{job.failure.reason}</strong>
            {job.failure.message ? ` ${job.failure.message}` : ''}
          </p>
        )}
      </div>
      <span className="job-time">
        <span>{job.startedAt ? `${formatAge(secondsSince(job.startedAt, now))} ago` : 'not started'}</span>
        {job.durationSeconds !== undefined && (
          <span className="quiet">
            {job.status === 'running' ? 'for ' : 'took '}
            {formatShortDuration(job.durationSeconds)}
          </span>
        )}
      </span>
      {open && (
        <div className="job-events" id={eventsId}>
          <JobEvents scope={scope} cluster={cluster} job={job} pollSeconds={pollSeconds} now={now} />
        </div>
      )}
    </li>
  );
}

function JobEvents({ scope, cluster, job, pollSeconds, now }: { scope: Scope; cluster: string; job: JobRow['job']; pollSeconds: number; now: number }) {
  const { api } = useServices();
  const load = useCallback(() => api.category(scope, cluster, 'events'), [api, scope, cluster]);
  const snapshot = usePoll<Envelope<EventList>>(categoryKey(scope, cluster, 'events'), load, pollSeconds * 1000);
  const list = snapshot.data?.data;
  const events = list ? eventsOfJob(list.items, job) : undefined;
  return (
    <div data-testid={`job-events-${job.name}`}>
      <h4>
        Events of {job.name} and its pods <span className="quiet">({cluster})</span>
      </h4>
      {!list && <p className="quiet">{snapshot.error === undefined ? 'Reading events…' : 'The events could not be read.'}</p>}
      {events && events.length === 0 && (
        <p className="quiet">No events about this job{list?.truncated ? ' among the most recent ones' : ''} (Kubernetes keeps events for about an hour).</p>
      )}
      {events && events.length > 0 && (
        <ul className="events">
          {events.map((e, i) => (
            <li key={i} data-testid="job-event" className={e.type === 'Warning' ? 'event-warning' : undefined}>
              <span className="event-reason">
                {e.type === 'Warning' && <span className="sr-only">Warning: </span>}
                {e.reason ?? '–'}
              </span>
              <span className="event-object mono">{e.object}</span>
              <span className="event-when quiet">
                {e.count && e.count > 1 ? `×${e.count} · ` : ''}
                {e.lastSeen ? `${formatAge(secondsSince(e.lastSeen, now))} ago` : ''}
              </span>
              <span className="event-message">{e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
