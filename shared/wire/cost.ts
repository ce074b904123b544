// GET /api/cost (one scope) and GET /api/cost/fleet (every allowed scope): what running clusters cost and what
// scheduled and automatic stops saved. Every figure is an estimate from list prices (never a bill): `estimate` is
// always true, and a size without a known price is `priced: false` with null figures, never a made-up number.
import type { Degraded } from './monitor.js';

/** Where a node price came from: Azure's Retail Prices API (refreshed at most daily) or the table shipped with the app. */
export type PriceSource = 'retailPrices' | 'shippedTable';

export interface NodePoolCost {
  name: string;
  vmSize: string | null;
  count: number;
  /** Per node and hour; null when neither Azure nor the shipped table knows this size in this region. */
  hourlyPerNode: number | null;
  source: PriceSource | null;
  /** An ISO time (retail price read then) or the shipped table's month (YYYY-MM); null when unpriced. */
  priceAsOf: string | null;
}

export interface ClusterSavings {
  /** Cost avoided: hours kept stopped by a schedule or by auto-stop × the cluster's hourly price when running. */
  thisMonth: number | null;
  lastMonth: number | null;
  hoursThisMonth: number;
  hoursLastMonth: number;
}

export interface ClusterCost {
  cluster: string;
  location: string;
  powerState: string;
  /** Every node pool has a price (and there is at least one); otherwise the money figures are null. */
  priced: boolean;
  currency: string;
  /** Σ node pools (count × hourly price) while Running; 0 while Stopped (disks and IPs still bill: not estimated). */
  hourly: number | null;
  /** What it costs an hour when running: the rate the savings use. */
  hourlyWhenRunning: number | null;
  /** hourly × 730. */
  projectedMonthly: number | null;
  /** hourly × the hours since `since`; null when stopped, unpriced, or the last start is unknown. */
  accruedSinceStart: number | null;
  /** The last start (from the audit trail or an open start transition); null when unknown or stopped. */
  since: string | null;
  pools: NodePoolCost[];
  savings: ClusterSavings;
  /** Caveats in words (a stopped cluster's disks, an unknown last start, …). */
  notes: string[];
}

/** Sums over the priced clusters; `unpriced` counts the clusters left out of them. */
export interface CostTotals {
  hourly: number;
  projectedMonthly: number;
  savingsThisMonth: number;
  savingsLastMonth: number;
  clusters: number;
  unpriced: number;
}

export interface CostScope {
  subscriptionId: string;
  resourceGroup: string;
  clusters: ClusterCost[];
  totals: CostTotals;
  /** Parts that could not be read: the cluster list (ARM), the audit trail, the retail prices (the shipped table was used). */
  degraded: Degraded[];
}

interface CostAnswerBase {
  estimate: true;
  currency: string;
  /** The oldest price used: an ISO time for retail prices, or the shipped table's month (YYYY-MM). */
  pricesAsOf: string;
  /** The month of the table shipped with the app. */
  shippedPricesAsOf: string;
  /** The UTC months `thisMonth` and `lastMonth` mean (YYYY-MM), and the time the figures were computed. */
  months: { thisMonth: string; lastMonth: string };
  at: string;
}

/** GET /api/cost?subscriptionId=&resourceGroup=. */
export interface CostAnswer extends CostScope, CostAnswerBase {}

/** GET /api/cost/fleet. */
export interface CostFleetAnswer extends CostAnswerBase {
  scopes: CostScope[];
  totals: CostTotals & { scopes: number };
  /** Subscription-wide scopes whose resource groups could not be listed. */
  degraded: Degraded[];
}
