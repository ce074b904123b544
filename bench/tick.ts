// One dashboard tick against the local stack (Azurite + simulated Azure + the local function host), over HTTP:
//   1. TLS handshakes per tick (the list + the five categories of one cluster, sent at once as the dashboard does,
//      every cache reading expired beforehand), the cold tick vs the warm ones, on ARM and on the API server;
//   2. warmup-status wall time vs the serial sum of its Kubernetes calls, with 100 ms injected per call.
// Run: npx tsx bench/tick.ts [--ticks=10] [--samples=7] [--latency-ms=100]
import { startLocalStack } from '../dev/stack.js';
import { DEMO_SUBSCRIPTION_ID, type RequestLogEntry } from '../dev/sim/index.js';
import { categoryKey, MONITOR_CATEGORIES } from '../shared/cache/index.js';

const arg = (name: string, fallback: number): number => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return raw !== undefined && Number.isFinite(Number(raw)) ? Number(raw) : fallback;
};
const TICKS = arg('ticks', 10);
const SAMPLES = arg('samples', 7);
const LATENCY_MS = arg('latency-ms', 100);

const SCOPE = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: 'rg-elb-01' };
const CLUSTER = { resourceGroup: SCOPE.resourceGroup, name: 'elb-01-a' };
const QUERY = `subscriptionId=${SCOPE.subscriptionId}&resourceGroup=${SCOPE.resourceGroup}`;

let clockMs = Date.now();
const stack = await startLocalStack({
  timers: false,
  now: () => clockMs,
  log: () => {},
  // TTL 1 s and no SWR: moving the clock 2 s makes every reading of the next tick a fresh upstream read.
  env: { MONITOR_CACHE_TTL_SECONDS: '1', MONITOR_CACHE_SWR_SECONDS: '0' },
});

async function get(path: string): Promise<void> {
  const res = await fetch(`${stack.url}/api/${path}?${QUERY}`);
  const body = (await res.json()) as { cache?: { state: string }; degraded?: unknown[] };
  if (res.status !== 200 || body.cache?.state !== 'refreshed' || body.degraded?.length) {
    throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
}

function handshakes(target: 'arm' | typeof CLUSTER): number {
  const { full, resumed } = stack.sim.counters(target).tlsHandshakes;
  return full + resumed;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

try {
  // --- 1. TLS handshakes per tick --------------------------------------------------------------------------
  const ticks: { arm: number; kube: number; calls: number; ms: number }[] = [];
  for (let i = 0; i < TICKS; i++) {
    clockMs += 2_000;
    const before = { arm: handshakes('arm'), kube: handshakes(CLUSTER), calls: stack.sim.requestLog().length };
    const started = performance.now();
    await Promise.all([get('monitor/aks'), ...MONITOR_CATEGORIES.map((c) => get(`monitor/aks/${CLUSTER.name}/${c}`))]);
    ticks.push({
      arm: handshakes('arm') - before.arm,
      kube: handshakes(CLUSTER) - before.kube,
      calls: stack.sim.requestLog().length - before.calls,
      ms: performance.now() - started,
    });
  }

  // --- 2. warmup-status fan-out at injected latency -------------------------------------------------------
  const samples: { wallMs: number; serialMs: number; calls: number }[] = [];
  const latency = stack.sim.inject({ target: CLUSTER, path: () => true, latencyMs: LATENCY_MS });
  try {
    for (let i = 0; i < SAMPLES; i++) {
      // Only this reading expires: the list stays stored, the session stays warm.
      await stack.app.services.cache.invalidatePrefix(categoryKey(SCOPE, CLUSTER.name, 'warmup-status'));
      const since = Date.now();
      const started = performance.now();
      await get(`monitor/aks/${CLUSTER.name}/warmup-status`);
      const wallMs = performance.now() - started;
      const calls: RequestLogEntry[] = stack.sim.requestLog((e) => e.server === `${CLUSTER.resourceGroup}/${CLUSTER.name}` && e.startedAt >= since);
      samples.push({ wallMs, serialMs: calls.reduce((sum, c) => sum + c.durationMs, 0), calls: calls.length });
    }
  } finally {
    latency.remove();
  }

  // --- report ---------------------------------------------------------------------------------------------
  const [cold, ...warm] = ticks;
  const round = (n: number) => Math.round(n);
  console.log(`Dashboard tick = GET /api/monitor/aks + 5 categories of ${CLUSTER.name}, sent at once, cache bypassed (${TICKS} ticks)`);
  console.log('tick  TLS handshakes (ARM + API server)  upstream calls  wall ms');
  ticks.forEach((t, i) => console.log(`${String(i + 1).padStart(4)}  ${String(t.arm + t.kube).padStart(3)} (${t.arm} + ${t.kube})${' '.repeat(22)}${String(t.calls).padStart(4)}  ${String(round(t.ms)).padStart(7)}`));
  const warmTotal = warm.reduce((sum, t) => sum + t.arm + t.kube, 0);
  const lastHalf = warm.slice(Math.floor(warm.length / 2));
  console.log(`cold tick: ${cold!.arm + cold!.kube} handshakes (${cold!.arm} ARM + ${cold!.kube} API server) for ${cold!.calls} upstream calls`);
  console.log(`warm ticks: ${(warmTotal / Math.max(1, warm.length)).toFixed(2)} handshakes per tick on average over ${warm.length}; ` +
    `${lastHalf.reduce((s, t) => s + t.arm + t.kube, 0)} in the last ${lastHalf.length}`);
  console.log('');
  console.log(`warmup-status with ${LATENCY_MS} ms injected per Kubernetes call (${SAMPLES} samples, session warm, list stored)`);
  for (const s of samples) console.log(`  wall ${round(s.wallMs)} ms   serial sum ${round(s.serialMs)} ms over ${s.calls} calls   ratio ${(s.wallMs / s.serialMs).toFixed(2)}`);
  const wall = median(samples.map((s) => s.wallMs));
  const serial = median(samples.map((s) => s.serialMs));
  console.log(`median: wall ${round(wall)} ms vs serial sum ${round(serial)} ms (ratio ${(wall / serial).toFixed(2)}; two round trips = ${2 * LATENCY_MS} ms)`);
} finally {
  await stack.close();
}
