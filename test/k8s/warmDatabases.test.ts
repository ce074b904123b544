// The per-database view of warmup-status against the simulated Azure with real sessions: each status, stale by
// source version and by a pinned node (nodeName, hostname selector, affinity) gone, not Ready or re-created,
// progress from the pods' log tails, elapsed time; and still two round trips with at most 12 log tails.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID, type SimulatedAzure } from '../../dev/sim/index.js';
import type { JobSpec, NodeSpec, PodSpec } from '../../dev/sim/fleetSpec.js';
import type { KubeSession } from '../../shared/k8s/session.js';
import type { SessionPool } from '../../shared/k8s/sessionPool.js';
import { readWarmupStatus, type WarmDatabase } from '../../shared/k8s/index.js';
import { startSimulatedSessions } from './support.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const RG = 'rg-elb-01';
const C = { resourceGroup: RG, name: 'elb-01-c' };
const SELECTOR = 'app=elb-db-warmup';
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const NODE = (i: number) => `aks-blast-14142135-vmss00000${i}`;

let sim: SimulatedAzure;
let pool: SessionPool<KubeSession>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sim, pool, close } = await startSimulatedSessions(NOW));
});
afterAll(() => close?.());

interface Shard {
  db: string;
  shard: number;
  node: number;
  state: 'complete' | 'running' | 'failed';
  version?: string;
  pin?: JobSpec['pin'];
  started?: number;
  took?: number;
  /** Lines the shard's pod prints. */
  log?: string[];
}

/** elb-01-c with three blast nodes (Ready unless said) and one warm-up job (and pod) per shard. */
function setUp(shards: Shard[], nodes: Partial<NodeSpec>[] = [{}, {}, {}]): void {
  sim.cluster(C).update((spec) => {
    if (!spec.agentPools.some((p) => p.name === 'blast')) spec.agentPools.push({ name: 'blast', mode: 'User', vmSize: 'Standard_E32s_v5', count: 3 });
    spec.nodes = spec.nodes.filter((n) => n.pool !== 'blast');
    nodes.forEach((node, i) =>
      spec.nodes.push({
        name: NODE(i),
        pool: 'blast',
        createdAt: minutesAgo(30 * 1440),
        capacity: { cpu: '32', memory: '263856372Ki' },
        usage: { cpu: '900m', memory: '9000000Ki' },
        ...node,
      }),
    );
    spec.jobs = [];
    spec.pods = spec.pods.filter((p) => !p.ownerJob);
    for (const s of shards) {
      const shard = String(s.shard).padStart(2, '0');
      const name = `warm-${s.db.replaceAll('_', '-')}-${shard}`;
      const started = s.started ?? 60;
      const took = s.took ?? (s.state === 'running' ? undefined : 20);
      spec.jobs.push({
        namespace: 'db',
        name,
        labels: { app: 'elb-db-warmup', db: s.db, shard },
        annotations: { 'elb.dashboard/source-version': s.version ?? '2026-12-01' },
        status: s.state,
        startedAt: minutesAgo(started),
        ...(took !== undefined ? { finishedAt: minutesAgo(started - took) } : {}),
        node: NODE(s.node),
        pin: s.pin ?? 'nodeSelector',
        backoffLimit: 1,
        container: 'warmup',
      });
      const pod: PodSpec = {
        namespace: 'db',
        name: `${name}-x${shard}`,
        node: NODE(s.node),
        phase: s.state === 'complete' ? 'Succeeded' : s.state === 'failed' ? 'Failed' : 'Running',
        createdAt: minutesAgo(started),
        ownerJob: name,
        containers: ['warmup'],
        log: s.log ?? [],
      };
      spec.pods.push(pod);
    }
  });
}

async function databases(): Promise<Record<string, WarmDatabase>> {
  const { data, degraded } = await pool.use({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, cluster: C.name, admin: false }, (session) =>
    readWarmupStatus(session, { labelSelector: SELECTOR, now: () => NOW.getTime() }),
  );
  expect(degraded).toEqual([]);
  return Object.fromEntries(data.databases.map((d) => [d.name, d]));
}

beforeEach(() => setUp([]));

describe('warm databases: status', () => {
  it('ready, loading, failed: counts, shards, elapsed from the first start to the last end (now while loading)', async () => {
    setUp([
      { db: 'core_nt', shard: 0, node: 0, state: 'complete', started: 120, took: 40 },
      { db: 'core_nt', shard: 1, node: 1, state: 'complete', started: 110, took: 45 },
      { db: 'nr', shard: 0, node: 0, state: 'complete', started: 50, took: 10 },
      { db: 'nr', shard: 1, node: 1, state: 'running', started: 30 },
      { db: 'pdbaa', shard: 0, node: 2, state: 'failed', started: 90, took: 30 },
      { db: 'pdbaa', shard: 1, node: 2, state: 'complete', started: 90, took: 10 },
      // A failed shard is terminal: the database fails even while another shard still copies.
      { db: 'env_nt', shard: 0, node: 0, state: 'failed', started: 40, took: 5 },
      { db: 'env_nt', shard: 1, node: 1, state: 'running', started: 40 },
    ]);
    const db = await databases();
    expect(Object.keys(db)).toEqual(['core_nt', 'env_nt', 'nr', 'pdbaa']);
    expect(db.core_nt).toEqual({
      name: 'core_nt',
      status: 'ready',
      total: 2,
      ready: 2,
      failed: 0,
      active: 0,
      shards: ['00', '01'],
      sourceVersions: ['2026-12-01'],
      elapsedSeconds: (120 - 65) * 60,
    });
    expect(db.nr).toMatchObject({ status: 'loading', total: 2, ready: 1, active: 1, elapsedSeconds: 50 * 60 });
    expect(db.nr!.progress).toBeUndefined(); // its pod printed no progress line
    expect(db.pdbaa).toMatchObject({ status: 'failed', ready: 1, failed: 1, active: 0, elapsedSeconds: 30 * 60 });
    expect(db.env_nt).toMatchObject({ status: 'failed', failed: 1, active: 1, elapsedSeconds: 40 * 60 });
    expect(db.env_nt!.progress).toBeUndefined();
  });

  it('progress: from the last progress line of each copying shard, ready shards at 100 %, the slowest eta', async () => {
    setUp([
      { db: 'nt', shard: 0, node: 0, state: 'complete' },
      { db: 'nt', shard: 1, node: 1, state: 'running', log: ['copying nt.01', 'progress 20% eta 900s', 'progress 40% eta 600s'] },
      { db: 'nt', shard: 2, node: 2, state: 'running', log: ['copying nt.02', 'progress 10% eta 1500s'] },
      { db: 'nt', shard: 3, node: 2, state: 'running', log: ['copying nt.03, no progress yet'] },
    ]);
    // (100 + 40 + 10 + 0) / 4
    expect((await databases()).nt).toMatchObject({ status: 'loading', ready: 1, active: 3, progress: { percent: 38, etaSeconds: 1500 } });
  });
});

