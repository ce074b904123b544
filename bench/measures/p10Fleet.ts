// P10: the fleet view. A fleet of 20 scopes × 5 clusters (one subscription, every resource group allowed).
// (a) One viewer's fleet tick (GET /api/monitor/fleet, one request) ÷ one scope's tick (GET /api/monitor/aks), both
//     uncached (every reading purged first, so each scope is fetched from ARM) and both cached, interleaved: the scope
//     reads run in parallel, so a fleet tick should cost about one scope read.
// (b) ARM calls per minute with 100 viewers polling the fleet ÷ 1 viewer, time scaled as in P4 (TTL 3 s, poll 0.5 s):
//     each scope's reading refreshes once per TTL whoever reads it.
import { clusterListKey, type CacheStats } from '../../shared/cache/index.js';
import type { ClusterSpec, FleetSpec, RequestLogEntry, SimulatedAzure } from '../../dev/sim/index.js';
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

const BREAKDOWN = [
  'fetches',
  'stale',
  'refreshed',
  'uncached',
  'superseded',
  'stored',
  'notStored',
  'dropped',
  'conflicts',
  'contention',
  'refreshErrors',
  'storageErrors',
  'storageRetries',
] as const satisfies readonly (keyof CacheStats)[];

/** What an ARM call was, by its path. */
function armCallKind(entry: RequestLogEntry): 'list per resource group' | 'list by subscription' | 'get' | 'credentials' | 'other' {
  const path = entry.url.split('?')[0]!.toLowerCase();
  if (path.endsWith('/listclusterusercredential')) return 'credentials';
  if (/\/resourcegroups\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters$/.test(path)) return 'list per resource group';
  if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters$/.test(path)) return 'list by subscription';
  if (/\/managedclusters\/[^/]+$/.test(path) && entry.method === 'GET') return 'get';
  return 'other';
}

/** Bursts of list calls: a gap of a third of the TTL or more starts a new one (the scopes refreshed together). */
function burstsOf(times: number[], gapMs: number): number[] {
  const sizes: number[] = [];
  let last = -Infinity;
  for (const t of [...times].sort((a, b) => a - b)) {
    if (t - last >= gapMs) sizes.push(0);
    sizes[sizes.length - 1]!++;
    last = t;
  }
  return sizes;
}

/** Purges each scope once at a random moment of one TTL (the viewers refill it then): independent phases. */
async function desyncScopes(stack: LocalStack, sim: SimulatedAzure, o: BenchEnvironment['options']['p10']) {
  const scopes = sim.clusters().map((c) => ({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup }));
  const unique = [...new Map(scopes.map((scope) => [clusterListKey(scope), scope])).values()];
  await Promise.all(
    unique.map(
      (scope) =>
        sleep(o.pollMs + Math.random() * o.ttlSeconds * 1000)
          .then(() => stack.app.services.cache.invalidatePrefix(clusterListKey(scope)))
          .catch(() => {}), // a purge timed out on a saturated machine: that scope keeps its phase
    ),
  );
}

async function viewersWindow(
  stack: LocalStack,
  sim: SimulatedAzure,
  client: BenchClient,
  armCalls: () => number,
  viewers: number,
  o: BenchEnvironment['options']['p10'],
  desync: boolean,
) {
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
  // The first fleet tick fills every scope at once, so all of them would expire together and a window would count
  // their refreshes in lockstep: 20 calls at a time, ± one whole burst (an eighth of a 24 s window at TTL 3 s).
  // Purging each scope once at a random moment of the first TTL gives the scopes independent phases, as scopes
  // filled at different moments have in real use (as P4 does for its keys). Once, in the first (lightest) window:
  // the readings outlive it, and the next window's viewers refresh each scope at its own expiry, keeping its phase.
  if (desync) await desyncScopes(stack, sim, o);
  await sleep(o.settleSeconds * 1000);
  const cacheBefore = { ...stack.app.services.cache.stats };
  const before = armCalls();
  const startedAt = Date.now();
  const start = performance.now();
  counting = true;
  await sleep(o.windowSeconds * 1000);
  counting = false;
  const calls = armCalls() - before;
  const seconds = (performance.now() - start) / 1000;
  const endedAt = Date.now();
  const cacheAfter = { ...stack.app.services.cache.stats };
  stopped = true;
  await Promise.all(loops);
  await stack.app.services.cache.idle();
  const logged = sim.requestLog((e) => e.server === 'arm' && e.startedAt >= startedAt && e.startedAt < endedAt);
  const byKind: Record<string, number> = {};
  for (const entry of logged) byKind[armCallKind(entry)] = (byKind[armCallKind(entry)] ?? 0) + 1;
  const listed = logged.filter((e) => armCallKind(e) === 'list per resource group');
  const lists = listed.map((e) => e.startedAt);
  // A scope listed twice within half a TTL: a fetch besides its one refresh (a read answered uncached, an SDK retry).
  const byScope = new Map<string, number[]>();
  for (const e of listed) {
    const path = e.url.split('?')[0]!.toLowerCase();
    byScope.set(path, [...(byScope.get(path) ?? []), e.startedAt]);
  }
  const doubles = [...byScope.values()].reduce((n, times) => n + times.slice(1).filter((t, i) => t - times[i]! < (o.ttlSeconds * 1000) / 2).length, 0);
  const failed = listed.filter((e) => e.status !== 200).length;
  const breakdown = {
    byKind,
    doubles,
    failed,
    bursts: burstsOf(lists, (o.ttlSeconds * 1000) / 3),
    listsPerScopePerTtl: lists.length / o.scopes / (seconds / o.ttlSeconds),
    cache: Object.fromEntries(BREAKDOWN.map((name) => [name, cacheAfter[name] - cacheBefore[name]])),
  };
  return { viewers, perMinute: (calls / seconds) * 60, tickP50: percentile(ticks, 50), errors, breakdown };
}

