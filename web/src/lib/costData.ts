// GET /api/cost (a scope) and GET /api/cost/fleet: what running clusters cost and what stops saved, as estimates from
// list prices. Parsed like every answer: what checks out of the wire types is kept, a money figure that is not a
// number stays null (never shown as $0), and the whole answer is always an estimate.
import type { ClusterCost as WireClusterCost, CostAnswer, CostFleetAnswer, CostScope as WireCostScope, CostTotals } from '../../../shared/wire/index.js';
import { isObject, listOf, num, str, strings, toEpochMs } from './json.js';
import { normalizeDegraded, normalizeScope, type DegradedSource, type Scope } from './monitorData.js';

export type { CostTotals } from '../../../shared/wire/index.js';

export interface ClusterCost {
  cluster: string;
  powerState?: string;
  priced: boolean;
  hourly: number | null;
  hourlyWhenRunning: number | null;
  projectedMonthly: number | null;
  accruedSinceStart: number | null;
  since?: number;
  savingsThisMonth: number | null;
  /** Pools without a price ("Standard_X in westeurope"), for the hover text. */
  unpricedPools: string[];
  notes: string[];
}

export interface CostView {
  currency: string;
  /** The oldest price used (an ISO time, or the shipped table's month YYYY-MM). */
  pricesAsOf?: string;
  thisMonth?: string;
  clusters: ClusterCost[];
  totals: CostTotals;
  degraded: DegradedSource[];
}

export interface CostFleetView {
  currency: string;
  pricesAsOf?: string;
  thisMonth?: string;
  scopes: (Scope & { totals: CostTotals })[];
  totals: CostTotals;
  degraded: DegradedSource[];
}

const money = (v: unknown): number | null => num(v) ?? null;

function normalizeClusterCost(v: unknown): ClusterCost | undefined {
  if (!isObject<WireClusterCost>(v)) return undefined;
  const cluster = str(v.cluster);
  if (!cluster) return undefined;
  const savings = isObject<WireClusterCost['savings']>(v.savings) ? v.savings : {};
  const pools = Array.isArray(v.pools) ? v.pools : [];
  return {
    cluster,
    powerState: str(v.powerState),
    priced: v.priced === true,
    hourly: money(v.hourly),
    hourlyWhenRunning: money(v.hourlyWhenRunning),
    projectedMonthly: money(v.projectedMonthly),
    accruedSinceStart: money(v.accruedSinceStart),
    since: toEpochMs(v.since),
    savingsThisMonth: money(savings.thisMonth),
    unpricedPools: pools.flatMap((p: unknown) =>
      isObject<WireClusterCost['pools'][number]>(p) && p.hourlyPerNode === null ? [`${str(p.name) ?? '?'}: ${str(p.vmSize) ?? 'unknown size'}`] : [],
    ),
    notes: strings(v.notes),
  };
}

function normalizeTotals(v: unknown): CostTotals {
  const o = isObject<CostTotals>(v) ? v : {};
  return {
    hourly: num(o.hourly) ?? 0,
    projectedMonthly: num(o.projectedMonthly) ?? 0,
    savingsThisMonth: num(o.savingsThisMonth) ?? 0,
    savingsLastMonth: num(o.savingsLastMonth) ?? 0,
    clusters: num(o.clusters) ?? 0,
    unpriced: num(o.unpriced) ?? 0,
  };
}

export function normalizeCost(v: unknown): CostView {
  const o = isObject<CostAnswer>(v) ? v : {};
  const months = isObject<CostAnswer['months']>(o.months) ? o.months : {};
  return {
    currency: str(o.currency) ?? 'USD',
    pricesAsOf: str(o.pricesAsOf),
    thisMonth: str(months.thisMonth),
    clusters: listOf(o.clusters, normalizeClusterCost),
    totals: normalizeTotals(o.totals),
    degraded: normalizeDegraded(o.degraded),
  };
}

export function normalizeCostFleet(v: unknown): CostFleetView {
  const o = isObject<CostFleetAnswer>(v) ? v : {};
  const months = isObject<CostFleetAnswer['months']>(o.months) ? o.months : {};
  return {
    currency: str(o.currency) ?? 'USD',
    pricesAsOf: str(o.pricesAsOf),
    thisMonth: str(months.thisMonth),
    scopes: listOf(o.scopes, (s) => {
      const scope = normalizeScope(s);
      return scope && isObject<WireCostScope>(s) ? { ...scope, totals: normalizeTotals(s.totals) } : undefined;
    }),
    totals: normalizeTotals(o.totals),
    degraded: normalizeDegraded(o.degraded),
  };
}

/** Money as an operator reads it: "$2.89", "$10.12", "$139", "$2,111" (cents only below 100). */
export function formatMoney(value: number, currency = 'USD'): string {
  const digits = Math.abs(value) >= 100 ? 0 : 2;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${currency}`;
  }
}

/** "≈ $2.89/h · $2,111/mo · $10.12 since start"; undefined when the cluster is not running or not priced. */
export function clusterCostLine(c: ClusterCost, currency: string): string | undefined {
  if (!c.priced || c.hourly === null || c.hourly === 0) return undefined;
  const parts = [`≈ ${formatMoney(c.hourly, currency)}/h`];
  if (c.projectedMonthly !== null) parts.push(`${formatMoney(c.projectedMonthly, currency)}/mo`);
  if (c.accruedSinceStart !== null) parts.push(`${formatMoney(c.accruedSinceStart, currency)} since start`);
  return parts.join(' · ');
}

/** The hover text that says what the figures are: list prices of a date, not a bill. */
export function estimateNote(pricesAsOf: string | undefined): string {
  const when = pricesAsOf ? (/^\d{4}-\d{2}$/.test(pricesAsOf) ? pricesAsOf : pricesAsOf.slice(0, 10)) : 'an unknown date';
  return `Estimate from Azure list prices as of ${when} (node VMs only; disks, IPs and discounts not included). Not a bill.`;
}
