// P10: the fleet view. A fleet of 20 scopes × 5 clusters (one subscription, every resource group allowed).
// (a) One viewer's fleet tick (GET /api/monitor/fleet, one request) ÷ one scope's tick (GET /api/monitor/aks), both
//     uncached (every reading purged first, so each scope is fetched from ARM) and both cached, interleaved: the scope
//     reads run in parallel, so a fleet tick should cost about one scope read.
// (b) ARM calls per minute with 100 viewers polling the fleet ÷ 1 viewer, time scaled as in P4 (TTL 3 s, poll 0.5 s):
//     each scope's reading refreshes once per TTL whoever reads it.
import type { ClusterSpec, FleetSpec } from '../../dev/sim/index.js';
import { demoFleet } from '../../dev/sim/index.js';
import type { LocalStack } from '../../dev/stack.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { percentile, round, sleep } from '../lib/stats.js';

/** `scopes` resource groups of `clusters` stopped clusters each (a list read needs no API server). */
export function fleetOfScopes(scopes: number, clusters: number): FleetSpec {
  const demo = demoFleet();
  const subscription = demo.subscriptions[0]!;
  const stopped = subscription.resourceGroups.flatMap((rg) => rg.clusters).find((c) => c.powerState === 'Stopped')!;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    subscriptions: [
      {
        ...subscription,
        resourceGroups: Array.from({ length: scopes }, (_, g) => ({
          name: `rg-fleet-${pad(g + 1)}`,
          location: subscription.resourceGroups[0]!.location,
          clusters: Array.from({ length: clusters }, (_, c) => ({ ...structuredClone<ClusterSpec>(stopped), name: `fleet-${pad(g + 1)}-${pad(c + 1)}` })),
        })),
      },
    ],
  };
}

async function viewersWindow(stack: LocalStack, client: BenchClient, armCalls: () => number, viewers: number, o: BenchEnvironment['options']['p10']) {
  let stopped = false;
  // Read through a call: the window ends while a viewer awaits, which a plain read would hide from the type checker.
  const running = () => !stopped;
  let errors = 0;
  const ticks: number[] = [];
  let counting = false;
  const viewer = async () => {
    await sleep(Math.random() * o.pollMs);
    while (running()) {
      const start = performance.now();
      const answer = await client.get('/api/monitor/fleet').catch(() => undefined);
      if (!answer || answer.status !== 200 || answer.body?.scopes?.some((s: any) => s.degraded.length)) errors++;
      const took = performance.now() - start;
      if (counting) ticks.push(took);
      if (took < o.pollMs && running()) await sleep(o.pollMs - took);
    }
  };
  const loops = Array.from({ length: viewers }, viewer);
  await sleep(o.settleSeconds * 1000);
  const before = armCalls();
  const start = performance.now();
  counting = true;
  await sleep(o.windowSeconds * 1000);
  counting = false;
  const calls = armCalls() - before;
  const seconds = (performance.now() - start) / 1000;
  stopped = true;
  await Promise.all(loops);
  await stack.app.services.cache.idle();
  return { viewers, perMinute: (calls / seconds) * 60, tickP50: percentile(ticks, 50), errors };
}

