// Only real scopes leave rows: under an allowed `{subscriptionId}/*`, a resource group is admitted once the
// subscription's resource group list (ARM, cached once per subscription) shows it. Junk names answer 404 and write
// nothing to Table Storage; a real one (with clusters or without) still reads; and the timer removes scope rows
// with nothing under them (left by earlier versions) once they are old.
import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { GENERATION_ROW_KEY, locateKey, clusterListKey } from '../../shared/cache/index.js';
import { allRows, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const SUB2 = DEMO_SECOND_SUBSCRIPTION_ID;
const JUNK = 40;

/** The demo fleet with a second subscription allowed as a whole, holding four resource groups (one without clusters). */
function startWithWholeSubscription(simulator: Record<string, unknown> = {}): Promise<TestStack> {
  const fleet = demoFleet(new Date(), { secondSubscription: true });
  fleet.subscriptions[1]!.resourceGroups.push({ name: 'rg-empty', location: 'westeurope', clusters: [] });
  return stack({ simulator: { fleet, ...simulator } });
}

const listPath = (resourceGroup: string) => `/api/monitor/aks?subscriptionId=${SUB2}&resourceGroup=${encodeURIComponent(resourceGroup)}`;
const armCalls = (s: TestStack, pattern: RegExp) => s.sim.requestLog((e) => e.server === 'arm' && pattern.test(e.url.split('?')[0]!)).length;
const RESOURCE_GROUP_LISTS = /^\/subscriptions\/[^/]+\/resourcegroups$/i;
const CLUSTER_LISTS = /\/providers\/Microsoft\.ContainerService\/managedClusters$/i;

describe('resource groups of a {subscriptionId}/* scope', () => {
  it('40 junk names answer 404 and write no row; the resource group list is read once; real groups still read', async () => {
    const s = await startWithWholeSubscription({ armPageSize: 3 }); // the resource group list comes in two pages
    expect(s.config.auth.allowedScopes).toContainEqual({ subscriptionId: SUB2, resourceGroup: '*' });
    expect((await s.get(listPath('rg-payments-dev'))).status).toBe(200);
    await s.app.services.cache.idle();
    const before = (await allRows(s.table)).length;
    const clusterListsBefore = armCalls(s, CLUSTER_LISTS);

    for (let i = 0; i < JUNK; i++) {
      const res = await s.get(listPath(`rg-junk-${i}`));
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'resourceGroupNotFound', message: `No resource group rg-junk-${i} in this subscription` });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // A category read and a pods page under a junk group are refused alike.
    expect((await s.get(`/api/monitor/aks/pay-dev-a/nodes?subscriptionId=${SUB2}&resourceGroup=rg-junk-x`)).body.error.code).toBe('resourceGroupNotFound');
    await s.app.services.cache.idle();
    const after = (await allRows(s.table)).length;
    console.log(`[unknown resource groups] table rows before ${before}, after ${JUNK} junk GETs ${after}`);
    expect(after).toBe(before);
    expect(armCalls(s, CLUSTER_LISTS)).toBe(clusterListsBefore); // ARM's cluster list was never asked for a junk group
    expect(armCalls(s, RESOURCE_GROUP_LISTS)).toBe(2); // one resource group list (two pages), cached for the subscription

    // Real groups: one with clusters (any casing), one without any.
    const real = await s.get(listPath('RG-PAYMENTS-TEST'));
    expect(real.status).toBe(200);
    expect(real.body.data.length).toBeGreaterThan(0);
    const empty = await s.get(listPath('rg-empty'));
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual([]);
  });

  it('a resource group ARM does not have answers 404, not 502, also when the list itself is asked of ARM', async () => {
    const s = await startWithWholeSubscription();
    // The resource group list cannot be read (a role without the right to list groups): the group is let through,
    // and ARM's own 404 to the cluster list names the resource group.
    s.sim.inject({ target: 'arm', method: 'GET', path: (p) => RESOURCE_GROUP_LISTS.test(p), status: 403, times: 1 });
    const clusterListsBefore = armCalls(s, CLUSTER_LISTS);
    const res = await s.get(listPath('rg-gone'));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('resourceGroupNotFound');
    expect(armCalls(s, CLUSTER_LISTS)).toBe(clusterListsBefore + 1);
  });

  it('the timer removes scope generation rows with nothing under them once they are old', async () => {
    const s = await startWithWholeSubscription();
    expect((await s.get(listPath('rg-payments-dev'))).status).toBe(200);
    await s.app.services.cache.idle();
    // Scope rows earlier versions left for junk resource groups (nothing under them, never stamped).
    const junk = Array.from({ length: 10 }, (_, i) => locateKey(clusterListKey({ subscriptionId: SUB2, resourceGroup: `rg-left-${i}` })).partitionKey);
    for (const partitionKey of junk) await s.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, list: 0, tree: 0 });
    const realScope = locateKey(clusterListKey({ subscriptionId: SUB2, resourceGroup: 'rg-payments-dev' })).partitionKey;
    const generationRows = async () => (await allRows(s.table)).filter((row) => row.rowKey === GENERATION_ROW_KEY).map((row) => row.partitionKey);
    // Twenty minutes of the dashboard polling the real scope, the timer running every minute.
    for (let minute = 0; minute < 20; minute++) {
      s.clock.advance(60_000);
      expect((await s.get(listPath('rg-payments-dev'))).status).toBe(200);
      await s.app.services.cache.idle();
      await s.host.runTimer('refreshMonitorCache');
    }
    const left = await generationRows();
    expect(left.filter((pk) => junk.includes(pk))).toEqual([]);
    expect(left).toContain(realScope);
  });
});
