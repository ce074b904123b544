// The one place that knows the HTTP contract (docs/architecture.md §2) and the shapes of its answers.
// Every answer goes through a normaliser that keeps what it recognises and drops the rest,
// so a view never crashes on a field the backend renamed or has not filled in yet.
// DOM-free on purpose: unit tests import it under Node.
import { normalizeAudit, normalizeFleet, normalizeSchedule, normalizeSchedules, type AuditEntry, type Fleet, type Schedule } from './fleetData.js';

export interface Scope {
  subscriptionId: string;
  resourceGroup: string;
}

export type LifecycleAction = 'start' | 'stop' | 'delete';
export type ExpectedPowerState = 'Running' | 'Stopped' | 'Deleted';
/** The power state each action ends in. */
export const EXPECTED_POWER_STATE: Record<LifecycleAction, ExpectedPowerState> = {
  start: 'Running',
  stop: 'Stopped',
  delete: 'Deleted',
};
export type Category = 'nodes' | 'pods' | 'top-nodes' | 'warmup-status' | 'events';
export const CATEGORIES: readonly Category[] = ['nodes', 'pods', 'top-nodes', 'warmup-status', 'events'];

/** Default role names (ROLE_READ / ROLE_OPERATE / ROLE_ADMIN in shared/config.ts). */
export const ROLE_NAMES = { read: 'Dashboard.Read', operate: 'Cluster.Operate', admin: 'Cluster.Admin' } as const;

/** What /api/me grants: `read` the monitor, `operate` (start, stop), `admin` (delete). */
export type Permission = 'read' | 'operate' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['read', 'operate', 'admin'];

export interface Me {
  name: string;
  provider: string;
  roles: string[];
  scopes: Scope[];
  /** The server's verdict from the caller's roles; when absent (older API) buttons follow ROLE_NAMES. */
  permissions?: Permission[];
}

export interface ServerTransition {
  action: LifecycleAction;
  expectedPowerState: string;
  startedAt?: number;
  deadline?: number;
  startedBy?: string;
  /** api: started through the backend; arm: seen in ARM's provisioningState (CLI, portal, another tool). */
  origin?: 'api' | 'arm';
  status: 'open' | 'timedOut' | 'failed';
}

export interface NodePool {
  name: string;
  count?: number;
  vmSize?: string;
  mode?: string;
}

export interface Cluster {
  name: string;
  location?: string;
  kubernetesVersion?: string;
  powerState?: string;
  provisioningState?: string;
  nodePools: NodePool[];
  fqdn?: string;
  transition?: ServerTransition;
}

export interface CacheInfo {
  state: string;
  ageSeconds?: number;
  fetchedAt?: number;
  generation?: number | string;
}

export interface DegradedSource {
  source: string;
  status?: number | string;
  message?: string;
}

export interface Envelope<T> {
  data: T | null;
  /** Why data is null, e.g. 'clusterStopped'. */
  reason?: string;
  cache?: CacheInfo;
  degraded: DegradedSource[];
  /** Transitions the envelope names, by cluster. */
  transitions: Record<string, ServerTransition>;
  /** When the answer arrived (client clock), to age cache.ageSeconds on screen. */
  receivedAt: number;
}

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

export type WarmupState = 'done' | 'running' | 'failed' | 'stale' | 'missing' | 'unknown';

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

export interface CategoryData {
  nodes: KubeNode[];
  pods: PodList;
  'top-nodes': NodeUsage[];
  'warmup-status': WarmupStatus;
  events: EventList;
}

export interface EventList {
  items: KubeEvent[];
  /** More events exist than the API listed. */
  truncated: boolean;
}

export interface InspectorItem {
  at?: number;
  method: string;
  path: string;
  query?: string;
  status?: number;
  durationMs?: number;
  requestId?: string;
  caller?: string;
  errorCode?: string;
  requestBody?: string;
  responseBody?: string;
}

export interface LifecycleResult {
  operation?: { action?: string; cluster?: string; status?: string };
  transition?: ServerTransition;
  /** ARM accepted, but some bookkeeping failed (e.g. the transition row): what was not done. */
  degraded: DegradedSource[];
  requestId?: string;
}

