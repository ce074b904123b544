// A cluster's categories (nodes, pods, top-nodes, warm-up status with its warm databases, events, jobs): the
// dashboard's shapes and their parsers, reading exactly what the server sends (shared/wire/categories.ts, jobs.ts).
import {
  JOB_STATUSES,
  MONITOR_CATEGORIES,
  WARMUP_STATES,
  type DatabaseWarmState,
  type JobList as WireJobList,
  type JobStatus,
  type JobSummary,
  type WarmDatabase as WireWarmDatabase,
  type EventList as WireEventList,
  type EventSummary,
  type MonitorCategory,
  type NodeSummary,
  type NodeUsage as WireNodeUsage,
  type PodPage,
  type PodSummary,
  type WarmupJob,
  type WarmupNode as WireWarmupNode,
  type WarmupState as WireWarmupState,
  type WarmupStatus as WireWarmupStatus,
} from '../../../shared/wire/index.js';
import { bool, isObject, listOf, num, str, strings, toEpochMs } from './json.js';

export type Category = MonitorCategory;
export const CATEGORIES: readonly Category[] = MONITOR_CATEGORIES;

export interface KubeNode {
  name: string;
  ready?: boolean;
  roles: string[];
  pool?: string;
  version?: string;
  createdAt?: number;
  taints: string[];
  /** Cordoned (kubectl: SchedulingDisabled). */
  unschedulable?: boolean;
  allocatableMillicores?: number;
  allocatableMemoryBytes?: number;
}

export interface Pod {
  namespace?: string;
  name: string;
  phase?: string;
  /** kubectl's STATUS column: a container's reason (CrashLoopBackOff, Error, Completed…) or the phase. */
  status?: string;
  readyContainers?: number;
  totalContainers?: number;
  restarts?: number;
  node?: string;
  createdAt?: number;
}

export interface PodList {
  items: Pod[];
  truncated: boolean;
}

export interface NodeUsage {
  name: string;
  cpuMillicores?: number;
  memoryBytes?: number;
  cpuPercent?: number;
  memoryPercent?: number;
}

export type WarmupState = WireWarmupState | 'unknown';

export interface WarmupNode {
  node: string;
  status: WarmupState;
  job?: string;
  /** Why: the job's failure message, "node created after its warm-up completed", "node gone". */
  reason?: string;
  /** The node no longer exists. */
  gone?: boolean;
  finishedAt?: number;
  logTail?: string;
}

/** A database's warm-up across its jobs (one per shard): what a chip shows. */
export interface WarmDatabase extends Omit<WireWarmDatabase, 'status' | 'elapsedSeconds'> {
  /** 'unknown': a state this page does not know yet. */
  status: DatabaseWarmState | 'unknown';
  elapsedSeconds?: number;
}

export interface WarmupStatus {
  /** Per database: the chips. */
  databases: WarmDatabase[];
  nodes: WarmupNode[];
  jobs: { name: string; status?: string }[];
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  namespace?: string;
  object?: string;
  message?: string;
  count?: number;
  lastSeen?: number;
}

export interface EventList {
  items: KubeEvent[];
  /** More events exist than the API listed. */
  truncated: boolean;
}

export type { JobStatus } from '../../../shared/wire/index.js';
export { JOB_STATUSES } from '../../../shared/wire/index.js';

export interface Job {
  namespace: string;
  name: string;
  /** The `app` label (blast, elb-db-warmup…). */
  app?: string;
  status: JobStatus | 'unknown';
  active: number;
  succeeded: number;
  failed: number;
  completions: number;
  startedAt?: number;
  completedAt?: number;
  durationSeconds?: number;
  /** Failed jobs: the Failed condition's reason and message. */
  failure?: { reason: string; message?: string };
}

export interface JobList {
  /** Newest first, as the server sorts them. */
  items: Job[];
  counts: Record<JobStatus, number> & { total: number };
  truncated: boolean;
}

export interface CategoryData {
  nodes: KubeNode[];
  pods: PodList;
  'top-nodes': NodeUsage[];
  'warmup-status': WarmupStatus;
  events: EventList;
  jobs: JobList;
}

/** A taint as kubectl prints it: key=value:effect. */
function taintText(v: unknown): string | undefined {
  if (!isObject<NodeSummary['taints'][number]>(v) || !str(v.key)) return undefined;
  return `${str(v.key)}${str(v.value) ? `=${str(v.value)}` : ''}${str(v.effect) ? `:${str(v.effect)}` : ''}`;
}

