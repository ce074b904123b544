// P12: what one auto-stop timer run costs upstream, as counts, for 100 clusters with auto-stop on (20 scopes × 5:
// four running and idle, one stopped, in each). The app's clock is driven by the measure (one run per minute):
// (a) the first run (no session, no list cached, every row observed for the first time);
// (b) steady runs, one a minute for `minutes` minutes (nothing changes; sessions renew at the pool's TTL, 5 min);
// (c) the run past the idle window that stops every running cluster (claim, re-check, stop, record).
// Counted per run: ARM calls by kind (cluster lists, credentials, actions), Kubernetes calls, and Table operations
// by table through a counting proxy in front of Azurite (each HTTP request one operation).
import type { ClusterSpec, FleetSpec, RequestLogEntry, SimulatedAzure } from '../../dev/sim/index.js';
import { demoFleet } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import type { BenchEnvironment } from '../lib/environment.js';
import type { MeasureOutcome } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { startTableCounter, type TableCounter } from '../lib/tableCounter.js';

const MIN = 60_000;

/** `scopes` resource groups, each with `running` idle running clusters (elb-01-c's spec: finished jobs only) and `stopped` stopped ones. */
export function autoStopFleet(scopes: number, running: number, stopped: number): FleetSpec {
  const subscription = demoFleet().subscriptions[0]!;
  const clusters = subscription.resourceGroups.flatMap((rg) => rg.clusters);
  const idle = clusters.find((c) => c.name === 'elb-01-c')!;
  const off = clusters.find((c) => c.powerState === 'Stopped')!;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    subscriptions: [
      {
        ...subscription,
        resourceGroups: Array.from({ length: scopes }, (_, g) => ({
          name: `rg-idle-${pad(g + 1)}`,
          location: subscription.resourceGroups[0]!.location,
          clusters: [
            ...Array.from({ length: running }, (_, c) => ({ ...structuredClone<ClusterSpec>(idle), name: `idle-${pad(g + 1)}-${pad(c + 1)}` })),
            ...Array.from({ length: stopped }, (_, c) => ({ ...structuredClone<ClusterSpec>(off), name: `off-${pad(g + 1)}-${pad(c + 1)}` })),
          ],
        })),
      },
    ],
  };
}

type ArmKind = 'lists' | 'credentials' | 'actions' | 'other';

function armKind(entry: RequestLogEntry): ArmKind {
  const path = entry.url.split('?')[0]!.toLowerCase();
  if (entry.method === 'GET' && path.endsWith('/managedclusters')) return 'lists';
  if (path.endsWith('/listclusterusercredential') || path.endsWith('/listclusteradmincredential')) return 'credentials';
  if (entry.method === 'POST' && /\/(start|stop)$/.test(path)) return 'actions';
  return 'other';
}

interface RunCounts {
  arm: Record<ArmKind, number>;
  kubernetes: number;
  tables: { autostop: number; cache: number; audit: number; other: number };
  stopped: number;
  ms: number;
}

async function countRun(
  stack: LocalStack,
  sim: SimulatedAzure,
  counter: TableCounter,
  tables: { autostop: string; cache: string; audit: string },
): Promise<RunCounts> {
  sim.clearRequestLog();
  counter.reset();
  const started = performance.now();
  const result = await stack.app.services.autostop.evaluate();
  const ms = performance.now() - started;
  await stack.app.services.cache.idle(); // background refreshes of stale lists belong to this run
  const arm: Record<ArmKind, number> = { lists: 0, credentials: 0, actions: 0, other: 0 };
  for (const entry of sim.requestLog((e) => e.server === 'arm')) arm[armKind(entry)]++;
  const kubernetes = sim.requestLog((e) => e.server !== 'arm' && e.server.includes('/')).length;
  const byTable = counter.counts();
  const take = (name: string) => byTable.get(name) ?? 0;
  const known = take(tables.autostop) + take(tables.cache) + take(tables.audit);
  const all = [...byTable.values()].reduce((a, b) => a + b, 0);
  return {
    arm,
    kubernetes,
    tables: { autostop: take(tables.autostop), cache: take(tables.cache), audit: take(tables.audit), other: all - known },
    stopped: result.stopped,
    ms,
  };
}

/** All the calls of a run's kinds (ARM's, or Table operations across tables). */
const total = (byKind: Record<string, number>) => Object.values(byKind).reduce((a, b) => a + b, 0);

const describe = (r: RunCounts) =>
  `ARM ${r.arm.lists} lists + ${r.arm.credentials} credentials + ${r.arm.actions} actions + ${r.arm.other} other, Kubernetes ${r.kubernetes}, Table ${r.tables.autostop} auto-stop + ${r.tables.cache} cache + ${r.tables.audit} audit + ${r.tables.other} other`;

