// Cost and savings (GET /api/cost, GET /api/cost/fleet): estimates from list prices, never a bill. The clusters come
// from the cached cluster lists the monitor and the fleet already read (no ARM call of its own), their node prices
// from the price book (prices.ts: Table Storage, the Retail Prices API at most daily, the shipped table), and starts
// and stops from the audit trail. A part that cannot be read degrades alone: no audit trail → no savings and no
// accrued cost (null, never 0); no retail prices → the shipped or stored prices, marked degraded.
import type { AuditLog } from '../audit/auditLog.js';
import { describeFailure } from '../errors.js';
import type { FleetService } from '../fleet/service.js';
import type { MonitorService } from '../monitor/service.js';
import type { Scope } from '../scope.js';
import type { AuditEntry, ClusterSummary, CostAnswer, CostFleetAnswer, CostScope, Degraded } from '../wire/index.js';
import { clusterCost, totalsOf } from './clusterCost.js';
import { PRICES_AS_OF, PRICES_CURRENCY } from './priceTable.js';
import type { PriceBook, PriceLookupResult } from './prices.js';
import { earlierState, lifecycleEvents, utcMonth, type LifecycleEvent } from './savings.js';

/** Audit pages read per scope at most (200 entries each): a bound on one answer's Table reads. */
const MAX_AUDIT_PAGES = 25;
const AUDIT_PAGE = 200;

export interface CostDeps {
  monitor: MonitorService;
  fleet: FleetService;
  audit: AuditLog;
  prices: PriceBook;
  now: () => number;
}

export class CostService {
  /** Per scope (lower case): each cluster's events from before `horizon` that still matter (eventsOf). */
  private readonly earlier = new Map<string, { horizon: number; clusters: Map<string, LifecycleEvent[]> }>();

  constructor(private readonly deps: CostDeps) {}

  /** One scope: its cached cluster list (a failure to read it fails the answer, as the monitor's list does). */
  async scope(scope: Scope): Promise<CostAnswer> {
    const now = this.deps.now();
    const list = await this.deps.monitor.readClusterList(scope);
    const clusters = list.data ?? [];
    const prices = await this.deps.prices.lookup(pricePairs(clusters));
    const read = await this.costOf(scope, clusters, list.degraded, prices, now);
    return { ...read, ...this.header(now, [read]) };
  }

  /** Every allowed scope, through the fleet's cached reads; a failing scope degrades alone. */
  async fleet(allowed: readonly Scope[]): Promise<CostFleetAnswer> {
    const now = this.deps.now();
    const fleet = await this.deps.fleet.read(allowed);
    const prices = await this.deps.prices.lookup(pricePairs(fleet.scopes.flatMap((s) => s.clusters)));
    const scopes = await Promise.all(fleet.scopes.map((s) => this.costOf(s, s.clusters, s.degraded, prices, now)));
    const all = totalsOf(scopes.flatMap((s) => s.clusters));
    return { scopes, totals: { ...all, scopes: scopes.length }, degraded: fleet.degraded, ...this.header(now, scopes) };
  }

  /** What every answer says about itself: an estimate, in which currency, from prices of when, for which months. */
  private header(now: number, scopes: readonly CostScope[]) {
    const asOf = scopes
      .flatMap((s) => s.clusters.flatMap((c) => c.pools.map((p) => p.priceAsOf)))
      .filter((v): v is string => v !== null)
      .sort()[0];
    return {
      estimate: true as const,
      currency: PRICES_CURRENCY,
      pricesAsOf: asOf ?? PRICES_AS_OF,
      shippedPricesAsOf: PRICES_AS_OF,
      months: { thisMonth: utcMonth(now).name, lastMonth: utcMonth(now, -1).name },
      at: new Date(now).toISOString(),
    };
  }

