// P11: the storage and registry cards. (a) A fresh hit on GET /api/monitor/storage and /api/monitor/acr against a
// fresh hit on the cluster list (P1's route), interleaved in this run. (b) Uncached reads in round trips, with the
// measure's own fleet (3 storage accounts × 1 container × N blobs, a registry of 20 repositories) and the injected ARM
// latency on every ARM, blob and registry call: wall time ÷ that latency, and the requests counted at the simulator.
import { registryOverviewKey, storageOverviewKey } from '../../shared/cache/index.js';
import { demoFleet } from '../../dev/sim/index.js';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { percentile, round } from '../lib/stats.js';

const median = (values: number[]) => percentile(values, 50);

/**
 * Round trips as the simulator saw them: the longest chain of calls each sent after the one before it was answered
 * (calls in flight together are one round). Wall time ÷ latency also counts the CPU between rounds.
 */
function chainedRounds(calls: ReadonlyArray<{ startedAt: number; durationMs: number }>): number {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.startedAt + sorted[j]!.durationMs <= call.startedAt) before = Math.max(before, depth[j]!);
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

export async function measureCards(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { samples, warmup, trials, blobsPerContainer, repositories } = env.options.p11;
  const latency = env.options.armLatencyMs;
  const fleet = demoFleet();
  const rg = fleet.subscriptions[0]!.resourceGroups.find((g) => g.name === DEMO_SCOPE.resourceGroup)!;
  rg.storageAccounts = ['one', 'two', 'three'].map((n) => ({
    name: `bench${n}`,
    containers: [{ name: 'blast-db', blobs: [], generated: { count: blobsPerContainer, prefix: `db${n}/part.`, size: 1 } }],
  }));
  rg.registries = [
    {
      name: 'benchacr',
      repositories: Array.from({ length: repositories }, (_, i) => ({ name: `team/app-${i}`, tags: [{ name: 'v1', updatedAt: '2025-03-01T00:00:00Z' }] })),
      runs: [{ runId: 'r1', status: 'Running', outputImages: ['team/app-0:v2'] }],
    },
  ];
  const sim = await env.startSim({ fleet });
  if (latency > 0) {
    sim.inject({ target: 'blob', path: () => true, latencyMs: latency });
    sim.inject({ target: 'registry', path: () => true, latencyMs: latency });
  }
  await sim.fillBlobs(); // the upload is the simulator's, not the read's
  const stack = await env.startStack(
    'p11',
    { MONITOR_CACHE_TTL_SECONDS: '3600', STORAGE_USAGE_TTL_SECONDS: '3600', EXPECTED_IMAGES: 'team/app-0:v1,team/app-0:v2' },
    sim,
  );
  const client = new BenchClient(stack.url, { connections: 1 });
  const query = scopeQuery(DEMO_SCOPE);
  const paths = { list: `/api/monitor/aks?${query}`, storage: `/api/monitor/storage?${query}`, acr: `/api/monitor/acr?${query}` } as const;
  const { storage } = stack.app.services;
  try {
    // (b) uncached reads, each on an emptied cache; the first registry read also exchanges the Entra token.
    const storageAnswer: number[] = [];
    const storageCounted: number[] = [];
    const registryRead: number[] = [];
    let storageCalls = 0;
    let registryCalls = 0;
    let storageChain = 0;
    let registryChain = 0;
    let firstRegistry = 0;
    for (let t = 0; t < trials; t++) {
      await stack.app.services.cache.invalidatePrefix(storageOverviewKey(DEMO_SCOPE));
      sim.clearRequestLog();
      const start = performance.now();
      const answer = await client.get(paths.storage);
      storageAnswer.push(performance.now() - start);
      if (answer.status !== 200) throw new Error(`P11: storage answered ${answer.status}`);
      await storage.idle();
      storageCounted.push(performance.now() - start);
      const storageLog = sim.requestLog((e) => e.server === 'blob' || (e.server === 'arm' && /microsoft\.storage/i.test(e.url)));
      storageCalls = storageLog.length;
      storageChain = chainedRounds(storageLog);

      await stack.app.services.cache.invalidatePrefix(registryOverviewKey(DEMO_SCOPE));
      sim.clearRequestLog();
      const r = performance.now();
      const acr = await client.get(paths.acr);
      const ms = performance.now() - r;
      if (acr.status !== 200 || acr.body.degraded.length) throw new Error(`P11: registry answered ${acr.status}`);
      if (t === 0) firstRegistry = ms;
      else registryRead.push(ms);
      const registryLog = sim.requestLog((e) => e.server.startsWith('registry:') || (e.server === 'arm' && /containerregistry/i.test(e.url)));
      registryCalls = registryLog.length;
      if (t > 0 || trials === 1) registryChain = chainedRounds(registryLog);
    }
    const counted = await client.get(paths.storage);
    if (counted.body.data.accounts.some((a: any) => a.containers[0].usage?.blobCount !== blobsPerContainer))
      throw new Error('P11: a container was not counted');

    // (a) fresh hits, interleaved, rotating which goes first.
    const hits = { list: [] as number[], storage: [] as number[], acr: [] as number[] };
    const order = [
      ['list', 'storage', 'acr'],
      ['storage', 'acr', 'list'],
      ['acr', 'list', 'storage'],
    ] as const;
    for (const which of ['list', 'storage', 'acr'] as const) await client.get(paths[which]);
    for (let i = 0; i < warmup + samples; i++) {
      for (const which of order[i % order.length]!) {
        const answer = await client.get(paths[which]);
        if (answer.body?.cache?.state !== 'fresh') throw new Error(`P11: ${which} was answered ${answer.body?.cache?.state}`);
        if (i >= warmup) hits[which].push(answer.ms);
      }
    }
    const [list50, storage50, acr50] = [median(hits.list), median(hits.storage), median(hits.acr)];
    const rounds = (ms: number) => (latency > 0 ? ms / latency : NaN);
    const storageRounds = rounds(median(storageCounted));
    const answerRounds = rounds(median(storageAnswer));
    const registryRounds = rounds(median(registryRead.length ? registryRead : [firstRegistry]));
    const firstRounds = rounds(firstRegistry);
    const inputs = { samples, warmup, trials, blobsPerContainer, containers: 3, repositories, latencyMs: latency };
    return {
      id: 'P11',
      title: 'storage and registry cards',
      result: `fresh hit ÷ cluster list: storage ${round(storage50 / list50, 2)}×, acr ${round(acr50 / list50, 2)}× p50; uncached storage ${storageChain} round trips (${storageCalls} calls), registry ${registryChain} round trips (${registryCalls} calls)`,
      compared: `fresh GET p50: /api/monitor/storage ${round(storage50, 2)} ms, /api/monitor/acr ${round(acr50, 2)} ms, /api/monitor/aks ${round(list50, 2)} ms (${samples} each, interleaved); uncached storage read of 3 containers × ${blobsPerContainer} blobs: answered ("calculating") in ${round(median(storageAnswer), 1)} ms = ${round(answerRounds, 2)} rounds, counted in ${round(median(storageCounted), 1)} ms = ${round(storageRounds, 2)} × the latency (listing ${3 * blobsPerContainer} blobs costs CPU in Azurite and the SDK), ${storageCalls} calls in ${storageChain} round trips; uncached registry read of ${repositories} repositories: ${round(median(registryRead.length ? registryRead : [firstRegistry]), 1)} ms = ${round(registryRounds, 2)} × the latency, ${registryCalls} calls in ${registryChain} round trips (the very first, with the Entra token exchange: ${round(firstRounds, 2)} rounds); ${latency} ms per ARM, blob and registry call`,
      floor:
        "hits 1× the cluster list's (goal ≤ 1.1×); storage 3 rounds (accounts, containers, one page of blobs each: ≤ 5,000); registry 7 rounds (registries; catalog: challenge, token, list; repositories: challenge, token, list), 8 with the first token exchange",
      farFromFloor: storage50 / list50 > 1.1 || acr50 / list50 > 1.1 || storageChain > 3 || registryChain > 7,
      notes: [
        'the answer itself never waits for a count: a container counted for the first time answers "calculating" after the two ARM rounds; the rounds above go on to the counts stored',
        'the registry data plane challenges each repository for its own scope (ACR access tokens are per repository): three calls per repository, all repositories at once',
      ],
      measurements: [
        { id: 'P11', name: 'fresh storage ÷ cluster list, p50', value: round(storage50 / list50, 3), unit: 'ratio', inputs },
        { id: 'P11', name: 'fresh acr ÷ cluster list, p50', value: round(acr50 / list50, 3), unit: 'ratio', inputs },
        { id: 'P11', name: 'uncached storage read, round trips at the simulator', value: storageChain, unit: 'round trips', inputs },
        { id: 'P11', name: 'uncached registry read, round trips at the simulator', value: registryChain, unit: 'round trips', inputs },
        { id: 'P11', name: 'uncached storage read, counted, ÷ latency', value: round(storageRounds, 3), unit: 'ratio', inputs },
        { id: 'P11', name: 'uncached storage read, answered', value: round(answerRounds, 3), unit: 'round trips', inputs },
        { id: 'P11', name: 'uncached registry read ÷ latency', value: round(registryRounds, 3), unit: 'ratio', inputs },
        { id: 'P11', name: 'first registry read (token exchange)', value: round(firstRounds, 3), unit: 'round trips', inputs },
      ],
    };
  } finally {
    await client.close();
  }
}