export async function measureAutoStop(env: BenchEnvironment): Promise<MeasureOutcome> {
  const o = env.options.p12;
  const sim = await env.startSim({ fleet: autoStopFleet(o.scopes, o.running, o.stopped), requestLogCapacity: 50_000 });
  const counter = await startTableCounter(env.azurite.connectionString);
  const start = Date.now();
  let clock = start;
  const tables = { autostop: 'benchp12autostop', cache: 'benchp12cache', audit: 'benchp12audit' };
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      tablesConnectionString: counter.connectionString,
      sim,
      timers: false,
      log: () => {},
      hostLog: () => {},
      now: () => clock,
      env: {
        CACHE_TABLE_NAME: tables.cache,
        INSPECTOR_TABLE_NAME: 'benchp12inspector',
        AUDIT_TABLE_NAME: tables.audit,
        AUTOSTOP_TABLE_NAME: tables.autostop,
        // Room for a session per running cluster (the default bound, 32, would evict and re-create them every run).
        K8S_SESSION_POOL_MAX_ENTRIES: String(o.scopes * o.running + 16),
      },
    });
    const clusters = sim.clusters();
    for (const c of clusters) {
      const response = await fetch(`${stack.url}/api/autostop?subscriptionId=${c.subscriptionId}&resourceGroup=${c.resourceGroup}&cluster=${c.name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: true, idleMinutes: 60 }),
      });
      if (response.status !== 200) throw new Error(`P12: enabling ${c.name} answered ${response.status}`);
    }
    const running = clusters.filter((c) => c.powerState === 'Running').length;

    clock = start + MIN;
    const first = await countRun(stack, sim, counter, tables);
    const steady: RunCounts[] = [];
    for (let m = 2; m < 2 + o.minutes; m++) {
      clock = start + m * MIN;
      steady.push(await countRun(stack, sim, counter, tables));
    }
    clock = start + 61 * MIN;
    const stopping = await countRun(stack, sim, counter, tables);

    const mean = (pick: (r: RunCounts) => number) => round(steady.reduce((sum, r) => sum + pick(r), 0) / steady.length, 2);
    const steadyArmBeyondLists = mean((r) => r.arm.actions + r.arm.other);
    const steadyK8s = mean((r) => r.kubernetes);
    const steadyTables = mean((r) => total(r.tables));
    const worstK8s = Math.max(...steady.map((r) => r.kubernetes), first.kubernetes, stopping.kubernetes);
    const inputs = {
      clusters: clusters.length,
      running,
      scopes: o.scopes,
      minutes: o.minutes,
      armLatencyMs: env.options.armLatencyMs,
      k8sLatencyMs: env.options.k8sLatencyMs,
    };
    return {
      id: 'P12',
      title: `auto-stop run (${clusters.length} clusters on, ${running} running)`,
      result: `steady run: ARM ${steadyArmBeyondLists} calls beyond the lists and the sessions' credentials (${mean((r) => r.arm.credentials)}), Kubernetes ${steadyK8s} (${round(steadyK8s / running, 2)} per running cluster), Table ${steadyTables} operations`,
      compared: `first run: ${describe(first)}; steady (mean of ${steady.length} runs, one a minute): ARM ${mean((r) => r.arm.lists)} lists + ${mean((r) => r.arm.credentials)} credentials, Kubernetes ${steadyK8s}, Table ${mean((r) => r.tables.autostop)} auto-stop + ${mean((r) => r.tables.cache)} cache + ${mean((r) => r.tables.audit)} audit; the run that stops them (${stopping.stopped} stopped): ${describe(stopping)}; runs took ${round(first.ms)} / ${round(mean((r) => r.ms))} / ${round(stopping.ms)} ms`,
      floor: `ARM 0 beyond the cached lists; Kubernetes ≤ 1 per running cluster (${running}), 0 for a stopped one`,
      farFromFloor: worstK8s > running || steady.some((r) => r.arm.other + r.arm.actions > 0),
      // A run's first Kubernetes read of a cluster may need a session: its kubeconfig comes from ARM (credentials).
      notes: [
        `the lists are the scopes' cached cluster lists (the same readings the dashboards poll): past their TTL a run serves them stale and refreshes each once, in the background`,
        `credentials: a Kubernetes session lives K8S_SESSION_POOL_TTL_SECONDS (300 s), so each running cluster asks ARM for its kubeconfig once per 5 runs (shared with the monitor reads of that cluster); K8S_SESSION_POOL_MAX_ENTRIES is set to hold one session per running cluster: with the default bound (32) below the 80 running clusters, every run re-created every session (80 credential calls a run)`,
        `the stopping run: per cluster one claim, one Kubernetes re-check, ARM's stop, then the transition, the purge and the audit entry of the lifecycle path, and the row's record`,
      ],
      measurements: [
        { id: 'P12', name: 'steady ARM calls beyond the lists per run', value: steadyArmBeyondLists, unit: 'calls', inputs },
        { id: 'P12', name: 'steady ARM list calls per run', value: mean((r) => r.arm.lists), unit: 'calls', inputs },
        { id: 'P12', name: 'steady ARM credential calls per run', value: mean((r) => r.arm.credentials), unit: 'calls', inputs },
        { id: 'P12', name: 'steady Kubernetes calls per run', value: steadyK8s, unit: 'calls', inputs },
        { id: 'P12', name: 'steady Table operations per run', value: steadyTables, unit: 'operations', inputs },
        { id: 'P12', name: 'first run Kubernetes calls', value: first.kubernetes, unit: 'calls', inputs },
        { id: 'P12', name: 'first run Table operations', value: total(first.tables), unit: 'operations', inputs },
        { id: 'P12', name: 'stopping run ARM calls', value: total(stopping.arm), unit: 'calls', inputs },
        { id: 'P12', name: 'stopping run Kubernetes calls', value: stopping.kubernetes, unit: 'calls', inputs },
        { id: 'P12', name: 'stopping run Table operations', value: total(stopping.tables), unit: 'operations', inputs },
      ],
    };
  } finally {
    await stack?.close().catch(() => {});
    await counter.close();
  }
}
