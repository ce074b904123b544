// Real sessions (client-node 2.x + one undici Agent) against the simulated Azure: credentials from ARM through the
// real SDK, the API servers over HTTPS, counters and the request log to see what went over the wire.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { startSimulatedAzure, DEMO_SUBSCRIPTION_ID, type SimulatedAzure } from '../../dev/sim/index.js';
import { loadConfig, type Config } from '../../shared/config.js';
import { createArmClientFactory, getKubeconfig } from '../../shared/azure/arm.js';
import { createAzureCredential, createStaticCredential } from '../../shared/azure/credentials.js';
import { createSessionFactory, type KubeSession } from '../../shared/k8s/session.js';
import { SessionPool, type SessionKey } from '../../shared/k8s/sessionPool.js';
import { readEvents, readNodes, readPods, readTopNodes } from '../../shared/k8s/reads.js';
import { readWarmupStatus } from '../../shared/k8s/warmup.js';
import { readClusterCategory } from '../../shared/k8s/index.js';
import { MONITOR_CATEGORIES } from '../../shared/cache/keys.js';

const RG = 'rg-elb-01';
const CLUSTER = 'elb-01-a';
const WARMUP = 'app=elb-db-warmup';
/**
 * The Kubernetes requests of one dashboard tick on elb-01-a: nodes 1, pods 1, top-nodes 2, events 1, jobs 1 (one
 * page), warmup-status 3 + its 3 log tails (the failed pdbaa shard, the two refseq_protein shards still copying).
 */
const TICK_REQUESTS = 12;
const ref = { resourceGroup: RG, name: CLUSTER };
const keyOf = (admin: boolean, cluster = CLUSTER, resourceGroup = RG): SessionKey => ({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup, cluster, admin });

let sim: SimulatedAzure;
let config: Config;
let credential: TokenCredential;
const pools: SessionPool<KubeSession>[] = [];

function newPool(options: { timeoutMs?: number; credential?: TokenCredential; ttlSeconds?: number } = {}): SessionPool<KubeSession> {
  const cred = options.credential ?? credential;
  const arm = createArmClientFactory(config, cred);
  const pool = new SessionPool<KubeSession>({
    ttlSeconds: options.ttlSeconds ?? config.k8s.sessionTtlSeconds,
    maxEntries: config.k8s.sessionMaxEntries,
    factory: createSessionFactory({
      getKubeconfig: (key, signal) => getKubeconfig(arm(key.subscriptionId), key.resourceGroup, key.cluster, key.admin, { abortSignal: signal }),
      credential: cred,
      timeoutMs: options.timeoutMs ?? config.upstream.timeoutMs,
    }),
  });
  pools.push(pool);
  return pool;
}

/** Requests the cluster's API server saw, as "METHOD path?sorted-query". */
function k8sRequests(): string[] {
  return sim
    .requestLog((e) => e.server === `${RG}/${CLUSTER}`)
    .map((e) => {
      const url = new URL(e.url, 'https://x');
      const query = [...url.searchParams]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
      return `${e.method} ${url.pathname}${query ? `?${query}` : ''}`;
    })
    .sort();
}

beforeAll(async () => {
  sim = await startSimulatedAzure({ durations: { start: 'manual', stop: 'manual', delete: 'manual' } });
  config = loadConfig({ ...sim.appSettings(), TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', UPSTREAM_TIMEOUT_MS: '5000' });
  credential = createAzureCredential(config.azure);
});

afterEach(() => {
  sim.clearInjections();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.drain()));
  await sim?.close();
});

