// Monitor reads: the cluster list of a scope (ARM) and a cluster's categories (Kubernetes), through the shared cache.
// The routes and the refresh timer both go through here, so a key is always filled the same way.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { cacheInfo, categoryKey, clusterListKey, type CacheRead, type MonitorCache, type MonitorCategory } from '../cache/index.js';
import { ClusterNotFound, FAILURE_STATUS, isArmNotFound, isUpstreamFault, ResourceGroupNotFound, Throttled, upstreamFailure } from '../errors.js';
import { withReadingVersion } from '../readingVersion.js';
import {
  explainForbidden,
  isSessionFault,
  readClusterCategory,
  readPods,
  type Degraded,
  type KubeSession,
  type PodPage,
  type Reading,
  type SessionPool,
} from '../k8s/index.js';
import type { TransitionStore } from '../lifecycle/transitions.js';
import type { Scope } from '../scope.js';
import { listClusters, type ClusterSummary } from './clusters.js';
import { unreadableReason } from './readability.js';
import type { MonitorResponse } from '../wire/index.js';
export type { MonitorResponse };

export interface MonitorDeps {
  cache: MonitorCache;
  transitions: TransitionStore;
  arm: (subscriptionId: string) => ContainerServiceClient;
  sessions: SessionPool<KubeSession>;
  /** Refuses a scope's first read (nothing stored) when it names no real resource group (`{sub}/*` scopes). */
  resourceGroups?: { admit(scope: Scope): Promise<void> };
  settings: {
    transitionTtlSeconds: number;
    upstreamTimeoutMs: number;
    warmupLabelSelector: string;
    useAdminCredentials: boolean;
  };
  now?: () => number;
}

function clusterNotFound(scope: Scope, cluster: string) {
  return new ClusterNotFound(cluster, scope.resourceGroup);
}

/** The parts of a category reading that could not be read: with any, it never replaces a stored one without. */
const degradedParts = (reading: Reading<unknown>): readonly Degraded[] => reading.degraded;

/** The cache block of an answer: one that carries a degraded part is never labelled fresh. */
export function cacheOf(read: CacheRead<unknown>, degraded: readonly Degraded[]): ReturnType<typeof cacheInfo> {
  const info = cacheInfo(read);
  return degraded.length > 0 && info.state === 'fresh' ? { ...info, state: 'stale' } : info;
}

/** A category answer: the reading's own degraded parts, then what failed since the stored one was fetched. */
function categoryDegraded(read: CacheRead<Reading<unknown>>, credentialSource: string): Degraded[] {
  return [...read.value.degraded, ...degradedOf(read, credentialSource)];
}

/** An upstream fault worth serving a stored reading over, as a degraded part (e.g. ARM's throttle and its wait). */
export function faultPart(error: unknown, source: string): Degraded | undefined {
  if (!isUpstreamFault(error)) return undefined;
  const failure = upstreamFailure(error);
  const wait = failure instanceof Throttled ? ` (Retry-After ${failure.retryAfterSeconds} s)` : '';
  // Upstream's own status when it answered (429, 500…); else ours (504 timeout, 503 unreachable).
  const answered = (error as { statusCode?: unknown } | null)?.statusCode;
  const status = typeof answered === 'number' ? answered : failure ? FAILURE_STATUS[failure.kind] : 502;
  return { source, status, message: `${failure?.message ?? 'upstream failed'}${wait}` };
}

/** What failed since the stored reading served was fetched: just now (fetchError), else as noted on it (failure). */
export function degradedOf(read: CacheRead<unknown>, source: string): Degraded[] {
  const now = read.fetchError === undefined ? undefined : faultPart(read.fetchError, source);
  const parts = now ? [now] : ((read.failure?.parts ?? []) as Degraded[]);
  return parts.map((part) => ({ ...part, message: `${part.message}; serving the reading of ${read.fetchedAt}` }));
}

/** A category fetch refused because the cluster list says there is nothing to read (stopped or unknown). */
class ClusterNotReadable extends Error {
  constructor() {
    super('The cluster is not running');
    this.name = 'ClusterNotReadable';
  }
}

