// Pods come 500 a page: page 1 is the cached category read; `?continue=` reads a later page directly, uncached.
// Each test reads what it needs itself (page 1 afresh, the cluster's pods as they are now), in any order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryKey } from '../../shared/cache/index.js';
import { POD_PAGE_SIZE } from '../../shared/k8s/reads.js';
import { kubernetesLog, pathOf, RG, RUNNING, SCOPE, STOPPED, startMonitorStack, type MonitorStack } from './support.js';

const EXTRA_PODS = POD_PAGE_SIZE + 20; // more than a page, whatever the demo cluster already has
/** A token of the right alphabet, for requests refused before any upstream call. */
const SOME_TOKEN = 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ';

let stack: MonitorStack;
beforeAll(async () => {
  stack = await startMonitorStack();
  const cluster = stack.sim.cluster({ resourceGroup: RG, name: RUNNING });
  cluster.update((spec) => {
    for (let i = 0; i < EXTRA_PODS; i++) {
      spec.pods.push({ namespace: 'batch', name: `worker-${String(i).padStart(4, '0')}`, phase: 'Running', createdAt: '2025-01-01T00:00:00Z' });
    }
  });
});
afterAll(async () => {
  await stack?.close();
});

const podLists = (since: number) => kubernetesLog(stack, RUNNING, since).filter((e) => pathOf(e.url) === '/api/v1/pods');
const names = (items: any[]) => items.map((p) => `${p.namespace}/${p.name}`);
const podCount = () => stack.sim.cluster({ resourceGroup: RG, name: RUNNING }).spec.pods.length;

/** Page 1 read afresh from the cluster (its cached reading purged first): a token of the cluster as it is now. */
async function firstPage(): Promise<{ status: number; body: any }> {
  await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, 'pods'));
  return stack.get(`monitor/aks/${RUNNING}/pods`);
}

describe(`GET /api/monitor/aks/${RUNNING}/pods?continue=`, () => {
  it('page 1 is the cached read: one page, truncated, with a continue token', async () => {
    const first = await firstPage();
    expect(first.status).toBe(200);
    expect(first.body.cache.state).toBe('refreshed');
    const page1 = first.body.data;
    expect(page1.items).toHaveLength(POD_PAGE_SIZE);
    expect(page1.truncated).toBe(true);
    expect(page1.continue).toEqual(expect.any(String));

    const since = Date.now();
    const again = await stack.get(`monitor/aks/${RUNNING}/pods`);
    expect(again.body.cache.state).toBe('fresh');
    expect(again.body.data).toEqual(page1);
    expect(podLists(since)).toEqual([]);
  });

  it('page 2 returns the rest, read from the cluster each time, answered uncached', async () => {
    const page1 = (await firstPage()).body.data;
    const total = podCount();
    const path = `monitor/aks/${RUNNING}/pods?continue=${encodeURIComponent(page1.continue)}`;
    for (let round = 0; round < 2; round++) {
      const since = Date.now();
      const res = await stack.get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { items: expect.any(Array), truncated: false },
        cache: { state: 'uncached', ageSeconds: expect.any(Number), fetchedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), generation: null },
        degraded: [],
      });
      expect(res.body.data.items).toHaveLength(total - POD_PAGE_SIZE);
      const all = [...names(page1.items), ...names(res.body.data.items)];
      expect(new Set(all).size).toBe(total);
      // Not cached: every read of a later page goes to the API server, with the token.
      const calls = podLists(since);
      expect(calls).toHaveLength(1);
      expect(new URL(calls[0]!.url, 'https://x').searchParams.get('continue')).toBe(page1.continue);
    }
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(4097)],
    ['outside the token alphabet', 'abc def'],
    ['outside the token alphabet (%)', 'abc%25'],
  ])('refuses a token that is %s with 400 invalidParameter naming continue, before any upstream call', async (_, token) => {
    const since = Date.now();
    const res = await stack.get(`monitor/aks/${RUNNING}/pods?continue=${encodeURIComponent(token)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalidParameter', field: 'continue' });
    expect(kubernetesLog(stack, RUNNING, since)).toEqual([]);
  });

  it('accepts a token of 4096 characters (the cluster judges it: degraded, not an error)', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/pods?continue=${'a'.repeat(4096)}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ items: [], truncated: false });
    expect(res.body.degraded).toEqual([expect.objectContaining({ source: 'kubernetes:pods' })]);
  });

  it.each(['nodes', 'top-nodes', 'warmup-status', 'events'])('refuses continue on %s with 400 naming continue', async (category) => {
    const since = Date.now();
    const res = await stack.get(`monitor/aks/${RUNNING}/${category}?continue=${SOME_TOKEN}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalidParameter', field: 'continue' });
    expect(kubernetesLog(stack, RUNNING, since)).toEqual([]);
  });

  it('a stopped cluster answers clusterStopped without a Kubernetes connection; an unknown one 404', async () => {
    const since = Date.now();
    const stopped = await stack.get(`monitor/aks/${STOPPED}/pods?continue=${SOME_TOKEN}`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ data: null, reason: 'clusterStopped', degraded: [] });
    expect(kubernetesLog(stack, STOPPED, since)).toEqual([]);

    const unknown = await stack.get(`monitor/aks/no-such-cluster/pods?continue=${SOME_TOKEN}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'clusterNotFound' });
  });

  it('a change to the cluster does not outdate a token (it pages its snapshot); once compacted, the page goes on from the latest version, marked degraded', async () => {
    const page1 = (await firstPage()).body.data;
    const cluster = stack.sim.cluster({ resourceGroup: RG, name: RUNNING });
    cluster.update((spec) => {
      spec.pods.pop();
    });
    const still = await stack.get(`monitor/aks/${RUNNING}/pods?continue=${encodeURIComponent(page1.continue)}`);
    expect(still.status).toBe(200);
    expect(still.body.degraded).toEqual([]);
    expect(still.body.data.items.length).toBeGreaterThan(0);

    cluster.compact();
    const since = Date.now();
    const res = await stack.get(`monitor/aks/${RUNNING}/pods?continue=${encodeURIComponent(page1.continue)}`);
    expect(res.status).toBe(200);
    expect(res.body.data.items).toEqual(still.body.data.items.filter((p: { name: string }) => cluster.spec.pods.some((s) => s.name === p.name)));
    expect(res.body.degraded).toEqual([{ source: 'kubernetes:pods', status: 410, message: expect.stringMatching(/^the pod list changed too long ago/) }]);
    // The 410, then the same page again with the API server's fresh token.
    const tokens = podLists(since).map((call) => new URL(call.url, 'https://x').searchParams.get('continue'));
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(page1.continue);
    expect(tokens[1]).not.toBe(page1.continue);
  });
});
