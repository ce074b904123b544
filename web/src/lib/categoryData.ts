// A cluster's categories (nodes, pods, top-nodes, warm-up status, events): the dashboard's shapes and their parsers,
// reading exactly what the server sends (shared/wire/categories.ts).
import {
  MONITOR_CATEGORIES,
  WARMUP_STATES,
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

export interface WarmupStatus {
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

export interface CategoryData {
  nodes: KubeNode[];
  pods: PodList;
  'top-nodes': NodeUsage[];
  'warmup-status': WarmupStatus;
  events: EventList;
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
    return { nodes: listOf(status.nodes, normalizeWarmupNode), jobs: listOf(status.jobs, normalizeWarmupJob) };
  },
  events: (v) => {
    const list = isObject<WireEventList>(v) ? v : {};
    return { items: sortEvents(listOf(list.items, normalizeEvent)), truncated: list.truncated === true };
  },
};