describe('warm databases: stale', () => {
  it('by more than one source version', async () => {
    setUp([
      { db: 'swissprot', shard: 0, node: 0, state: 'complete', version: '2026-11-02' },
      { db: 'swissprot', shard: 1, node: 1, state: 'complete', version: '2026-12-01' },
    ]);
    expect((await databases()).swissprot).toMatchObject({
      status: 'stale',
      ready: 2,
      sourceVersions: ['2026-11-02', '2026-12-01'],
      staleReason: '2 source versions',
    });
  });

  it('by a pinned node gone (nodeName), not Ready (affinity), re-created after its warm-up (hostname selector)', async () => {
    setUp(
      [
        { db: 'gone', shard: 0, node: 0, state: 'complete' },
        { db: 'gone', shard: 1, node: 3, state: 'complete', pin: 'nodeName' },
        { db: 'unready', shard: 0, node: 1, state: 'complete', pin: 'affinity' },
        { db: 'reimaged', shard: 0, node: 2, state: 'complete', started: 600, took: 30 },
        // Still copying on a node created after its start: not stale (the copy is landing on the new node).
        { db: 'copying', shard: 0, node: 2, state: 'running', started: 5 },
      ],
      [{}, { ready: false }, { createdAt: minutesAgo(60) }],
    );
    const db = await databases();
    expect(db.gone).toMatchObject({ status: 'stale', staleReason: `node ${NODE(3)} gone` });
    expect(db.unready).toMatchObject({ status: 'stale', staleReason: `node ${NODE(1)} not Ready` });
    expect(db.reimaged).toMatchObject({ status: 'stale', staleReason: `node ${NODE(2)} re-created after its warm-up` });
    expect(db.copying).toMatchObject({ status: 'loading' });
    expect(db.copying!.staleReason).toBeUndefined();
  });
});

describe('warm databases: cost', () => {
  it('still two rounds with at most 12 log tails: failed nodes first, then the copying shards', async () => {
    // 3 failing shards deciding their nodes, and 12 copying shards of 4 databases spread over the 3 nodes.
    setUp([
      ...[0, 1, 2].map((i): Shard => ({ db: 'broken', shard: i, node: i, state: 'failed', started: 5, took: 1 })),
      ...Array.from({ length: 12 }, (_, i): Shard => ({
        db: `db${i % 4}`,
        shard: i,
        node: i % 3,
        state: 'running',
        started: 30,
        log: [`progress ${i * 5}% eta 60s`],
      })),
    ]);
    const since = sim.requestLog((e) => e.server === `${RG}/elb-01-c`).length;
    await databases(); // connections open
    const logs = sim
      .requestLog((e) => e.server === `${RG}/elb-01-c`)
      .slice(since)
      .map((e) => e.url.split('?')[0]!);
    expect(logs.filter((u) => !u.endsWith('/log')).sort()).toEqual(['/api/v1/nodes', '/api/v1/pods', '/apis/batch/v1/jobs']);
    const tails = logs.filter((u) => u.endsWith('/log'));
    expect(tails).toHaveLength(12);
    expect(tails.filter((u) => u.includes('/warm-broken-'))).toHaveLength(3);

    const mark = sim.requestLog((e) => e.server === `${RG}/elb-01-c`).length;
    const isLog = (path: string) => path.endsWith('/log');
    const phaseOne = sim.inject({ target: C, path: (p) => !isLog(p), hold: true });
    const phaseTwo = sim.inject({ target: C, path: isLog, hold: true });
    try {
      const read = databases();
      await phaseOne.whenHit(3);
      expect(phaseTwo.hits).toBe(0);
      phaseOne.release();
      await phaseTwo.whenHit(12); // every tail in flight at once
      phaseTwo.release();
      const db = await read;
      expect(db.broken).toMatchObject({ status: 'failed', failed: 3 });
      // 9 of the 12 copying shards were tailed (3 tails went to the failed nodes): each database still tells.
      expect(Object.values(db).filter((d) => d.status === 'loading' && d.progress)).toHaveLength(4);
    } finally {
      phaseOne.remove();
      phaseTwo.remove();
    }
    expect(sim.requestLog((e) => e.server === `${RG}/elb-01-c`).length - mark).toBe(15);
  });
});