  private async costOf(
    scope: Scope,
    clusters: readonly ClusterSummary[],
    listDegraded: readonly Degraded[],
    prices: PriceLookupResult,
    now: number,
  ): Promise<CostScope> {
    const degraded: Degraded[] = [...listDegraded, ...prices.degraded];
    let events: Map<string, LifecycleEvent[]> | null = null;
    if (clusters.length > 0) {
      try {
        events = await this.eventsOf(scope, clusters, now);
      } catch (error) {
        degraded.push({ source: 'tableStorage:audit', ...describeFailure(error) });
      }
    }
    const costs = clusters.map((cluster) =>
      clusterCost(
        cluster,
        (region, vmSize) => prices.quote(region, vmSize),
        events ? (events.get(cluster.name.toLowerCase()) ?? []) : null,
        now,
        PRICES_CURRENCY,
      ),
    );
    return { subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup, clusters: costs, totals: totalsOf(costs), degraded };
  }

  /**
   * The scope's accepted starts, stops and deletes per cluster (lower-case name), oldest first. The trail is read
   * newest first back to the start of last month (the horizon) on every answer; what came before the horizon only
   * says how each cluster entered last month, and is append-only history, so it is read once per instance and month
   * (on until every cluster has one event from before the horizon, or the trail ends) and remembered, reduced to
   * the events that still matter (earlierState).
   */
  private async eventsOf(scope: Scope, clusters: readonly ClusterSummary[], now: number): Promise<Map<string, LifecycleEvent[]>> {
    const horizon = utcMonth(now, -1).start;
    const scopeKey = `${scope.subscriptionId}/${scope.resourceGroup}`.toLowerCase();
    const remembered = this.earlier.get(scopeKey);
    const earlier = remembered?.horizon === horizon ? remembered.clusters : new Map<string, LifecycleEvent[]>();
    const waiting = new Set(clusters.map((c) => c.name.toLowerCase()).filter((name) => !earlier.has(name)));
    const entries: AuditEntry[] = [];
    let after: string | undefined;
    let complete = false;
    for (let page = 0; page < MAX_AUDIT_PAGES; page++) {
      const read = await this.deps.audit.list(scope, { limit: AUDIT_PAGE, ...(after ? { after } : {}) });
      entries.push(...read.data);
      for (const entry of read.data) {
        if (Date.parse(entry.at) < horizon && lifecycleEvents([entry]).length) waiting.delete(entry.cluster.toLowerCase());
      }
      const pastHorizon = read.data.length > 0 && Date.parse(read.data.at(-1)!.at) < horizon;
      if (!read.continuationToken) complete = true;
      if (!read.continuationToken || (pastHorizon && waiting.size === 0)) break;
      after = read.continuationToken;
    }
    const byCluster = new Map<string, AuditEntry[]>();
    for (const entry of entries) byCluster.set(entry.cluster.toLowerCase(), [...(byCluster.get(entry.cluster.toLowerCase()) ?? []), entry]);
    const events = new Map<string, LifecycleEvent[]>();
    for (const name of new Set([...byCluster.keys(), ...clusters.map((c) => c.name.toLowerCase())])) {
      const all = lifecycleEvents(byCluster.get(name) ?? []);
      const recent = all.filter((e) => e.at >= horizon);
      let before = earlier.get(name);
      if (before === undefined) {
        before = earlierState(all.filter((e) => e.at < horizon));
        // Known for good only when read to an event before the horizon or to the trail's end (not cut by the page bound).
        if (complete || all.some((e) => e.at < horizon)) earlier.set(name, before);
      }
      events.set(name, [...before, ...recent]);
    }
    this.earlier.set(scopeKey, { horizon, clusters: earlier });
    return events;
  }
}

function pricePairs(clusters: readonly ClusterSummary[]): Array<{ region: string; vmSize: string }> {
  return clusters.flatMap((c) => c.nodePools.flatMap((p) => (p.vmSize ? [{ region: c.location, vmSize: p.vmSize }] : [])));
}
