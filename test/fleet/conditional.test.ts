// Conditional requests on GET /api/monitor/fleet through the local host: the fleet answer is named by one weak ETag
// over its scopes' tags, lives as long as its least fresh scope, and a poll that already holds it gets 304 with no
// body; a change in one scope, a failing scope or a lifecycle action names it anew at once.
import { describe, expect, it } from 'vitest';
import { clusterListKey } from '../../shared/cache/index.js';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { createApiClient } from '../../web/src/lib/api.js';
import type { Fleet } from '../../web/src/lib/fleetData.js';
import { createPoller } from '../../web/src/lib/poller.js';
import { FakeClock, FakeVisibility, flush } from '../web/fakes.js';
import { MANUAL_OPERATIONS, RG, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const PAY_DEV = { subscriptionId: DEMO_SECOND_SUBSCRIPTION_ID, resourceGroup: 'rg-payments-dev' };
const PATH = '/api/monitor/fleet';

function startFleet(): Promise<TestStack> {
  return stack({ simulator: { ...MANUAL_OPERATIONS, fleet: demoFleet(new Date(), { secondSubscription: true }) } });
}

async function getFleet(s: TestStack, etag?: string) {
  const response = await fetch(`${s.url}${PATH}`, etag ? { headers: { 'if-none-match': etag } } : {});
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

const armGets = (s: TestStack) => s.sim.requestLog((e) => e.server === 'arm' && e.method === 'GET').length;

describe('ETag, Cache-Control and 304 on the fleet', () => {
  it('an unchanged fleet answers 304 with no body and no upstream call; max-age is its least fresh scope', async () => {
    const s = await startFleet();
    const first = await getFleet(s);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, max-age=30, stale-while-revalidate=300');

    const calls = armGets(s);
    const statuses: number[] = [];
    for (let poll = 1; poll <= 3; poll++) {
      s.clock.advance(5_000); // every scope stays fresh (TTL 30 s): only the ages move
      const again = await getFleet(s, etag);
      statuses.push(again.status);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe(`private, max-age=${30 - 5 * poll}, stale-while-revalidate=300`);
    }
    expect(statuses).toEqual([304, 304, 304]);
    expect(armGets(s)).toBe(calls);
    expect((await getFleet(s, 'W/"other"')).status).toBe(200);

    // One scope read again from ARM, nothing changed in it: the same tag; the others are now the least fresh.
    await s.app.services.cache.invalidatePrefix(clusterListKey(PAY_DEV));
    const renewed = await getFleet(s, etag);
    expect(renewed.status).toBe(304);
    expect(armGets(s)).toBe(calls + 1);
    expect(renewed.headers.get('cache-control')).toBe('private, max-age=15, stale-while-revalidate=300');
  });

  it('a change in one scope changes the tag; a failing scope too, and again when it recovers', async () => {
    const s = await startFleet();
    const etag = (await getFleet(s)).headers.get('etag')!;

    s.sim.cluster({ subscriptionId: PAY_DEV.subscriptionId, resourceGroup: PAY_DEV.resourceGroup, name: 'pay-dev-a' }).update((spec) => {
      spec.kubernetesVersion = '1.99.0';
    });
    await s.app.services.cache.invalidatePrefix(clusterListKey(PAY_DEV));
    const changed = await getFleet(s, etag);
    expect(changed.status).toBe(200);
    const payDev = changed.body.scopes.find((x: any) => x.resourceGroup === PAY_DEV.resourceGroup);
    expect(payDev.clusters.find((c: any) => c.name === 'pay-dev-a').kubernetesVersion).toBe('1.99.0');
    const changedTag = changed.headers.get('etag')!;
    expect(changedTag).not.toBe(etag);
    expect((await getFleet(s, changedTag)).status).toBe(304);

    // A scope ARM refuses: its failure is part of what the fleet shows, and it is fresh for no time at all.
    await s.app.services.cache.invalidatePrefix(clusterListKey(PAY_DEV));
    const failing = s.sim.inject({
      target: 'arm',
      method: 'GET',
      path: /\/resourceGroups\/rg-payments-dev\/providers\/Microsoft.ContainerService\/managedClusters$/i,
      status: 500,
    });
    const degraded = await getFleet(s, changedTag);
    expect(degraded.status).toBe(200);
    expect(degraded.body.scopes.find((x: any) => x.resourceGroup === PAY_DEV.resourceGroup).cache).toBeNull();
    const degradedTag = degraded.headers.get('etag')!;
    expect(degradedTag).not.toBe(changedTag);
    expect(degraded.headers.get('cache-control')).toBe('private, max-age=0, stale-while-revalidate=300');
    expect((await getFleet(s, degradedTag)).status).toBe(304);
    failing.remove();
    const recovered = await getFleet(s, degradedTag);
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('etag')).toBe(changedTag); // the same fleet as before the failure
  });

  it('a lifecycle action changes the tag at once, and the fleet then lives only for the transition TTL', async () => {
    const s = await startFleet();
    const etag = (await getFleet(s)).headers.get('etag')!;
    expect((await s.act('stop', 'elb-01-a', RG)).status).toBe(202);
    const after = await getFleet(s, etag);
    expect(after.status).toBe(200);
    expect(after.body.totals.transitioning).toBe(1);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(after.headers.get('cache-control')).toBe(`private, max-age=${s.config.cache.transitionTtlSeconds}, stale-while-revalidate=300`);
  });
});

describe('the dashboard polls the fleet with If-None-Match', () => {
  it('a 304 hands back the same fleet: the poller notifies no one, so nothing re-renders', async () => {
    const s = await startFleet();
    const api = createApiClient({ baseUrl: s.url, fetch });
    const scheduler = new FakeClock();
    const poller = createPoller({ scheduler, visibility: new FakeVisibility() });
    let pending: Promise<unknown> = Promise.resolve();
    const settled = async () => {
      await pending.catch(() => {});
      await flush();
    };
    const answers: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes(PATH)) answers.push(response.status);
      return response;
    };
    const counted = createApiClient({ baseUrl: s.url, fetch: counting });
    let notified = 0;
    poller.subscribe('fleet', () => notified++);
    poller.watch('fleet', () => (pending = counted.fleet()), 10_000);
    await settled();
    const first = poller.get<Fleet>('fleet');
    expect(first?.data?.scopes.length).toBe(5);
    expect(notified).toBe(2); // loading, then the data

    for (let poll = 1; poll <= 3; poll++) {
      s.clock.advance(1_000);
      await scheduler.advance(10_000);
      await settled();
    }
    expect(answers).toEqual([200, 304, 304, 304]);
    expect(notified).toBe(2);
    expect(poller.get('fleet')).toBe(first);

    // A stop shows at the next poll: one notification with the new fleet.
    expect((await api.lifecycle('stop', RG, 'elb-01-a')).operation).toBeDefined();
    await scheduler.advance(10_000);
    await settled();
    expect(answers.at(-1)).toBe(200);
    expect(notified).toBe(3);
    expect(poller.get<Fleet>('fleet')?.data?.totals.transitioning).toBe(1);
    poller.dispose();
  });
});