describe('real sessions from ARM kubeconfigs', () => {
  it('admin (client certificate) and user (Entra bearer, exec dropped) sessions both read the cluster', async () => {
    const pool = newPool();
    for (const admin of [true, false]) {
      const nodes = await pool.use(keyOf(admin), (session) => readNodes(session));
      expect(nodes.degraded).toEqual([]);
      expect(nodes.data.map((n) => n.name)).toHaveLength(6);
      const db = nodes.data.find((n) => n.name === 'aks-db-31415926-vmss000000')!;
      expect(db).toMatchObject({
        ready: true,
        roles: ['agent'],
        pool: 'db',
        version: 'v1.31.2',
        taints: [],
        unschedulable: false,
        allocatable: { cpuMillicores: 7820, memoryBytes: 57611156 * 1024 },
      });
      expect(db.ageSeconds).toBeGreaterThan(29 * 86_400);
    }
    expect(pool.stats()).toMatchObject({ creations: 2, size: 2 });
  });

  it('a bearer session ends 60 s before its token: a token with < 60 s left gives a one-shot session', async () => {
    const shortLived = createStaticCredential(sim.token, 50);
    const pool = newPool({ credential: shortLived });
    const lease = await pool.acquire(keyOf(false));
    expect(lease.pooled).toBe(false);
    expect((await readNodes(lease.session)).degraded).toEqual([]);
    await lease.close();
    expect(pool.stats().size).toBe(0);
  });

  it('a token the API server refuses degrades the read to 401, it does not throw', async () => {
    // ARM would refuse that token too: build the session from a good kubeconfig and a bad bearer.
    const arm = createArmClientFactory(config, credential);
    const factory = createSessionFactory({
      getKubeconfig: (key, signal) => getKubeconfig(arm(key.subscriptionId), key.resourceGroup, key.cluster, key.admin, { abortSignal: signal }),
      credential: createStaticCredential('not-the-token', 3600),
      timeoutMs: 5000,
    });
    const { session } = await factory(keyOf(false), new AbortController().signal);
    try {
      const nodes = await readNodes(session);
      expect(nodes.data).toEqual([]);
      expect(nodes.degraded).toEqual([{ source: 'kubernetes:nodes', status: 401, message: 'Unauthorized' }]);
    } finally {
      await session.close();
    }
  });
});

describe('connection reuse', () => {
  const readAll = (pool: SessionPool<KubeSession>) => (category: (typeof MONITOR_CATEGORIES)[number]) =>
    pool.use(keyOf(false), (session) => readClusterCategory(session, category, { warmupLabelSelector: WARMUP }));

  it('steady-state reads of one cluster open no new TCP or TLS connections', async () => {
    const pool = newPool();
    const read = readAll(pool);
    const tick = async () => {
      const readings = await Promise.all(MONITOR_CATEGORIES.map(read));
      for (const reading of readings) expect(reading.degraded).toEqual([]);
    };
    sim.resetCounters();
    await tick();
    const cold = sim.counters(ref);
    expect(cold.requests).toBe(TICK_REQUESTS);
    expect(cold.tcpConnections).toBeGreaterThan(0);
    expect(cold.tlsHandshakes.full + cold.tlsHandshakes.resumed).toBe(cold.tcpConnections);

    // HTTP/1.1 needs a connection per request in flight, and a connection that has just answered is free again
    // only a moment later, so the pool grows to a tick's peak over the first ticks. Reach that size now and
    // deterministically: as many requests held at once as a tick has (so it can never need one more).
    const held = sim.inject({ target: ref, path: '/api/v1/nodes', hold: true, times: TICK_REQUESTS });
    const priming = pool.use(keyOf(false), (session) => Promise.all(Array.from({ length: TICK_REQUESTS }, () => readNodes(session))));
    await held.whenHit(TICK_REQUESTS);
    held.release();
    await priming;

    for (let i = 0; i < 5; i += 1) {
      sim.resetCounters();
      if (i % 2) await tick();
      else for (const category of MONITOR_CATEGORIES) await read(category);
      const warm = sim.counters(ref);
      expect(warm.requests).toBe(TICK_REQUESTS);
      expect(warm.tcpConnections).toBe(0);
      expect(warm.tlsHandshakes).toEqual({ full: 0, resumed: 0 });
    }
    expect(pool.stats().creations).toBe(1);
  });

  it('concurrent dashboard ticks share one session and never open more connections than one tick has requests', async () => {
    // HTTP/1.1 (the simulator): a connection per request in flight at once, then reused. (AKS speaks HTTP/2, where
    // undici multiplexes everything over one connection.) client-node's default would open one per request: 200.
    const pool = newPool();
    const read = readAll(pool);
    sim.resetCounters();
    for (let tick = 0; tick < 20; tick += 1) {
      const readings = await Promise.all(MONITOR_CATEGORIES.map(read));
      for (const reading of readings) expect(reading.degraded).toEqual([]);
    }
    const counters = sim.counters(ref);
    expect(counters.requests).toBe(20 * TICK_REQUESTS);
    expect(counters.tcpConnections).toBeGreaterThan(0);
    // At most a tick's requests at once, plus the socket of the previous tick's last answer: a tick starts as soon
    // as that answer is read, a moment before undici hands its socket back to the pool.
    expect(counters.tcpConnections).toBeLessThanOrEqual(TICK_REQUESTS + 1);
    expect(counters.tlsHandshakes.full + counters.tlsHandshakes.resumed).toBe(counters.tcpConnections);
    // The first tick's concurrent misses (one per category) shared one creation.
    const n = MONITOR_CATEGORIES.length;
    expect(pool.stats()).toMatchObject({ creations: 1, misses: n, hits: 19 * n });
  });
});

