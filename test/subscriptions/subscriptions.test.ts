// Subscription display names through the whole stack: ARM's subscription list (the simulator's, read by the real
// @azure/arm-resources-subscriptions client) cached once for the app, answered by GET /api/monitor/subscriptions and
// in the fleet answer; one list per TTL whatever the viewers and instances; a subscription the list does not show
// keeps its id with a degraded part; a failing list never fails the fleet.
import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, DEMO_SUBSCRIPTION_NAMES, DEMO_TENANT_ID, demoFleet } from '../../dev/sim/index.js';
import { parseKey, subscriptionListKey } from '../../shared/cache/index.js';
import { portalUrlOf } from '../../shared/wire/index.js';
import { MANUAL_OPERATIONS, SUB, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const SUB2 = DEMO_SECOND_SUBSCRIPTION_ID;
const UNLISTED = '00000000-0000-0000-0000-0000000000ff';

function startFleet(options: { env?: Record<string, string>; peer?: TestStack } = {}): Promise<TestStack> {
  return stack({ simulator: { ...MANUAL_OPERATIONS, fleet: demoFleet(new Date(), { secondSubscription: true }) }, ...options });
}

/** GET /subscriptions calls ARM received (the list, not GET /subscriptions/{id}). */
const subscriptionLists = (s: TestStack) => s.sim.requestLog((e) => e.server === 'arm' && e.method === 'GET' && /^\/subscriptions(\?|$)/.test(e.url)).length;

const settle = (...stacks: TestStack[]) => Promise.all(stacks.map((s) => s.app.services.cache.idle()));

describe('subscription display names', () => {
  it('the fleet and GET /api/monitor/subscriptions name the allowed subscriptions; each cluster carries its ARM id', async () => {
    const s = await startFleet();
    const fleet = await s.get('/api/monitor/fleet');
    expect(fleet.status).toBe(200);
    const named = [
      { subscriptionId: SUB, displayName: DEMO_SUBSCRIPTION_NAMES[0], state: 'Enabled', tenantId: DEMO_TENANT_ID },
      { subscriptionId: SUB2, displayName: DEMO_SUBSCRIPTION_NAMES[1], state: 'Enabled', tenantId: DEMO_TENANT_ID },
    ];
    expect(fleet.body.subscriptions).toEqual(named);
    expect(fleet.body.degraded).toEqual([]);
    expect(fleet.body.scopes.map((x: any) => [x.resourceGroup, x.subscriptionName])).toEqual([
      ['rg-elb-01', 'ELB Research'],
      ['rg-elb-01-blue', 'ELB Research'],
      ['rg-data-dev', 'ELB Production'],
      ['rg-payments-dev', 'ELB Production'],
      ['rg-payments-test', 'ELB Production'],
    ]);
    const cluster = fleet.body.scopes[3].clusters[0];
    expect(cluster.id).toMatch(
      new RegExp(`^/subscriptions/${SUB2}/resourcegroups/rg-payments-dev/providers/Microsoft.ContainerService/managedClusters/pay-dev-a$`, 'i'),
    );
    expect(cluster.location).toBeTruthy();
    expect(portalUrlOf(cluster.id, fleet.body.subscriptions[1].tenantId)).toBe(`https://portal.azure.com/#@${DEMO_TENANT_ID}/resource${cluster.id}`);

    const answer = await s.get('/api/monitor/subscriptions');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ data: named, degraded: [], cache: { state: 'fresh' } });
    expect(answer.headers.get('cache-control')).toMatch(/^private, max-age=\d+/);
    const etag = answer.headers.get('etag')!;
    const again = await fetch(`${s.url}/api/monitor/subscriptions`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('one ARM list per TTL, whatever the viewers and instances; the refresh timer keeps a read list fresh', async () => {
    const a = await startFleet();
    const b = await startFleet({ peer: a });
    await a.get('/api/monitor/fleet');
    await settle(a);
    for (let i = 0; i < 3; i++) {
      for (const s of [a, b]) {
        expect((await s.get('/api/monitor/fleet')).body.scopes[0].subscriptionName).toBe('ELB Research');
        expect((await s.get('/api/monitor/subscriptions')).status).toBe(200);
      }
    }
    await settle(a, b);
    expect(subscriptionLists(a)).toBe(1);

    // Read shortly before its TTL (not the cluster lists' 30 s: its own), it is hot: past the TTL the timer refreshes
    // it once, and readers then find it fresh.
    a.clock.advance(a.config.cache.subscriptionNamesTtlSeconds * 1000 - 10_000);
    expect((await b.get('/api/monitor/subscriptions')).body.cache.state).toBe('fresh');
    await settle(b);
    a.clock.advance(20_000);
    await a.host.runTimer('refreshMonitorCache');
    await settle(a);
    expect(subscriptionLists(a)).toBe(2);
    expect((await b.get('/api/monitor/subscriptions')).body.cache.state).toBe('fresh');
    expect(subscriptionLists(a)).toBe(2);
    expect(parseKey(subscriptionListKey())).toEqual({ kind: 'subscriptions', key: 'monitor:subs:*:*' });
  });

  it('a subscription the list does not show keeps its id, and a degraded part says so', async () => {
    const s = await startFleet({ env: { ALLOWED_SCOPES: `${SUB}/rg-elb-01,${UNLISTED}/rg-elsewhere` } });
    const answer = await s.get('/api/monitor/subscriptions');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([
      { subscriptionId: SUB, displayName: 'ELB Research', state: 'Enabled', tenantId: DEMO_TENANT_ID },
      { subscriptionId: UNLISTED, displayName: null, state: null, tenantId: null },
    ]);
    expect(answer.body.degraded).toEqual([{ source: 'arm:subscriptions', status: 404, message: expect.stringContaining(UNLISTED) }]);
    expect(answer.body.cache.state).not.toBe('fresh');

    const fleet = await s.get('/api/monitor/fleet');
    expect(fleet.body.scopes.map((x: any) => x.subscriptionName)).toEqual(['ELB Research', null]);
    expect(fleet.body.degraded).toContainEqual(expect.objectContaining({ source: 'arm:subscriptions', status: 404 }));
  });

  it('a failing list never fails the fleet: ids stand, degraded; a stored list is served over the failure', async () => {
    const s = await startFleet();
    const failing = s.sim.inject({ target: 'arm', method: 'GET', path: /^\/subscriptions$/, status: 500 });
    const fleet = await s.get('/api/monitor/fleet');
    expect(fleet.status).toBe(200);
    expect(fleet.body.scopes.every((x: any) => x.subscriptionName === null)).toBe(true);
    expect(fleet.body.subscriptions.map((x: any) => x.displayName)).toEqual([null, null]);
    expect(fleet.body.degraded).toEqual([expect.objectContaining({ source: 'arm:subscriptions' })]);
    expect((await s.get('/api/monitor/subscriptions')).status).toBeGreaterThanOrEqual(500);
    failing.remove();

    expect((await s.get('/api/monitor/subscriptions')).body.data[0].displayName).toBe('ELB Research');
    await settle(s);
    s.clock.advance(s.config.cache.subscriptionNamesTtlSeconds * 1000 + 1);
    const again = s.sim.inject({ target: 'arm', method: 'GET', path: /^\/subscriptions$/, status: 500 });
    const stale = await s.get('/api/monitor/fleet');
    expect(stale.body.scopes[0].subscriptionName).toBe('ELB Research');
    await settle(s);
    const served = await s.get('/api/monitor/subscriptions');
    expect(served.body.data[0].displayName).toBe('ELB Research');
    expect(served.body.degraded).toEqual([expect.objectContaining({ source: 'arm:subscriptions', status: 500 })]);
    again.remove();
  });
});
