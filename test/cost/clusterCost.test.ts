// One cluster's cost, by hand, at the shipped table's westeurope prices: Standard_D4s_v5 0.23 and Standard_E8s_v5
// 0.608 an hour. The demo's elb-01-a (2 system D4s_v5 + 4 db E8s_v5): 2 × 0.23 + 4 × 0.608 = 0.46 + 2.432 = 2.892 an
// hour; × 730 = 2111.16 a month.
import { describe, expect, it } from 'vitest';
import { clusterCost, NO_SAVINGS_NOTE, STOPPED_NOTE, totalsOf, UNKNOWN_START_NOTE, UNPRICED_NOTE, type PriceLookup } from '../../shared/cost/clusterCost.js';
import { PRICES_AS_OF, shippedHourlyPrice } from '../../shared/cost/priceTable.js';
import type { LifecycleEvent } from '../../shared/cost/savings.js';
import type { ClusterSummary } from '../../shared/wire/index.js';

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-03-15T12:00:00Z');

const shipped: PriceLookup = (region, vmSize) => {
  const hourly = shippedHourlyPrice(region, vmSize);
  return hourly === undefined ? undefined : { hourly, source: 'shippedTable', asOf: PRICES_AS_OF };
};

function cluster(powerState: 'Running' | 'Stopped', overrides: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name: 'elb-01-a',
    location: 'westeurope',
    powerState,
    provisioningState: 'Succeeded',
    nodePools: [
      { name: 'system', count: 2, vmSize: 'Standard_D4s_v5', mode: 'System' },
      { name: 'db', count: 4, vmSize: 'Standard_E8s_v5', mode: 'User' },
    ],
    ...overrides,
  };
}

const startedAt = (iso: string, via = 'user'): LifecycleEvent => ({ at: at(iso), action: 'start', via });
const stoppedAt = (iso: string, via = 'user'): LifecycleEvent => ({ at: at(iso), action: 'stop', via });

