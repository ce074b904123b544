// The `jobs` category (batch/v1 Jobs of every namespace) and the per-database view of the warm-up jobs.

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'suspended';
export const JOB_STATUSES: readonly JobStatus[] = ['running', 'succeeded', 'failed', 'suspended'];

export interface JobSummary {
  namespace: string;
  name: string;
  /** The job's `app` label, e.g. "blast", "elb-db-warmup"; null without one. */
  app: string | null;
  status: JobStatus;
  /** status.active / succeeded / failed pod counts. */
  active: number;
  succeeded: number;
  failed: number;
  /** spec.completions (1 when unset). */
  completions: number;
  startedAt: string | null;
  completedAt: string | null;
  /** Completion − start, or now − start while it runs; null before it starts. */
  durationSeconds: number | null;
  /** The Failed condition's reason (BackoffLimitExceeded, DeadlineExceeded…) and message, failed jobs only. */
  failure?: { reason: string; message: string };
}

export interface JobList {
  /** Newest first (by start, then creation); failed jobs are never dropped in favour of older succeeded ones. */
  items: JobSummary[];
  counts: Record<JobStatus, number> & { total: number };
  /** More jobs exist than were read (the listing stopped at its bound). */
  truncated: boolean;
}

/** A warm database's state across its warm-up jobs. */
export type DatabaseWarmState = 'ready' | 'loading' | 'failed' | 'stale';

export interface WarmDatabase {
  /** The jobs' `db` label, e.g. "core_nt". */
  name: string;
  status: DatabaseWarmState;
  total: number;
  ready: number;
  failed: number;
  active: number;
  /** Shards seen (the `shard` label), sorted; empty when the jobs carry none. */
  shards: string[];
  /** Distinct `elb.dashboard/source-version` annotations; more than one makes the database stale. */
  sourceVersions: string[];
  /** Why it is stale: "2 source versions", "node aks-nodepool1-0 gone", "node … not Ready". */
  staleReason?: string;
  /** Earliest start to latest completion (or now while loading). */
  elapsedSeconds: number | null;
  /** While loading, where the pods' logs tell it: 0–100, and an estimate of the time left. */
  progress?: { percent: number; etaSeconds?: number };
}
