// The background refresh (timer function): re-reads rows that dashboards read recently and that are past their TTL,
// so polls keep hitting fresh rows. It only refreshes rows that still exist, every write is generation-guarded
// (an invalidation in between wins), and a cluster ARM no longer lists has its rows removed, never rewritten.
// Rows nobody reads are left to expire and removed past TTL + SWR, and so are the generation rows of clusters nothing
// is stored for. Transitions are followed too: every list refresh reconciles them, and those of scopes nobody polls
// are reconciled with a fresh ARM listing. One scan of the table per run decides all of it (scans cross partitions).
// Idempotent: two runs at once (a lost lease, two local hosts) only refresh a row twice.
import { clusterListKey, clusterPrefix, parseKey, type MonitorCache, type ParsedKey, type RefreshCandidate } from '../cache/index.js';
import { forEachLimited } from '../concurrency.js';
import { ALL_RESOURCE_GROUPS } from '../config.js';
import { oneLineError } from '../observability/redaction.js';
import { TRANSITION_COLUMNS, type TransitionStore } from '../lifecycle/transitions.js';
import type { Scope } from '../scope.js';
import type { ClusterSummary } from './clusters.js';
import { unreadableReason } from './readability.js';
import type { MonitorService } from './service.js';

export interface RefreshRunResult {
  candidates: number;
  refreshed: number;
  /** Not stored: a purge overlapped, or the row was removed meanwhile. */
  dropped: number;
  skipped: number;
  failed: number;
  /** Clusters whose rows were removed because the scope's list no longer shows them. */
  removedGone: number;
  expired: number;
  /** Generation rows with nothing stored under them (clusters, empty scopes), idle past TTL + SWR (and 10 min). */
  generationsRemoved: number;
  /** Scopes nobody polls whose transitions were reconciled with a fresh ARM listing (not stored). */
  transitionScopes: number;
  /** Candidates (and transition scopes) left for the next run when the time budget ran out. */
  deferred: number;
}

/** How the timer refreshes one resource reading (storage, registries, subscriptions): through the service that owns it. */
export interface ResourceRefresher {
  /** Younger readings are left alone (a reading may live longer than the cache's TTL, like a container's usage). */
  minAgeSeconds: number;
  fetch: () => Promise<unknown>;
  degradedParts?: (value: unknown) => readonly unknown[];
}

/** A service owning some of the cache's key kinds: undefined for a key that is not one of its own. */
export interface ResourceOwner {
  refresherFor(work: ParsedKey): ResourceRefresher | undefined;
}

export interface RefreshDeps {
  cache: MonitorCache;
  monitor: MonitorService;
  /** The owners of the other key kinds (storage, registries, subscriptions); a key nobody owns is skipped. */
  resources?: readonly ResourceOwner[];
  transitions: TransitionStore;
  concurrency: number;
  /** Wall time one run may take; what is left over waits for the next run. */
  budgetMs: number;
  /** The cache's clock (ages, TTLs). */
  now?: () => number;
  /** Wall clock of the time budget (ms, monotonic). Default: performance.now. */
  elapsed?: () => number;
  log?: (line: string) => void;
}

type ListWork = Extract<ParsedKey, { kind: 'list' }>;
type CategoryWork = Extract<ParsedKey, { kind: 'category' }>;

/** A key the timer refreshes: a subscription's resource-group index (shared/fleet) is refreshed by its readers, not here. */
function workOf(key: string): ParsedKey | undefined {
  const work = parseKey(key);
  return work && (!('scope' in work) || work.scope.resourceGroup !== ALL_RESOURCE_GROUPS) ? work : undefined;
}

/** A cluster whose categories are worth reading now: readable, and no stop or delete of it under way. */
function readable(cluster: ClusterSummary): boolean {
  if (unreadableReason(cluster)) return false;
  const action = cluster.transition?.status === 'open' ? cluster.transition.action : undefined;
  return action !== 'stop' && action !== 'delete';
}

