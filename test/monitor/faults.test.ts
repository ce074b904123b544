// Upstream faults through the routes: ARM throttling, errors and hangs (served stale and marked degraded when a
// reading is stored, else the status passed on), and a failing Kubernetes path degrading only its own part.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterListKey } from '../../shared/cache/index.js';
import { RG, RUNNING, SCOPE, startMonitorStack, TestClock, type MonitorStack } from './support.js';

// Long enough for the bounded ARM retries of a 500 (≤ 1.2 s of back-off), short enough for the hang tests.
const UPSTREAM_TIMEOUT_MS = 2_000;
const EXPIRED = 30 + 300 + 1; // past TTL + SWR: the next read must go upstream
const LIST_PATH = /\/managedClusters$/;
const CLUSTER = { resourceGroup: RG, name: RUNNING };

let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now, env: { UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) } });
});
afterEach(async () => {
  stack.sim.clearInjections();
  await stack.app.services.cache.idle();
});
afterAll(async () => {
  await stack?.close();
});

/** A stored cluster list, then its age moved past TTL + SWR. */
async function storedThenExpired(): Promise<any> {
  const filled = await stack.get('monitor/aks');
  expect(filled.status).toBe(200);
  clock.advance(EXPIRED);
  return filled.body;
}

/** No stored list for the scope. */
async function nothingStored(): Promise<void> {
  await stack.app.services.cache.invalidatePrefix(clusterListKey(SCOPE));
  expect(await stack.app.services.cache.peek(clusterListKey(SCOPE))).toBeUndefined();
}

describe('ARM throttles (429 with Retry-After)', () => {
  it('with a stored reading: served stale, degraded names the throttle', async () => {
    const before = await storedThenExpired();
    const throttle = stack.sim.inject({ target: 'arm', path: LIST_PATH, status: 429, retryAfter: 30 });
    const res = await stack.get('monitor/aks');
    expect(throttle.hits).toBe(1); // Retry-After 30 s is beyond the retry bound: not retried, not slept on
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(before.data);
    expect(res.body.cache).toMatchObject({ state: 'stale', fetchedAt: before.cache.fetchedAt, ageSeconds: EXPIRED });
    expect(res.body.degraded).toEqual([{ source: 'arm:managedClusters', status: 429, message: expect.stringMatching(/throttl.*Retry-After 30 s/) }]);
  });

  it('without one: 429 with Retry-After passed on', async () => {
    await nothingStored();
    stack.sim.inject({ target: 'arm', path: LIST_PATH, status: 429, retryAfter: 30 });
    const res = await stack.get('monitor/aks');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.body.error).toMatchObject({ code: 'throttled', requestId: res.headers.get('x-request-id') });
  });
});

describe('ARM fails (500)', () => {
  it('with a stored reading: served stale, degraded with the status', async () => {
    const before = await storedThenExpired();
    stack.sim.inject({ target: 'arm', path: LIST_PATH, status: 500 });
    const res = await stack.get('monitor/aks');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(before.data);
    expect(res.body.cache.state).toBe('stale');
    expect(res.body.degraded).toEqual([{ source: 'arm:managedClusters', status: 500, message: expect.any(String) }]);
  });

  it('without one: 502 upstreamError, and the per-cluster reads fail the same way', async () => {
    await nothingStored();
    const failing = stack.sim.inject({ target: 'arm', path: LIST_PATH, status: 500 });
    const res = await stack.get('monitor/aks');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstreamError');
    expect(failing.hits).toBe(3); // the first try and the two bounded retries
    expect((await stack.get(`monitor/aks/${RUNNING}/nodes`)).status).toBe(502);
  });
});

describe('ARM hangs', () => {
  it('without a stored reading: 504 upstreamTimeout once UPSTREAM_TIMEOUT_MS has passed, not a hang', async () => {
    await nothingStored();
    const hang = stack.sim.inject({ target: 'arm', path: LIST_PATH, hold: true });
    try {
      const res = await stack.get('monitor/aks');
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('upstreamTimeout');
      // Answered while every ARM answer was still held: the app gave up at its bound, nothing came back.
      expect(hang.hits).toBeGreaterThan(0);
      expect(hang.held).toBe(hang.hits);
    } finally {
      hang.release();
    }
  });
});

