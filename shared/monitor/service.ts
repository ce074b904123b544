// Monitor reads: the cluster list of a scope (ARM) and a cluster's categories (Kubernetes), through the shared cache.
// The routes and the refresh timer both go through here, so a key is always filled the same way.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import {
  cacheInfo,
  categoryKey,
  clusterListKey,
  clusterPrefix,
  type CacheRead,
  type MonitorCache,
  type MonitorCategory,
} from '../cache/index.js';
import { fromUpstreamError, notFound } from '../http/errors.js';
import { readClusterCategory, type Degraded, type KubeSession, type SessionPool } from '../k8s/index.js';
import type { Transition, TransitionStore } from '../lifecycle/transitions.js';
import type { Scope } from '../scope.js';
import { listClusters, type ClusterSummary } from './clusters.js';

export interface MonitorResponse<T> {
  data: T | null;
  cache: ReturnType<typeof cacheInfo>;
  degraded: Degraded[];
  /** Why data is null (a stopped cluster answers no per-cluster reads). */
  reason?: 'clusterStopped';
  /** Per-cluster reads: the cluster's open transition, if any. */
  transition?: Transition;
}

export interface MonitorDeps {
  cache: MonitorCache;
  transitions: TransitionStore;
  arm: (subscriptionId: string) => ContainerServiceClient;
  sessions: SessionPool<KubeSession>;
  settings: {
    transitionTtlSeconds: number;
    upstreamTimeoutMs: number;
    warmupLabelSelector: string;
    useAdminCredentials: boolean;
  };
  now?: () => number;
}

/** A stored reading is better than an error when ARM throttles or fails: serve it, marked degraded. */
function isUpstreamFault(error: unknown): boolean {
  const mapped = fromUpstreamError(error);
  return mapped !== undefined && (mapped.status === 429 || mapped.status >= 500);
}

function degradedOf(read: CacheRead<unknown>, source: string): Degraded[] {
  if (read.fetchError === undefined) return [];
  const mapped = fromUpstreamError(read.fetchError);
  return [{ source, status: mapped?.status ?? 502, message: `${mapped?.message ?? 'upstream failed'}; serving the reading of ${read.fetchedAt}` }];
}

function hasOpenTransition(clusters: readonly ClusterSummary[]): boolean {
  return clusters.some((cluster) => cluster.transition?.status === 'open');
}

export class MonitorService {
  private readonly now: () => number;

  constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Fetches a scope's clusters from ARM and reconciles its transitions with what ARM shows. */
  async fetchClusterList(scope: Scope): Promise<ClusterSummary[]> {
    const { arm, transitions, settings } = this.deps;
    const clusters = await listClusters(arm(scope.subscriptionId), scope.resourceGroup, AbortSignal.timeout(settings.upstreamTimeoutMs));
    const shown = await transitions.reconcile(scope, clusters);
    return clusters.map((cluster) => {
      const transition = shown.get(cluster.name);
      return transition ? { ...cluster, transition } : cluster;
    });
  }

  async readClusterList(scope: Scope): Promise<MonitorResponse<ClusterSummary[]>> {
    const key = clusterListKey(scope);
    const fetcher = () => this.fetchClusterList(scope);
    let read = await this.deps.cache.read(key, fetcher, { serveStaleOnError: isUpstreamFault });
    // While a transition is open the list lives only briefly, and is re-read at once past that: the moment ARM
    // flips, the next fast-poll sees it (no stale-while-revalidate round in between).
    const { transitionTtlSeconds } = this.deps.settings;
    if (read.state !== 'refreshed' && read.ageSeconds > transitionTtlSeconds && hasOpenTransition(read.value)) {
      read = await this.deps.cache.read(key, fetcher, { ttlSeconds: transitionTtlSeconds, swrSeconds: 0, serveStaleOnError: isUpstreamFault });
    }
    return { data: read.value, cache: cacheInfo(read), degraded: degradedOf(read, 'arm:managedClusters') };
  }

  /** Reads one category of one cluster with a pooled Kubernetes session. */
  async fetchCategory(scope: Scope, cluster: string, category: MonitorCategory) {
    const { sessions, settings } = this.deps;
    const key = { ...scope, cluster, admin: settings.useAdminCredentials };
    return sessions.use(key, (session) =>
      readClusterCategory(session, category, { now: this.now, warmupLabelSelector: settings.warmupLabelSelector }),
    );
  }

  async readCategory(scope: Scope, clusterName: string, category: MonitorCategory): Promise<MonitorResponse<unknown>> {
    const list = await this.readClusterList(scope);
    const cluster = list.data?.find((c) => c.name.toLowerCase() === clusterName.toLowerCase());
    if (!cluster) {
      // Gone (or never there): its cached rows go too, so nothing of it can be served again.
      await this.deps.cache.invalidatePrefix(clusterPrefix(scope, clusterName));
      throw notFound('clusterNotFound', `No cluster ${clusterName} in ${scope.resourceGroup}`);
    }
    if (cluster.powerState !== 'Running') {
      // Its API server does not listen: answer at once instead of waiting for a connect timeout.
      return { data: null, reason: 'clusterStopped', cache: list.cache, degraded: list.degraded, transition: cluster.transition };
    }
    const read = await this.deps.cache.read(
      categoryKey(scope, cluster.name, category),
      () => this.fetchCategory(scope, cluster.name, category),
      { serveStaleOnError: isUpstreamFault },
    );
    return {
      data: read.value.data,
      cache: cacheInfo(read),
      degraded: [...read.value.degraded, ...degradedOf(read, 'arm:listClusterCredential')],
      ...(cluster.transition ? { transition: cluster.transition } : {}),
    };
  }
}
