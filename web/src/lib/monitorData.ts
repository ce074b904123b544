// The monitor's envelope, the cluster list and transitions, and /api/me: the dashboard's shapes and their parsers.
// A parser reads the wire types of shared/wire (what the server sends, nothing else), keeps what checks out and
// drops the rest, so a view never crashes on a field the backend has not filled in.
import {
  EXPECTED_POWER_STATE,
  isLifecycleAction,
  PERMISSIONS,
  UNREADABLE_REASONS,
  type CacheInfo as WireCacheInfo,
  type ClusterSummary,
  type Degraded,
  type LifecycleAction,
  type Me as WireMe,
  type MonitorResponse,
  type NodePoolSummary,
  type Permission,
  type Transition,
  type UnreadableReason,
} from '../../../shared/wire/index.js';
import { arr, isObject, listOf, num, str, strings, toEpochMs } from './json.js';

export {
  EXPECTED_POWER_STATE,
  isLifecycleAction,
  PERMISSIONS,
  type ExpectedPowerState,
  type LifecycleAction,
  type Permission,
  type UnreadableReason,
} from '../../../shared/wire/index.js';

export interface Scope {
  subscriptionId: string;
  resourceGroup: string;
}

/** Default role names (ROLE_READ / ROLE_OPERATE / ROLE_ADMIN in shared/config.ts), named in disabled buttons. */
export const ROLE_NAMES = { read: 'Dashboard.Read', operate: 'Cluster.Operate', admin: 'Cluster.Admin' } as const;

export interface Me {
  name: string;
  provider: string;
  roles: string[];
  scopes: Scope[];
  /** The server's verdict from the caller's roles. */
  permissions: Permission[];
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
  /** ARM's resource id, for the portal link (portalUrlOf). */
  id?: string;
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
  generation?: number;
}

export interface DegradedSource {
  source: string;
  status?: number;
  message?: string;
}

export interface Envelope<T> {
  data: T | null;
  /** Why data is null, e.g. 'clusterStopped'. */
  reason?: UnreadableReason;
  cache?: CacheInfo;
  degraded: DegradedSource[];
  /** Transitions the envelope names, by cluster. */
  transitions: Record<string, ServerTransition>;
  /** When the answer arrived (client clock), to age cache.ageSeconds on screen. */
  receivedAt: number;
}

export function normalizeTransition(v: unknown): ServerTransition | undefined {
  if (!isObject<Transition>(v) || !isLifecycleAction(v.action)) return undefined;
  return {
    action: v.action,
    expectedPowerState: str(v.expectedPowerState) ?? EXPECTED_POWER_STATE[v.action],
    startedAt: toEpochMs(v.startedAt),
    deadline: toEpochMs(v.deadline),
    startedBy: str(v.startedBy),
    origin: v.source === 'api' || v.source === 'arm' ? v.source : undefined,
    status: v.status === 'timedOut' || v.status === 'failed' ? v.status : 'open',
  };
}

export function normalizeScope(v: unknown): Scope | undefined {
  if (!isObject<Scope>(v)) return undefined;
  const subscriptionId = str(v.subscriptionId);
  const resourceGroup = str(v.resourceGroup);
  return subscriptionId && resourceGroup ? { subscriptionId, resourceGroup } : undefined;
}

export function normalizeMe(v: unknown): Me {
  const o = isObject<WireMe>(v) ? v : {};
  const granted = arr(o.permissions);
  return {
    name: str(o.name) ?? 'unknown',
    provider: str(o.provider) ?? '',
    roles: strings(o.roles),
    scopes: listOf(o.scopes, normalizeScope),
    permissions: PERMISSIONS.filter((p) => granted.includes(p)),
  };
}

function normalizeNodePool(v: unknown): NodePool | undefined {
  if (!isObject<NodePoolSummary>(v)) return undefined;
  return { name: str(v.name) ?? '?', count: num(v.count), vmSize: str(v.vmSize), mode: str(v.mode) };
}

export function normalizeCluster(v: unknown): Cluster | undefined {
  if (!isObject<ClusterSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  return {
    name,
    id: str(v.id),
    location: str(v.location),
    kubernetesVersion: str(v.kubernetesVersion),
    powerState: str(v.powerState),
    provisioningState: str(v.provisioningState),
    nodePools: listOf(v.nodePools, normalizeNodePool),
    fqdn: str(v.fqdn),
    transition: normalizeTransition(v.transition),
  };
}

export const normalizeClusters = (v: unknown): Cluster[] => listOf(v, normalizeCluster);

function normalizeCache(v: unknown): CacheInfo | undefined {
  if (!isObject<WireCacheInfo>(v)) return undefined;
  return {
    state: str(v.state) ?? 'unknown',
    ageSeconds: num(v.ageSeconds),
    fetchedAt: toEpochMs(v.fetchedAt),
    generation: num(v.generation),
  };
}

export const normalizeDegraded = (v: unknown): DegradedSource[] =>
  listOf(v, (d) => (isObject<Degraded>(d) ? { source: str(d.source) ?? 'unknown', status: num(d.status), message: str(d.message) } : undefined));

/** A monitor answer; a per-cluster one carries its cluster's transition as `transition` (naming the cluster). */
export function normalizeEnvelope<T>(v: unknown, data: (raw: unknown, receivedAt: number) => T, receivedAt: number): Envelope<T> {
  const o = isObject<MonitorResponse<unknown>>(v) ? v : {};
  const transitions: Record<string, ServerTransition> = {};
  const own = normalizeTransition(o.transition);
  const ownCluster = isObject<Transition>(o.transition) ? str(o.transition.cluster) : undefined;
  if (own && ownCluster) transitions[ownCluster] = own;
  return {
    data: o.data === null || o.data === undefined ? null : data(o.data, receivedAt),
    reason: UNREADABLE_REASONS.find((r) => r === o.reason),
    cache: normalizeCache(o.cache),
    degraded: normalizeDegraded(o.degraded),
    transitions,
    receivedAt,
  };
}

/** A scope's cluster list: its transitions come on the clusters. */
export function normalizeClusterList(v: unknown, receivedAt: number): Envelope<Cluster[]> {
  const envelope = normalizeEnvelope(v, normalizeClusters, receivedAt);
  for (const cluster of envelope.data ?? []) if (cluster.transition) envelope.transitions[cluster.name] = cluster.transition;
  return envelope;
}
