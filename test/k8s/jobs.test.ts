// The jobs category against the simulated Azure with real sessions (client-node over HTTPS): status, failure and
// duration of each job, newest first, counts; the listing paged with limit/continue, bounded, truncated; a 403.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID, type SimulatedAzure } from '../../dev/sim/index.js';
import type { ClusterSpec, JobSpec } from '../../dev/sim/fleetSpec.js';
import type { KubeSession } from '../../shared/k8s/session.js';
import type { SessionPool } from '../../shared/k8s/sessionPool.js';
import { explainForbidden, readJobs, type JobsOptions } from '../../shared/k8s/index.js';
import { startSimulatedSessions } from './support.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const RG = 'rg-elb-01';
const A = { resourceGroup: RG, name: 'elb-01-a' };
const C = { resourceGroup: RG, name: 'elb-01-c' };
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let sim: SimulatedAzure;
let pool: SessionPool<KubeSession>;
let close: () => Promise<void>;
let original: ClusterSpec;

beforeAll(async () => {
  ({ sim, pool, close } = await startSimulatedSessions(NOW));
  original = structuredClone(sim.cluster(C).spec);
});
beforeEach(() => {
  sim.cluster(C).update((spec) => {
    delete spec.deniedDataActions;
    Object.assign(spec, structuredClone(original));
  });
});
afterAll(() => close?.());

const read = (cluster: { name: string }, options: JobsOptions = {}) =>
  pool.use({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, cluster: cluster.name, admin: false }, (session) =>
    readJobs(session, { now: () => NOW.getTime(), ...options }),
  );
/** The job list requests elb-01-c answered since `since`, as their query strings. */
const listings = (since: number) =>
  sim
    .requestLog((e) => e.server === `${RG}/elb-01-c` && e.url.startsWith('/apis/batch/v1/jobs'))
    .slice(since)
    .map((e) => new URL(e.url, 'https://x').searchParams);
const listingsSoFar = () => listings(0).length;

/** n succeeded BLAST batches, one a minute, the newest `offset` minutes ago. */
const batches = (n: number, offset = 10): JobSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    namespace: `team-${i % 3}`,
    name: `blast-batch-${String(i).padStart(3, '0')}`,
    labels: { app: 'blast' },
    status: 'complete',
    startedAt: minutesAgo(offset + i + 5),
    finishedAt: minutesAgo(offset + i),
  }));

describe('jobs: what each job says', () => {
  it('the demo cluster: every namespace, each status with its counts, newest first, in one page', async () => {
    const since = sim.requestLog((e) => e.server === `${RG}/elb-01-a`).length;
    const { data, degraded } = await read(A);
    expect(degraded).toEqual([]);
    expect(data.truncated).toBe(false);
    expect(data.counts).toEqual({ running: 3, succeeded: 14, failed: 2, suspended: 1, total: 20 });
    const byName = Object.fromEntries(data.items.map((j) => [j.name, j]));
    expect(byName['blast-pdbaa-batch-000']).toEqual({
      namespace: 'default',
      name: 'blast-pdbaa-batch-000',
      app: 'blast',
      status: 'failed',
      active: 0,
      succeeded: 0,
      failed: 2,
      completions: 1,
      startedAt: minutesAgo(65),
      completedAt: minutesAgo(52), // a failed job has no completionTime: its Failed condition's time
      durationSeconds: 13 * 60,
      failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    });
    expect(byName['blast-core-nt-batch-003']).toMatchObject({ status: 'running', active: 1, completedAt: null, durationSeconds: 12 * 60 });
    expect(byName['blast-swissprot-batch-000']).toMatchObject({ status: 'suspended', active: 0, startedAt: null, completedAt: null, durationSeconds: null });
    expect(byName['blast-swissprot-batch-000']!.failure).toBeUndefined();
    expect(byName['elb-prepare-db-core-nt']).toMatchObject({ app: 'elb-prepare-db', status: 'succeeded', succeeded: 1, durationSeconds: 47 * 60 });
    expect(byName['warm-core-nt-00']).toMatchObject({ namespace: 'db', app: 'elb-db-warmup', status: 'succeeded' });
    // Newest first: by start, a job not started yet by its creation (the suspended one, 40 minutes ago).
    expect(data.items.slice(0, 4).map((j) => j.name)).toEqual([
      'blast-core-nt-batch-003',
      'warm-refseq-protein-01',
      'warm-refseq-protein-02',
      'blast-swissprot-batch-000',
    ]);
    const times = data.items.map((j) => j.startedAt ?? minutesAgo(40));
    expect(times).toEqual([...times].sort().reverse());
    expect(
      sim
        .requestLog((e) => e.server === `${RG}/elb-01-a`)
        .slice(since)
        .map((e) => e.url),
    ).toEqual(['/apis/batch/v1/jobs?limit=250']);
  });

  it('a deadline exceeded, a job of several completions still running, a job without an app label', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = [
        {
          namespace: 'default',
          name: 'blast-long',
          labels: { app: 'blast' },
          status: 'failed',
          startedAt: minutesAgo(90),
          finishedAt: minutesAgo(30),
          failureReason: 'DeadlineExceeded',
          activeDeadlineSeconds: 3600,
        },
        { namespace: 'default', name: 'blast-wide', labels: { app: 'blast' }, status: 'running', startedAt: minutesAgo(20), completions: 3, succeededPods: 1 },
        { namespace: 'tools', name: 'backup', status: 'complete', startedAt: minutesAgo(200), finishedAt: minutesAgo(190) },
      ];
    });
    const { data } = await read(C);
    const byName = Object.fromEntries(data.items.map((j) => [j.name, j]));
    expect(byName['blast-long']).toMatchObject({
      status: 'failed',
      durationSeconds: 3600,
      failure: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
    });
    expect(byName['blast-wide']).toMatchObject({ status: 'running', active: 2, succeeded: 1, completions: 3, durationSeconds: 20 * 60 });
    expect(byName['backup']).toMatchObject({ app: null, status: 'succeeded', durationSeconds: 600 });
    expect(data.counts).toEqual({ running: 1, succeeded: 1, failed: 1, suspended: 0, total: 3 });
  });
});

