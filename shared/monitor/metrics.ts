// The counters of this instance's cache and Kubernetes session pool as one structured log line, written once per
// refresh-timer run so that Application Insights can chart and alert on them ("metrics {json}").
// Counts are since the previous line of this instance, so lines from many runs and instances add up; the pool's
// size and its creations in flight are as of now. The app does not see TLS handshakes themselves: a session
// creation (a kubeconfig from ARM and a new connection pool) is the closest count it has.
import type { CacheStats } from '../cache/index.js';
import type { SessionPoolStats } from '../k8s/index.js';

export const METRICS_PREFIX = 'metrics ';

export interface MetricsSources {
  cache: { readonly stats: CacheStats };
  sessions: { stats(): SessionPoolStats };
}

export interface Metrics {
  /** Reads by state (fresh, stale, refreshed, uncached), writes stored, dropped by a purge, 412 conflicts, … */
  cache: CacheStats;
  /** Pool hits and misses, creations, evictions, expiries, retirements; size and inFlight are gauges. */
  sessions: SessionPoolStats;
}

const GAUGES = new Set<string>(['size', 'inFlight']);

/** Each counter minus its value at the previous line; gauges as they are. */
function since<T extends object>(current: T, previous: T | undefined): T {
  return Object.fromEntries(
    Object.entries(current).map(([name, value]) => {
      const before = previous ? ((previous as Record<string, number>)[name] ?? 0) : 0;
      return [name, GAUGES.has(name) ? value : (value as number) - before];
    }),
  ) as T;
}

/** Returns the next metrics line each time it is called (one call per timer run). */
export function createMetricsReporter(sources: MetricsSources): () => string {
  let previous: Metrics | undefined;
  return () => {
    const current: Metrics = { cache: { ...sources.cache.stats }, sessions: sources.sessions.stats() };
    const metrics: Metrics = { cache: since(current.cache, previous?.cache), sessions: since(current.sessions, previous?.sessions) };
    previous = current;
    return `${METRICS_PREFIX}${JSON.stringify(metrics)}`;
  };
}
