// Resurrection, randomized: random interleavings of reads, timer refreshes, starts, stops, deletes and operations
// ending in ARM, across two local hosts sharing one Azurite table and one simulated Azure.
// After every step: no cache row holds a reading taken before the last purge of its prefix. And no read that starts
// after an action answered (on either host) is answered a reading taken before that action's purge: the hosts reuse
// fresh readings they have just read (MONITOR_CACHE_REUSE_MS, short here so that 500 steps of actions, each waiting
// the window out, stay quick), and an action answers only once that window has passed.
//
// Each run: the fixed seeds (the same op sequences on every CI run), then one random seed, printed with its
// results. Re-run a printed seed with RESURRECTION_SEED=<n> (it replaces the random one); RESURRECTION_STEPS=<n>
// changes the length of every run. Each seed starts on a fresh fleet, so a seed reproduces its ops from the start.
// (The interleaving inside a step is real concurrency, so a seed reproduces the ops, not every scheduling.)
import { describeFailure } from '../../shared/errors.js';
import { expect, it } from 'vitest';
import { demoFleet, type FleetSpec } from '../../dev/sim/index.js';
import {
  clusterListKey,
  clusterPrefix,
  countersOfPartition,
  GENERATION_ROW_KEY,
  keyOfRow,
  locateKey,
  MONITOR_CATEGORIES,
  READING_ROW_PREFIX,
  type MonitorScope,
} from '../../shared/cache/index.js';
import { allRows, BLUE, manualClock, RG, startTestStack, type RawRow, type TestStack } from './support.js';

const STEPS = Number(process.env.RESURRECTION_STEPS ?? 500);
const FIXED_SEEDS = [1, 20_261_129];
const RANDOM_SEED = process.env.RESURRECTION_SEED ? Number(process.env.RESURRECTION_SEED) : Math.floor(Math.random() * 2 ** 31);

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    weighted: <T extends string>(weights: Record<T, number>): T => {
      const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
      let roll = next() * total;
      for (const [name, weight] of Object.entries<number>(weights)) if ((roll -= weight) < 0) return name as T;
      return Object.keys(weights)[0] as T;
    },
  };
}

/** The demo fleet plus a few clones, so deletes do not empty it. */
function fleet(): FleetSpec {
  const spec = demoFleet();
  const groups = spec.subscriptions[0]!.resourceGroups;
  const rg = groups.find((g) => g.name === RG.resourceGroup)!;
  const blue = groups.find((g) => g.name === BLUE.resourceGroup)!;
  const clone = (from: (typeof rg.clusters)[number], name: string, powerState: 'Running' | 'Stopped') => ({ ...structuredClone(from), name, powerState });
  rg.clusters.push(clone(rg.clusters[2]!, 'elb-01-d', 'Running'), clone(rg.clusters[2]!, 'elb-01-e', 'Stopped'));
  blue.clusters.push(clone(blue.clusters[0]!, 'elb-01-blue-b', 'Stopped'));
  return spec;
}

const CLUSTERS: Array<{ scope: MonitorScope; name: string }> = [
  ...['elb-01-a', 'elb-01-b', 'elb-01-c', 'elb-01-d', 'elb-01-e'].map((name) => ({ scope: RG, name })),
  ...['elb-01-blue-a', 'elb-01-blue-b'].map((name) => ({ scope: BLUE, name })),
];

const RUNS = [...FIXED_SEEDS.map((seed) => ({ seed, kind: 'fixed' })), { seed: RANDOM_SEED, kind: process.env.RESURRECTION_SEED ? 'given' : 'random' }];

for (const { seed, kind } of RUNS) {
  it(
    `never stores a reading older than the last purge of its prefix (${kind} seed ${seed}, ${STEPS} random interleavings, two hosts)`,
    { timeout: 120_000 },
    async () => {
      // Printed first, so a run that fails or hangs still names its seed.
      console.log(`[resurrection] ${kind} seed=${seed}: re-run with RESURRECTION_SEED=${seed}`);
      const a = await startTestStack({
        clock: manualClock(),
        env: { MONITOR_CACHE_REUSE_MS: '50' },
        simulator: { fleet: fleet(), durations: { start: 'manual', stop: 'manual', delete: 'manual' } },
      });
      const b = await startTestStack({ peer: a });
      try {
        await runSeed(seed, a, b);
      } finally {
        await b.close();
        await a.close();
      }
    },
  );
}

