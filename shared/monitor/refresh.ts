// The background refresh (timer function): re-reads rows that dashboards read recently and that are past their TTL,
// so polls keep hitting fresh rows. It only refreshes rows that still exist, every write is generation-guarded
// (an invalidation in between wins), and a cluster ARM no longer lists has its rows removed, never rewritten.
// Idempotent: two runs at once (a lost lease, two local hosts) only refresh a row twice.
import { clusterListKey, clusterPrefix, isMonitorCategory, type MonitorCache } from '../cache/index.js';
import type { Scope } from '../scope.js';
import type { ClusterSummary } from './clusters.js';
import type { MonitorService } from './service.js';

export interface RefreshRunResult {
  candidates: number;
  refreshed: number;
  /** Not stored: a purge overlapped, or the row was removed meanwhile. */
  dropped: number;
  skipped: number;
  failed: number;
  removedGone: number;
  expired: number;
  /** Candidates left for the next run when the time budget ran out. */
  deferred: number;
}

export interface RefreshDeps {
  cache: MonitorCache;
  monitor: MonitorService;
  concurrency: number;
  budgetMs: number;
  now?: () => number;
  log?: (line: string) => void;
}

type ParsedKey = { scope: Scope; cluster?: string; category?: string };

function parseKey(key: string): ParsedKey | undefined {
  const [namespace, kind, subscriptionId, resourceGroup, cluster, category, ...rest] = key.split(':');
  if (namespace !== 'monitor' || kind !== 'aks' || !subscriptionId || !resourceGroup || rest.length) return undefined;
  return { scope: { subscriptionId, resourceGroup }, cluster, category };
}

export async function runRefresh(deps: RefreshDeps): Promise<RefreshRunResult> {
  const now = deps.now ?? Date.now;
  const deadline = now() + deps.budgetMs;
  const result: RefreshRunResult = { candidates: 0, refreshed: 0, dropped: 0, skipped: 0, failed: 0, removedGone: 0, expired: 0, deferred: 0 };
  const candidates = await deps.cache.listRefreshCandidates(now());
  result.candidates = candidates.length;
  // Lists first: a category refresh consults its scope's list to skip stopped clusters and drop gone ones.
  const queue = [...candidates].sort((a, b) => a.key.split(':').length - b.key.split(':').length);

  const refreshOne = async (key: string): Promise<void> => {
    const parsed = parseKey(key);
    if (!parsed) return void result.skipped++;
    const { scope, cluster, category } = parsed;
    if (cluster === undefined) {
      const outcome = await deps.cache.refreshExisting(key, () => deps.monitor.fetchClusterList(scope));
      return void (outcome.stored ? result.refreshed++ : result.dropped++);
    }
    if (!category || !isMonitorCategory(category)) return void result.skipped++;
    const list = await deps.cache.peek<ClusterSummary[]>(clusterListKey(scope));
    const known = list?.value.find((c) => c.name.toLowerCase() === cluster.toLowerCase());
    if (list && !known) {
      await deps.cache.invalidatePrefix(clusterPrefix(scope, cluster));
      return void result.removedGone++;
    }
    if (!known || known.powerState !== 'Running') return void result.skipped++; // nothing to read; let it expire
    const outcome = await deps.cache.refreshExisting(key, () => deps.monitor.fetchCategory(scope, known.name, category));
    return void (outcome.stored ? result.refreshed++ : result.dropped++);
  };

  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (now() >= deadline) {
        result.deferred += 1 + queue.length;
        queue.length = 0;
        return;
      }
      await refreshOne(next.key).catch((error: unknown) => {
        result.failed++;
        deps.log?.(`refresh ${next!.key} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  result.expired = await deps.cache.removeExpired(now());
  return result;
}