function normalizeNode(v: unknown): KubeNode | undefined {
  if (!isObject<NodeSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const allocatable = isObject<NodeSummary['allocatable']>(v.allocatable) ? v.allocatable : {};
  const unschedulable = bool(v.unschedulable);
  return {
    name,
    ready: bool(v.ready),
    roles: strings(v.roles),
    pool: str(v.pool),
    version: str(v.version),
    createdAt: toEpochMs(v.createdAt),
    taints: listOf(v.taints, taintText),
    ...(unschedulable !== undefined ? { unschedulable } : {}),
    allocatableMillicores: num(allocatable.cpuMillicores),
    allocatableMemoryBytes: num(allocatable.memoryBytes),
  };
}

function normalizePod(v: unknown): Pod | undefined {
  if (!isObject<PodSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  return {
    namespace: str(v.namespace),
    name,
    phase: str(v.phase),
    status: str(v.status),
    readyContainers: num(v.readyContainers),
    totalContainers: num(v.totalContainers),
    restarts: num(v.restarts),
    node: str(v.node),
    createdAt: toEpochMs(v.createdAt),
  };
}

function normalizeUsage(v: unknown): NodeUsage | undefined {
  if (!isObject<WireNodeUsage>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  return {
    name,
    cpuMillicores: num(v.cpuMillicores),
    memoryBytes: num(v.memoryBytes),
    cpuPercent: num(v.cpuPercent),
    memoryPercent: num(v.memoryPercent),
  };
}

function normalizeWarmupNode(v: unknown): WarmupNode | undefined {
  if (!isObject<WireWarmupNode>(v)) return undefined;
  const node = str(v.node);
  if (!node) return undefined;
  const status = WARMUP_STATES.find((s) => s === v.status) ?? 'unknown';
  const logTail = strings(v.logTail).join('\n');
  return {
    node,
    status,
    job: isObject<NonNullable<WireWarmupNode['job']>>(v.job) ? str(v.job.name) : undefined,
    reason: str(v.reason),
    gone: v.gone === true ? true : undefined,
    finishedAt: toEpochMs(v.finishedAt),
    logTail: logTail || undefined,
  };
}

function normalizeWarmupJob(v: unknown): WarmupStatus['jobs'][number] | undefined {
  return isObject<WarmupJob>(v) ? { name: str(v.name) ?? '?', status: str(v.status) } : undefined;
}

const DATABASE_STATES: readonly DatabaseWarmState[] = ['ready', 'loading', 'failed', 'stale'];
const count = (v: unknown) => Math.max(0, Math.round(num(v) ?? 0));

function normalizeWarmDatabase(v: unknown): WarmDatabase | undefined {
  if (!isObject<WireWarmDatabase>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const progress = isObject<NonNullable<WireWarmDatabase['progress']>>(v.progress) ? v.progress : undefined;
  const percent = num(progress?.percent);
  const eta = num(progress?.etaSeconds);
  const elapsed = num(v.elapsedSeconds);
  return {
    name,
    status: DATABASE_STATES.find((s) => s === v.status) ?? 'unknown',
    total: count(v.total),
    ready: count(v.ready),
    failed: count(v.failed),
    active: count(v.active),
    shards: strings(v.shards),
    sourceVersions: strings(v.sourceVersions),
    staleReason: str(v.staleReason),
    elapsedSeconds: elapsed !== undefined && elapsed >= 0 ? elapsed : undefined,
    progress:
      percent === undefined ? undefined : { percent: Math.min(100, Math.max(0, percent)), ...(eta !== undefined && eta >= 0 ? { etaSeconds: eta } : {}) },
  };
}

function normalizeJob(v: unknown): Job | undefined {
  if (!isObject<JobSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const failure = isObject<NonNullable<JobSummary['failure']>>(v.failure) ? v.failure : undefined;
  const duration = num(v.durationSeconds);
  return {
    namespace: str(v.namespace) ?? 'default',
    name,
    app: str(v.app),
    status: JOB_STATUSES.find((s) => s === v.status) ?? 'unknown',
    active: count(v.active),
    succeeded: count(v.succeeded),
    failed: count(v.failed),
    completions: Math.max(1, count(v.completions)),
    startedAt: toEpochMs(v.startedAt),
    completedAt: toEpochMs(v.completedAt),
    durationSeconds: duration !== undefined && duration >= 0 ? duration : undefined,
    failure: failure && (str(failure.reason) || str(failure.message)) ? { reason: str(failure.reason) ?? 'Failed', message: str(failure.message) } : undefined,
  };
}

function normalizeJobList(v: unknown): JobList {
  const list = isObject<WireJobList>(v) ? v : {};
  const items = listOf(list.items, normalizeJob);
  const counts = isObject<WireJobList['counts']>(list.counts) ? list.counts : {};
  // counts as sent (they cover jobs beyond a truncated list); the items' own when the server sent none
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, num(counts[s]) ?? items.filter((j) => j.status === s).length])) as Record<JobStatus, number>;
  return { items, counts: { ...byStatus, total: num(counts.total) ?? items.length }, truncated: list.truncated === true };
}

function normalizeEvent(v: unknown): KubeEvent | undefined {
  if (!isObject<EventSummary>(v)) return undefined;
  return {
    type: str(v.type),
    reason: str(v.reason),
    namespace: str(v.namespace),
    object: str(v.object),
    message: str(v.message),
    count: num(v.count),
    lastSeen: toEpochMs(v.lastSeen),
  };
}

/** Events with warnings first, newest first within each group. */
export function sortEvents(events: KubeEvent[]): KubeEvent[] {
  const rank = (e: KubeEvent) => (e.type === 'Warning' ? 0 : 1);
  return [...events].sort((a, b) => rank(a) - rank(b) || (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
}

export const CATEGORY_NORMALIZERS: { [C in Category]: (v: unknown) => CategoryData[C] } = {
  nodes: (v) => listOf(v, normalizeNode),
  pods: (v) => {
    const page = isObject<PodPage>(v) ? v : {};
    return { items: listOf(page.items, normalizePod), truncated: page.truncated === true };
  },
  'top-nodes': (v) => listOf(v, normalizeUsage),
  'warmup-status': (v) => {
    const status = isObject<WireWarmupStatus>(v) ? v : {};
    return {
      databases: listOf(status.databases, normalizeWarmDatabase),
      nodes: listOf(status.nodes, normalizeWarmupNode),
      jobs: listOf(status.jobs, normalizeWarmupJob),
    };
  },
  events: (v) => {
    const list = isObject<WireEventList>(v) ? v : {};
    return { items: sortEvents(listOf(list.items, normalizeEvent)), truncated: list.truncated === true };
  },
  jobs: normalizeJobList,
};
