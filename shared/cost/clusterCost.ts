// What one cluster costs, from its node pools and their prices: pure, the prices and the audit trail's events
// looked up beforehand (service.ts). Running: Σ node pools (count × the size's hourly price in the cluster's region),
// every pool, system pools included; a month is 730 hours, as Azure's calculator counts it. Stopped: 0 an hour for
// the nodes (its disks and public IPs still bill; not estimated here).
import type { ClusterCost, ClusterSummary, CostTotals, NodePoolCost, PriceSource } from '../wire/index.js';
import { lastStartOf, money, round, savingsOf, type LifecycleEvent } from './savings.js';

export const HOURS_PER_MONTH = 730;
const HOUR_MS = 3_600_000;

export interface PriceQuote {
  hourly: number;
  source: PriceSource;
  /** ISO time of a retail price, or the shipped table's month. */
  asOf: string;
}

/** The price of a size in a region, as looked up; undefined when nobody knows it. */
export type PriceLookup = (region: string, vmSize: string) => PriceQuote | undefined;

export const STOPPED_NOTE = 'A stopped AKS cluster still bills its OS disks, persistent volumes and public IPs; they are not estimated.';
export const UNKNOWN_START_NOTE = 'The last start is not in the audit trail (started outside this app, or before its retention): accrued cost unknown.';
export const NO_AUDIT_NOTE = 'The audit trail could not be read: the last start, and so the accrued cost, is unknown.';
export const NO_SAVINGS_NOTE = 'The audit trail could not be read: savings unknown.';
export const UNPRICED_NOTE = 'No price is known for a VM size of this cluster in its region: no figures rather than a guess.';

/** Whether ARM shows the cluster's nodes running (a start in progress already bills them). */
export function isRunning(cluster: Pick<ClusterSummary, 'powerState'>): boolean {
  return cluster.powerState === 'Running';
}

/**
 * One cluster's figures. `events`: its accepted starts, stops and deletes from the audit trail, oldest first; null
 * when the trail could not be read (then no savings and no accrued cost: null, not 0).
 */
export function clusterCost(
  cluster: ClusterSummary,
  prices: PriceLookup,
  events: readonly LifecycleEvent[] | null,
  now: number,
  currency: string,
): ClusterCost {
  const pools: NodePoolCost[] = cluster.nodePools.map((pool) => {
    const quote = pool.vmSize ? prices(cluster.location, pool.vmSize) : undefined;
    return {
      name: pool.name,
      vmSize: pool.vmSize ?? null,
      count: pool.count,
      hourlyPerNode: quote?.hourly ?? null,
      source: quote?.source ?? null,
      priceAsOf: quote?.asOf ?? null,
    };
  });
  const priced = pools.length > 0 && pools.every((p) => p.hourlyPerNode !== null);
  const whenRunning = priced ? pools.reduce((sum, p) => sum + p.count * p.hourlyPerNode!, 0) : null;
  const running = isRunning(cluster);
  const startSeenAt = cluster.transition?.action === 'start' ? Date.parse(cluster.transition.startedAt) : undefined;
  // The last start: the audit trail's, unless a start transition shows a later one (a start from the CLI or portal).
  const recorded = events ? lastStartOf(events) : undefined;
  const since = running ? Math.max(recorded ?? -Infinity, startSeenAt ?? -Infinity) : -Infinity;
  const sinceKnown = Number.isFinite(since);
  const hourly = whenRunning === null ? null : running ? whenRunning : 0;
  const notes: string[] = [];
  if (!priced) notes.push(UNPRICED_NOTE);
  if (!running) notes.push(STOPPED_NOTE);
  if (running && !sinceKnown) notes.push(events ? UNKNOWN_START_NOTE : NO_AUDIT_NOTE);
  if (!events) notes.push(NO_SAVINGS_NOTE);
  return {
    cluster: cluster.name,
    location: cluster.location,
    powerState: cluster.powerState,
    priced,
    currency,
    hourly: hourly === null ? null : round(hourly, 4),
    hourlyWhenRunning: whenRunning === null ? null : round(whenRunning, 4),
    projectedMonthly: hourly === null ? null : money(hourly * HOURS_PER_MONTH),
    accruedSinceStart: hourly !== null && running && sinceKnown ? money((hourly * Math.max(0, now - since)) / HOUR_MS) : null,
    since: sinceKnown ? new Date(since).toISOString() : null,
    pools,
    savings: events
      ? savingsOf(events, { now, running, ...(startSeenAt !== undefined ? { startSeenAt } : {}) }, whenRunning)
      : { thisMonth: null, lastMonth: null, hoursThisMonth: 0, hoursLastMonth: 0 },
    notes,
  };
}

/** Sums over the priced clusters (a cluster without a price is counted in `unpriced`, never as 0). */
export function totalsOf(clusters: readonly ClusterCost[]): CostTotals {
  const priced = clusters.filter((c) => c.priced);
  const sum = (pick: (c: ClusterCost) => number | null) => money(priced.reduce((total, c) => total + (pick(c) ?? 0), 0));
  return {
    hourly: round(
      priced.reduce((total, c) => total + (c.hourly ?? 0), 0),
      4,
    ),
    projectedMonthly: sum((c) => c.projectedMonthly),
    savingsThisMonth: sum((c) => c.savings.thisMonth),
    savingsLastMonth: sum((c) => c.savings.lastMonth),
    clusters: clusters.length,
    unpriced: clusters.length - priced.length,
  };
}