/** An API failure as the user sees it: always with the request id when the server gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// ---------- small readers of unknown JSON ----------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const bool = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : v === 'True' || v === 'true' ? true : v === 'False' || v === 'false' ? false : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : isObject(x) ? describeObject(x) : '')).filter(Boolean) : [];

function describeObject(o: Json): string {
  // taints {key, value, effect}; involved objects {kind, name}
  if (str(o.key)) return `${o.key}${str(o.value) ? `=${o.value}` : ''}${str(o.effect) ? `:${o.effect}` : ''}`;
  if (str(o.name)) return `${str(o.kind) ? `${o.kind}/` : ''}${o.name}`;
  return '';
}

/** Epoch ms from an ISO string or epoch ms/seconds. */
export function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  const n = num(v);
  if (n === undefined) return undefined;
  return n < 1e11 ? n * 1000 : n; // seconds would be before 1973 in ms
}

/** Kubernetes CPU quantity ("1900m", "2", 2) → millicores. */
export function parseCpuMillicores(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*([0-9.]+)\s*(m|n|u)?\s*$/.exec(v);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return undefined;
  const unit = m[2];
  return unit === 'm' ? value : unit === 'u' ? value / 1000 : unit === 'n' ? value / 1e6 : value * 1000;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** Kubernetes memory quantity ("7Gi", "123456Ki", 1024) → bytes. */
export function parseMemoryBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*([0-9.]+)\s*([kMGT]i?|Ki)?\s*$/.exec(v);
  if (!m) return undefined;
  const factor = MEMORY_UNITS[m[2] ?? ''];
  const value = Number(m[1]);
  return factor !== undefined && Number.isFinite(value) ? value * factor : undefined;
}

// ---------- normalisers ----------

const ACTIONS: readonly LifecycleAction[] = ['start', 'stop', 'delete'];
export const isLifecycleAction = (v: unknown): v is LifecycleAction => ACTIONS.includes(v as LifecycleAction);

export function normalizeTransition(v: unknown): ServerTransition | undefined {
  if (!isObject(v) || !isLifecycleAction(v.action)) return undefined;
  const expected = str(v.expectedPowerState) ?? EXPECTED_POWER_STATE[v.action];
  return {
    action: v.action,
    expectedPowerState: expected,
    startedAt: toEpochMs(v.startedAt),
    deadline: toEpochMs(v.deadline),
    startedBy: str(v.startedBy),
    origin: v.source === 'api' || v.source === 'arm' ? v.source : undefined,
    status: v.status === 'timedOut' || v.status === 'failed' ? v.status : 'open',
  };
}

export function normalizeScope(v: unknown): Scope | undefined {
  if (typeof v === 'string') {
    const [subscriptionId, resourceGroup, ...rest] = v.split('/');
    return subscriptionId && resourceGroup && rest.length === 0 ? { subscriptionId, resourceGroup } : undefined;
  }
  if (!isObject(v)) return undefined;
  const subscriptionId = str(v.subscriptionId);
  const resourceGroup = str(v.resourceGroup);
  return subscriptionId && resourceGroup ? { subscriptionId, resourceGroup } : undefined;
}

export function normalizeMe(v: unknown): Me {
  const o = isObject(v) ? v : {};
  return {
    name: str(o.name) ?? 'unknown',
    provider: str(o.provider) ?? '',
    roles: strings(o.roles),
    scopes: arr(o.scopes).map(normalizeScope).filter((s): s is Scope => s !== undefined),
    permissions: Array.isArray(o.permissions)
      ? PERMISSIONS.filter((p) => (o.permissions as unknown[]).includes(p))
      : undefined,
  };
}

