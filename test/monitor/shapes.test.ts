// What the dashboard reads: the cluster list and every category of a running cluster, in the monitor envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RG, RUNNING, startMonitorStack, type MonitorStack } from './support.js';

let stack: MonitorStack;
beforeAll(async () => {
  stack = await startMonitorStack();
});
afterAll(async () => {
  await stack?.close();
});

function expectEnvelope(body: any): void {
  expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['cache', 'data', 'degraded']));
  expect(body.cache).toEqual({
    state: expect.stringMatching(/^(fresh|stale|refreshed|uncached)$/),
    ageSeconds: expect.any(Number),
    fetchedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    generation: expect.any(Number),
  });
  expect(body.degraded).toEqual([]);
}

describe('GET /api/monitor/aks', () => {
  it('lists the clusters of the scope with name, ARM id, location, version, power and provisioning state, pools and FQDN', async () => {
    const res = await stack.get('monitor/aks');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expectEnvelope(res.body);
    expect(res.body.cache.state).toBe('refreshed');
    const clusters = res.body.data;
    // rg-elb-01 only: the look-alike rg-elb-01-blue stays out.
    expect(clusters.map((c: any) => c.name)).toEqual(
      stack.sim
        .clusters()
        .filter((c) => c.resourceGroup === RG)
        .map((c) => c.name)
        .sort(),
    );
    const a = clusters.find((c: any) => c.name === RUNNING);
    expect(a).toEqual({
      name: RUNNING,
      id: expect.stringMatching(new RegExp(`^/subscriptions/[^/]+/resourcegroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${RUNNING}$`, 'i')),
      location: 'westeurope',
      kubernetesVersion: '1.31.2',
      powerState: 'Running',
      provisioningState: 'Succeeded',
      nodePools: [
        { name: 'system', count: 2, vmSize: expect.any(String), mode: 'System' },
        { name: 'db', count: 4, vmSize: expect.any(String), mode: 'User' },
      ],
      fqdn: expect.stringMatching(/\.azmk8s\.io$/),
    });
    expect(clusters.find((c: any) => c.name === 'elb-01-b')).toMatchObject({ powerState: 'Stopped', provisioningState: 'Succeeded' });
  });
});