describe('a Kubernetes path fails', () => {
  it('warmup-status with the jobs list failing: jobs empty and named in degraded; nodes and logs still read', async () => {
    clock.advance(EXPIRED);
    stack.sim.inject({ target: CLUSTER, path: '/apis/batch/v1/jobs', status: 500 });
    const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual([{ source: 'kubernetes:jobs', status: 500, message: expect.any(String) }]);
    expect(res.body.data.jobs).toEqual([]);
    expect(res.body.data.nodes.length).toBe(stack.sim.cluster(CLUSTER).spec.nodes.length);

    const nodes = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    expect(nodes.body.degraded).toEqual([]);
    expect(nodes.body.data.length).toBeGreaterThan(0);
  });

  it('top-nodes with metrics.k8s.io unavailable: that part degraded, the request still 200', async () => {
    clock.advance(EXPIRED);
    stack.sim.inject({ target: CLUSTER, path: '/apis/metrics.k8s.io/v1beta1/nodes', status: 503 });
    const res = await stack.get(`monitor/aks/${RUNNING}/top-nodes`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.degraded).toEqual([{ source: 'kubernetes:metrics.k8s.io/nodes', status: 503, message: expect.any(String) }]);
  });

  it('a hanging pod log: that log degraded 504 at the upstream bound, the rest of warmup-status read', async () => {
    clock.advance(EXPIRED);
    // The failed shard's log hangs; the two copying shards' logs answer.
    const hang = stack.sim.inject({ target: CLUSTER, path: /\/warm-pdbaa-01-[a-z0-9]+\/log$/, hold: true, times: 1 });
    try {
      const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
      expect(res.status).toBe(200);
      expect(res.body.degraded).toEqual([{ source: expect.stringMatching(/^kubernetes:pods\/log db\/warm-pdbaa-01-/), status: 504, message: 'timed out' }]);
      expect(res.body.data.jobs.length).toBe(11);
      const tails = res.body.data.nodes.filter((n: any) => n.logTail);
      expect(tails.map((n: any) => n.status)).toEqual(['running']); // the failed node's tail hung
    } finally {
      hang.release();
    }
  });

  it('the bound is per reading, not per call: a hang in each warm-up phase still answers within one bound', async () => {
    clock.advance(EXPIRED);
    await stack.get('monitor/aks'); // the list refreshed outside the measured read
    const nodesHang = stack.sim.inject({ target: CLUSTER, path: '/api/v1/nodes', hold: true, times: 1 });
    const logHang = stack.sim.inject({ target: CLUSTER, path: /\/log$/, hold: true, times: 1 });
    try {
      const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
      expect(res.status).toBe(200);
      expect(res.body.degraded).toEqual(
        expect.arrayContaining([
          { source: 'kubernetes:nodes', status: 504, message: 'timed out' },
          { source: expect.stringMatching(/^kubernetes:pods\/log /), status: 504, message: 'timed out' },
        ]),
      );
      // One bound for the whole reading: phase 1 spent it, so no log tail went out at all (a bound per call would
      // have sent one, to be held for a second bound).
      expect(nodesHang.hits).toBe(1);
      expect(logHang.hits).toBe(0);
    } finally {
      nodesHang.release();
      logHang.release();
    }
  });
});

describe("the app's identity lacks a permission on the cluster (Azure RBAC answers 403)", () => {
  const deny = (actions: string[] | undefined) =>
    stack.sim.cluster(CLUSTER).update((spec) => {
      spec.deniedDataActions = actions;
    });
  afterEach(() => deny(undefined));

  it('pods: a degraded part naming the missing data action and the cluster, not an empty list passed off as data', async () => {
    clock.advance(EXPIRED);
    deny(['pods/read']);
    const res = await stack.get(`monitor/aks/${RUNNING}/pods`);
    expect(res.status).toBe(200);
    expect(res.body.data.items).toEqual([]);
    expect(res.body.degraded).toEqual([
      {
        source: 'kubernetes:pods',
        status: 403,
        message: `the app's identity lacks Microsoft.ContainerService/managedClusters/pods/read on cluster ${RG}/${RUNNING}: assign it a role that grants it (e.g. Azure Kubernetes Service RBAC Reader) on the cluster`,
      },
    ]);
    const nodes = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    expect(nodes.body.degraded).toEqual([]);
  });

  it('metrics: top-nodes names metrics.k8s.io/nodes/read', async () => {
    clock.advance(EXPIRED);
    deny(['metrics.k8s.io/nodes/read']);
    const res = await stack.get(`monitor/aks/${RUNNING}/top-nodes`);
    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual([
      {
        source: 'kubernetes:metrics.k8s.io/nodes',
        status: 403,
        message: expect.stringContaining('lacks Microsoft.ContainerService/managedClusters/metrics.k8s.io/nodes/read on cluster'),
      },
    ]);
  });
});