function describeBreakdown(run: Awaited<ReturnType<typeof viewersWindow>>): string {
  const b = run.breakdown;
  const c = b.cache;
  const kinds = Object.entries(b.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return (
    `N=${run.viewers}: ${round(b.listsPerScopePerTtl, 2)} lists per scope per TTL (ARM: ${kinds || 'none'}; ` +
    `${b.doubles} listed again within half a TTL, ${b.failed} not 200; ${b.bursts.length} bursts of list calls, sizes ${b.bursts.join('/')}; cache: ${c.fetches} fetches, ${c.stored} stored, ${c.notStored} not stored, ${c.refreshErrors} refreshes failed; reads: ${c.refreshed} missed, ${c.stale} stale, ${c.superseded} raced a write, ${c.storageRetries} waited for a second Table try, ${c.uncached} answered uncached after ${c.storageErrors} Table errors; ${c.dropped} dropped, ${c.conflicts} write conflicts, ${c.contention} given up)`
  );
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
    for (const viewers of o.viewers) runs.push(await viewersWindow(scaled, sim, viewerClient, armCalls, viewers, o, runs.length === 0));
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
    notes: [
      `where the ARM calls come from (floor: 1 list per scope per TTL) — ${runs.map(describeBreakdown).join('; ')}`,
      // One viewer refreshes a scope at its first poll after expiry, half a poll late on average; many viewers at once.
      `one viewer sits below the floor by its poll: about TTL ÷ (TTL + poll/2) = ${round(o.ttlSeconds / (o.ttlSeconds + o.pollMs / 2000), 2)} lists per scope per TTL, so N=${runs.at(-1)!.viewers} at the floor reads ${round(1 + o.pollMs / 2000 / o.ttlSeconds, 2)}× N=${runs[0]!.viewers}; ` +
        `reads answered uncached (their Table get timed out twice on a saturated machine) fetch again when no fill of the scope is in flight: the repeat lists`,
    ],
    measurements: [
      { id: 'P10', name: 'uncached fleet tick ÷ one scope tick, p50', value: round(coldRatio, 3), unit: 'ratio', inputs },
      { id: 'P10', name: 'cached fleet tick ÷ one scope tick, p50', value: round(warmRatio, 3), unit: 'ratio', inputs },
      { id: 'P10', name: 'uncached fleet tick p50', value: round(percentile(cold.fleet, 50), 2), unit: 'ms', inputs },
      { id: 'P10', name: 'uncached scope tick p50', value: round(percentile(cold.scope, 50), 2), unit: 'ms', inputs },
      { id: 'P10', name: `ARM calls per minute, N=${runs.at(-1)!.viewers} ÷ N=${runs[0]!.viewers}`, value: round(growth, 3), unit: 'ratio', inputs },
      ...runs.map((r) => ({
        id: 'P10' as const,
        name: `ARM lists per scope per TTL, N=${r.viewers}`,
        value: round(r.breakdown.listsPerScopePerTtl, 3),
        unit: 'lists/scope/TTL',
        inputs: { ...inputs, viewers: r.viewers, armCalls: r.breakdown.byKind, repeatLists: r.breakdown.doubles, cache: r.breakdown.cache },
      })),
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