describe('jobs: paged, bounded, truncated', () => {
  it('pages with limit and continue across namespaces: the same jobs as one page', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = batches(20);
    });
    const whole = await read(C);
    const since = listingsSoFar();
    const paged = await read(C, { pageSize: 7 });
    expect(paged.degraded).toEqual([]);
    expect(paged.data).toEqual(whole.data);
    expect(paged.data.counts.total).toBe(20);
    const pages = listings(since);
    expect(pages.map((q) => q.get('limit'))).toEqual(['7', '7', '7']);
    expect(pages.map((q) => Boolean(q.get('continue')))).toEqual([false, true, true]);
    expect(paged.data.truncated).toBe(false);
  });

  it('a continue token whose snapshot was compacted goes on from the current list, marked degraded 410', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = batches(9);
    });
    await read(C, { pageSize: 4 }); // connections open
    const first = sim.inject({ target: C, path: '/apis/batch/v1/jobs', hold: true, times: 1 });
    const reading = read(C, { pageSize: 4 });
    await first.whenHit(1);
    sim.cluster(C).update((spec) => {
      spec.jobs.push(...batches(1, 0).map((job) => ({ ...job, namespace: 'team-2', name: 'blast-batch-zzz' })));
    });
    sim.cluster(C).compact();
    first.release();
    const { data, degraded } = await reading;
    expect(degraded).toEqual([{ source: 'kubernetes:jobs', status: 410, message: expect.stringMatching(/^the job list changed too long ago/) }]);
    expect(data.counts.total).toBe(10); // the first page of the old list, the rest of the current one (with the new job)
  });

  it('stops at its bound and says truncated; the counts are of the jobs read', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = batches(12);
    });
    const since = listingsSoFar();
    const { data, degraded } = await read(C, { pageSize: 4, maxJobs: 10 });
    expect(degraded).toEqual([]);
    expect(data.truncated).toBe(true);
    expect(data.counts.total).toBe(10);
    expect(data.items).toHaveLength(10);
    expect(listings(since).map((q) => q.get('limit'))).toEqual(['4', '4', '2']); // never more than the bound

    // Exactly at the bound: the last page has no continue, so nothing was left out.
    sim.cluster(C).update((spec) => {
      spec.jobs = batches(10);
    });
    expect((await read(C, { pageSize: 4, maxJobs: 10 })).data.truncated).toBe(false);
  });

  it('answers at most `shown` jobs: every failed, running and suspended one, then the newest succeeded', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = [
        ...batches(6, 1), // the newest jobs of all
        { namespace: 'default', name: 'old-failure', labels: { app: 'blast' }, status: 'failed', startedAt: minutesAgo(600), finishedAt: minutesAgo(590) },
        { namespace: 'default', name: 'old-suspended', labels: { app: 'blast' }, status: 'suspended', startedAt: minutesAgo(500) },
      ];
    });
    const { data } = await read(C, { shown: 4 });
    expect(data.items.map((j) => j.name)).toEqual(['blast-batch-000', 'blast-batch-001', 'old-suspended', 'old-failure']);
    expect(data.counts).toMatchObject({ total: 8, succeeded: 6, failed: 1, suspended: 1 });
  });
});

describe('jobs: faults', () => {
  it('a cluster that refuses batch/jobs/read: the part degraded 403, said as the data action to grant', async () => {
    sim.cluster(C).update((spec) => {
      spec.deniedDataActions = ['batch/jobs/read'];
    });
    const reading = await read(C);
    expect(reading.data).toEqual({ items: [], counts: { running: 0, succeeded: 0, failed: 0, suspended: 0, total: 0 }, truncated: false });
    expect(reading.degraded).toEqual([{ source: 'kubernetes:jobs', status: 403, message: expect.stringMatching(/^jobs\.batch is forbidden/) }]);
    expect(explainForbidden(reading, `${RG}/elb-01-c`).degraded[0]!.message).toBe(
      `the app's identity lacks Microsoft.ContainerService/managedClusters/batch/jobs/read on cluster ${RG}/elb-01-c: assign it a role that grants it (e.g. Azure Kubernetes Service RBAC Reader) on the cluster`,
    );
  });

  it('a later page failing degrades the whole listing (no half list is answered as complete)', async () => {
    sim.cluster(C).update((spec) => {
      spec.jobs = batches(9);
    });
    await read(C, { pageSize: 4 }); // connections open
    const since = listingsSoFar();
    // The first page is held until the second one is set to fail.
    const first = sim.inject({ target: C, path: '/apis/batch/v1/jobs', hold: true, times: 1 });
    const reading = read(C, { pageSize: 4 });
    await first.whenHit(1);
    const fault = sim.inject({ target: C, path: '/apis/batch/v1/jobs', status: 500, times: 1 });
    first.release();
    const { data, degraded } = await reading;
    expect(fault.hits).toBe(1);
    expect(listings(since)).toHaveLength(2);
    expect(degraded).toEqual([{ source: 'kubernetes:jobs', status: 500, message: 'injected status 500' }]);
    expect(data.items).toEqual([]);
  });
});