export function normalizeCluster(v: unknown): Cluster | undefined {
  if (!isObject(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  // powerState arrives as 'Running' or ARM's { code: 'Running' }
  const powerState = str(v.powerState) ?? (isObject(v.powerState) ? str(v.powerState.code) : undefined);
  const pools = Array.isArray(v.nodePools) ? v.nodePools : arr(v.agentPoolProfiles);
  return {
    name,
    location: str(v.location),
    kubernetesVersion: str(v.kubernetesVersion) ?? str(v.currentKubernetesVersion),
    powerState,
    provisioningState: str(v.provisioningState),
    nodePools: pools
      .filter(isObject)
      .map((p) => ({ name: str(p.name) ?? '?', count: num(p.count), vmSize: str(p.vmSize), mode: str(p.mode) })),
    fqdn: str(v.fqdn),
    transition: normalizeTransition(v.transition),
  };
}

function normalizeTransitions(v: unknown, clusters: Cluster[] | null): Record<string, ServerTransition> {
  const out: Record<string, ServerTransition> = {};
  const add = (cluster: unknown, t: unknown) => {
    const name = str(cluster);
    const transition = normalizeTransition(t);
    if (name && transition) out[name] = transition;
  };
  if (Array.isArray(v)) {
    for (const t of v) if (isObject(t)) add(t.cluster, t);
  } else if (isObject(v)) {
    if (str(v.cluster)) add(v.cluster, v);
    else for (const [cluster, t] of Object.entries(v)) add(cluster, t);
  }
  for (const c of clusters ?? []) if (c.transition) out[c.name] = c.transition;
  return out;
}

function normalizeCache(v: unknown): CacheInfo | undefined {
  if (!isObject(v)) return undefined;
  return {
    state: str(v.state) ?? 'unknown',
    ageSeconds: num(v.ageSeconds),
    fetchedAt: toEpochMs(v.fetchedAt),
    generation: typeof v.generation === 'string' ? v.generation : num(v.generation),
  };
}

function normalizeDegraded(v: unknown): DegradedSource[] {
  return arr(v)
    .filter(isObject)
    .map((d) => ({ source: str(d.source) ?? 'unknown', status: num(d.status) ?? str(d.status), message: str(d.message) }));
}

export function normalizeEnvelope<T>(
  v: unknown,
  data: (raw: unknown, receivedAt: number) => T,
  receivedAt: number,
  clusterName?: string,
): Envelope<T> {
  const o = isObject(v) ? v : {};
  const value = o.data === null || o.data === undefined ? null : data(o.data, receivedAt);
  const transitions = normalizeTransitions(
    o.transition ?? o.transitions,
    !clusterName && Array.isArray(value) ? (value as unknown as Cluster[]) : null,
  );
  // a per-cluster envelope may carry its cluster's transition without naming the cluster
  if (clusterName && isObject(o.transition) && !str(o.transition.cluster)) {
    const t = normalizeTransition(o.transition);
    if (t) transitions[clusterName] = t;
  }
  return {
    data: value,
    reason: str(o.reason),
    cache: normalizeCache(o.cache),
    degraded: normalizeDegraded(o.degraded),
    transitions,
    receivedAt,
  };
}

export const normalizeClusters = (v: unknown): Cluster[] =>
  arr(v).map(normalizeCluster).filter((c): c is Cluster => c !== undefined);

function normalizeNode(v: unknown, receivedAt: number): KubeNode | undefined {
  if (!isObject(v) || !str(v.name)) return undefined;
  const allocatable = isObject(v.allocatable) ? v.allocatable : {};
  const ageSeconds = num(v.ageSeconds);
  const unschedulable = bool(v.unschedulable);
  return {
    name: str(v.name)!,
    ready: bool(v.ready),
    roles: typeof v.roles === 'string' ? [v.roles] : strings(v.roles),
    pool: str(v.pool),
    version: str(v.version),
    createdAt: toEpochMs(v.createdAt) ?? (ageSeconds !== undefined ? receivedAt - ageSeconds * 1000 : undefined),
    taints: strings(v.taints),
    ...(unschedulable !== undefined ? { unschedulable } : {}),
    // the API sends numbers ({ cpuMillicores, memoryBytes }); raw Kubernetes quantities are read too
    allocatableMillicores: num(allocatable.cpuMillicores) ?? parseCpuMillicores(allocatable.cpu),
    allocatableMemoryBytes: num(allocatable.memoryBytes) ?? parseMemoryBytes(allocatable.memory),
  };
}

function normalizePod(v: unknown): Pod | undefined {
  if (!isObject(v) || !str(v.name)) return undefined;
  return {
    namespace: str(v.namespace),
    name: str(v.name)!,
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
  if (!isObject(v) || !str(v.name)) return undefined;
  return {
    name: str(v.name)!,
    cpuMillicores: num(v.cpuMillicores) ?? parseCpuMillicores(v.cpu),
    memoryBytes: num(v.memoryBytes) ?? parseMemoryBytes(v.memory),
    cpuPercent: num(v.cpuPercent),
    memoryPercent: num(v.memoryPercent),
  };
}

const WARMUP_STATES: readonly WarmupState[] = ['done', 'running', 'failed', 'stale', 'missing'];

function normalizeWarmupNode(v: unknown): WarmupNode | undefined {
  if (!isObject(v)) return undefined;
  const node = str(v.node) ?? str(v.name);
  if (!node) return undefined;
  const status = WARMUP_STATES.includes(v.status as WarmupState) ? (v.status as WarmupState) : 'unknown';
  const logTail = Array.isArray(v.logTail) ? strings(v.logTail).join('\n') : str(v.logTail);
  return {
    node,
    status,
    job: str(v.job) ?? (isObject(v.job) ? str(v.job.name) : undefined),
    reason: str(v.reason),
    gone: v.gone === true ? true : undefined,
    finishedAt: toEpochMs(v.finishedAt),
    logTail: logTail || undefined,
  };
}

function normalizeEvent(v: unknown): KubeEvent | undefined {
  if (!isObject(v)) return undefined;
  return {
    type: str(v.type),
    reason: str(v.reason),
    namespace: str(v.namespace),
    object: str(v.object) ?? (isObject(v.object) ? describeObject(v.object) : undefined),
    message: str(v.message),
    count: num(v.count),
    lastSeen: toEpochMs(v.lastSeen),
  };
}

const listOf = <T>(v: unknown, item: (x: unknown) => T | undefined): T[] =>
  (Array.isArray(v) ? v : isObject(v) ? arr(v.items) : []).map(item).filter((x): x is T => x !== undefined);

/** Events with warnings first, newest first within each group. */
export function sortEvents(events: KubeEvent[]): KubeEvent[] {
  const rank = (e: KubeEvent) => (e.type === 'Warning' ? 0 : 1);
  return [...events].sort((a, b) => rank(a) - rank(b) || (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
}

export const CATEGORY_NORMALIZERS: { [C in Category]: (v: unknown, receivedAt: number) => CategoryData[C] } = {
  nodes: (v, receivedAt) => listOf(v, (x) => normalizeNode(x, receivedAt)),
  pods: (v) => ({ items: listOf(v, normalizePod), truncated: isObject(v) && v.truncated === true }),
  'top-nodes': (v) => listOf(v, normalizeUsage),
  'warmup-status': (v) => ({
    nodes: listOf(isObject(v) ? v.nodes : v, normalizeWarmupNode),
    jobs: arr(isObject(v) ? v.jobs : undefined)
      .filter(isObject)
      .map((j) => ({ name: str(j.name) ?? '?', status: str(j.status) })),
  }),
  events: (v) => ({ items: sortEvents(listOf(v, normalizeEvent)), truncated: isObject(v) && v.truncated === true }),
};

/** A captured body, indented when it is whole JSON (a truncated one stays as it came). */
function body(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return JSON.stringify(v, null, 2);
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null ? JSON.stringify(parsed, null, 2) : v;
  } catch {
    return v;
  }
}

export function normalizeInspector(v: unknown): InspectorItem[] {
  return listOf(v, (x) => {
    if (!isObject(x)) return undefined;
    return {
      at: toEpochMs(x.at),
      method: str(x.method) ?? '?',
      path: str(x.path) ?? '?',
      // the API sends the query as { name: value }
      query: str(x.query) ?? (isObject(x.query) && Object.keys(x.query).length ? new URLSearchParams(Object.entries(x.query).map(([k, q]): [string, string] => [k, String(q)])).toString() : undefined),
      status: num(x.status),
      durationMs: num(x.durationMs),
      requestId: str(x.requestId),
      caller: str(x.caller),
      errorCode: str(x.errorCode),
      requestBody: body(x.requestBody),
      responseBody: body(x.responseBody),
    };
  });
}

// ---------- the client ----------

export interface ApiClientOptions {
  /** '' for same origin, else e.g. https://func-elb.azurewebsites.net (no trailing /api). */
  baseUrl: string;
  fetch: typeof fetch;
  now?: () => number;
  /** Every call gives up after this long, so a hung request cannot hold its poll key forever. */
  timeoutMs?: number;
}

export interface ApiClient {
  me(): Promise<Me>;
  clusters(scope: Scope): Promise<Envelope<Cluster[]>>;
  category<C extends Category>(scope: Scope, cluster: string, category: C): Promise<Envelope<CategoryData[C]>>;
  lifecycle(action: LifecycleAction, scope: Scope, cluster: string): Promise<LifecycleResult>;
  inspector(limit: number): Promise<InspectorItem[]>;
  fleet(): Promise<Fleet>;
  audit(scope: Scope, cluster?: string, limit?: number): Promise<{ entries: AuditEntry[]; continuationToken?: string }>;
  schedules(scope: Scope): Promise<Schedule[]>;
  createSchedule(input: Scope & Pick<Schedule, 'cluster' | 'action' | 'cron' | 'timeZone'>): Promise<Schedule | undefined>;
  /** keepRunningUntil: an ISO time, or null to clear it. */
  updateSchedule(id: string, changes: { enabled?: boolean; keepRunningUntil?: string | null }): Promise<Schedule | undefined>;
  deleteSchedule(id: string): Promise<void>;
}

const scopeQuery = (scope: Scope) =>
  `subscriptionId=${encodeURIComponent(scope.subscriptionId)}&resourceGroup=${encodeURIComponent(scope.resourceGroup)}`;

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 20_000;
  // Cross-origin (Azure: static site → Function App) needs the App Service Authentication cookie.
  const credentials: 'include' | 'same-origin' = base ? 'include' : 'same-origin';

  async function call(
    path: string,
    init: { method?: string; json?: unknown; etag?: string } = {},
  ): Promise<{ body: unknown; requestId?: string; etag?: string; notModified?: boolean }> {
    let response: Response;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    if (init.etag !== undefined) headers['if-none-match'] = init.etag;
    try {
      response = await options.fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        credentials,
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new ApiError(timedOut ? `No answer within ${timeoutMs / 1000} s` : 'The API cannot be reached', 0, timedOut ? 'timeout' : 'network');
    }
    const headerId = response.headers.get('x-request-id') ?? undefined;
    if (response.status === 304) return { body: undefined, requestId: headerId, notModified: true };
    const text = await response.text().catch(() => '');
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : isObject(parsed) ? parsed : {};
      throw new ApiError(
        str(error.message) ?? `HTTP ${response.status}`,
        response.status,
        str(error.code) ?? `http${response.status}`,
        str(error.requestId) ?? headerId,
        str(error.field),
      );
    }
    if (parsed === undefined && text) throw new ApiError('The API answered with something that is not JSON', response.status, 'badJson', headerId);
    return { body: parsed, requestId: headerId, etag: response.headers.get('etag') ?? undefined };
  }

  // The last answer of each monitor read and its ETag: a poll sends If-None-Match, and a 304 hands back the very same
  // envelope object, so nothing downstream sees a change (the poller then notifies no one, no view re-renders).
  const held = new Map<string, { etag: string; envelope: Envelope<unknown> }>();
  async function conditional<T>(path: string, normalize: (raw: unknown) => Envelope<T>): Promise<Envelope<T>> {
    const previous = held.get(path);
    const answer = await call(path, previous ? { etag: previous.etag } : {});
    if (answer.notModified && previous) return previous.envelope as Envelope<T>;
    const envelope = normalize(answer.body);
    held.delete(path);
    if (answer.etag) {
      if (held.size >= 256) held.delete(held.keys().next().value!); // bounded: the oldest goes first
      held.set(path, { etag: answer.etag, envelope });
    }
    return envelope;
  }

  return {
    async me() {
      return normalizeMe((await call('/api/me')).body);
    },
    async clusters(scope) {
      return conditional(`/api/monitor/aks?${scopeQuery(scope)}`, (raw) => normalizeEnvelope(raw, normalizeClusters, now()));
    },
    async category(scope, cluster, category) {
      return conditional(`/api/monitor/aks/${encodeURIComponent(cluster)}/${category}?${scopeQuery(scope)}`, (raw) =>
        normalizeEnvelope(raw, CATEGORY_NORMALIZERS[category], now(), cluster),
      );
    },
    async lifecycle(action, scope, cluster) {
      const { body: raw, requestId } = await call(`/api/aks/${action}`, { method: 'POST', json: { ...scope, cluster } });
      const o = isObject(raw) ? raw : {};
      const operation = isObject(o.operation) ? o.operation : undefined;
      return {
        operation: operation && { action: str(operation.action), cluster: str(operation.cluster), status: str(operation.status) },
        transition: normalizeTransition(o.transition),
        degraded: normalizeDegraded(o.degraded),
        requestId,
      };
    },
    async inspector(limit) {
      return normalizeInspector((await call(`/api/inspector?limit=${limit}`)).body);
    },
    async fleet() {
      return normalizeFleet((await call('/api/monitor/fleet')).body);
    },
    async audit(scope, cluster, limit = 50) {
      const filter = cluster ? `&cluster=${encodeURIComponent(cluster)}` : '';
      return normalizeAudit((await call(`/api/audit?${scopeQuery(scope)}${filter}&limit=${limit}`)).body);
    },
    async schedules(scope) {
      return normalizeSchedules((await call(`/api/schedules?${scopeQuery(scope)}`)).body);
    },
    async createSchedule(input) {
      return normalizeSchedule((await call('/api/schedules', { method: 'POST', json: input })).body);
    },
    async updateSchedule(id, changes) {
      return normalizeSchedule((await call(`/api/schedules/${encodeURIComponent(id)}`, { method: 'PUT', json: changes })).body);
    },
    async deleteSchedule(id) {
      await call(`/api/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
  };
}