describe('the cost of one cluster', () => {
  it('the shipped table has the demo sizes in the demo region, case-insensitively', () => {
    expect(shippedHourlyPrice('westeurope', 'Standard_D4s_v5')).toBe(0.23);
    expect(shippedHourlyPrice('WestEurope', 'standard_e8s_v5')).toBe(0.608);
    expect(shippedHourlyPrice('westeurope', 'Standard_Imaginary_v9')).toBeUndefined();
    expect(shippedHourlyPrice('antarctica', 'Standard_D4s_v5')).toBeUndefined();
  });

  it('running: every pool counts; accrued since the last start 3 h 30 min ago is 2.892 × 3.5 = 10.122 → 10.12', () => {
    const cost = clusterCost(cluster('Running'), shipped, [startedAt('2026-03-15T08:30:00Z')], NOW, 'USD');
    expect(cost).toMatchObject({
      cluster: 'elb-01-a',
      priced: true,
      currency: 'USD',
      hourly: 2.892,
      hourlyWhenRunning: 2.892,
      projectedMonthly: 2111.16,
      accruedSinceStart: 10.12,
      since: '2026-03-15T08:30:00.000Z',
      notes: [],
    });
    expect(cost.pools).toEqual([
      { name: 'system', vmSize: 'Standard_D4s_v5', count: 2, hourlyPerNode: 0.23, source: 'shippedTable', priceAsOf: PRICES_AS_OF },
      { name: 'db', vmSize: 'Standard_E8s_v5', count: 4, hourlyPerNode: 0.608, source: 'shippedTable', priceAsOf: PRICES_AS_OF },
    ]);
  });

  it('stopped: 0 an hour and a month for the nodes, no accrual, and the disks/IPs caveat; the running rate stays for savings', () => {
    const cost = clusterCost(cluster('Stopped'), shipped, [stoppedAt('2026-03-14T19:00:00Z', 'schedule')], NOW, 'USD');
    expect(cost).toMatchObject({
      priced: true,
      hourly: 0,
      hourlyWhenRunning: 2.892,
      projectedMonthly: 0,
      accruedSinceStart: null,
      since: null,
      notes: [STOPPED_NOTE],
    });
    // Kept stopped by the schedule for 17 h: 17 × 2.892 = 49.164 → 49.16.
    expect(cost.savings).toEqual({ thisMonth: 49.16, lastMonth: 0, hoursThisMonth: 17, hoursLastMonth: 0 });
  });

  it('a size nobody prices: priced false and no figures, not a partial sum', () => {
    const odd = cluster('Running', { nodePools: [...cluster('Running').nodePools, { name: 'gpu', count: 1, vmSize: 'Standard_Imaginary_v9' }] });
    const cost = clusterCost(odd, shipped, [startedAt('2026-03-15T08:30:00Z')], NOW, 'USD');
    expect(cost).toMatchObject({
      priced: false,
      hourly: null,
      hourlyWhenRunning: null,
      projectedMonthly: null,
      accruedSinceStart: null,
      notes: [UNPRICED_NOTE],
    });
    expect(cost.pools[2]).toEqual({ name: 'gpu', vmSize: 'Standard_Imaginary_v9', count: 1, hourlyPerNode: null, source: null, priceAsOf: null });
    expect(cost.savings.thisMonth).toBeNull();
    // A region the table does not have, and a cluster without pools, are unpriced too.
    expect(clusterCost(cluster('Running', { location: 'antarctica' }), shipped, [], NOW, 'USD').priced).toBe(false);
    expect(clusterCost(cluster('Running', { nodePools: [] }), shipped, [], NOW, 'USD').priced).toBe(false);
  });

  it('running but the last recorded event is a stop: the start is unknown, said so, nothing accrued', () => {
    const cost = clusterCost(cluster('Running'), shipped, [startedAt('2026-03-10T08:00:00Z'), stoppedAt('2026-03-12T19:00:00Z')], NOW, 'USD');
    expect(cost).toMatchObject({ hourly: 2.892, since: null, accruedSinceStart: null, notes: [UNKNOWN_START_NOTE] });
  });

  it('a start transition seen in ARM (CLI, portal) gives the start: 2 h ago → 5.784 → 5.78', () => {
    const transition = {
      cluster: 'elb-01-a',
      action: 'start' as const,
      expectedPowerState: 'Running' as const,
      startedAt: '2026-03-15T10:00:00.000Z',
      deadline: '2026-03-15T10:10:00.000Z',
      startedBy: 'arm',
      source: 'arm' as const,
      status: 'open' as const,
    };
    const cost = clusterCost(cluster('Running', { provisioningState: 'Starting', transition }), shipped, [stoppedAt('2026-03-12T19:00:00Z')], NOW, 'USD');
    expect(cost).toMatchObject({ since: '2026-03-15T10:00:00.000Z', accruedSinceStart: 5.78, notes: [] });
  });

  it('no audit trail (it could not be read): no savings and no accrual, null rather than 0', () => {
    const cost = clusterCost(cluster('Running'), shipped, null, NOW, 'USD');
    expect(cost).toMatchObject({ hourly: 2.892, accruedSinceStart: null, since: null });
    expect(cost.savings).toEqual({ thisMonth: null, lastMonth: null, hoursThisMonth: 0, hoursLastMonth: 0 });
    expect(cost.notes).toContain(NO_SAVINGS_NOTE);
  });

  it('totals add the priced clusters and count the others', () => {
    const a = clusterCost(cluster('Running'), shipped, [startedAt('2026-03-15T08:30:00Z')], NOW, 'USD');
    const b = clusterCost(cluster('Stopped', { name: 'elb-01-b' }), shipped, [stoppedAt('2026-03-14T19:00:00Z', 'schedule')], NOW, 'USD');
    const c = clusterCost(cluster('Running', { name: 'odd', location: 'antarctica' }), shipped, [], NOW, 'USD');
    expect(totalsOf([a, b, c])).toEqual({ hourly: 2.892, projectedMonthly: 2111.16, savingsThisMonth: 49.16, savingsLastMonth: 0, clusters: 3, unpriced: 1 });
  });
});
