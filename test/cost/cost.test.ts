// GET /api/cost and /api/cost/fleet on the whole local stack: Azurite, the simulated Azure (its Retail Prices API
// included) and the app on the local host, the clock fixed at 2026-03-15 12:00 UTC.
//
// The simulated Retail Prices API lists westeurope Standard_D4s_v5 at 0.24 and Standard_E8s_v5 at 0.62 an hour (the
// shipped table: 0.23 and 0.608). rg-elb-01 at the retail prices:
//   elb-01-a running, 2 × D4s_v5 + 4 × E8s_v5 = 0.48 + 2.48 = 2.96 an hour, × 730 = 2160.80 a month
//   elb-01-b stopped, 1 × D4s_v5 + 2 × E8s_v5 = 1.48 an hour when running
//   elb-01-c running, 1 × D4s_v5 = 0.24 an hour, 175.20 a month
import { describe, expect, it } from 'vitest';
import { demoFleet, DEMO_SUBSCRIPTION_ID } from '../../dev/sim/index.js';
import { PRICE_REFRESH_MS, RETRY_AFTER_FAILURE_MS } from '../../shared/cost/prices.js';
import { shouldCapture } from '../../shared/http/inspector.js';
import type { AuditActor, ClusterCost, CostAnswer, CostFleetAnswer } from '../../shared/wire/index.js';
import { manualClock, MANUAL_OPERATIONS, RG, startTestStack, testStacks, type TestStack } from '../lifecycle/support.js';
import { uniqueTableName } from '../setup/tables.js';
import { TableClient } from '@azure/data-tables';
import { tablesConnectionString } from '../setup/tables.js';

const NOW = Date.parse('2026-03-15T12:00:00Z');
const HOUR = 3_600_000;
const stack = testStacks();

function start(options: Parameters<typeof startTestStack>[0] = {}): Promise<TestStack> {
  return stack({
    clock: manualClock(NOW),
    env: { AUDIT_TABLE_NAME: uniqueTableName('a'), PRICES_TABLE_NAME: uniqueTableName('p') },
    simulator: MANUAL_OPERATIONS,
    ...options,
  });
}

