// The per-cluster categories of the monitor and the shape of each one's `data`.
import type { JobList, WarmDatabase } from './jobs.js';

export const MONITOR_CATEGORIES = ['nodes', 'pods', 'top-nodes', 'warmup-status', 'events', 'jobs'] as const;
export type MonitorCategory = (typeof MONITOR_CATEGORIES)[number];

export function isMonitorCategory(value: string): value is MonitorCategory {
  return (MONITOR_CATEGORIES as readonly string[]).includes(value);
}

export interface NodeSummary {
  name: string;
  ready: boolean;
  roles: string[];
  /** Agent pool (label agentpool / kubernetes.azure.com/agentpool). */
  pool: string | null;
  /** Kubelet version, e.g. "v1.31.2". */
  version: string | null;
  createdAt: string | null;
  ageSeconds: number | null;
  unschedulable: boolean;
  taints: { key: string; value?: string; effect: string }[];
  allocatable: { cpuMillicores: number | null; memoryBytes: number | null };
}

export interface PodSummary {
  namespace: string;
  name: string;
  phase: string;
  /** kubectl's STATUS: a container's waiting/terminated reason (CrashLoopBackOff, Error...) or the phase. */
  status: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  node: string | null;
  createdAt: string | null;
  ageSeconds: number | null;
}

export interface PodPage {
  items: PodSummary[];
  /** More pods exist than were read; `continue` fetches the next page. */
  truncated: boolean;
  continue?: string;
}

export interface NodeUsage {
  name: string;
  cpuMillicores: number | null;
  memoryBytes: number | null;
  /** % of allocatable; null when allocatable is unknown (nodes read degraded). */
  cpuPercent: number | null;
  memoryPercent: number | null;
  allocatable: { cpuMillicores: number | null; memoryBytes: number | null } | null;
  /** When metrics-server sampled the node. */
  sampledAt: string | null;
}

export type WarmupState = 'done' | 'running' | 'failed' | 'stale' | 'missing';
export const WARMUP_STATES: readonly WarmupState[] = ['done', 'running', 'failed', 'stale', 'missing'];

export interface WarmupNode {
  node: string;
  status: WarmupState;
  /** The node is gone (its warm-up job names a node the cluster no longer has). */
  gone?: boolean;
  job?: { namespace: string; name: string };
  /** Completion (done/stale) or failure time of the job. */
  finishedAt?: string;
  /** Why: the job's failure message, "node created after its warm-up completed", "node gone". */
  reason?: string;
  /** Last lines of the warm-up pod's log (failing or running pods only). */
  logTail?: string[];
}

export interface WarmupJob {
  namespace: string;
  name: string;
  node?: string;
  status: Exclude<WarmupState, 'missing'>;
  startedAt?: string;
  completedAt?: string;
  failedAt?: string;
  message?: string;
}

export interface WarmupStatus {
  /** Per database (the jobs' `db` label): the chips. Jobs without a `db` label count only in the per-node view. */
  databases: WarmDatabase[];
  nodes: WarmupNode[];
  jobs: WarmupJob[];
  summary: Record<WarmupState, number> & { nodes: number; jobs: number };
}

export interface EventSummary {
  type: string;
  reason: string;
  /** "Kind/name", e.g. "Pod/warmup-db-7x2kq". */
  object: string;
  namespace: string;
  message: string;
  count: number;
  lastSeen: string | null;
  ageSeconds: number | null;
}

export interface EventList {
  items: EventSummary[];
  /** More events exist than are listed. */
  truncated: boolean;
}

/** The `data` of each category's answer. */
export interface CategoryData {
  nodes: NodeSummary[];
  pods: PodPage;
  'top-nodes': NodeUsage[];
  'warmup-status': WarmupStatus;
  events: EventList;
  jobs: JobList;
}
