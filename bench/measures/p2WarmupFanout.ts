// P2: the warm-up fan-out. Wall time of one uncached warmup-status read (its key purged, the list and the pooled
// session warm) ÷ one Kubernetes round trip measured through the same session in this run; and the serial sum of the
// calls that read made (their durations in the simulator's request log) ÷ the wall time of the fan-out that made them
// at once (MonitorService.fetchCategory, without HTTP and cache).
import { categoryKey } from '../../shared/cache/index.js';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { median, percentile, round, sum } from '../lib/stats.js';

// The demo cluster with every warm-up case: phase 2 tails the failed shard's log and the two copying shards' (progress).
const CLUSTER = 'elb-01-a';

export async function measureWarmupFanout(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { trials } = env.options.p2;
  const stack = await env.startStack('p2', { MONITOR_CACHE_TTL_SECONDS: '3600' });
  const { cache, sessions, monitor } = stack.app.services;
  const client = new BenchClient(stack.url, { connections: 2 });
  const server = `${DEMO_SCOPE.resourceGroup}/${CLUSTER}`;
  const key = categoryKey(DEMO_SCOPE, CLUSTER, 'warmup-status');
  const path = `/api/monitor/aks/${CLUSTER}/warmup-status?${scopeQuery(DEMO_SCOPE)}`;
  try {
    // Warm: the list cached, the session pooled, its connections open.
    await client.get(`/api/monitor/aks?${scopeQuery(DEMO_SCOPE)}`);
    for (let i = 0; i < 3; i++) {
      await cache.invalidatePrefix(key);
      await client.get(path);
    }

    // One round trip: a single Kubernetes call through the same pooled session.
    const sessionKey = { ...DEMO_SCOPE, cluster: CLUSTER, admin: stack.config.k8s.useAdminCredentials };
    const rtt: number[] = [];
    for (let i = 0; i < 3 + trials; i++) {
      const start = performance.now();
      await sessions.use(sessionKey, (session) => session.core.listNode());
      if (i >= 3) rtt.push(performance.now() - start);
    }

    const wall: number[] = [];
    const fetchWall: number[] = [];
    const serial: number[] = [];
    const calls: number[] = [];
    const fillWall: number[] = [];
    for (let i = 0; i < trials; i++) {
      await cache.invalidatePrefix(key);
      env.sim.clearRequestLog();
      const answer = await client.get(path);
      if (answer.status !== 200 || answer.body?.cache?.state !== 'refreshed') {
        throw new Error(`P2: warmup-status answered ${answer.status} ${answer.body?.cache?.state}`);
      }
      if (answer.body.degraded?.length) throw new Error(`P2: degraded read ${JSON.stringify(answer.body.degraded)}`);
      // The shape measured: per database (with the progress the tails tell) and per node.
      const loading = answer.body.data?.databases?.find((d: { status: string }) => d.status === 'loading');
      if (!loading?.progress || !answer.body.data?.nodes?.length) throw new Error('P2: warmup-status lacks its databases or nodes');
      const log = env.sim.requestLog((e) => e.server === server);
      wall.push(answer.ms);
      serial.push(sum(log.map((e) => e.durationMs)));
      calls.push(log.length);
      // The fan-out alone, without HTTP and cache (what the read's wall time is made of).
      let start = performance.now();
      const reading = await monitor.fetchCategory(DEMO_SCOPE, CLUSTER, 'warmup-status');
      fetchWall.push(performance.now() - start);
      // The cache's miss path alone (the fetch answers at once): what the read adds to the fan-out in Table Storage.
      await cache.invalidatePrefix(key);
      start = performance.now();
      await cache.read(key, async () => reading);
      fillWall.push(performance.now() - start);
    }

    const rtt50 = median(rtt);
    const fetch50 = median(fetchWall);
    const wall50 = median(wall);
    const roundTrips = wall50 / rtt50;
    const fetchTrips = fetch50 / rtt50;
    // The same calls one after another vs the fan-out that made them at once.
    const serialRatio = median(serial) / fetch50;
    const fill50 = median(fillWall);
    const inputs = { trials, cluster: CLUSTER, k8sLatencyMs: env.options.k8sLatencyMs, callsPerRead: median(calls) };
    return {
      id: 'P2',
      title: 'warm-up fan-out',
      result: `${round(roundTrips, 2)} round trips; serial ÷ parallel ${round(serialRatio, 2)}×`,
      compared: `uncached warmup-status p50 ${round(wall50, 1)} ms (fan-out alone ${round(fetch50, 1)} ms = ${round(fetchTrips, 2)} round trips; cache miss path alone ${round(fill50, 1)} ms) vs one Kubernetes call ${round(rtt50, 1)} ms; its ${median(calls)} calls one after another ${round(median(serial), 0)} ms vs the fan-out's ${round(fetch50, 1)} ms`,
      floor: `2 round trips (phase 1, then the log tails), goal ≤ 2.3; serial ÷ parallel ${median(calls)}/2`,
      farFromFloor: roundTrips > 2.3,
      notes:
        roundTrips > 2.3
          ? [
              `the fan-out itself takes ${round(fetchTrips, 2)} round trips; the rest of the read is HTTP and Table Storage: the cluster-list hit and the cache's get, side by side, before the fetch (the cache's whole miss path, get and guarded transaction, takes ${round(fill50, 1)} ms here ≈ ${round(fill50 / rtt50, 2)} Kubernetes round trips; the routes answer before the transaction)`,
            ]
          : [],
      measurements: [
        { id: 'P2', name: 'uncached warmup-status ÷ one Kubernetes round trip, p50', value: round(roundTrips, 3), unit: 'round trips', inputs },
        { id: 'P2', name: 'warm-up fan-out alone ÷ one Kubernetes round trip, p50', value: round(fetchTrips, 3), unit: 'round trips', inputs },
        { id: 'P2', name: 'serial sum of the calls ÷ the fan-out wall time, p50', value: round(serialRatio, 3), unit: 'ratio', inputs },
        { id: 'P2', name: 'uncached warmup-status p50', value: round(wall50, 2), unit: 'ms', inputs },
        { id: 'P2', name: 'uncached warmup-status p95', value: round(percentile(wall, 95), 2), unit: 'ms', inputs },
        { id: 'P2', name: 'one Kubernetes round trip p50', value: round(rtt50, 2), unit: 'ms', inputs },
        { id: 'P2', name: 'serial sum of the calls p50', value: round(median(serial), 2), unit: 'ms', inputs },
        { id: 'P2', name: 'cache miss path alone (fetch answers at once) p50', value: round(fill50, 2), unit: 'ms', inputs },
      ],
    };
  } finally {
    await client.close();
  }
}
