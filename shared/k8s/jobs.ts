// jobs: the batch/v1 Jobs of every namespace, newest first, with counts by status.
//
// The list is read in pages (limit + continue) up to a bound, then marked truncated: a cluster that keeps its job
// history (no ttlSecondsAfterFinished) can hold thousands. Pages come in the API server's order (namespace, name),
// so the bound cuts by name, not by age; the counts are of the jobs read. Of those, at most JOBS_SHOWN are answered:
// every running, failed and suspended job first, then the newest succeeded ones, so a failure is never pushed out
// by older successes.
import type { V1Job, V1JobCondition, V1JobList } from '@kubernetes/client-node';
import { freshContinueToken, iso, SOURCES, type ReadOptions } from './reads.js';
import type { Received } from './received.js';
import type { KubeSession } from './session.js';
import { callUpstream, type Degraded, type Reading } from './upstream.js';
import { redactText } from '../observability/redaction.js';
import { JOB_STATUSES, type JobList, type JobStatus, type JobSummary } from '../wire/index.js';
export type { JobList, JobStatus, JobSummary };

/** Jobs asked for per page. */
export const JOBS_PAGE_SIZE = 250;
/** Jobs read at most (two pages); more are reported as `truncated`. */
export const MAX_JOBS_READ = 500;
/** Jobs answered at most (the rest are counted). */
export const JOBS_SHOWN = 200;

export interface JobsOptions extends ReadOptions {
  pageSize?: number;
  maxJobs?: number;
  shown?: number;
}

const CONTINUED_AT_LATEST =
  'the job list changed too long ago for a consistent listing: it went on from the current list, so jobs created or deleted meanwhile may be missing or counted twice';

export async function readJobs(session: KubeSession, options: JobsOptions = {}): Promise<Reading<JobList>> {
  const now = (options.now ?? Date.now)();
  const max = Math.max(1, options.maxJobs ?? MAX_JOBS_READ);
  const pageSize = Math.max(1, options.pageSize ?? JOBS_PAGE_SIZE);
  const degraded: Degraded[] = [];
  const listed = await callUpstream(
    SOURCES.jobs,
    async (signal) => {
      const items: Received<V1Job>[] = [];
      let token: string | undefined;
      do {
        const limit = Math.min(pageSize, max - items.length);
        let page: Received<V1JobList>;
        try {
          page = await session.batch.listJobForAllNamespaces({ limit, _continue: token }, session.callOptions(signal));
        } catch (error) {
          // The first page's snapshot was compacted: go on from the current list with the token the 410 offers.
          const fresh = token ? freshContinueToken(error) : undefined;
          if (!fresh) throw error;
          degraded.push({ source: SOURCES.jobs, status: 410, message: CONTINUED_AT_LATEST });
          page = await session.batch.listJobForAllNamespaces({ limit, _continue: fresh }, session.callOptions(signal));
        }
        items.push(...(page.items ?? []));
        token = page.metadata?._continue || undefined;
      } while (token && items.length < max);
      return { items, truncated: Boolean(token) };
    },
    { timeoutMs: session.timeoutMs, signal: options.signal },
  );
  if (!listed.ok) return { data: { items: [], counts: countJobs([]), truncated: false }, degraded: [listed.degraded] };
  const all = listed.value.items.map((job) => ({ job: summarizeJob(job, now), createdAt: iso(job.metadata?.creationTimestamp) ?? '' }));
  const summaries = all.map((listedJob) => listedJob.job);
  return { data: { items: showJobs(all, options.shown ?? JOBS_SHOWN), counts: countJobs(summaries), truncated: listed.value.truncated }, degraded };
}

/** One Job as the dashboard shows it. Failed wins over complete (a Job never has both), then suspended, then running. */
export function summarizeJob(job: Received<V1Job>, now: number): JobSummary {
  const conditions = job.status?.conditions ?? [];
  const failure = trueCondition(conditions, 'Failed') ?? trueCondition(conditions, 'FailureTarget');
  const complete = trueCondition(conditions, 'Complete') ?? trueCondition(conditions, 'SuccessCriteriaMet');
  const status: JobStatus = failure ? 'failed' : complete ? 'succeeded' : job.spec?.suspend ? 'suspended' : 'running';
  const startedAt = iso(job.status?.startTime);
  // A failed Job has no completionTime: it ended when its Failed condition turned True.
  const completedAt =
    status === 'succeeded'
      ? (iso(job.status?.completionTime) ?? iso(complete?.lastTransitionTime))
      : status === 'failed'
        ? (iso(failure?.lastTransitionTime) ?? iso(job.status?.completionTime))
        : null;
  const end = completedAt ? Date.parse(completedAt) : status === 'running' ? now : undefined;
  return {
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    app: job.metadata?.labels?.['app'] ?? null,
    status,
    active: job.status?.active ?? 0,
    succeeded: job.status?.succeeded ?? 0,
    failed: job.status?.failed ?? 0,
    completions: job.spec?.completions ?? 1,
    startedAt,
    completedAt,
    durationSeconds: startedAt && end !== undefined ? Math.max(0, Math.round((end - Date.parse(startedAt)) / 1000)) : null,
    // Workloads write what they like into a failure message.
    ...(failure ? { failure: { reason: failure.reason ?? 'Failed', message: redactText(failure.message ?? '') } } : {}),
  };
}

/** A summary and its job's creation time (for the order only: it is not part of the wire shape). */
interface ListedJob {
  job: JobSummary;
  createdAt: string;
}

function trueCondition(conditions: Received<V1JobCondition>[], type: string): Received<V1JobCondition> | undefined {
  return conditions.find((c) => c.type === type && c.status === 'True');
}

/** Newest first by start (creation for a job not started yet), then by creation, then by name. */
function newestFirst(a: ListedJob, b: ListedJob): number {
  const time = (listed: ListedJob) => listed.job.startedAt ?? listed.createdAt;
  return (
    time(b).localeCompare(time(a)) ||
    b.createdAt.localeCompare(a.createdAt) ||
    a.job.namespace.localeCompare(b.job.namespace) ||
    a.job.name.localeCompare(b.job.name)
  );
}

function showJobs(all: ListedJob[], shown: number): JobSummary[] {
  const ordered = [...all].sort(newestFirst).map((listed) => listed.job);
  const notSucceeded = ordered.filter((job) => job.status !== 'succeeded');
  const keep = new Set([...notSucceeded, ...ordered.filter((job) => job.status === 'succeeded')].slice(0, Math.max(0, shown)));
  return ordered.filter((job) => keep.has(job));
}

function countJobs(jobs: JobSummary[]): JobList['counts'] {
  const counts = { ...(Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>), total: jobs.length };
  for (const job of jobs) counts[job.status] += 1;
  return counts;
}
