// The HTTP client of the API (docs/architecture.md §2): one call per route, each answer read by the parser of its
// concept (monitorData, categoryData, storageData, registryData, fleetData, inspectorData), which take the wire types of shared/wire.
// DOM-free on purpose: unit tests import it under Node.
import type { ErrorEnvelope, LifecycleAccepted } from '../../../shared/wire/index.js';
import { CATEGORY_NORMALIZERS, type Category, type CategoryData } from './categoryData.js';
import {
  normalizeAudit,
  normalizeFleet,
  normalizeSchedule,
  normalizeSchedules,
  normalizeSubscription,
  type AuditEntry,
  type Fleet,
  type Schedule,
  type Subscription,
} from './fleetData.js';
import { normalizeAutoStop, normalizeAutoStopScope, type AutoStop, type AutoStopScope, type IdleMinutes } from './autostopData.js';
import { normalizeCost, normalizeCostFleet, type CostFleetView, type CostView } from './costData.js';
import { normalizeInspector, type InspectorView } from './inspectorData.js';
import { normalizeNotifications, type NotificationFeed } from './notificationsData.js';
import { isObject, listOf, str } from './json.js';
import { normalizeRegistries, type RegistryView } from './registryData.js';
import { normalizeStorage, type StorageView } from './storageData.js';
import {
  normalizeClusterList,
  normalizeDegraded,
  normalizeEnvelope,
  normalizeMe,
  normalizeTransition,
  type Cluster,
  type DegradedSource,
  type Envelope,
  type LifecycleAction,
  type Me,
  type Scope,
  type ServerTransition,
} from './monitorData.js';

// The views import the dashboard's shapes from here, whichever concept they belong to.
export * from './autostopData.js';
export * from './categoryData.js';
export * from './costData.js';
export * from './inspectorData.js';
export * from './monitorData.js';
export * from './notificationsData.js';
export * from './registryData.js';
export * from './storageData.js';

export interface LifecycleResult {
  operation?: { action?: string; cluster?: string; status?: string };
  transition?: ServerTransition;
  /** ARM accepted, but some bookkeeping failed (e.g. the transition row): what was not done. */
  degraded: DegradedSource[];
  requestId?: string;
}

function normalizeLifecycle(v: unknown, requestId: string | undefined): LifecycleResult {
  const o = isObject<LifecycleAccepted>(v) ? v : {};
  const operation = isObject<LifecycleAccepted['operation']>(o.operation) ? o.operation : undefined;
  return {
    operation: operation && { action: str(operation.action), cluster: str(operation.cluster), status: str(operation.status) },
    transition: normalizeTransition(o.transition),
    degraded: normalizeDegraded(o.degraded),
    requestId,
  };
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
  storage(scope: Scope): Promise<Envelope<StorageView>>;
  registry(scope: Scope): Promise<Envelope<RegistryView>>;
  lifecycle(action: LifecycleAction, scope: Scope, cluster: string): Promise<LifecycleResult>;
  inspector(limit: number): Promise<InspectorView>;
  fleet(): Promise<Fleet>;
  audit(scope: Scope, cluster?: string, limit?: number): Promise<{ entries: AuditEntry[]; continuationToken?: string }>;
  schedules(scope: Scope): Promise<Schedule[]>;
  createSchedule(input: Scope & Pick<Schedule, 'cluster' | 'action' | 'cron' | 'timeZone'>): Promise<Schedule | undefined>;
  /** keepRunningUntil: an ISO time, or null to clear it. */
  updateSchedule(id: string, changes: { enabled?: boolean; keepRunningUntil?: string | null }): Promise<Schedule | undefined>;
  deleteSchedule(id: string): Promise<void>;
  cost(scope: Scope): Promise<CostView>;
  costFleet(): Promise<CostFleetView>;
  autoStops(scope: Scope): Promise<AutoStopScope>;
  updateAutoStop(scope: Scope, cluster: string, changes: { enabled?: boolean; idleMinutes?: IdleMinutes }): Promise<AutoStop | undefined>;
  extendAutoStop(scope: Scope, cluster: string): Promise<AutoStop | undefined>;
  notifications(): Promise<NotificationFeed>;
  /** The allowed subscriptions by name (cached server-side like every monitor read). */
  subscriptions(): Promise<Subscription[]>;
  markNotificationsRead(): Promise<void>;
}