/** A cluster of the list by name (ARM names are case-insensitive). */
function findCluster(list: MonitorResponse<ClusterSummary[]>, name: string): ClusterSummary | undefined {
  return list.data?.find((c) => c.name.toLowerCase() === name.toLowerCase());
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
    const observedAt = this.now(); // a listing taken before a transition began never ends it
    let clusters: ClusterSummary[];
    try {
      clusters = await listClusters(arm(scope.subscriptionId), scope.resourceGroup, AbortSignal.timeout(settings.upstreamTimeoutMs));
    } catch (error) {
      // ARM's 404 to a list is the resource group's (ResourceGroupNotFound): not an upstream fault.
      if (isArmNotFound(error)) throw new ResourceGroupNotFound(scope.resourceGroup);
      throw error;
    }
    const shown = await transitions.reconcile(scope, clusters, { observedAt });
    return clusters.map((cluster) => {
      const transition = shown.get(cluster.name);
      return transition ? { ...cluster, transition } : cluster;
    });
  }

  /**
   * A scope's clusters to act on (the schedules' run): the cached list while it is fresh, never a stale one (past its
   * TTL it is read from ARM and stored); one read serves every schedule of the scope in a run.
   */
  async currentClusterList(scope: Scope): Promise<ClusterSummary[]> {
    return (await this.deps.cache.read(clusterListKey(scope), () => this.fetchClusterList(scope), { swrSeconds: 0 })).value;
  }

  async readClusterList(scope: Scope): Promise<MonitorResponse<ClusterSummary[]>> {
    const key = clusterListKey(scope);
    const fetcher = () => this.fetchClusterList(scope);
    const failureParts = (error: unknown) => {
      const part = faultPart(error, 'arm:managedClusters');
      return part ? [part] : undefined;
    };
    // Nothing stored for the scope: it is admitted first, so a resource group ARM does not have leaves no row.
    const admit = async () => {
      await this.deps.resourceGroups?.admit(scope);
    };
    let read = await this.deps.cache.read(key, fetcher, { serveStaleOnError: isUpstreamFault, failureParts, writeBehind: true, admit });
    // While a transition is open the list lives only briefly, and is re-read at once past that: the moment ARM
    // flips, the next fast-poll sees it (no stale-while-revalidate round in between).
    const { transitionTtlSeconds } = this.deps.settings;
    if (read.state !== 'refreshed' && read.ageSeconds > transitionTtlSeconds && hasOpenTransition(read.value)) {
      read = await this.deps.cache.read(key, fetcher, {
        ttlSeconds: transitionTtlSeconds,
        swrSeconds: 0,
        serveStaleOnError: isUpstreamFault,
        failureParts,
        writeBehind: true,
        admit,
      });
    }
    const degraded = degradedOf(read, 'arm:managedClusters');
    return withReadingVersion({ data: read.value, cache: cacheOf(read, degraded), degraded }, read.version);
  }

  /**
   * Reads one category of one cluster with a pooled Kubernetes session. The whole reading (session, both warm-up
   * phases) is bounded by UPSTREAM_TIMEOUT_MS, not each call: parts still out at the deadline are degraded (504).
   */
  async fetchCategory(scope: Scope, cluster: string, category: MonitorCategory, signal?: AbortSignal): Promise<Reading<unknown>> {
    const { warmupLabelSelector } = this.deps.settings;
    return this.withSession(
      scope,
      cluster,
      (session, bound) => readClusterCategory(session, category, { now: this.now, warmupLabelSelector, signal: bound }),
      signal,
    );
  }

  /**
   * A pooled session for one reading, all of it bounded by one deadline (and the caller's signal). A part the
   * cluster refused (403) is reported as the permission the app's identity lacks there.
   */
  private withSession<T>(
    scope: Scope,
    cluster: string,
    read: (session: KubeSession, signal: AbortSignal) => Promise<Reading<T>>,
    signal?: AbortSignal,
  ): Promise<Reading<T>> {
    const { sessions, settings } = this.deps;
    const key = { ...scope, cluster, admin: settings.useAdminCredentials };
    const deadline = AbortSignal.timeout(settings.upstreamTimeoutMs);
    const bound = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const name = `${scope.resourceGroup}/${cluster}`;
    // A session that got a 401, a refused or reset connection or a TLS failure is retired, and the reading taken
    // once more with a new session (a fresh kubeconfig from ARM), within the same deadline.
    return sessions.use(key, async (session) => explainForbidden(await read(session, bound), name), bound, {
      retireIf: (reading) => reading.degraded.some(isSessionFault),
    });
  }

  async readCategory(scope: Scope, clusterName: string, category: MonitorCategory): Promise<MonitorResponse<unknown>> {
    const listed = this.readClusterList(scope).then((list) => ({ list, cluster: findCluster(list, clusterName) }));
    // The category row is read alongside the list: a hit costs one Table round trip, not two. A fill waits for the
    // list's verdict (admit), so a stopped or unknown cluster is never contacted and an unknown name creates no row.
    // A background refresh of a stale row fetches without admit: the fetcher checks again.
    const readable = async () => {
      const { cluster } = await listed;
      if (!cluster || unreadableReason(cluster)) throw new ClusterNotReadable();
      return cluster;
    };
    const reading = this.deps.cache
      .read(categoryKey(scope, clusterName, category), async () => this.fetchCategory(scope, (await readable()).name, category), {
        serveStaleOnError: isUpstreamFault,
        writeBehind: true,
        admit: async () => {
          await readable();
        },
        degradedParts,
        failureParts: (error) => {
          const part = faultPart(error, this.credentialSource());
          return part ? [part] : undefined;
        },
      })
      .then(
        (read) => ({ read }),
        (error: unknown) => ({ error }),
      );
    const { list, cluster: found } = await listed;
    const checked = await this.checkListed(scope, clusterName, list, found);
    if ('answer' in checked) return checked.answer;
    const { cluster } = checked;
    const outcome = await reading;
    if ('error' in outcome) return this.goneSinceListed(scope, cluster.name, outcome.error);
    const { read } = outcome;
    const degraded = categoryDegraded(read, this.credentialSource());
    return withReadingVersion(
      {
        data: read.value.data,
        cache: cacheOf(read, degraded),
        degraded,
        ...(cluster.transition ? { transition: cluster.transition } : {}),
      },
      read.version,
    );
  }

  /**
   * A later page of pods (the token from the previous page's `continue`), read directly and never cached: it is a
   * one-off read by a user scrolling, and a token is only good for a few minutes. Same checks as readCategory.
   */
  async readPodsPage(scope: Scope, clusterName: string, continueToken: string): Promise<MonitorResponse<PodPage>> {
    const list = await this.readClusterList(scope);
    const checked = await this.checkListed(scope, clusterName, list, findCluster(list, clusterName));
    if ('answer' in checked) return checked.answer;
    const { cluster } = checked;
    const fetchedAtMs = this.now();
    let reading: Reading<PodPage>;
    try {
      reading = await this.withSession(scope, cluster.name, (session, signal) => readPods(session, { now: this.now, signal, continue: continueToken }));
    } catch (error) {
      return this.goneSinceListed(scope, cluster.name, error);
    }
    return {
      data: reading.data,
      cache: {
        state: 'uncached',
        ageSeconds: Math.max(0, this.now() - fetchedAtMs) / 1000,
        fetchedAt: new Date(fetchedAtMs).toISOString(),
        generation: null,
      },
      degraded: reading.degraded,
      ...(cluster.transition ? { transition: cluster.transition } : {}),
    };
  }

  /**
   * The steps of every per-cluster read once the scope's list is in: a cluster the list does not show is gone (or was
   * never there): its cached rows go too, so nothing of it can be served again (a name that never existed has none,
   * and nothing is created for it), and ClusterNotFound is thrown. A listed cluster whose API server does not listen
   * (or not yet) is answered at once, with the reason, instead of waiting for a connect timeout.
   */
  private async checkListed(
    scope: Scope,
    clusterName: string,
    list: MonitorResponse<ClusterSummary[]>,
    cluster: ClusterSummary | undefined,
  ): Promise<{ cluster: ClusterSummary } | { answer: MonitorResponse<never> }> {
    if (!cluster) {
      await this.forget(() => this.deps.cache.forgetCluster(scope, clusterName));
      throw clusterNotFound(scope, clusterName);
    }
    const reason = unreadableReason(cluster);
    if (reason) return { answer: { data: null, reason, cache: list.cache, degraded: list.degraded, transition: cluster.transition } };
    return { cluster };
  }

  /**
   * A read of a listed cluster failed: ARM refusing its credentials (404) means it was deleted since the list was
   * cached. The list goes with its rows, so the next read asks ARM again instead of sending the dashboard back here.
   */
  private async goneSinceListed(scope: Scope, cluster: string, error: unknown): Promise<never> {
    if (!isArmNotFound(error)) throw error;
    await this.forget(() => this.deps.cache.invalidateCluster(scope, cluster));
    throw clusterNotFound(scope, cluster);
  }

  /** The ARM call behind a category reading's session, named when it fails. */
  private credentialSource(): string {
    return this.deps.settings.useAdminCredentials ? 'arm:listClusterAdminCredential' : 'arm:listClusterUserCredential';
  }

  /** Removing a gone cluster's rows is best effort: the 404 stands, and the next read of it removes them again. */
  private async forget(invalidate: () => Promise<unknown>): Promise<void> {
    try {
      await invalidate();
    } catch {
      // Table Storage unreachable: nothing can be served from it meanwhile either.
    }
  }
}
