// The per-cluster monitor reads: nodes, pods, top-nodes, events. Each resolves to { data, degraded }: an upstream
// fault empties its part and is named in `degraded`; it never throws for one (a bug still throws).
import type { CoreV1Event, NodeMetricsList, V1Node, V1Pod } from '@kubernetes/client-node';
import { cpuMillicores, memoryBytes, percentOf } from './quantity.js';
import type { Received } from './received.js';
import type { KubeSession } from './session.js';
import { callUpstream, isApiException, type Degraded, type Reading } from './upstream.js';
import { redactText } from '../observability/redaction.js';
import type { NodeSummary, PodSummary, PodPage, NodeUsage, EventSummary, EventList } from '../wire/index.js';
export type { NodeSummary, PodSummary, PodPage, NodeUsage, EventSummary, EventList };

export interface ReadOptions {
  /** Epoch ms of the reading (ages are computed against it). Default Date.now. */
  now?: () => number;
  /** The caller's signal (the request); every call is also bounded by the session's timeout. */
  signal?: AbortSignal;
}

export const SOURCES = {
  nodes: 'kubernetes:nodes',
  pods: 'kubernetes:pods',
  nodeMetrics: 'kubernetes:metrics.k8s.io/nodes',
  events: 'kubernetes:events',
  jobs: 'kubernetes:jobs',
  podLog: 'kubernetes:pods/log',
} as const;

// ---- nodes ----

export async function readNodes(session: KubeSession, options: ReadOptions = {}): Promise<Reading<NodeSummary[]>> {
  const now = (options.now ?? Date.now)();
  const listed = await listNodes(session, options);
  if (!listed.ok) return { data: [], degraded: [listed.degraded] };
  return { data: listed.value.map((node) => summarizeNode(node, now)), degraded: [] };
}

export function listNodes(session: KubeSession, options: ReadOptions) {
  return callUpstream(SOURCES.nodes, async (signal) => (await session.core.listNode({}, session.callOptions(signal))).items, {
    timeoutMs: session.timeoutMs,
    signal: options.signal,
  });
}

export function summarizeNode(node: V1Node, now: number): NodeSummary {
  const labels = node.metadata?.labels ?? {};
  const createdAt = iso(node.metadata?.creationTimestamp);
  const allocatable = node.status?.allocatable ?? {};
  return {
    name: node.metadata?.name ?? '',
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    roles: rolesOf(labels),
    pool: labels['agentpool'] ?? labels['kubernetes.azure.com/agentpool'] ?? null,
    version: node.status?.nodeInfo?.kubeletVersion ?? null,
    createdAt,
    ageSeconds: ageSeconds(createdAt, now),
    unschedulable: node.spec?.unschedulable ?? false,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    allocatable: { cpuMillicores: cpuMillicores(allocatable.cpu) ?? null, memoryBytes: memoryBytes(allocatable.memory) ?? null },
  };
}

/** As kubectl's ROLES column: node-role.kubernetes.io/<role> labels, else kubernetes.io/role (AKS: "agent"). */
function rolesOf(labels: Record<string, string>): string[] {
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  if (!roles.length && labels['kubernetes.io/role']) roles.push(labels['kubernetes.io/role']);
  return roles.sort();
}

// ---- pods ----

export const POD_PAGE_SIZE = 500;