describe('monitor reads', () => {
  it('pods: all namespaces, paged with limit/continue', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      const all = await readPods(session);
      expect(all.degraded).toEqual([]);
      expect(all.data.truncated).toBe(false);
      const crashing = all.data.items.find((p) => p.name.startsWith('report-worker-'))!;
      expect(crashing).toMatchObject({ namespace: 'db', phase: 'Running', status: 'CrashLoopBackOff', readyContainers: 0, totalContainers: 1, restarts: 14 });
      const pending = all.data.items.find((p) => p.name.startsWith('batch-import-'))!;
      expect(pending).toMatchObject({ phase: 'Pending', node: null });
      expect(new Set(all.data.items.map((p) => p.namespace))).toEqual(new Set(['kube-system', 'db', 'default']));

      const first = await readPods(session, { limit: 5 });
      expect(first.data.items).toHaveLength(5);
      expect(first.data.truncated).toBe(true);
      const second = await readPods(session, { limit: 5, continue: first.data.continue });
      expect(second.data.items.map((p) => p.name)).toEqual(all.data.items.slice(5, 10).map((p) => p.name));
    });
  });

  it('top-nodes: one metrics list and one node list, usage and % of allocatable', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      sim.clearRequestLog();
      const top = await readTopNodes(session);
      expect(top.degraded).toEqual([]);
      expect(k8sRequests()).toEqual(['GET /api/v1/nodes', 'GET /apis/metrics.k8s.io/v1beta1/nodes']);
      const system0 = top.data.find((n) => n.name === 'aks-system-31415926-vmss000000')!;
      expect(system0).toMatchObject({ cpuMillicores: 180, memoryBytes: 2_400_000 * 1024, cpuPercent: 4.7, allocatable: { cpuMillicores: 3860 } });
      expect(system0.memoryPercent).toBeCloseTo(18.6, 1);
    });
  });

  it('events: newest first, object as Kind/name, capped', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      const events = await readEvents(session, { max: 3 });
      expect(events.degraded).toEqual([]);
      expect(events.data.items).toHaveLength(3);
      expect(events.data.truncated).toBe(true);
      const [newest, second] = events.data.items;
      expect(newest).toMatchObject({ type: 'Warning', reason: 'BackOff', count: 57, namespace: 'db' });
      expect(newest!.object).toMatch(/^Pod\/report-worker-/);
      expect(Date.parse(newest!.lastSeen!)).toBeGreaterThanOrEqual(Date.parse(second!.lastSeen!));
    });
  });

  it('a non-200 on one path degrades only that read; a hung call times out as 504', async () => {
    const pool = newPool({ timeoutMs: 400 });
    await pool.use(keyOf(false), async (session) => {
      sim.inject({ target: ref, path: '/apis/metrics.k8s.io/v1beta1/nodes', status: 503, times: 1 });
      const top = await readTopNodes(session);
      expect(top.data).toEqual([]);
      expect(top.degraded).toEqual([{ source: 'kubernetes:metrics.k8s.io/nodes', status: 503, message: expect.any(String) }]);

      sim.inject({ target: ref, path: '/api/v1/nodes', status: 500, times: 1 });
      const topWithoutNodes = await readTopNodes(session);
      expect(topWithoutNodes.degraded).toEqual([{ source: 'kubernetes:nodes', status: 500, message: 'injected status 500' }]);
      expect(topWithoutNodes.data[0]).toMatchObject({ cpuPercent: null, allocatable: null });
      expect(topWithoutNodes.data[0]!.cpuMillicores).toBeGreaterThan(0);

      const held = sim.inject({ target: ref, path: '/api/v1/events', hold: true, times: 1 });
      const events = await readEvents(session);
      expect(events).toEqual({ data: { items: [], truncated: false }, degraded: [{ source: 'kubernetes:events', status: 504, message: 'timed out' }] });
      held.release();
      expect((await readEvents(session)).degraded).toEqual([]);
    });
  });

  it('a stopped cluster (no API server listening) degrades, it does not throw', async () => {
    const pool = newPool({ timeoutMs: 2000 });
    await pool.use(keyOf(false, 'elb-01-b'), async (session) => {
      const nodes = await readNodes(session);
      expect(nodes.data).toEqual([]);
      expect(nodes.degraded).toHaveLength(1);
      expect([502, 504]).toContain(nodes.degraded[0]!.status);
    });
  });
});

