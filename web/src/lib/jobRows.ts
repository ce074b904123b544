// The Jobs card: the jobs of a scope's running clusters in one list, newest first, failures never dropped; and the
// events that belong to one job.
import { JOB_STATUSES, type Job, type JobList, type JobStatus, type KubeEvent } from './categoryData.js';

export interface JobRow {
  cluster: string;
  job: Job;
}

export interface ScopeJobs {
  rows: JobRow[];
  counts: Record<JobStatus, number> & { total: number };
  /** A cluster's list stopped at its bound: there are more jobs than listed. */
  truncated: boolean;
}

/** Not started yet (no start time) counts as newest: it was just created. */
const startOf = (job: Job) => job.startedAt ?? Number.POSITIVE_INFINITY;

export function mergeJobs(lists: readonly { cluster: string; list: JobList }[]): ScopeJobs {
  const rows = lists
    .flatMap(({ cluster, list }) => list.items.map((job) => ({ cluster, job })))
    .sort((a, b) => startOf(b.job) - startOf(a.job) || a.job.name.localeCompare(b.job.name));
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, lists.reduce((sum, { list }) => sum + list.counts[s], 0)])) as Record<JobStatus, number>;
  return {
    rows,
    counts: { ...counts, total: lists.reduce((sum, { list }) => sum + list.counts.total, 0) },
    truncated: lists.some(({ list }) => list.truncated),
  };
}

/** At most `limit` rows, newest first, but every failed job stays in (a failure is never hidden by newer successes). */
export function visibleJobRows(rows: readonly JobRow[], limit: number): JobRow[] {
  let others = 0;
  return rows.filter((row) => row.job.status === 'failed' || others++ < limit);
}

export const jobRowId = (row: JobRow) => `${row.cluster}/${row.job.namespace}/${row.job.name}`;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A job's events from its cluster's event list: the Job itself and its pods, in its namespace. A job's pods are named
 * `<job>-<5 characters>` (`<job>-<index>-<5>` for an indexed job), so job `blast` does not claim the pods of `blast-2`.
 */
export function eventsOfJob(events: readonly KubeEvent[], job: Pick<Job, 'name' | 'namespace'>): KubeEvent[] {
  const pod = new RegExp(`^Pod/${escapeRegExp(job.name)}-(\\d+-)?[a-z0-9]{5}$`);
  return events.filter((e) => (e.namespace === undefined || e.namespace === job.namespace) && (e.object === `Job/${job.name}` || pod.test(e.object ?? '')));
}
