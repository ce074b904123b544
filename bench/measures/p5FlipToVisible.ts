// P5: flip-to-visible. POST /api/aks/start on a stopped cluster (the simulated start never ends by itself); at a
// random moment the simulator flips it to Running; a poller reading the cluster list at the fast-poll interval
// sees it after how long? Time scaled ÷5: fast-poll 10 s → 2 s, transition TTL 5 s → 1 s (the setting's floor),
// TTL 30 s → 6 s, SWR 300 s → 60 s. Trials run side by side in separate resource groups (one poller each).
import { DEMO_SUBSCRIPTION_ID, demoFleet, type ClusterSpec, type FleetSpec } from '../../dev/sim/index.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { median, round, sleep } from '../lib/stats.js';

/** The flip comes within one poll interval and shows within about one more: far more polls means a bug. */
const MAX_POLLS = 10;

/** K resource groups, each with one stopped copy of the demo's stopped cluster. */
export function flipFleet(count: number): { fleet: FleetSpec; targets: { resourceGroup: string; cluster: string }[] } {
  const demo = demoFleet();
  const subscription = demo.subscriptions[0]!;
  const stopped = subscription.resourceGroups.flatMap((rg) => rg.clusters).find((c) => c.powerState === 'Stopped')!;
  const targets = Array.from({ length: count }, (_, i) => ({
    resourceGroup: `rg-flip-${String(i + 1).padStart(2, '0')}`,
    cluster: `flip-${String(i + 1).padStart(2, '0')}`,
  }));
  const fleet: FleetSpec = {
    subscriptions: [
      {
        ...subscription,
        resourceGroups: targets.map((t) => ({
          name: t.resourceGroup,
          location: subscription.resourceGroups[0]!.location,
          clusters: [{ ...structuredClone<ClusterSpec>(stopped), name: t.cluster }],
        })),
      },
    ],
  };
  return { fleet, targets };
}

export async function measureFlipToVisible(env: BenchEnvironment): Promise<MeasureOutcome> {
  const o = env.options.p5;
  const { fleet, targets } = flipFleet(o.clusters);
  const sim = await env.startSim({ fleet, durations: { start: 'manual' } });
  const stack = await env.startStack(
    'p5',
    {
      MONITOR_CACHE_TTL_SECONDS: String(30 / o.timeScale),
      MONITOR_CACHE_SWR_SECONDS: String(300 / o.timeScale),
      MONITOR_CACHE_TRANSITION_TTL_SECONDS: String(o.transitionTtlSeconds),
    },
    sim,
  );
  const client = new BenchClient(stack.url, { connections: 2 * o.clusters });

  const trial = async (target: { resourceGroup: string; cluster: string }): Promise<{ delayMs: number; polls: number }> => {
    const scope = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: target.resourceGroup };
    const ref = { ...scope, name: target.cluster };
    const listPath = `/api/monitor/aks?${scopeQuery(scope)}`;
    await client.get(listPath); // the dashboard has the list before the click
    const accepted = await client.post('/api/aks/start', { ...scope, cluster: target.cluster });
    if (accepted.status !== 202) throw new Error(`P5: start answered ${accepted.status} ${JSON.stringify(accepted.body)}`);
    let flippedAt: number | undefined;
    const flip = (async () => {
      await sleep(Math.random() * o.pollMs); // polls run every pollMs from the 202: a uniform phase
      flippedAt = performance.now();
      await sim.completeOperation(ref);
    })();
    let polls = 0;
    let seenAt: number | undefined;
    // The dashboard fast-polls from the moment the action is accepted.
    for (let next = performance.now(); seenAt === undefined; next += o.pollMs) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      const answer = await client.get(listPath);
      polls++;
      const shown = (answer.body?.data ?? []).find((c: { name: string }) => c.name === target.cluster);
      if (shown?.powerState === 'Running' && shown.provisioningState === 'Succeeded') {
        if (flippedAt === undefined) throw new Error('P5: Running shown before the flip');
        seenAt = performance.now();
      }
      if (seenAt === undefined && polls >= MAX_POLLS) throw new Error(`P5: ${target.cluster} not seen Running after ${polls} polls`);
    }
    await flip;
    return { delayMs: seenAt - flippedAt!, polls };
  };

  try {
    const delays: number[] = [];
    for (let pass = 0; pass < o.rounds; pass++) {
      const results = await Promise.all(targets.map(trial));
      delays.push(...results.map((r) => r.delayMs));
      // Back to Stopped for the next round (no operation: the next start opens a fresh transition).
      await Promise.all(
        targets.map((t) =>
          sim.setClusterState({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: t.resourceGroup, name: t.cluster }, { powerState: 'Stopped' }),
        ),
      );
    }
    const med = median(delays);
    const max = Math.max(...delays);
    const inputs = {
      trials: delays.length,
      pollMs: o.pollMs,
      transitionTtlSeconds: o.transitionTtlSeconds,
      timeScale: o.timeScale,
      armLatencyMs: env.options.armLatencyMs,
    };
    return {
      id: 'P5',
      title: 'flip-to-visible',
      result: `median ${round(med / 1000, 2)} s, max ${round(max / 1000, 2)} s (${round(med / o.pollMs, 2)}× / ${round(max / o.pollMs, 2)}× the poll)`,
      compared: `${delays.length} flips at random moments vs the fast-poll interval ${o.pollMs / 1000} s and transition TTL ${o.transitionTtlSeconds} s (÷${o.timeScale} of 10 s and 5 s)`,
      floor: `median ½ poll, max 1 poll (+ one ARM call, ${env.options.armLatencyMs} ms)`,
      notes: [],
      measurements: [
        { id: 'P5', name: 'flip-to-visible median', value: round(med, 1), unit: 'ms', inputs },
        { id: 'P5', name: 'flip-to-visible max', value: round(max, 1), unit: 'ms', inputs },
        { id: 'P5', name: 'flip-to-visible median ÷ poll interval', value: round(med / o.pollMs, 3), unit: 'ratio', inputs },
        { id: 'P5', name: 'flip-to-visible max ÷ poll interval', value: round(max / o.pollMs, 3), unit: 'ratio', inputs },
      ],
    };
  } finally {
    await client.close();
  }
}