export async function readPods(session: KubeSession, options: ReadOptions & { limit?: number; continue?: string } = {}): Promise<Reading<PodPage>> {
  const now = (options.now ?? Date.now)();
  const limit = Math.min(Math.max(1, options.limit ?? POD_PAGE_SIZE), POD_PAGE_SIZE);
  let restarted = false;
  const listed = await callUpstream(
    SOURCES.pods,
    async (signal) => {
      const list = (token: string | undefined) => session.core.listPodForAllNamespaces({ limit, _continue: token }, session.callOptions(signal));
      try {
        return await list(options.continue);
      } catch (error) {
        // The token's snapshot was compacted: the API server's 410 carries a token that goes on at the latest version.
        const fresh = options.continue ? freshContinueToken(error) : undefined;
        if (!fresh) throw error;
        restarted = true;
        return await list(fresh);
      }
    },
    { timeoutMs: session.timeoutMs, signal: options.signal },
  );
  if (!listed.ok) return { data: { items: [], truncated: false }, degraded: [listed.degraded] };
  const next = listed.value.metadata?._continue;
  return {
    data: {
      items: listed.value.items.map((pod) => summarizePod(pod, now)),
      truncated: Boolean(next),
      ...(next ? { continue: next } : {}),
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the catch inside the call above sets restarted; the checker cannot see that.
    degraded: restarted ? [{ source: SOURCES.pods, status: 410, message: CONTINUED_AT_LATEST }] : [],
  };
}

const CONTINUED_AT_LATEST =
  'the pod list changed too long ago for a consistent page: this page goes on from the current list, so pods created, changed or deleted since the first page may be missing or repeated';

/** The token a 410 Expired Status offers to go on with (metadata.continue), if any. */
export function freshContinueToken(error: unknown): string | undefined {
  if (!isApiException(error) || error.code !== 410) return undefined;
  try {
    const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    const token = (body as { metadata?: { continue?: unknown } } | null)?.metadata?.continue;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

export function summarizePod(pod: Received<V1Pod>, now: number): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const createdAt = iso(pod.metadata?.creationTimestamp);
  const phase = pod.status?.phase ?? 'Unknown';
  const reason = statuses.map((s) => s.state?.waiting?.reason ?? s.state?.terminated?.reason).find(Boolean);
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    phase,
    status: pod.metadata?.deletionTimestamp ? 'Terminating' : (reason ?? pod.status?.reason ?? phase),
    readyContainers: statuses.filter((s) => s.ready).length,
    totalContainers: pod.spec?.containers?.length ?? statuses.length,
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    node: pod.spec?.nodeName ?? null,
    createdAt,
    ageSeconds: ageSeconds(createdAt, now),
  };
}

// ---- top-nodes ----

/** metrics.k8s.io node metrics and one node list, at once (never client-node's topNodes: one pod list per node). */
export async function readTopNodes(session: KubeSession, options: ReadOptions = {}): Promise<Reading<NodeUsage[]>> {
  const [metrics, nodes] = await Promise.all([
    callUpstream(SOURCES.nodeMetrics, () => session.metrics.getNodeMetrics(), { timeoutMs: session.timeoutMs, signal: options.signal }),
    listNodes(session, options),
  ]);
  const degraded: Degraded[] = [];
  if (!metrics.ok) degraded.push(metrics.degraded);
  if (!nodes.ok) degraded.push(nodes.degraded);
  if (!metrics.ok) return { data: [], degraded };
  const allocatableByNode = new Map((nodes.ok ? nodes.value : []).map((n) => [n.metadata?.name ?? '', n.status?.allocatable ?? {}]));
  const received: Received<NodeMetricsList> = metrics.value;
  const data = (received.items ?? []).map((m): NodeUsage => {
    const cpu = cpuMillicores(m.usage?.cpu);
    const memory = memoryBytes(m.usage?.memory);
    const name = m.metadata?.name;
    const alloc = name === undefined ? undefined : allocatableByNode.get(name);
    const allocCpu = alloc ? cpuMillicores(alloc.cpu) : undefined;
    const allocMemory = alloc ? memoryBytes(alloc.memory) : undefined;
    return {
      name: name ?? '',
      cpuMillicores: cpu ?? null,
      memoryBytes: memory ?? null,
      cpuPercent: percentOf(cpu, allocCpu),
      memoryPercent: percentOf(memory, allocMemory),
      allocatable: alloc ? { cpuMillicores: allocCpu ?? null, memoryBytes: allocMemory ?? null } : null,
      sampledAt: iso(m.timestamp),
    };
  });
  data.sort((a, b) => a.name.localeCompare(b.name));
  return { data, degraded };
}

// ---- events ----

export const EVENTS_SHOWN = 200;
/** Events are kept ~1 h; a busy cluster has thousands. Read at most this many, then sort. */
const EVENTS_READ = 2000;

export async function readEvents(session: KubeSession, options: ReadOptions & { max?: number } = {}): Promise<Reading<EventList>> {
  const now = (options.now ?? Date.now)();
  const max = Math.max(1, options.max ?? EVENTS_SHOWN);
  const listed = await callUpstream(SOURCES.events, (signal) => session.core.listEventForAllNamespaces({ limit: EVENTS_READ }, session.callOptions(signal)), {
    timeoutMs: session.timeoutMs,
    signal: options.signal,
  });
  if (!listed.ok) return { data: { items: [], truncated: false }, degraded: [listed.degraded] };
  const all = listed.value.items.map((event) => summarizeEvent(event, now));
  all.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
  return {
    data: { items: all.slice(0, max), truncated: all.length > max || Boolean(listed.value.metadata?._continue) },
    degraded: [],
  };
}

export function summarizeEvent(event: Received<CoreV1Event>, now: number): EventSummary {
  const lastSeen = iso(event.lastTimestamp) ?? iso(event.series?.lastObservedTime) ?? iso(event.eventTime) ?? iso(event.metadata?.creationTimestamp);
  return {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: `${event.involvedObject?.kind ?? ''}/${event.involvedObject?.name ?? ''}`,
    namespace: event.metadata?.namespace ?? '',
    message: redactText(event.message ?? ''), // workloads write what they like into events
    count: event.count ?? event.series?.count ?? 1,
    lastSeen,
    ageSeconds: ageSeconds(lastSeen, now),
  };
}

// ---- helpers ----

/** ISO string of a Date or date string from the API; null when absent or invalid. */
export function iso(value: unknown): string | null {
  if (value === '') return null;
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(String(value)) : undefined;
  return !date || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function ageSeconds(isoTime: string | null, now: number): number | null {
  if (!isoTime) return null;
  return Math.max(0, Math.floor((now - Date.parse(isoTime)) / 1000));
}
