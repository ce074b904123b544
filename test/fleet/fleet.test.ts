// GET /api/monitor/fleet through the whole stack: every allowed scope (a subscription-wide one expanded with ARM's
// list-by-subscription, nextLink followed), each read through the cache in parallel, a failing scope degrading
// alone, and subscription-wide scopes working per resource group for reads, actions and purges.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { createAuth } from '../../shared/http/auth.js';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { armListReads, clusterOf, MANUAL_OPERATIONS, RG, SUB, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const SUB2 = DEMO_SECOND_SUBSCRIPTION_ID;
const PAY_DEV = { subscriptionId: SUB2, resourceGroup: 'rg-payments-dev' };

function startFleet(simulator: Record<string, unknown> = {}): Promise<TestStack> {
  return stack({ simulator: { ...MANUAL_OPERATIONS, fleet: demoFleet(new Date(), { secondSubscription: true }), ...simulator } });
}

const armGets = (s: TestStack) => s.sim.requestLog((e) => e.server === 'arm' && e.method === 'GET').length;
const scopeNames = (body: any) => body.scopes.map((x: any) => `${x.subscriptionId}/${x.resourceGroup}`);

describe('fleet overview', () => {
  it('lists every scope, a subscription-wide one by resource group, with counts by state', async () => {
    const s = await startFleet({ armPageSize: 3 }); // the subscription listing of four clusters takes two pages
    expect(s.config.auth.allowedScopes).toContainEqual({ subscriptionId: SUB2, resourceGroup: '*' });

    const fleet = await s.get('/api/monitor/fleet');
    expect(fleet.status).toBe(200);
    expect(scopeNames(fleet.body)).toEqual([
      `${SUB}/rg-elb-01`,
      `${SUB}/rg-elb-01-blue`,
      `${SUB2}/rg-data-dev`,
      `${SUB2}/rg-payments-dev`,
      `${SUB2}/rg-payments-test`,
    ]);
    const payDev = fleet.body.scopes[3];
    expect(payDev.clusters.map((c: any) => [c.name, c.powerState])).toEqual([
      ['pay-dev-a', 'Running'],
      ['pay-dev-b', 'Stopped'],
    ]);
    expect(payDev).toMatchObject({ degraded: [], transitionCount: 0, cache: { state: 'refreshed' } });
    expect(fleet.body.totals).toEqual({ running: 5, stopped: 3, transitioning: 0, failed: 0, clusters: 8, scopes: 5 });
    expect(fleet.body.degraded).toEqual([]);
    const subscriptionPages = s.sim.requestLog(
      (e) => e.server === 'arm' && /^\/subscriptions\/[^/]+\/providers\/Microsoft.ContainerService\/managedClusters/i.test(e.url),
    );
    expect(subscriptionPages).toHaveLength(2);

    // The next tick is served from the cache: no ARM call at all.
    const before = armGets(s);
    const again = await s.get('/api/monitor/fleet');
    expect(again.body.scopes.every((x: any) => x.cache.state === 'fresh')).toBe(true);
    expect(armGets(s)).toBe(before);
  });

  it('reads every scope at once: all lists are in flight together', async () => {
    const s = await startFleet();
    await s.get('/api/monitor/fleet'); // the subscription's resource groups are now cached
    s.clock.advance(s.config.cache.ttlSeconds * 1000 + s.config.cache.swrSeconds * 1000 + 1); // every list must be fetched again
    const held = s.sim.inject({
      target: 'arm',
      method: 'GET',
      path: /\/resourceGroups\/[^/]+\/providers\/Microsoft.ContainerService\/managedClusters$/i,
      hold: true,
    });
    const tick = s.get('/api/monitor/fleet');
    await held.whenHit(5); // five list reads held at the same time: none waited for another
    held.release();
    const fleet = await tick;
    held.remove();
    expect(fleet.status).toBe(200);
    expect(fleet.body.scopes.every((x: any) => x.cache.state === 'refreshed')).toBe(true);
  });

  it('a failing scope degrades alone; a failing subscription listing degrades alone', async () => {
    const s = await startFleet();
    const failing = s.sim.inject({
      target: 'arm',
      method: 'GET',
      path: /\/resourceGroups\/rg-payments-dev\/providers\/Microsoft.ContainerService\/managedClusters$/i,
      status: 500,
    });
    const fleet = await s.get('/api/monitor/fleet');
    failing.remove();
    expect(fleet.status).toBe(200);
    const payDev = fleet.body.scopes.find((x: any) => x.resourceGroup === 'rg-payments-dev');
    expect(payDev).toMatchObject({ clusters: [], cache: null, transitionCount: 0 });
    expect(payDev.degraded).toEqual([expect.objectContaining({ source: 'arm:managedClusters', status: 502 })]);
    expect(fleet.body.scopes.filter((x: any) => x.degraded.length === 0)).toHaveLength(4);
    expect(fleet.body.totals.clusters).toBe(6);

    const s2 = await startFleet();
    const noListing = s2.sim.inject({
      target: 'arm',
      method: 'GET',
      path: /^\/subscriptions\/[^/]+\/providers\/Microsoft.ContainerService\/managedClusters$/i,
      status: 503,
    });
    const partial = await s2.get('/api/monitor/fleet');
    noListing.remove();
    expect(partial.status).toBe(200);
    expect(scopeNames(partial.body)).toEqual([`${SUB}/rg-elb-01`, `${SUB}/rg-elb-01-blue`]);
    expect(partial.body.degraded).toEqual([expect.objectContaining({ source: `arm:managedClusters:${SUB2}/*`, status: 503 })]);
  });

  it('a subscription-wide scope works per resource group: reads, actions, transitions, purges; other subscriptions stay out', async () => {
    const s = await startFleet();
    const list = await s.list(PAY_DEV);
    expect(list.data.map((c: any) => c.name)).toEqual(['pay-dev-a', 'pay-dev-b']);
    const outside = await s.get('/api/monitor/aks?subscriptionId=00000000-0000-0000-0000-000000000003&resourceGroup=rg-payments-dev');
    expect(outside.status).toBe(403);

    await s.get('/api/monitor/fleet');
    expect((await s.act('stop', 'pay-dev-a', PAY_DEV)).status).toBe(202);
    const reads = armListReads(s.sim, 'rg-payments-dev');
    const fleet = await s.get('/api/monitor/fleet');
    expect(armListReads(s.sim, 'rg-payments-dev')).toBe(reads + 1); // the purge of that resource group only
    const payDev = fleet.body.scopes.find((x: any) => x.resourceGroup === 'rg-payments-dev');
    expect(payDev.cache.state).toBe('refreshed');
    expect(payDev.transitionCount).toBe(1);
    expect(clusterOf({ data: payDev.clusters }, 'pay-dev-a')).toMatchObject({ provisioningState: 'Stopping', transition: { action: 'stop', status: 'open' } });
    expect(fleet.body.totals).toMatchObject({ transitioning: 1, running: 4 });
    expect(fleet.body.scopes.find((x: any) => x.resourceGroup === RG.resourceGroup).cache.state).toBe('fresh');
  });

  it('the refresh timer leaves the subscription listing to its readers', async () => {
    const s = await startFleet();
    await s.get('/api/monitor/fleet');
    s.clock.advance(s.config.cache.ttlSeconds * 1000 + 1);
    await s.host.runTimer('refreshMonitorCache');
    const odd = s.sim.requestLog((e) => e.server === 'arm' && /resourceGroups\/(\*|%2A)/i.test(e.url));
    expect(odd).toEqual([]);
    expect(s.sim.requestLog((e) => e.server === 'arm' && /^\/subscriptions\/[^/]+\/providers\//i.test(e.url))).toHaveLength(1); // the first tick's only
  });

  it('needs the read role', async () => {
    const s = await stack({ env: { DEV_PRINCIPAL_ROLES: '' } });
    expect((await s.get('/api/monitor/fleet')).status).toBe(403);
  });
});

describe('subscription-wide scopes', () => {
  const config = (scopes: string) => loadConfig({ TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', ALLOWED_SCOPES: scopes });

  it('ALLOWED_SCOPES takes {subscriptionId}/* beside pairs, and refuses other shapes', () => {
    expect(config(`${SUB}/rg-a,${SUB2.toUpperCase()}/*`).auth.allowedScopes).toEqual([
      { subscriptionId: SUB, resourceGroup: 'rg-a' },
      { subscriptionId: SUB2, resourceGroup: '*' },
    ]);
    expect(() => config(`${SUB}/*/x`)).toThrow(ConfigError);
  });

  it('allows every resource group of that subscription, in the spelling asked, and nothing of another', () => {
    const auth = createAuth(config(`${SUB}/rg-a,${SUB2}/*`).auth);
    expect(auth.allowedScope({ subscriptionId: SUB2.toUpperCase(), resourceGroup: 'RG-Anything' })).toEqual({
      subscriptionId: SUB2,
      resourceGroup: 'RG-Anything',
    });
    expect(auth.allowedScope({ subscriptionId: SUB, resourceGroup: 'RG-A' })).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-a' });
    expect(() => auth.allowedScope({ subscriptionId: SUB, resourceGroup: 'rg-b' })).toThrow(/allowed scopes/);
  });

  it('the ARM health probe lists by subscription when the first scope is subscription-wide', async () => {
    const s = await stack({ simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }) }, env: { ALLOWED_SCOPES: `${SUB2}/*` } });
    const health = await s.get('/api/health');
    expect(health).toMatchObject({ status: 200, body: { arm: 'ok' } });
    expect(
      s.sim.requestLog((e) => e.server === 'arm' && /^\/subscriptions\/[^/]+\/providers\/Microsoft.ContainerService\/managedClusters/i.test(e.url)).length,
    ).toBeGreaterThan(0);
  });
});
