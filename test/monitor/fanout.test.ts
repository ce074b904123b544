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
  const warmups = spec.jobs.filter((j) => j.labels?.app === 'elb-db-warmup');
  const jobs = warmups.filter((j) => (j.status === 'failed' || j.status === 'running') && spec.nodes.some((n) => n.name === j.node));
  return jobs.map((job) => {
    const newest = spec.pods
      .filter((p) => p.ownerJob === job.name && p.namespace === job.namespace)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0]!;
    return `/api/v1/namespaces/${job.namespace}/pods/${newest.name}/log`;
  });
}

const EXPECTED: Record<(typeof CATEGORIES)[number], () => string[]> = {
  nodes: () => ['/api/v1/nodes'],
  pods: () => ['/api/v1/pods'],
  'top-nodes': () => ['/api/v1/nodes', '/apis/metrics.k8s.io/v1beta1/nodes'],
  events: () => ['/api/v1/events'],
  jobs: () => ['/apis/batch/v1/jobs'], // one page: the demo cluster has fewer jobs than a page holds
  'warmup-status': () => ['/api/v1/nodes', '/api/v1/pods', '/apis/batch/v1/jobs', ...expectedLogPaths()],
};

/** Reads one category with its stored reading removed (the list stays fresh); returns the Kubernetes requests it made. */
async function readFresh(category: (typeof CATEGORIES)[number]) {
  await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, category));
  const since = Date.now();
  const res = await stack.get(`monitor/aks/${RUNNING}/${category}`);
  expect(res.status).toBe(200);
  expect(res.body.cache.state).toBe('refreshed');
  expect(res.body.degraded).toEqual([]);
  return { res, calls: kubernetesLog(stack, RUNNING, since) };
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
    expect(byPath('/apis/batch/v1/jobs')[0]!.get('labelSelector')).toBe('app=elb-db-warmup');
    expect(byPath('/api/v1/pods')[0]!.get('labelSelector')).toBe('app=elb-db-warmup');
    for (const log of calls.filter((c) => pathOf(c.url).endsWith('/log'))) {
      const query = new URL(log.url, 'https://x').searchParams;
      expect(Number(query.get('tailLines'))).toBeGreaterThan(0);
      expect(Number(query.get('limitBytes'))).toBeGreaterThan(0);
    }
  });
});

describe('the warm-up fan-out', () => {
  it('warmup-status runs in two phases, each with all its calls in flight at once', async () => {
    const isLog = (path: string) => path.endsWith('/log');
    // Each phase's answers are held until the test lets them go: a phase whose calls went out one after another
    // could never have all of them held at once.
    const phaseOne = stack.sim.inject({ target: CLUSTER, path: (p) => !isLog(p), hold: true });
    const phaseTwo = stack.sim.inject({ target: CLUSTER, path: isLog, hold: true });
    const logTails = expectedLogPaths().length;
    try {
      await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, RUNNING, 'warmup-status'));
      const since = Date.now();
      const read = stack.get(`monitor/aks/${RUNNING}/warmup-status`);
      const finishedEarly = read.then(() => {
        throw new Error('the read answered before all calls of a phase were in flight together');
      });
      finishedEarly.catch(() => {}); // it rejects by design once the read answers
      await Promise.race([phaseOne.whenHit(3), finishedEarly]); // nodes, jobs and pods, all held at once
      expect(phaseTwo.hits).toBe(0); // no log tail is asked for before phase 1 has answered
      phaseOne.release();
      await Promise.race([phaseTwo.whenHit(logTails), finishedEarly]); // every log tail held at once
      expect(phaseOne.hits).toBe(3);
      phaseTwo.release();
      const res = await read;
      expect(res.status).toBe(200);
      expect(res.body.degraded).toEqual([]);
      // Each expected URL exactly once.
      const calls = kubernetesLog(stack, RUNNING, since);
      expect(calls.map((c) => pathOf(c.url)).sort()).toEqual(EXPECTED['warmup-status']().sort());
      expect(calls.every((c) => c.status === 200)).toBe(true);
    } finally {
      phaseOne.remove();
      phaseTwo.remove();
    }
  });
});
