// One readability rule (shared/monitor/readability.ts): a cluster is read only when ARM shows powerState Running and
// no start, stop or delete in progress. Through the local host under both simulator orderings: during a start or a
// stop every category and the pods pages answer data null with the reason, without asking for credentials or
// connecting, and the refresh timer leaves the cluster alone; once ARM shows the end, reads work again.
import { describe, expect, it } from 'vitest';
import { MONITOR_CATEGORIES } from '../../shared/cache/index.js';
import { unreadableReason } from '../../shared/monitor/readability.js';
import { categoryPath, clusterOf, MANUAL_OPERATIONS, RG, testStacks, type TestStack } from '../lifecycle/support.js';
import { powerStateDuring, SIM_STATE_ORDERING } from '../setup/ordering.js';

const stack = testStacks();

describe('unreadableReason', () => {
  it.each([
    ['Running', 'Succeeded', undefined],
    ['Running', 'Failed', undefined],
    ['Running', 'Updating', undefined],
    ['Running', 'Upgrading', undefined],
    ['Running', 'Starting', 'clusterStarting'],
    ['Stopped', 'Starting', 'clusterStarting'],
    ['Running', 'Stopping', 'clusterStopping'],
    ['Stopped', 'Stopping', 'clusterStopping'],
    ['Running', 'Deleting', 'clusterDeleting'],
    ['Stopped', 'Succeeded', 'clusterStopped'],
    ['Stopped', 'Failed', 'clusterStopped'],
    ['Unknown', 'Succeeded', 'clusterStopped'],
  ])('%s + %s → %s', (powerState, provisioningState, reason) => {
    expect(unreadableReason({ powerState, provisioningState })).toBe(reason);
  });
});

/** Credential requests and Kubernetes requests of one cluster so far. */
function contacts(s: TestStack, cluster: string): number {
  return s.sim.requestLog((e) => (e.server === 'arm' && e.url.includes(`/${cluster}/listCluster`)) || e.server === `${RG.resourceGroup}/${cluster}`).length;
}

async function expectUnreadable(s: TestStack, cluster: string, reason: string): Promise<void> {
  const before = contacts(s, cluster);
  for (const category of MONITOR_CATEGORIES) {
    const res = await s.get(categoryPath(cluster, category));
    expect(res.status).toBe(200);
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ data: null, reason });
  }
  const page = await s.get(`${categoryPath(cluster, 'pods')}&continue=abc`);
  expect(page.body).toMatchObject({ data: null, reason });
  expect(contacts(s, cluster)).toBe(before); // no credentials asked for, no connection made
}

describe(`during a start and a stop (${SIM_STATE_ORDERING} ordering)`, () => {
  it('start: clusterStarting until ARM shows Running + Succeeded; then the first read reads', async () => {
    const s = await stack({ simulator: MANUAL_OPERATIONS });
    expect((await s.act('start', 'elb-01-b')).status).toBe(202);
    expect(clusterOf(await s.list(), 'elb-01-b')).toMatchObject({ powerState: powerStateDuring('start'), provisioningState: 'Starting' });
    await expectUnreadable(s, 'elb-01-b', 'clusterStarting');

    await s.app.services.cache.idle(); // no list refresh from before the end still in flight
    await s.sim.completeOperation({ resourceGroup: RG.resourceGroup, name: 'elb-01-b' });
    s.clock.advance((s.config.cache.transitionTtlSeconds + 1) * 1000);
    const nodes = await s.get(categoryPath('elb-01-b', 'nodes'));
    expect(nodes.body.degraded, JSON.stringify(nodes.body)).toEqual([]);
    expect(nodes.body.data.length).toBeGreaterThan(0);
  });

  it('stop: clusterStopping while ARM shows Stopping, and the refresh timer does not read the cluster', async () => {
    const s = await stack({ simulator: MANUAL_OPERATIONS });
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).body.data.length).toBeGreaterThan(0);
    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    expect(clusterOf(await s.list(), 'elb-01-a')).toMatchObject({ powerState: powerStateDuring('stop'), provisioningState: 'Stopping' });
    await expectUnreadable(s, 'elb-01-a', 'clusterStopping');

    s.clock.advance((s.config.cache.ttlSeconds + 1) * 1000);
    const before = contacts(s, 'elb-01-a');
    await s.host.runTimer('refreshMonitorCache');
    expect(contacts(s, 'elb-01-a')).toBe(before);

    await s.app.services.cache.idle(); // no list refresh from before the end still in flight
    await s.sim.completeOperation({ resourceGroup: RG.resourceGroup, name: 'elb-01-a' });
    s.clock.advance((s.config.cache.transitionTtlSeconds + 1) * 1000);
    await expectUnreadable(s, 'elb-01-a', 'clusterStopped');
  });
});