describe(`GET /api/monitor/aks/${RUNNING}/{category}`, () => {
  it('nodes: name, ready, roles, pool, version, age, taints, allocatable cpu and memory', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    const spec = stack.sim.cluster({ resourceGroup: RG, name: RUNNING }).spec;
    expect(res.body.data).toHaveLength(spec.nodes.length);
    for (const node of res.body.data) {
      expect(node).toMatchObject({
        name: expect.stringMatching(/^aks-/),
        ready: true,
        roles: expect.any(Array),
        pool: expect.stringMatching(/^(system|db)$/),
        version: 'v1.31.2',
        ageSeconds: expect.any(Number),
        taints: expect.any(Array),
        allocatable: { cpuMillicores: expect.any(Number), memoryBytes: expect.any(Number) },
      });
    }
    expect(res.body.data.find((n: any) => n.pool === 'db').allocatable.cpuMillicores).toBe(7820);
  });

  it('pods: namespace, name, phase, ready containers, restarts, node, age; every namespace, paged', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/pods`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    const { items, truncated } = res.body.data;
    expect(truncated).toBe(false);
    expect(items).toHaveLength(stack.sim.cluster({ resourceGroup: RG, name: RUNNING }).spec.pods.length);
    expect(new Set(items.map((p: any) => p.namespace))).toEqual(new Set(['kube-system', 'db', 'default']));
    for (const pod of items) {
      expect(pod).toMatchObject({
        namespace: expect.any(String),
        name: expect.any(String),
        phase: expect.any(String),
        readyContainers: expect.any(Number),
        totalContainers: expect.any(Number),
        restarts: expect.any(Number),
        ageSeconds: expect.any(Number),
      });
      expect(pod).toHaveProperty('node');
    }
    expect(items.some((p: any) => p.restarts > 0)).toBe(true); // the crash-looping demo pod
  });

  it('top-nodes: cpu and memory usage per node and % of allocatable', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/top-nodes`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const node of res.body.data) {
      expect(node).toMatchObject({
        name: expect.any(String),
        cpuMillicores: expect.any(Number),
        memoryBytes: expect.any(Number),
        cpuPercent: expect.any(Number),
        memoryPercent: expect.any(Number),
      });
      expect(node.cpuPercent).toBeGreaterThan(0);
      expect(node.cpuPercent).toBeLessThan(100);
    }
  });

  it('warmup-status: per node done / running / failed / stale, per job, log tails of failing and running pods', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    const { nodes, jobs, summary } = res.body.data;
    const byStatus = (s: string) => nodes.filter((n: any) => n.status === s);
    // The demo cluster has one warm-up of each kind, and one whose node is gone.
    expect(byStatus('done').length).toBeGreaterThanOrEqual(1);
    expect(byStatus('running')).toHaveLength(1);
    expect(byStatus('failed')).toHaveLength(1);
    expect(byStatus('stale').length).toBe(2);
    expect(byStatus('stale').some((n: any) => n.gone === true)).toBe(true);
    expect(byStatus('running')[0].logTail.length).toBeGreaterThan(0);
    expect(byStatus('failed')[0].logTail.length).toBeGreaterThan(0);
    expect(byStatus('done')[0].logTail).toBeUndefined();
    expect(jobs.length).toBe(11);
    for (const job of jobs) expect(job).toMatchObject({ namespace: 'db', name: expect.stringMatching(/^warm-/), status: expect.any(String) });
    expect(summary).toMatchObject({ jobs: 11, failed: 1, running: 1 });
  });

  it('warmup-status: per database ready / loading (with progress) / failed / stale', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
    expect(res.status).toBe(200);
    const chips = Object.fromEntries(res.body.data.databases.map((d: any) => [d.name, d]));
    expect(Object.keys(chips)).toEqual(['core_nt', 'pdbaa', 'refseq_protein', 'swissprot']);
    expect(chips.core_nt).toMatchObject({ status: 'ready', ready: 3, total: 3, shards: ['00', '01', '02'] });
    expect(chips.refseq_protein).toMatchObject({ status: 'loading', ready: 1, active: 2, total: 3, progress: { percent: 66, etaSeconds: 1260 } });
    expect(chips.pdbaa).toMatchObject({ status: 'failed', failed: 1, ready: 1, total: 2 });
    expect(chips.swissprot).toMatchObject({
      status: 'stale',
      sourceVersions: ['2026-11-02', '2026-12-01'],
      staleReason: expect.stringMatching(/^2 source versions/),
    });
  });

  it('jobs: every namespace, newest first, status, app, failure, counts', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/jobs`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    const { items, counts, truncated } = res.body.data;
    expect(truncated).toBe(false);
    expect(counts).toEqual({ running: 3, succeeded: 14, failed: 2, suspended: 1, total: 20 });
    expect(items).toHaveLength(20);
    expect(new Set(items.map((j: any) => j.app))).toEqual(new Set(['blast', 'elb-db-warmup', 'elb-prepare-db']));
    const started = items.map((j: any) => j.startedAt).filter(Boolean);
    expect(started).toEqual([...started].sort().reverse());
    expect(items.find((j: any) => j.name === 'blast-pdbaa-batch-000')).toMatchObject({
      namespace: 'default',
      status: 'failed',
      failed: 2,
      failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      durationSeconds: 13 * 60,
    });
  });

  it('events: newest first, type, reason, object, message, count, last seen; capped', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/events`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body);
    const { items, truncated } = res.body.data;
    expect(truncated).toBe(false);
    expect(items.length).toBeGreaterThan(3);
    expect(items.length).toBeLessThanOrEqual(200);
    for (const event of items) {
      expect(event).toMatchObject({
        type: expect.stringMatching(/^(Normal|Warning)$/),
        reason: expect.any(String),
        object: expect.stringMatching(/^\w+\/.+/),
        message: expect.any(String),
        count: expect.any(Number),
        lastSeen: expect.any(String),
      });
    }
    const seen = items.map((e: any) => e.lastSeen);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('a category outside the list and a malformed cluster name are 400 and name the field', async () => {
    const bad = await stack.get(`monitor/aks/${RUNNING}/secrets`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalidParameter', field: 'category' });
    const name = await stack.get('monitor/aks/-bad-/nodes');
    expect(name.status).toBe(400);
    expect(name.body.error.field).toBe('cluster');
  });
});