export async function runRefresh(deps: RefreshDeps): Promise<RefreshRunResult> {
  const now = deps.now ?? Date.now;
  const elapsed = deps.elapsed ?? (() => performance.now());
  const runStarted = elapsed();
  const outOfTime = () => elapsed() - runStarted >= deps.budgetMs;
  const result: RefreshRunResult = {
    candidates: 0,
    refreshed: 0,
    dropped: 0,
    skipped: 0,
    failed: 0,
    removedGone: 0,
    expired: 0,
    generationsRemoved: 0,
    transitionScopes: 0,
    deferred: 0,
  };

  /** Runs `work` over `items`, `concurrency` at once, until the budget runs out (the rest is counted as deferred). */
  const drain = async <T>(items: T[], label: (item: T) => string, work: (item: T) => Promise<void>) => {
    result.deferred += await forEachLimited(
      items,
      Math.max(1, deps.concurrency),
      async (item) => {
        await work(item).catch((error: unknown) => {
          result.failed++;
          deps.log?.(`refresh ${label(item)} failed: ${oneLineError(error)}`);
        });
      },
      outOfTime,
    );
  };

  const scan = await deps.cache.scan(TRANSITION_COLUMNS);
  const candidates: RefreshCandidate[] = await deps.cache.listRefreshCandidates(now(), {}, scan);
  result.candidates = candidates.length;
  const lists: ListWork[] = [];
  const categories: CategoryWork[] = [];
  const resources: Array<{ key: string; refresher: ResourceRefresher }> = [];
  for (const candidate of candidates) {
    const work = workOf(candidate.key);
    if (!work) result.skipped++;
    else if (work.kind === 'list') lists.push(work);
    else if (work.kind === 'category') categories.push(work);
    else {
      const refresher = (deps.resources ?? []).map((owner) => owner.refresherFor(work)).find((found) => found !== undefined);
      if (!refresher || candidate.ageSeconds <= refresher.minAgeSeconds) result.skipped++;
      else resources.push({ key: candidate.key, refresher });
    }
  }

  // 1. Lists (this also reconciles their transitions). Categories wait for them: they are judged by the new list.
  const listsDone = new Set<string>();
  const refreshList = async (key: string, scope: Scope) => {
    listsDone.add(key);
    const outcome = await deps.cache.refreshExisting(key, () => deps.monitor.fetchClusterList(scope));
    if (outcome.stored) result.refreshed++;
    else result.dropped++;
  };
  await drain(
    lists,
    (w) => w.key,
    (w) => refreshList(w.key, w.scope),
  );

  // 2. Categories of clusters the list shows running; a cluster the list no longer shows loses its rows.
  const listOf = new Map<string, Promise<ClusterSummary[] | undefined>>();
  const gone = new Map<string, Promise<void>>();
  await drain(
    categories,
    (w) => w.key,
    async ({ key, scope, cluster, category }) => {
      const listKey = clusterListKey(scope);
      if (!listOf.has(listKey))
        listOf.set(
          listKey,
          deps.cache.peek<ClusterSummary[]>(listKey).then((entry) => entry?.value),
        );
      const list = await listOf.get(listKey)!;
      if (!list) {
        result.skipped++; // nobody reads the scope's list: nothing to judge by; let it expire
        return;
      }
      const known = list.find((c) => c.name.toLowerCase() === cluster.toLowerCase());
      if (!known) {
        const prefix = clusterPrefix(scope, cluster);
        if (!gone.has(prefix)) {
          gone.set(
            prefix,
            deps.cache.invalidatePrefix(prefix).then(() => {
              result.removedGone++;
            }),
          );
        }
        return gone.get(prefix);
      }
      if (!readable(known)) {
        result.skipped++; // stopped, stopping or being deleted: let it expire
        return;
      }
      const outcome = await deps.cache.refreshExisting(key, () => deps.monitor.fetchCategory(scope, known.name, category), {
        degradedParts: (reading) => (reading as { degraded: unknown[] }).degraded,
      });
      if (outcome.stored) result.refreshed++;
      else result.dropped++;
    },
  );

  // 2b. Scope-level resource readings (storage accounts and their usage, registries), each through its owner.
  await drain(
    resources,
    (w) => w.key,
    async ({ key, refresher }) => {
      const outcome = await deps.cache.refreshExisting(key, refresher.fetch, refresher.degradedParts ? { degradedParts: refresher.degradedParts } : {});
      if (outcome.stored) result.refreshed++;
      else result.dropped++;
    },
  );

  // 3. Transitions of scopes nobody is polling: a fresh ARM listing ends the reached ones and marks passed deadlines
  //    (the reading is not stored: a row nobody reads is left to expire). A polled scope is left to its pollers,
  //    which re-read it past the short TTL; a refresh from here would only make the reading they are served older.
  const pending = new Map<string, Scope>();
  for (const { scope } of deps.transitions.fromScan(scan.transitions)) pending.set(clusterListKey(scope), scope);
  for (const key of listsDone) pending.delete(key);
  if (pending.size > 0) {
    for (const hot of await deps.cache.listRefreshCandidates(now(), { minAgeSeconds: -1 }, scan)) pending.delete(hot.key);
  }
  await drain(
    [...pending],
    ([key]) => key,
    async ([, scope]) => {
      await deps.monitor.fetchClusterList(scope);
      result.transitionScopes++;
    },
  );

  // Judged by the run's scan: a row refreshed, read or purged since then has another ETag and stays.
  result.expired = await deps.cache.removeExpired(now(), scan);
  result.generationsRemoved = await deps.cache.removeUnneededGenerations(now(), scan);
  return result;
}