describe('warm-up fan-out', () => {
  const db = (i: number) => `aks-db-31415926-vmss00000${i}`;

  it('maps every warm-up case per node: done, running, failed (with log tail), stale, gone, missing', async () => {
    const pool = newPool();
    const { data, degraded } = await pool.use(keyOf(false), (session) => readWarmupStatus(session, { labelSelector: WARMUP }));
    expect(degraded).toEqual([]);
    const byNode = Object.fromEntries(data.nodes.map((n) => [n.node, n]));
    // Each node's newest warm-up job decides.
    expect(byNode[db(0)]).toMatchObject({ status: 'done', job: { namespace: 'db', name: 'warm-refseq-protein-00' } });
    expect(byNode[db(0)]!.logTail).toBeUndefined();
    expect(byNode[db(1)]).toMatchObject({ status: 'running', job: { name: 'warm-refseq-protein-01' } });
    expect(byNode[db(1)]!.logTail!.at(-1)).toBe('progress 62% eta 540s');
    expect(byNode[db(2)]).toMatchObject({ status: 'failed', reason: 'Job has reached the specified backoff limit', job: { name: 'warm-pdbaa-01' } });
    expect(byNode[db(2)]!.logTail!.at(-1)).toBe('elb-db-warmup: exit 3');
    expect(byNode[db(3)]).toMatchObject({ status: 'stale', reason: 'node created after its warm-up completed' });
    expect(byNode[db(4)]).toMatchObject({ status: 'stale', gone: true, reason: 'node gone', job: { name: 'warm-swissprot-02' } });
    expect(byNode['aks-system-31415926-vmss000000']!.status).toBe('missing');
    expect(data.summary).toEqual({ nodes: 7, jobs: 11, done: 1, running: 1, failed: 1, stale: 2, missing: 2 });
    expect(data.jobs.find((j) => j.node === db(4))).toMatchObject({ status: 'stale', name: 'warm-swissprot-02' });
  });

  it('per database: ready, loading with progress, failed, stale by source version and by node', async () => {
    const pool = newPool();
    const { data, degraded } = await pool.use(keyOf(false), (session) => readWarmupStatus(session, { labelSelector: WARMUP }));
    expect(degraded).toEqual([]);
    expect(data.databases.map((d) => d.name)).toEqual(['core_nt', 'pdbaa', 'refseq_protein', 'swissprot']);
    const [coreNt, pdbaa, refseq, swissprot] = data.databases;
    expect(coreNt).toEqual({
      name: 'core_nt',
      status: 'ready',
      total: 3,
      ready: 3,
      failed: 0,
      active: 0,
      shards: ['00', '01', '02'],
      sourceVersions: ['2026-11-02'],
      elapsedSeconds: 45 * 60, // the first start to the last completion (shard 02: 45 minutes)
    });
    expect(pdbaa).toMatchObject({ status: 'failed', total: 2, ready: 1, failed: 1, active: 0, elapsedSeconds: 24 * 60 });
    expect(pdbaa!.progress).toBeUndefined();
    // 1 of 3 ready, the other two told 62 % and 35 %: (100 + 62 + 35) / 3; the slowest shard's eta.
    expect(refseq).toMatchObject({ status: 'loading', total: 3, ready: 1, failed: 0, active: 2, progress: { percent: 66, etaSeconds: 1260 } });
    expect(refseq!.elapsedSeconds).toBeGreaterThanOrEqual(95 * 60);
    expect(swissprot).toMatchObject({
      status: 'stale',
      ready: 3,
      sourceVersions: ['2026-11-02', '2026-12-01'],
      staleReason: `2 source versions; node ${db(3)} re-created after its warm-up; node ${db(4)} gone`,
    });
  });

  it('requests every expected URL exactly once per call', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      const spec = sim.cluster(ref).spec;
      const newestPodOf = (job: string) => spec.pods.filter((p) => p.ownerJob === job).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!.name;
      const log = (job: string) => `GET /api/v1/namespaces/db/pods/${newestPodOf(job)}/log?container=warmup&limitBytes=65536&tailLines=50`;
      for (let call = 0; call < 2; call += 1) {
        sim.clearRequestLog();
        await readWarmupStatus(session, { labelSelector: WARMUP });
        expect(k8sRequests()).toEqual(
          [
            'GET /api/v1/nodes',
            log('warm-pdbaa-01'), // failed: its second attempt
            log('warm-refseq-protein-01'), // active: progress (and node 1's drill-down)
            log('warm-refseq-protein-02'), // active: progress
            `GET /api/v1/pods?labelSelector=${WARMUP}`,
            `GET /apis/batch/v1/jobs?labelSelector=${WARMUP}`,
          ].sort(),
        );
      }
    });
  });

  it('reads in two round trips: nodes, jobs and pods in flight together, then every log tail together', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      await readWarmupStatus(session, { labelSelector: WARMUP }); // connections open
      sim.clearRequestLog();
      // Each phase's answers are held until the test lets them go: calls made one after another could never all
      // be held at once, so reaching each count proves the phase's calls were in flight together.
      const isLog = (path: string) => path.endsWith('/log');
      const phaseOne = sim.inject({ target: ref, path: (p) => !isLog(p), hold: true });
      const phaseTwo = sim.inject({ target: ref, path: isLog, hold: true });
      try {
        const read = readWarmupStatus(session, { labelSelector: WARMUP });
        const finishedEarly = read.then(() => {
          throw new Error('the read finished before all calls of a phase were in flight together');
        });
        finishedEarly.catch(() => {}); // it rejects by design once the read finishes
        await Promise.race([phaseOne.whenHit(3), finishedEarly]);
        expect(phaseTwo.hits).toBe(0); // no log tail before phase 1 has answered
        phaseOne.release();
        await Promise.race([phaseTwo.whenHit(3), finishedEarly]); // the failed shard's tail and the two copying shards'
        phaseTwo.release();
        const result = await read;
        expect(result.degraded).toEqual([]);
        expect([phaseOne.hits, phaseTwo.hits]).toEqual([3, 3]);
        expect(k8sRequests()).toHaveLength(6);
        expect(result.data.databases.find((d) => d.name === 'refseq_protein')!.progress).toEqual({ percent: 66, etaSeconds: 1260 });
      } finally {
        phaseOne.remove();
        phaseTwo.remove();
      }
    });
  });

  it('a failing read degrades only its part: jobs, pods, one log, nodes', async () => {
    const pool = newPool();
    await pool.use(keyOf(false), async (session) => {
      sim.inject({ target: ref, path: '/apis/batch/v1/jobs', status: 500, times: 1 });
      const noJobs = await readWarmupStatus(session, { labelSelector: WARMUP });
      expect(noJobs.degraded).toEqual([{ source: 'kubernetes:jobs', status: 500, message: 'injected status 500' }]);
      expect(noJobs.data.nodes.every((n) => n.status === 'missing')).toBe(true);
      expect(noJobs.data.nodes).toHaveLength(6);
      expect(noJobs.data.databases).toEqual([]);

      // The failed shard's tail fails: the node loses its tail, the databases still tell their progress.
      sim.inject({ target: ref, path: (p) => p.startsWith('/api/v1/namespaces/db/pods/warm-pdbaa-01-') && p.endsWith('/log'), status: 503, times: 1 });
      const oneLog = await readWarmupStatus(session, { labelSelector: WARMUP });
      expect(oneLog.degraded).toHaveLength(1);
      expect(oneLog.degraded[0]).toMatchObject({ status: 503 });
      expect(oneLog.degraded[0]!.source).toMatch(/^kubernetes:pods\/log db\/warm-pdbaa-01-/);
      expect(oneLog.data.nodes.filter((n) => n.logTail).map((n) => n.node)).toEqual([db(1)]);
      expect(oneLog.data.summary).toMatchObject({ failed: 1, running: 1, stale: 2, done: 1 });
      expect(oneLog.data.databases.find((d) => d.name === 'refseq_protein')!.progress).toEqual({ percent: 66, etaSeconds: 1260 });

      // Without the pods there is no log to read: no tails, no progress; the counts stand.
      sim.inject({ target: ref, path: '/api/v1/pods', status: 403, times: 1 });
      const noPods = await readWarmupStatus(session, { labelSelector: WARMUP });
      expect(noPods.degraded).toEqual([{ source: 'kubernetes:pods', status: 403, message: 'injected status 403' }]);
      expect(noPods.data.summary).toMatchObject({ failed: 1, running: 1, stale: 2, done: 1 });
      expect(noPods.data.nodes.some((n) => n.logTail)).toBe(false);
      expect(noPods.data.databases.find((d) => d.name === 'refseq_protein')).toMatchObject({ status: 'loading', ready: 1, active: 2 });
      expect(noPods.data.databases.find((d) => d.name === 'refseq_protein')!.progress).toBeUndefined();

      sim.inject({ target: ref, path: '/api/v1/nodes', status: 500, times: 1 });
      const noNodes = await readWarmupStatus(session, { labelSelector: WARMUP });
      expect(noNodes.degraded).toEqual([{ source: 'kubernetes:nodes', status: 500, message: 'injected status 500' }]);
      // Without the node list nothing can be called stale or gone: the jobs speak for themselves.
      expect(noNodes.data.summary).toMatchObject({ nodes: 5, done: 3, running: 1, failed: 1, stale: 0, missing: 0 });
      expect(noNodes.data.databases.find((d) => d.name === 'swissprot')).toMatchObject({ status: 'stale', staleReason: '2 source versions' });
    });
  });
});