const scopeQuery = (scope: Scope) => `subscriptionId=${encodeURIComponent(scope.subscriptionId)}&resourceGroup=${encodeURIComponent(scope.resourceGroup)}`;

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
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = isObject<ErrorEnvelope>(parsed) && isObject<ErrorEnvelope['error']>(parsed.error) ? parsed.error : {};
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

  // The last answer of each monitor read (the fleet too) and its ETag: a poll sends If-None-Match, and a 304 hands back
  // the very same object, so nothing downstream sees a change (the poller then notifies no one, no view re-renders).
  const held = new Map<string, { etag: string; envelope: unknown }>();
  async function conditional<T>(path: string, normalize: (raw: unknown) => T): Promise<T> {
    const previous = held.get(path);
    const answer = await call(path, previous ? { etag: previous.etag } : {});
    if (answer.notModified && previous) return previous.envelope as T;
    const envelope = normalize(answer.body);
    held.delete(path);
    if (answer.etag) {
      const oldest = held.size >= 256 ? held.keys().next().value : undefined;
      if (oldest !== undefined) held.delete(oldest); // bounded: the oldest goes first
      held.set(path, { etag: answer.etag, envelope });
    }
    return envelope;
  }

  return {
    async me() {
      return normalizeMe((await call('/api/me')).body);
    },
    async clusters(scope) {
      return conditional(`/api/monitor/aks?${scopeQuery(scope)}`, (raw) => normalizeClusterList(raw, now()));
    },
    async category(scope, cluster, category) {
      return conditional(`/api/monitor/aks/${encodeURIComponent(cluster)}/${category}?${scopeQuery(scope)}`, (raw) =>
        normalizeEnvelope(raw, CATEGORY_NORMALIZERS[category], now()),
      );
    },
    async storage(scope) {
      return conditional(`/api/monitor/storage?${scopeQuery(scope)}`, (raw) => normalizeEnvelope(raw, normalizeStorage, now()));
    },
    async registry(scope) {
      return conditional(`/api/monitor/acr?${scopeQuery(scope)}`, (raw) => normalizeEnvelope(raw, normalizeRegistries, now()));
    },
    async lifecycle(action, scope, cluster) {
      const { body: raw, requestId } = await call(`/api/aks/${action}`, { method: 'POST', json: { ...scope, cluster } });
      return normalizeLifecycle(raw, requestId);
    },
    async inspector(limit) {
      return normalizeInspector((await call(`/api/inspector?limit=${limit}`)).body);
    },
    async fleet() {
      return conditional('/api/monitor/fleet', normalizeFleet);
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
    async cost(scope) {
      return normalizeCost((await call(`/api/cost?${scopeQuery(scope)}`)).body);
    },
    async costFleet() {
      return normalizeCostFleet((await call('/api/cost/fleet')).body);
    },
    async autoStops(scope) {
      return normalizeAutoStopScope((await call(`/api/autostop?${scopeQuery(scope)}`)).body, now());
    },
    async updateAutoStop(scope, cluster, changes) {
      return normalizeAutoStop(
        (await call(`/api/autostop?${scopeQuery(scope)}&cluster=${encodeURIComponent(cluster)}`, { method: 'PUT', json: changes })).body,
        now(),
      );
    },
    async extendAutoStop(scope, cluster) {
      return normalizeAutoStop((await call('/api/autostop/extend', { method: 'POST', json: { ...scope, cluster } })).body, now());
    },
    async subscriptions() {
      const envelope = normalizeEnvelope((await call('/api/monitor/subscriptions')).body, (raw) => listOf(raw, normalizeSubscription), now());
      return envelope.data ?? [];
    },
    async notifications() {
      return normalizeNotifications((await call('/api/notifications')).body);
    },
    async markNotificationsRead() {
      await call('/api/notifications/read', { method: 'POST' });
    },
  };
}
