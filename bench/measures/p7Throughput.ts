// P7: throughput. autocannon (its own process) at 50 connections for 8 s against fresh hits of GET
// /api/monitor/aks, and against the host's ceilings on the same machine: /api/me (the request pipeline with no I/O)
// and /api/health (which probes Table Storage and ARM on every call, with ARM's injected latency). The fresh hits run
// twice: as deployed (a reading just read is reused for MONITOR_CACHE_REUSE_MS) and with reuse off (one Table read
// per hit, so Azurite, on the same two cores, sets the pace).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { round } from '../lib/stats.js';

/** The fields read from autocannon's JSON report (-j). */
interface AutocannonResult {
  duration: number;
  latency: { totalCount: number; p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

function autocannonBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
}

/** One autocannon run in a child process (the same Node), so the load generator does not share the app's event loop. */
function autocannon(url: string, connections: number, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonBin(), '-c', String(connections), '-d', String(seconds), '-j', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited ${code}: ${err.slice(0, 500)}`));
        return;
      }
      try {
        const r = JSON.parse(out) as AutocannonResult;
        const total = r.latency.totalCount;
        resolve({ requestsPerSecond: total / r.duration, p50: r.latency.p50, p99: r.latency.p99, total, non2xx: r.non2xx, errors: r.errors + r.timeouts });
      } catch (error) {
        reject(new Error(`autocannon output: ${String(error)}`));
      }
    });
  });
}

export async function measureThroughput(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { connections, seconds, warmupSeconds } = env.options.p7;
  const stack = await env.startStack('p7', { MONITOR_CACHE_TTL_SECONDS: '3600' });
  const tableStack = await env.startStack('p7table', { MONITOR_CACHE_TTL_SECONDS: '3600', MONITOR_CACHE_REUSE_MS: '0' });
  const listPath = `/api/monitor/aks?${scopeQuery(DEMO_SCOPE)}`;
  for (const s of [stack, tableStack]) {
    const client = new BenchClient(s.url);
    await client.get(listPath);
    await client.close();
  }

  const run = async (url: string, path: string, strict = true) => {
    if (warmupSeconds > 0) await autocannon(`${url}${path}`, 10, warmupSeconds); // JIT, sockets
    const load = await autocannon(`${url}${path}`, connections, seconds);
    if (strict && (load.non2xx || load.errors)) throw new Error(`P7: ${path}: ${load.non2xx} non-2xx, ${load.errors} errors`);
    return load;
  };
  const freshHits = async (s: typeof stack) => {
    const { stats } = s.app.services.cache;
    const fetchesBefore = stats.refreshed + stats.stale + stats.uncached;
    const load = await run(s.url, listPath);
    if (stats.refreshed + stats.stale + stats.uncached !== fetchesBefore) throw new Error('P7: some list reads were not fresh hits');
    return load;
  };
  const reusedBefore = stack.app.services.cache.stats.reused;
  const freshBefore = stack.app.services.cache.stats.fresh;
  const hits = await freshHits(stack);
  const reusedShare = (stack.app.services.cache.stats.reused - reusedBefore) / Math.max(1, stack.app.services.cache.stats.fresh - freshBefore);
  const tableHits = await freshHits(tableStack);
  const me = await run(stack.url, '/api/me');
  // Under this load a health probe can pass its 3 s timeout: the 503s are counted, not fatal.
  const health = await run(stack.url, '/api/health', false);

  const share = hits.requestsPerSecond / me.requestsPerSecond;
  const tableShare = tableHits.requestsPerSecond / me.requestsPerSecond;
  const inputs = { connections, seconds, route: 'GET /api/monitor/aks (fresh)', armLatencyMs: env.options.armLatencyMs };
  const row = (l: Load) =>
    `${round(l.requestsPerSecond, 0)} req/s, p99 ${l.p99} ms${l.non2xx ? `, ${l.non2xx} of ${l.total} not 2xx` : ''}${l.errors ? `, ${l.errors} errors` : ''}`;
  const measurements = (label: string, l: Load) => [
    { id: 'P7' as const, name: `${label} requests per second`, value: round(l.requestsPerSecond, 1), unit: 'req/s', inputs },
    { id: 'P7' as const, name: `${label} p50`, value: l.p50, unit: 'ms', inputs },
    { id: 'P7' as const, name: `${label} p99`, value: l.p99, unit: 'ms', inputs },
    { id: 'P7' as const, name: `${label} answers not 2xx`, value: l.non2xx + l.errors, unit: 'requests', inputs: { ...inputs, total: l.total } },
  ];
  return {
    id: 'P7',
    title: `throughput at ${connections} connections`,
    result: `fresh hits ${row(hits)} (${round(share * 100, 0)}% of the host's ceiling; reuse off: ${round(tableShare * 100, 0)}%)`,
    compared: `fresh hits ${round(reusedShare * 100, 1)}% answered from the reading just read; with reuse off ${row(tableHits)}; /api/me (pipeline, no I/O) ${row(me)}; /api/health (Table + ARM probes, shared for 5 s) ${row(health)}; ${seconds} s each, autocannon in its own process`,
    floor: '/api/me is the ceiling; goal ≥ 60 % of it',
    farFromFloor: share < 0.6,
    notes: [],
    measurements: [
      { id: 'P7', name: 'fresh hits ÷ /api/me requests per second', value: round(share, 3), unit: 'ratio', inputs },
      { id: 'P7', name: 'fresh hits with reuse off ÷ /api/me requests per second', value: round(tableShare, 3), unit: 'ratio', inputs },
      ...measurements('fresh GET /api/monitor/aks', hits),
      ...measurements('fresh GET /api/monitor/aks with reuse off', tableHits),
      ...measurements('/api/me', me),
      ...measurements('/api/health', health),
    ],
  };
}