async function cost(s: TestStack, scope = RG): Promise<CostAnswer> {
  const response = await s.get(`/api/cost?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as CostAnswer;
}

const clusterIn = (answer: { clusters: ClusterCost[] }, name: string) => answer.clusters.find((c) => c.cluster === name)!;
const retailCalls = (s: TestStack) => s.sim.requestLog((e) => e.server === 'retailPrices').length;

describe('prices from the Retail Prices API', () => {
  it('reads every page, picks the Linux pay-as-you-go meter, keeps it in Table Storage, and asks again only after a day', async () => {
    const s = await start();
    const first = await cost(s);
    // Two sizes, five items each (Windows, Windows Spot, Spot, Low Priority, then Linux) at three a page: 2 pages each.
    expect(retailCalls(s)).toBe(4);
    const a = clusterIn(first, 'elb-01-a');
    expect(a.pools.map((p) => [p.vmSize, p.count, p.hourlyPerNode, p.source])).toEqual([
      ['Standard_D4s_v5', 2, 0.24, 'retailPrices'],
      ['Standard_E8s_v5', 4, 0.62, 'retailPrices'],
    ]);
    expect(a).toMatchObject({ priced: true, hourly: 2.96, projectedMonthly: 2160.8, currency: 'USD' });
    expect(first).toMatchObject({ estimate: true, currency: 'USD', pricesAsOf: '2026-03-15T12:00:00.000Z', shippedPricesAsOf: '2026-11', degraded: [] });
    expect(first.months).toEqual({ thisMonth: '2026-03', lastMonth: '2026-02' });

    const table = TableClient.fromConnectionString(tablesConnectionString(), s.env.PRICES_TABLE_NAME!, { allowInsecureConnection: true });
    const row = await table.getEntity<{ hourly: number; currency: string; fetchedAt: number }>('westeurope', 'standard_e8s_v5');
    expect(row).toMatchObject({ hourly: 0.62, currency: 'USD', fetchedAt: NOW });

    // Within the day: no call, on this instance or on another one (it reads the stored row).
    s.clock.advance(23 * HOUR);
    await cost(s);
    const peer = await startTestStack({ peer: s });
    try {
      expect(clusterIn(await cost(peer), 'elb-01-a').hourly).toBe(2.96);
    } finally {
      await peer.close();
    }
    expect(retailCalls(s)).toBe(4);

    // A day after the first read: asked again, and the new price is used.
    s.sim.setRetailPrices([
      { region: 'westeurope', vmSize: 'Standard_D4s_v5', hourly: 0.25 },
      { region: 'westeurope', vmSize: 'Standard_E8s_v5', hourly: 0.62 },
    ]);
    s.clock.set(NOW + PRICE_REFRESH_MS);
    const later = await cost(s);
    expect(retailCalls(s)).toBe(8);
    expect(clusterIn(later, 'elb-01-c').hourly).toBe(0.25);
  });

  it('a size neither Azure nor the shipped table knows is unpriced, asked once a day like any other', async () => {
    const fleet = demoFleet();
    const c = fleet.subscriptions[0]!.resourceGroups.find((g) => g.name === 'rg-elb-01')!.clusters.find((x) => x.name === 'elb-01-c')!;
    c.agentPools.push({ name: 'gpu', mode: 'User', vmSize: 'Standard_NC6s_v3', count: 1 });
    const s = await start({ simulator: { ...MANUAL_OPERATIONS, fleet } });
    const answer = await cost(s);
    expect(retailCalls(s)).toBe(5); // one page saying nothing for the GPU size
    const odd = clusterIn(answer, 'elb-01-c');
    expect(odd).toMatchObject({ priced: false, hourly: null, projectedMonthly: null, accruedSinceStart: null });
    expect(odd.pools.find((p) => p.name === 'gpu')).toMatchObject({ hourlyPerNode: null, source: null });
    // The totals leave it out and say so: 2.96 (elb-01-a) + 0 (elb-01-b, stopped).
    expect(answer.totals).toMatchObject({ hourly: 2.96, projectedMonthly: 2160.8, clusters: 3, unpriced: 1 });
    await cost(s);
    expect(retailCalls(s)).toBe(5);
  });

  it('with the API down, the shipped table answers, marked degraded, and the API is left alone for a while', async () => {
    const s = await start();
    const down = s.sim.inject({ target: 'retailPrices', path: /.*/, status: 503 });
    const answer = await cost(s);
    expect(answer.degraded).toEqual([{ source: 'retailPrices', status: 503, message: expect.any(String) }]);
    // At the shipped prices: 2 × 0.23 + 4 × 0.608 = 2.892.
    expect(clusterIn(answer, 'elb-01-a')).toMatchObject({ priced: true, hourly: 2.892, projectedMonthly: 2111.16 });
    expect(clusterIn(answer, 'elb-01-a').pools.every((p) => p.source === 'shippedTable' && p.priceAsOf === '2026-11')).toBe(true);
    expect(answer.pricesAsOf).toBe('2026-11');
    expect(retailCalls(s)).toBe(2);

    // The next polls do not hammer a failing API.
    s.clock.advance(60_000);
    expect((await cost(s)).degraded).toHaveLength(1);
    expect(retailCalls(s)).toBe(2);

    // Back up, after the back-off: retail prices again, nothing degraded.
    down.remove();
    s.clock.advance(RETRY_AFTER_FAILURE_MS);
    const recovered = await cost(s);
    expect(recovered.degraded).toEqual([]);
    expect(clusterIn(recovered, 'elb-01-a').hourly).toBe(2.96);
  });
});

describe('cost of running and stopped clusters', () => {
  it('a start through the API: accrued since it, by the hour; stopped, 0 an hour', async () => {
    const s = await start();
    const before = clusterIn(await cost(s), 'elb-01-b');
    expect(before).toMatchObject({ powerState: 'Stopped', hourly: 0, hourlyWhenRunning: 1.48, projectedMonthly: 0, accruedSinceStart: null, since: null });
    expect(before.notes.join(' ')).toMatch(/still bills its OS disks/);
    // Running with no start in the audit trail: the last start is unknown, and said so.
    expect(clusterIn(await cost(s), 'elb-01-a')).toMatchObject({ hourly: 2.96, since: null, accruedSinceStart: null });

    expect((await s.act('start', 'elb-01-b')).status).toBe(202);
    await s.sim.completeOperation({ ...RG, name: 'elb-01-b' });
    s.clock.advance(2 * HOUR);
    const running = clusterIn(await cost(s), 'elb-01-b');
    // 1.48 × 2 h = 2.96; 1.48 × 730 = 1080.40.
    expect(running).toMatchObject({
      powerState: 'Running',
      hourly: 1.48,
      projectedMonthly: 1080.4,
      since: '2026-03-15T12:00:00.000Z',
      accruedSinceStart: 2.96,
    });
  });

  it('savings from audit entries written through AuditLog: schedules and auto-stop, this month and last, per cluster and scope', async () => {
    const s = await start();
    const audit = s.app.services.audit;
    const write = (at: string, cluster: string, action: string, via: string, outcome: 'accepted' | 'refused' = 'accepted') =>
      audit.append({
        at,
        actor: { objectId: via === 'user' ? 'oid-alice' : via, name: via, via: via as AuditActor['via'] },
        action,
        ...RG,
        cluster,
        outcome,
        status: outcome === 'accepted' ? 202 : 409,
        requestId: `r-${at}`,
      });
    // elb-01-a: Fri 27 Feb 19:00 → Mon 2 Mar 07:00 by schedule (February 29 h, March 31 h); 10 Mar 19:00 → 11 Mar
    // 07:00 (12 h); auto-stop 12 Mar 10:00 → started by a person 14:00 (4 h). A refused stop counts for nothing.
    await write('2026-02-27T19:00:00Z', 'elb-01-a', 'stop', 'schedule');
    await write('2026-03-02T07:00:00Z', 'elb-01-a', 'start', 'schedule');
    await write('2026-03-10T19:00:00Z', 'elb-01-a', 'stop', 'schedule');
    await write('2026-03-11T07:00:00Z', 'elb-01-a', 'start', 'schedule');
    await write('2026-03-12T09:00:00Z', 'elb-01-a', 'stop', 'schedule', 'refused');
    await write('2026-03-12T10:00:00Z', 'elb-01-a', 'stop', 'autoStop');
    await write('2026-03-12T14:00:00Z', 'elb-01-a', 'start', 'user');
    // elb-01-b: stopped by a schedule 14 Mar 19:00 and still stopped: 17 h to now.
    await write('2026-03-14T19:00:00Z', 'elb-01-b', 'stop', 'schedule');

    const answer = await cost(s);
    const a = clusterIn(answer, 'elb-01-a');
    // This month 31 + 12 + 4 = 47 h × 2.96 = 139.12; last month 29 h × 2.96 = 85.84.
    expect(a.savings).toEqual({ thisMonth: 139.12, lastMonth: 85.84, hoursThisMonth: 47, hoursLastMonth: 29 });
    // Running since the start at 12 Mar 14:00: 70 h × 2.96 = 207.20.
    expect(a).toMatchObject({ since: '2026-03-12T14:00:00.000Z', accruedSinceStart: 207.2 });
    // 17 h × 1.48 = 25.16.
    expect(clusterIn(answer, 'elb-01-b').savings).toEqual({ thisMonth: 25.16, lastMonth: 0, hoursThisMonth: 17, hoursLastMonth: 0 });
    expect(clusterIn(answer, 'elb-01-c').savings).toEqual({ thisMonth: 0, lastMonth: 0, hoursThisMonth: 0, hoursLastMonth: 0 });
    // Scope: 2.96 + 0 + 0.24 an hour; 2160.80 + 0 + 175.20 a month; savings 139.12 + 25.16 and 85.84.
    expect(answer.totals).toEqual({ hourly: 3.2, projectedMonthly: 2336, savingsThisMonth: 164.28, savingsLastMonth: 85.84, clusters: 3, unpriced: 0 });
    expect(answer).toMatchObject({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: 'rg-elb-01' });

    // An hour on, a person starts elb-01-b (ARM not told: only the trail moves). The next answer reads the trail only
    // back to 1 February; what came before is remembered from the first answer: the same February figures.
    s.clock.advance(HOUR);
    await write('2026-03-15T12:30:00Z', 'elb-01-b', 'start', 'user');
    const later = await cost(s);
    expect(clusterIn(later, 'elb-01-a').savings).toEqual({ thisMonth: 139.12, lastMonth: 85.84, hoursThisMonth: 47, hoursLastMonth: 29 });
    // 71 h × 2.96 = 210.16.
    expect(clusterIn(later, 'elb-01-a').accruedSinceStart).toBe(210.16);
    // 14 Mar 19:00 → 15 Mar 12:30 = 17.5 h × 1.48 = 25.90.
    expect(clusterIn(later, 'elb-01-b').savings).toEqual({ thisMonth: 25.9, lastMonth: 0, hoursThisMonth: 17.5, hoursLastMonth: 0 });
  });

  it('the fleet: every allowed scope with its totals, and the fleet totals', async () => {
    const s = await start();
    const response = await s.get('/api/cost/fleet');
    expect(response.status).toBe(200);
    const fleet = response.body as CostFleetAnswer;
    expect(fleet.scopes.map((x) => x.resourceGroup).sort()).toEqual(['rg-elb-01', 'rg-elb-01-blue']);
    // rg-elb-01 3.20 an hour; rg-elb-01-blue: elb-01-blue-a, 1 × D4s_v5 + 2 × E8s_v5 = 1.48 → 4.68; 2336 + 1080.40.
    expect(fleet.totals).toEqual({ hourly: 4.68, projectedMonthly: 3416.4, savingsThisMonth: 0, savingsLastMonth: 0, clusters: 4, unpriced: 0, scopes: 2 });
    expect(fleet).toMatchObject({ estimate: true, currency: 'USD', degraded: [] });
    // Both scopes priced with one lookup: still two sizes, four pages.
    expect(retailCalls(s)).toBe(4);
    // A poll while the lists are fresh: no ARM call and no price call at all (the lists are the fleet's cached ones).
    const armCalls = s.sim.requestLog((e) => e.server === 'arm').length;
    s.clock.advance(10_000);
    expect((await s.get('/api/cost/fleet')).status).toBe(200);
    expect((await s.get(`/api/cost?subscriptionId=${DEMO_SUBSCRIPTION_ID}&resourceGroup=rg-elb-01`)).status).toBe(200);
    expect(s.sim.requestLog((e) => e.server === 'arm').length).toBe(armCalls);
    expect(retailCalls(s)).toBe(4);
  });
});

describe('the routes', () => {
  it('refuses bad parameters with 400 and a scope outside the allowed ones with 403, before any read', async () => {
    const s = await start();
    const bad = await s.get(`/api/cost?subscriptionId=not-a-guid&resourceGroup=rg-elb-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalidParameter', field: 'subscriptionId' });
    const missing = await s.get(`/api/cost?subscriptionId=${DEMO_SUBSCRIPTION_ID}`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'missingParameter', field: 'resourceGroup' });
    const outside = await s.get(`/api/cost?subscriptionId=${DEMO_SUBSCRIPTION_ID}&resourceGroup=rg-elsewhere`);
    expect(outside.status).toBe(403);
    expect(retailCalls(s)).toBe(0);
  });

  it('are polling reads: never captured by the inspector', async () => {
    expect(shouldCapture('/api/cost', 'GET')).toBe(false);
    expect(shouldCapture('/api/cost/fleet', 'GET')).toBe(false);
    const s = await start();
    await cost(s);
    const inspector = await s.get('/api/inspector');
    expect(inspector.body.items.filter((c: { path: string }) => c.path.startsWith('/api/cost'))).toEqual([]);
  });
});
