// Conditional requests through the real stack: every monitor answer names its reading with an ETag and says how long
// it stays fresh; a poll that already holds the reading gets 304 with no body, and nothing upstream is called.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryKey } from '../../shared/cache/index.js';
import { createApiClient } from '../../web/src/lib/api.js';
import { createPoller } from '../../web/src/lib/poller.js';
import { FakeClock, FakeVisibility, flush } from '../web/fakes.js';
import { armCalls, kubernetesLog, RUNNING, SCOPE, STOPPED, startMonitorStack, TestClock, type MonitorStack } from './support.js';

let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now });
});
afterAll(async () => {
  await stack?.close();
});

describe('ETag, Cache-Control and 304 on the monitor reads', () => {
  it('the cluster list: ETag and freshness on 200; If-None-Match → 304 without a body; a new reading → a new ETag', async () => {
    const first = await stack.get('monitor/aks');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, max-age=30, stale-while-revalidate=300');

    clock.advance(10);
    const lists = armCalls(stack, '/managedClusters');
    const again = await stack.get('monitor/aks', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('private, max-age=20, stale-while-revalidate=300');
    expect(again.headers.get('x-request-id')).toBeTruthy();
    expect(again.headers.get('content-type')).toBeNull();
    expect(armCalls(stack, '/managedClusters')).toBe(lists);

    // Another tag, or a list of tags holding ours.
    expect((await stack.get('monitor/aks', { 'if-none-match': 'W/"other"' })).status).toBe(200);
    expect((await stack.get('monitor/aks', { 'if-none-match': `"x", ${etag!.slice(2)}` })).status).toBe(304);

    // Past TTL + SWR: read from ARM again. The fleet did not change, so neither does the tag.
    clock.advance(400);
    const renewed = await stack.get('monitor/aks', { 'if-none-match': etag! });
    expect(renewed.status).toBe(304);
    expect(armCalls(stack, '/managedClusters')).toBe(lists + 1);
  });

  it('a category: 304 while its content stands (ages apart), 200 with a new ETag once the cluster changes', async () => {
    const first = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const calls = kubernetesLog(stack, RUNNING).length;
    const again = await stack.get(`monitor/aks/${RUNNING}/nodes`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(kubernetesLog(stack, RUNNING)).toHaveLength(calls);

    // Read again from the API server later: every node is older, nothing else changed.
    const nodes = categoryKey(SCOPE, RUNNING, 'nodes');
    await stack.app.services.cache.invalidatePrefix(nodes);
    clock.advance(60);
    const refetched = await stack.get(`monitor/aks/${RUNNING}/nodes`, { 'if-none-match': etag });
    expect(refetched.status).toBe(304);
    expect(kubernetesLog(stack, RUNNING).length).toBeGreaterThan(calls);

    stack.sim.cluster({ resourceGroup: SCOPE.resourceGroup, name: RUNNING }).update((spec) => {
      spec.nodes[0]!.unschedulable = !spec.nodes[0]!.unschedulable;
    });
    await stack.app.services.cache.invalidatePrefix(nodes);
    const changed = await stack.get(`monitor/aks/${RUNNING}/nodes`, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('a stopped cluster answers with an ETag too (its reason is part of what it names)', async () => {
    const first = await stack.get(`monitor/aks/${STOPPED}/pods`);
    expect(first.body.reason).toBe('clusterStopped');
    const list = await stack.get('monitor/aks');
    expect(first.headers.get('etag')).toMatch(/^W\//);
    expect(first.headers.get('etag')).not.toBe(list.headers.get('etag'));
    expect((await stack.get(`monitor/aks/${STOPPED}/pods`, { 'if-none-match': first.headers.get('etag')! })).status).toBe(304);
  });

  it('errors are never stored: Cache-Control no-store and no ETag', async () => {
    const unknown = await stack.get('monitor/aks/no-such-cluster/nodes');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('cache-control')).toBe('no-store');
    expect(unknown.headers.get('etag')).toBeNull();
    const bad = await stack.get(`monitor/aks/${RUNNING}/nope`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the dashboard polls with If-None-Match', () => {
  it('a 304 hands back the same envelope: the poller notifies no one, so nothing re-renders', async () => {
    const api = createApiClient({ baseUrl: stack.url, fetch });
    const scheduler = new FakeClock();
    const poller = createPoller({ scheduler, visibility: new FakeVisibility() });
    let pending: Promise<unknown> = Promise.resolve();
    const load = () => (pending = api.category(SCOPE, RUNNING, 'nodes'));
    const settled = async () => {
      await pending.catch(() => {});
      await flush();
    };
    let notified = 0;
    poller.subscribe('nodes', () => notified++);
    const answers = () => stack.lines.filter((line) => line.includes(`/api/monitor/aks/${RUNNING}/nodes `));

    poller.watch('nodes', load, 10_000);
    await settled();
    const first = poller.get('nodes');
    expect(first?.data).toBeDefined();
    expect(notified).toBe(2); // loading, then the data
    expect(answers().at(-1)).toContain(' 200 ');

    for (let poll = 1; poll <= 3; poll++) {
      clock.advance(1); // the reading stays fresh (TTL 30 s)
      await scheduler.advance(10_000);
      await settled();
    }
    expect(poller.startedCount('nodes')).toBe(4);
    expect(
      answers()
        .slice(-3)
        .every((line) => line.includes(' 304 ')),
    ).toBe(true);
    expect(notified).toBe(2);
    expect(poller.get('nodes')).toBe(first);

    // A change shows: one notification with the new data.
    stack.sim.cluster({ resourceGroup: SCOPE.resourceGroup, name: RUNNING }).update((spec) => {
      spec.nodes[0]!.unschedulable = !spec.nodes[0]!.unschedulable;
    });
    await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, 'nodes'));
    await scheduler.advance(10_000);
    await settled();
    expect(answers().at(-1)).toContain(' 200 ');
    expect(notified).toBe(3);
    expect(poller.get('nodes')?.data).not.toBe(first?.data);
    poller.dispose();
  });
});