export async function measureFleet(env: BenchEnvironment): Promise<MeasureOutcome> {
  const o = env.options.p10;
  const sim = await env.startSim({ fleet: fleetOfScopes(o.scopes, o.clustersPerScope) });
  const armCalls = () => sim.counters('arm').requests;

  // (a) latency, at the default TTL (nothing expires during the samples unless purged)
  const stack = await env.startStack('p10', {}, sim);
  const client = new BenchClient(stack.url, { connections: 4 });
  const scopePath = `/api/monitor/aks?${scopeQuery({ subscriptionId: sim.subscriptionIds[0]!, resourceGroup: 'rg-fleet-01' })}`;
  const cold = { fleet: [] as number[], scope: [] as number[] };
  const warm = { fleet: [] as number[], scope: [] as number[] };
  try {
    const first = await client.get('/api/monitor/fleet');
    if (first.status !== 200 || first.body.scopes.length !== o.scopes || first.body.totals.clusters !== o.scopes * o.clustersPerScope) {
      throw new Error(`P10: the fleet answered ${first.status} with ${first.body?.scopes?.length} scopes`);
    }
    for (let i = 0; i < o.samples; i++) {
      for (const which of i % 2 === 0 ? (['fleet', 'scope'] as const) : (['scope', 'fleet'] as const)) {
        await stack.app.services.cache.invalidatePrefix('monitor'); // every reading must come from ARM
        const path = which === 'fleet' ? '/api/monitor/fleet' : scopePath;
        const miss = await client.get(path);
        if (miss.status !== 200) throw new Error(`P10: ${path} answered ${miss.status}`);
        cold[which].push(miss.ms);
        warm[which].push((await client.get(path)).ms);
      }
    }
  } finally {
    await client.close();
  }
  const ratio = (a: number[], b: number[]) => percentile(a, 50) / percentile(b, 50);
  const coldRatio = ratio(cold.fleet, cold.scope);
  const warmRatio = ratio(warm.fleet, warm.scope);

  // (b) viewers, time scaled
  const scaled = await env.startStack('p10viewers', { MONITOR_CACHE_TTL_SECONDS: String(o.ttlSeconds), MONITOR_CACHE_SWR_SECONDS: String(o.swrSeconds) }, sim);
  const viewerClient = new BenchClient(scaled.url, { connections: 256 });
  const runs = [];
  try {
    for (const viewers of o.viewers) runs.push(await viewersWindow(scaled, viewerClient, armCalls, viewers, o));
  } finally {
    await viewerClient.close();
  }
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  if (errors > 0) throw new Error(`P10: ${errors} fleet reads failed or were degraded`);
  const growth = runs.at(-1)!.perMinute / runs[0]!.perMinute;
  const inputs = { ...o, armLatencyMs: env.options.armLatencyMs };
  return {
    id: 'P10',
    title: 'fleet tick (20 scopes × 5 clusters)',
    result: `uncached tick ÷ one scope's **${round(coldRatio, 2)}×**; ARM calls N=${runs.at(-1)!.viewers} ÷ N=${runs[0]!.viewers}: **${round(growth, 2)}×**`,
    compared:
      `uncached GET /api/monitor/fleet p50 ${round(percentile(cold.fleet, 50), 1)} ms vs GET /api/monitor/aks of one scope ${round(percentile(cold.scope, 50), 1)} ms; ` +
      `cached ${round(percentile(warm.fleet, 50), 1)} vs ${round(percentile(warm.scope, 50), 1)} ms (${round(warmRatio, 2)}×), ${o.samples} each interleaved; ` +
      runs.map((r) => `N=${r.viewers}: ${round(r.perMinute, 0)} ARM calls/min, tick p50 ${round(r.tickP50, 0)} ms`).join('; ') +
      ` (TTL ${o.ttlSeconds} s, poll ${o.pollMs} ms, ${o.windowSeconds} s windows)`,
    floor: '1× (the scope reads run at once; one refresh per scope per TTL, whatever the viewers)',
    farFromFloor: coldRatio > 1.5 || growth > 1.1,
    notes: [],
    measurements: [
      { id: 'P10', name: 'uncached fleet tick ÷ one scope tick, p50', value: round(coldRatio, 3), unit: 'ratio', inputs },
      { id: 'P10', name: 'cached fleet tick ÷ one scope tick, p50', value: round(warmRatio, 3), unit: 'ratio', inputs },
      { id: 'P10', name: 'uncached fleet tick p50', value: round(percentile(cold.fleet, 50), 2), unit: 'ms', inputs },
      { id: 'P10', name: 'uncached scope tick p50', value: round(percentile(cold.scope, 50), 2), unit: 'ms', inputs },
      { id: 'P10', name: `ARM calls per minute, N=${runs.at(-1)!.viewers} ÷ N=${runs[0]!.viewers}`, value: round(growth, 3), unit: 'ratio', inputs },
      ...runs.map((r) => ({
        id: 'P10' as const,
        name: `ARM calls per minute, N=${r.viewers}`,
        value: round(r.perMinute, 1),
        unit: 'calls/min',
        inputs: { ...inputs, viewers: r.viewers },
      })),
    ],
  };
}