async function runSeed(seed: number, a: TestStack, b: TestStack): Promise<void> {
  const rng = prng(seed);
  const clock = a.clock;
  const hosts = [a, b];
  /**
   * Clock time of the step in which the last purge of a prefix started (an action ARM accepted, or a 404: both purge
   * the cluster's prefix; the scope's list key too, a 404 only when the stored list showed the cluster). The clock
   * moves only between steps, at least 1 ms.
   */
  const lastPurge = new Map<string, number>();
  /** The same, for actions that have answered: a read that starts after the answer must not show what came before. */
  const answeredPurge = new Map<string, number>();
  const violations: string[] = [];
  const tally: Record<string, number> = {};
  const count = (what: string) => void (tally[what] = (tally[what] ?? 0) + 1);
  const started = performance.now();

  /** Mostly a cluster ARM still has; sometimes any (a deleted one: the 404 paths). */
  const pickCluster = () => {
    const alive = CLUSTERS.filter((c) => a.sim.clusters().some((s) => s.resourceGroup === c.scope.resourceGroup && s.name === c.name));
    return alive.length > 0 && rng.next() < 0.85 ? rng.pick(alive) : rng.pick(CLUSTERS);
  };

  /** A read that started after an action on its prefix answered shows nothing fetched before that action's step. */
  const noteReadBefore = (purgedAt: number | undefined, prefix: string, fetchedAt: string) => {
    if (purgedAt !== undefined && Date.parse(fetchedAt) < purgedAt) {
      violations.push(`a read of ${prefix} started after the action of ${purgedAt} answered, and showed a reading fetched at ${fetchedAt}`);
    }
  };

  const ops = {
    readList: async (host: TestStack) => {
      const scope = rng.pick([RG, BLUE]);
      const purgedAt = answeredPurge.get(clusterListKey(scope));
      const answer = await host.app.services.monitor.readClusterList(scope);
      noteReadBefore(purgedAt, clusterListKey(scope), answer.cache.fetchedAt);
      count('readList');
    },
    readCategory: async (host: TestStack) => {
      const { scope, name } = pickCluster();
      const purgedAt = answeredPurge.get(clusterPrefix(scope, name));
      try {
        const answer = await host.app.services.monitor.readCategory(scope, name, rng.pick(MONITOR_CATEGORIES));
        noteReadBefore(purgedAt, clusterPrefix(scope, name), answer.cache.fetchedAt);
        count('readCategory');
      } catch (error) {
        const { status } = describeFailure(error);
        count(`readCategory:${status}`);
        if (status !== 404) throw error;
      }
    },
    timer: async (host: TestStack) => {
      await host.host.runTimer('refreshMonitorCache');
      count('timer');
    },
    act: async (host: TestStack, action: 'start' | 'stop' | 'delete') => {
      const { scope, name } = pickCluster();
      const at = clock.now();
      // A 404 leaves a stored list that does not show the cluster as it is (a list fetched in this step, whatever it
      // shows, is not older than `at`).
      const stored = await host.app.services.cache.peek<Array<{ name: string }>>(clusterListKey(scope));
      const listed = stored?.value.some((c) => c.name.toLowerCase() === name) ?? false;
      let status = 202;
      try {
        await host.app.services.lifecycle.act(scope, name, action, 'resurrection-test');
      } catch (error) {
        status = describeFailure(error).status;
        if (status !== 404 && status !== 409) throw error;
      }
      count(`${action}:${status}`);
      if (status === 202 || status === 404) {
        for (const prefix of status === 202 || listed ? [clusterListKey(scope), clusterPrefix(scope, name)] : [clusterPrefix(scope, name)]) {
          lastPurge.set(prefix, Math.max(lastPurge.get(prefix) ?? 0, at));
          answeredPurge.set(prefix, Math.max(answeredPurge.get(prefix) ?? 0, at));
        }
      }
    },
    complete: async () => {
      const busy = a.sim.clusters().filter((c) => c.operation);
      if (busy.length === 0) {
        count('complete:none');
        return;
      }
      const target = rng.pick(busy);
      const ref = { resourceGroup: target.resourceGroup, name: target.name };
      const kind = target.operation!.kind;
      const alive = a.sim.clusters().filter((c) => c.resourceGroup === target.resourceGroup).length;
      if (kind === 'delete' && (alive <= 2 || rng.next() > 0.3)) {
        await a.sim.completeOperation(ref, { status: 'Failed' }); // most deletes fail, so the fleet lasts
      } else if (kind !== 'delete' && rng.next() < 0.2) {
        await a.sim.completeOperation(ref, { status: rng.pick(['Failed', 'Canceled'] as const), powerState: rng.pick(['Running', 'Stopped'] as const) });
      } else {
        await a.sim.completeOperation(ref);
      }
      count(`complete:${kind}`);
    },
  };
  const weights = { readList: 24, readCategory: 26, timer: 12, start: 9, stop: 9, delete: 3, complete: 12 };

  /** Generation counters by partition, and readings, in one scan: the check after each step. */
  const check = async (step: number) => {
    const counters = new Map<string, Record<string, number>>();
    const stored: Array<[string, RawRow]> = [];
    for (const row of await allRows(a.table)) {
      if (row.rowKey.startsWith(READING_ROW_PREFIX)) stored.push([keyOfRow(row.partitionKey, row.rowKey), row]);
      if (row.rowKey !== GENERATION_ROW_KEY) continue;
      counters.set(row.partitionKey, Object.fromEntries(countersOfPartition(row.partitionKey).map((n) => [n, typeof row[n] === 'number' ? row[n] : 0])));
    }
    for (const [key, row] of stored) {
      const { generation, fetchedAt } = row as RawRow & { generation: number; fetchedAt: number };
      const location = locateKey(key);
      const current = [location.own, ...location.ancestors].reduce((sum, ref) => sum + (counters.get(ref.partitionKey)?.[ref.name] ?? 0), 0);
      if (generation !== current) violations.push(`step ${step}: ${key} stored at generation ${generation}, current ${current}`);
      // The purge covering it: the list key itself, or the cluster prefix of a category key.
      const prefix = location.kind === 'list' ? key : key.slice(0, key.lastIndexOf(':'));
      const purgedAt = lastPurge.get(prefix);
      if (purgedAt !== undefined && fetchedAt < purgedAt) {
        violations.push(`step ${step}: ${key} fetched at ${fetchedAt}, before the purge of ${prefix} at ${purgedAt}`);
      }
    }
  };

  for (let step = 0; step < STEPS; step++) {
    const roll = rng.next();
    clock.advance(roll < 0.02 ? 300_000 + rng.int(100_000) : roll < 0.12 ? 5_000 + rng.int(35_000) : 1 + rng.int(3_000));
    const batch = Array.from({ length: 2 + rng.int(3) }, () => {
      const host = rng.pick(hosts);
      const op = rng.weighted(weights);
      return op === 'start' || op === 'stop' || op === 'delete' ? () => ops.act(host, op) : () => ops[op](host);
    });
    await Promise.all(batch.map((run) => run()));
    await Promise.all(hosts.map((h) => h.app.services.cache.idle()));
    await check(step);
  }

  const seconds = (performance.now() - started) / 1000;
  const dropped = hosts.reduce((sum, h) => sum + h.app.services.cache.stats.dropped, 0);
  const reused = hosts.reduce((sum, h) => sum + h.app.services.cache.stats.reused, 0);
  console.log(
    `[resurrection] seed=${seed} steps=${STEPS} resurrections=${violations.length} time=${seconds.toFixed(1)}s ` +
      `fills dropped by a purge=${dropped} fresh readings reused=${reused} ops=${JSON.stringify(tally)}`,
  );
  expect(violations.slice(0, 5)).toEqual([]);
  expect(violations.length).toBe(0);
  // The run did race: actions were accepted, and fills overlapping a purge were dropped.
  expect(Object.entries(tally).filter(([k]) => /^(start|stop|delete):202$/.test(k)).length).toBe(3);
  expect(dropped).toBeGreaterThan(0);
  expect(reused).toBeGreaterThan(0);
}
