// P3: TLS handshakes per dashboard tick. A tick = the reads of one cluster card (the scope's list, then every
// category at once) with the cache bypassed (the scope purged before each tick), after warm-up ticks. Pooled
// sessions vs one-shot sessions (K8S_SESSION_POOL_TTL_SECONDS=0), counted by the simulator on the cluster's API
// server (and on ARM, where the credentials come from).
import type { LocalStack } from '../../dev/stack.js';
import { MONITOR_CATEGORIES, scopePrefix } from '../../shared/cache/index.js';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { round } from '../lib/stats.js';

const CLUSTER = 'elb-01-a';

interface TickCounts {
  warmupTicks: number;
  /** Connections the app opened to the API server over warm-up and measured ticks: the pool's size, when pooled. */
  connectionsOpened: number;
  handshakes: number;
  full: number;
  resumed: number;
  tcpConnections: number;
  kubernetesCalls: number;
  armHandshakes: number;
  credentialCalls: number;
}

async function countTicks(env: BenchEnvironment, stack: LocalStack, pooled: boolean): Promise<TickCounts> {
  const { maxWarmupTicks, quietTicks, ticks } = env.options.p3;
  const client = new BenchClient(stack.url, { connections: 8 });
  const query = scopeQuery(DEMO_SCOPE);
  const tick = async () => {
    await stack.app.services.cache.invalidatePrefix(scopePrefix(DEMO_SCOPE));
    const list = await client.get(`/api/monitor/aks?${query}`);
    const reads = await Promise.all(MONITOR_CATEGORIES.map((c) => client.get(`/api/monitor/aks/${CLUSTER}/${c}?${query}`)));
    for (const answer of [list, ...reads]) {
      if (answer.status !== 200 || answer.body?.cache?.state !== 'refreshed') {
        throw new Error(`P3: a tick read answered ${answer.status} ${answer.body?.cache?.state}`);
      }
    }
  };
  try {
    // Warm-up: until the session's connection pool has grown to the tick's peak concurrency (the categories' calls
    // overlap with the warm-up's log tails: about twelve at once), i.e. `quietTicks` ticks in a row open no connection.
    const ref = { ...DEMO_SCOPE, name: CLUSTER };
    let warmupTicks = 0;
    const atStart = env.sim.counters(ref).tcpConnections;
    let warmupConnections = 0;
    // One-shot sessions open connections on every tick by design: two warm-up ticks (JIT, the ARM connection).
    for (let quiet = 0; quiet < quietTicks && warmupTicks < (pooled ? maxWarmupTicks : 2); warmupTicks++) {
      const before = env.sim.counters(ref).tcpConnections;
      await tick();
      quiet = env.sim.counters(ref).tcpConnections === before ? quiet + 1 : 0;
    }
    await stack.app.services.cache.idle();
    warmupConnections = env.sim.counters(ref).tcpConnections - atStart;
    env.sim.resetCounters();
    for (let i = 0; i < ticks; i++) await tick();
    const k8s = env.sim.counters(ref);
    const arm = env.sim.counters('arm');
    const per = (n: number) => n / ticks;
    return {
      warmupTicks,
      connectionsOpened: warmupConnections + k8s.tcpConnections,
      handshakes: per(k8s.tlsHandshakes.full + k8s.tlsHandshakes.resumed),
      full: per(k8s.tlsHandshakes.full),
      resumed: per(k8s.tlsHandshakes.resumed),
      tcpConnections: per(k8s.tcpConnections),
      kubernetesCalls: per(k8s.requests),
      armHandshakes: per(arm.tlsHandshakes.full + arm.tlsHandshakes.resumed),
      credentialCalls: per(
        Object.entries(arm.requestsByPath)
          .filter(([p]) => /\/listCluster(User|Admin)Credential$/i.test(p))
          .reduce((n, [, c]) => n + c, 0),
      ),
    };
  } finally {
    await client.close();
  }
}

export async function measureTickHandshakes(env: BenchEnvironment): Promise<MeasureOutcome> {
  const pooledStack = await env.startStack('p3pooled');
  const pooled = await countTicks(env, pooledStack, true);
  const oneShotStack = await env.startStack('p3oneshot', { K8S_SESSION_POOL_TTL_SECONDS: '0' });
  const oneShot = await countTicks(env, oneShotStack, false);
  const inputs = {
    ticks: env.options.p3.ticks,
    warmupTicks: { pooled: pooled.warmupTicks, oneShot: oneShot.warmupTicks },
    cluster: CLUSTER,
    readsPerTick: 1 + MONITOR_CATEGORIES.length,
  };
  const describe = (c: TickCounts) =>
    `${round(c.handshakes, 2)} handshakes (${round(c.full, 2)} full, ${round(c.resumed, 2)} resumed), ${round(c.tcpConnections, 2)} new connections, ${round(c.credentialCalls, 2)} credential calls for ${round(c.kubernetesCalls, 1)} Kubernetes calls`;
  const measurements = (label: string, c: TickCounts) => [
    { id: 'P3' as const, name: `TLS handshakes per tick, ${label}`, value: round(c.handshakes, 3), unit: 'handshakes/tick', inputs },
    { id: 'P3' as const, name: `new TCP connections per tick, ${label}`, value: round(c.tcpConnections, 3), unit: 'connections/tick', inputs },
    { id: 'P3' as const, name: `credential calls per tick, ${label}`, value: round(c.credentialCalls, 3), unit: 'calls/tick', inputs },
    { id: 'P3' as const, name: `Kubernetes calls per tick, ${label}`, value: round(c.kubernetesCalls, 3), unit: 'calls/tick', inputs },
    { id: 'P3' as const, name: `ARM TLS handshakes per tick, ${label}`, value: round(c.armHandshakes, 3), unit: 'handshakes/tick', inputs },
  ];
  return {
    id: 'P3',
    title: 'TLS handshakes per dashboard tick',
    result: `pooled ${round(pooled.handshakes, 2)} vs one-shot ${round(oneShot.handshakes, 2)}`,
    compared: `pooled: ${describe(pooled)}; one-shot: ${describe(oneShot)} (per tick of ${1 + MONITOR_CATEGORIES.length} uncached reads, ${env.options.p3.ticks} ticks after ${pooled.warmupTicks} / ${oneShot.warmupTicks} warm-up ticks)`,
    floor: '0 with the pool',
    farFromFloor: pooled.handshakes > 0,
    notes:
      pooled.handshakes > 0
        ? [
            `the pooled handshakes are the session's connection pool still growing, not a per-tick cost: undici opens a socket whenever more calls are in flight than it has idle sockets, and a tick's peak varies (the categories' nine first calls, plus the warm-up log tails when they overlap slower siblings); ${pooled.connectionsOpened} sockets over ${pooled.warmupTicks + env.options.p3.ticks} ticks, each opened once and kept alive`,
          ]
        : [],
    measurements: [...measurements('pooled sessions', pooled), ...measurements('one-shot sessions', oneShot)],
  };
}
