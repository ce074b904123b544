// The Kubernetes calls behind each category, seen in the simulator's request log: every expected URL exactly once
// per read, and warmup-status's fan-out running in parallel (two phases, not one call after another).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryKey } from '../../shared/cache/index.js';
import { CATEGORIES, kubernetesLog, pathOf, RG, RUNNING, SCOPE, startMonitorStack, TestClock, type MonitorStack } from './support.js';

const CLUSTER = { resourceGroup: RG, name: RUNNING };
let stack: MonitorStack;

beforeAll(async () => {
  stack = await startMonitorStack({ now: new TestClock().now }); // a still clock: the stored list stays fresh
  // A warm session (its connections open) and a stored list, so that each read below is the category's own calls.
  for (const category of CATEGORIES) expect((await stack.get(`monitor/aks/${RUNNING}/${category}`)).status).toBe(200);
});
afterAll(async () => {
  await stack?.close();
});

/** The log tails warmup-status reads: the newest pod of each failed or running warm-up job of the demo cluster. */
function expectedLogPaths(): string[] {
  const spec = stack.sim.cluster(CLUSTER).spec;
  const jobs = spec.jobs.filter((j) => (j.status === 'failed' || j.status === 'running') && spec.nodes.some((n) => n.name === j.node));
  return jobs.map((job) => {
    const newest = spec.pods
      .filter((p) => p.ownerJob === job.name && p.namespace === job.namespace)
      .sort((a, b) => Date.parse(b.createdAt!) - Date.parse(a.createdAt!))[0]!;
    return `/api/v1/namespaces/${job.namespace}/pods/${newest.name}/log`;
  });
}

const EXPECTED: Record<(typeof CATEGORIES)[number], () => string[]> = {
  nodes: () => ['/api/v1/nodes'],
  pods: () => ['/api/v1/pods'],
  'top-nodes': () => ['/api/v1/nodes', '/apis/metrics.k8s.io/v1beta1/nodes'],
  events: () => ['/api/v1/events'],
  'warmup-status': () => ['/api/v1/nodes', '/api/v1/pods', '/apis/batch/v1/jobs', ...expectedLogPaths()],
};

/** Reads one category with its stored reading removed (the list stays fresh); returns the Kubernetes requests it made. */
async function readFresh(category: (typeof CATEGORIES)[number]) {
  await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, category));
  const since = Date.now();
  const started = performance.now();
  const res = await stack.get(`monitor/aks/${RUNNING}/${category}`);
  const wallMs = performance.now() - started;
  expect(res.status).toBe(200);
  expect(res.body.cache.state).toBe('refreshed');
  expect(res.body.degraded).toEqual([]);
  return { res, wallMs, calls: kubernetesLog(stack, RUNNING, since) };
}

describe('Kubernetes calls per read', () => {
  for (const category of CATEGORIES) {
    it(`${category}: every expected URL exactly once`, async () => {
      const { calls } = await readFresh(category);
      expect(calls.map((c) => pathOf(c.url)).sort()).toEqual(EXPECTED[category]().sort());
      expect(calls.every((c) => c.method === 'GET' && c.status === 200)).toBe(true);
    });
  }

  it('warmup-status asks for the warm-up jobs and pods by the label selector, and for bounded log tails', async () => {
    const { calls } = await readFresh('warmup-status');
    const byPath = (p: string) => calls.filter((c) => pathOf(c.url) === p).map((c) => new URL(c.url, 'https://x').searchParams);
    expect(byPath('/apis/batch/v1/jobs')[0]!.get('labelSelector')).toBe('app=warmup');
    expect(byPath('/api/v1/pods')[0]!.get('labelSelector')).toBe('app=warmup');
    for (const log of calls.filter((c) => pathOf(c.url).endsWith('/log'))) {
      const query = new URL(log.url, 'https://x').searchParams;
      expect(Number(query.get('tailLines'))).toBeGreaterThan(0);
      expect(Number(query.get('limitBytes'))).toBeGreaterThan(0);
    }
  });
});

describe('the warm-up fan-out', () => {
  it('with 100 ms per Kubernetes call, warmup-status takes well under the serial sum of its calls', async () => {
    const latency = stack.sim.inject({ target: CLUSTER, path: () => true, latencyMs: 100 });
    try {
      const { wallMs, calls } = await readFresh('warmup-status');
      expect(calls).toHaveLength(EXPECTED['warmup-status']().length); // 3 in phase 1, the log tails in phase 2
      const serialMs = calls.reduce((sum, c) => sum + c.durationMs, 0);
      expect(serialMs).toBeGreaterThanOrEqual(calls.length * 100);
      // Two phases ≈ two round trips (~200 ms of the ~500 ms sum); one call after another would be ≥ the sum.
      // The margin is generous (0.8): this checks parallelism, the benchmark reports the ratio.
      expect(wallMs).toBeLessThan(serialMs * 0.8);
      // Each phase had all its calls in flight at once (each arrived before any of its phase answered), and
      // phase 2 (the log tails) began once phase 1 (nodes, jobs, pods) had answered.
      const isLog = (c: (typeof calls)[number]) => pathOf(c.url).endsWith('/log');
      const phases = [calls.filter((c) => !isLog(c)), calls.filter(isLog)];
      expect(phases.map((p) => p.length)).toEqual([3, expectedLogPaths().length]);
      for (const phase of phases) {
        const lastArrival = Math.max(...phase.map((c) => c.startedAt));
        const firstAnswer = Math.min(...phase.map((c) => c.startedAt + c.durationMs));
        expect(lastArrival).toBeLessThan(firstAnswer);
      }
      const phaseOneDone = Math.max(...phases[0]!.map((c) => c.startedAt + c.durationMs));
      expect(Math.min(...phases[1]!.map((c) => c.startedAt))).toBeGreaterThanOrEqual(phaseOneDone - 1);
    } finally {
      latency.remove();
    }
  });
});