describe('a caller abort is not an upstream timeout', () => {
  it('the caller aborting a held read: the abort propagates, no degraded 504; its own deadline passing: a 504', async () => {
    const pool = newPool();
    await pool.use(keyOf(true), (session) => readNodes(session)); // a pooled session
    const hold = sim.inject({ target: ref, path: '/api/v1/nodes', hold: true });
    try {
      const caller = new AbortController();
      const aborted = pool.use(keyOf(true), (session) => readNodes(session, { signal: caller.signal }));
      await hold.whenHit(1);
      caller.abort();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });

      const timedOut = pool.use(keyOf(true), (session) => readNodes(session, { signal: AbortSignal.timeout(200) }));
      await hold.whenHit(2);
      expect((await timedOut).degraded).toEqual([{ source: 'kubernetes:nodes', status: 504, message: 'timed out' }]);
    } finally {
      hold.release();
    }
  });
});

describe('the warm-up log tails are capped at 12', () => {
  it('with 16 failing or running warm-up pods on 16 nodes: 12 log reads, failed ones first, the rest without a tail', async () => {
    const third = { resourceGroup: RG, name: 'elb-01-c' };
    const cluster = sim.cluster(third);
    cluster.update((spec) => {
      const template = sim.cluster(ref).spec;
      const node = template.nodes.find((n) => n.pool === 'db')!;
      const running = template.jobs.find((j) => j.status === 'running')!;
      const runningPod = template.pods.find((p) => p.ownerJob === running.name)!;
      if (!spec.agentPools.some((p) => p.name === 'db')) spec.agentPools.push({ name: 'db', mode: 'User', vmSize: 'Standard_E8ds_v5', count: 16 });
      for (let i = 0; i < 16; i++) {
        const nodeName = `aks-db-99999999-vmss${String(i).padStart(6, '0')}`;
        const status = i % 2 === 0 ? 'failed' : 'running';
        const jobName = `warmup-${nodeName}`;
        spec.nodes.push({ ...node, name: nodeName });
        spec.jobs.push({
          ...running,
          name: jobName,
          node: nodeName,
          status,
          ...(status === 'failed' ? { finishedAt: running.startedAt, backoffLimit: 0, failedAttempts: 1 } : {}),
        });
        spec.pods.push({ ...runningPod, name: `${jobName}-x`, node: nodeName, ownerJob: jobName, phase: status === 'failed' ? 'Failed' : 'Running' });
      }
    });
    const pool = newPool();
    const before = sim.requestLog((e) => e.server === `${RG}/elb-01-c`).length;
    const { data, degraded } = await pool.use(keyOf(false, 'elb-01-c'), (session) => readWarmupStatus(session, { labelSelector: WARMUP }));
    expect(degraded).toEqual([]);
    const logReads = sim
      .requestLog((e) => e.server === `${RG}/elb-01-c`)
      .slice(before)
      .filter((e) => e.url.split('?')[0]!.endsWith('/log'));
    expect(logReads).toHaveLength(12);
    const waiting = data.nodes.filter((n) => n.status === 'failed' || n.status === 'running');
    expect(waiting).toHaveLength(16);
    const tailed = waiting.filter((n) => n.logTail);
    expect(tailed).toHaveLength(12);
    // Failed ones first: all 8 failed nodes have their tail, and 4 of the 8 running ones.
    expect(tailed.filter((n) => n.status === 'failed')).toHaveLength(8);
    expect(tailed.filter((n) => n.status === 'running')).toHaveLength(4);
  });
});
