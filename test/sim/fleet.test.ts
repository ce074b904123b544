// The demo fleet holds what the dashboard and its tests rely on; a broken fleet fails at start.
import { describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID, demoFleet, startSimulatedAzure } from '../../dev/sim/index.js';
import { validateFleet, type ClusterSpec } from '../../dev/sim/fleetSpec.js';

const now = new Date('2026-03-01T12:00:00Z');
const fleet = demoFleet(now);
const sub = fleet.subscriptions[0]!;
const cluster = (rg: string, name: string): ClusterSpec => sub.resourceGroups.find((g) => g.name === rg)!.clusters.find((c) => c.name === name)!;

describe('demo fleet', () => {
  it('one subscription, look-alike resource groups, a stopped cluster', () => {
    expect(sub.subscriptionId).toBe(DEMO_SUBSCRIPTION_ID);
    expect(sub.resourceGroups.map((g) => g.name)).toEqual(['rg-elb-01', 'rg-elb-01-blue']);
    const all = sub.resourceGroups.flatMap((g) => g.clusters);
    expect(all.filter((c) => c.powerState === 'Stopped').map((c) => c.name)).toEqual(['elb-01-b']);
    expect(() => validateFleet(fleet)).not.toThrow();
  });

  it('elb-01-a has every warm-up case: done, running, failed, stale node, gone node, two source versions', () => {
    const a = cluster('rg-elb-01', 'elb-01-a');
    const nodes = new Map(a.nodes.map((n) => [n.name, n]));
    const warmups = a.jobs.filter((j) => j.labels?.app === 'elb-db-warmup');
    const status = (s: string) => warmups.filter((j) => j.status === s);
    expect(status('running')).toHaveLength(2);
    expect(status('failed')).toHaveLength(1);
    // Named warm-<db>-<NN>, labelled with their database and shard, annotated with their source version.
    for (const job of warmups) {
      expect(job.name).toBe(`warm-${job.labels!.db!.replaceAll('_', '-')}-${job.labels!.shard}`);
      expect(job.annotations?.['elb.dashboard/source-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const versions = new Set(warmups.filter((j) => j.labels?.db === 'swissprot').map((j) => j.annotations?.['elb.dashboard/source-version']));
    expect(versions.size).toBe(2);
    // The job history: BLAST searches in every state and database preparations.
    const searches = a.jobs.filter((j) => j.labels?.app === 'blast');
    expect(new Set(searches.map((j) => j.status))).toEqual(new Set(['complete', 'running', 'failed', 'suspended']));
    expect(a.jobs.some((j) => j.labels?.app === 'elb-prepare-db')).toBe(true);
    const failedSearch = searches.find((j) => j.status === 'failed')!;
    expect(a.events.some((e) => e.involvedObject.name === failedSearch.name && e.reason === 'BackoffLimitExceeded')).toBe(true);
    const stale = status('complete').filter((j) => nodes.has(j.node!) && Date.parse(nodes.get(j.node!)!.createdAt) > Date.parse(j.finishedAt!));
    expect(stale).toHaveLength(1);
    const gone = warmups.filter((j) => !nodes.has(j.node!));
    expect(gone).toHaveLength(1);
    const done = status('complete').filter((j) => !stale.includes(j) && !gone.includes(j));
    expect(done.length).toBeGreaterThan(0);
    // Every warm-up on an existing node has a pod on that node, labelled like its job.
    for (const job of warmups.filter((j) => nodes.has(j.node!))) {
      const pods = a.pods.filter((p) => p.ownerJob === job.name);
      expect(pods.length).toBeGreaterThan(0);
      expect(pods.every((p) => p.node === job.node)).toBe(true);
    }
    expect(a.events.some((e) => e.type === 'Warning')).toBe(true);
    expect(a.events.some((e) => e.type === 'Normal')).toBe(true);
  });

  it('timestamps follow the given now', () => {
    const a = cluster('rg-elb-01', 'elb-01-a');
    expect(a.nodes.every((n) => Date.parse(n.createdAt) < now.getTime())).toBe(true);
  });
});

describe('validateFleet', () => {
  it('rejects a subscription id that is not a GUID, duplicates, and nodes of unknown pools', async () => {
    const bad = demoFleet(now);
    bad.subscriptions[0]!.subscriptionId = 'sub-1';
    expect(() => validateFleet(bad)).toThrow(/not a GUID/);
    await expect(startSimulatedAzure({ fleet: bad })).rejects.toThrow(/not a GUID/);

    const dup = demoFleet(now);
    const rg = dup.subscriptions[0]!.resourceGroups[0]!;
    rg.clusters.push(structuredClone(rg.clusters[0]!));
    expect(() => validateFleet(dup)).toThrow(/appears twice/);

    const pods = demoFleet(now);
    const a = pods.subscriptions[0]!.resourceGroups[0]!.clusters[0]!;
    a.pods.push({ ...a.pods[0]! });
    expect(() => validateFleet(pods)).toThrow(/pod .* appears twice/);

    const pool = demoFleet(now);
    pool.subscriptions[0]!.resourceGroups[0]!.clusters[0]!.nodes[0]!.pool = 'gpu';
    expect(() => validateFleet(pool)).toThrow(/unknown pool/);
  });
});
