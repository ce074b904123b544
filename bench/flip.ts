// Flip-to-visible in real time, at the product's real settings (no time scaling): a dashboard polls the cluster list
// every 10 s (its fast-poll while a transition is open); POST /api/aks/start; at a random moment the simulated Azure
// flips the cluster to Running; how long until the poller sees it? Trials run side by side, one resource group each.
// Run: npx tsx bench/flip.ts [trials=6]
import { DEMO_SUBSCRIPTION_ID } from '../dev/sim/index.js';
import { flipFleet } from './measures/p5FlipToVisible.js';
import { startLocalStack } from '../dev/stack.js';

const trials = Math.max(1, Number(process.argv[2] ?? 6));
const POLL_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));

const { fleet, targets } = flipFleet(trials);

const stack = await startLocalStack({ simulator: { fleet, durations: { start: 'manual' } }, log: () => {} });
const { ttlSeconds, transitionTtlSeconds } = stack.config.cache;
console.error(`flip-to-visible: ${trials} trials, poll ${POLL_MS / 1000} s, TTL ${ttlSeconds} s, transition TTL ${transitionTtlSeconds} s (real time)`);

async function trial(target: (typeof targets)[number]): Promise<{ delayMs: number; polls: number }> {
  const query = `subscriptionId=${DEMO_SUBSCRIPTION_ID}&resourceGroup=${target.resourceGroup}`;
  const list = async () =>
    (await (await fetch(`${stack.url}/api/monitor/aks?${query}`)).json()) as { data: Array<{ name: string; powerState: string; provisioningState: string }> };
  await list(); // the dashboard shows the list before the click
  const started = await fetch(`${stack.url}/api/aks/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: target.resourceGroup, cluster: target.cluster }),
  });
  if (started.status !== 202) throw new Error(`start ${target.cluster}: ${started.status}`);
  let flippedAt: number | undefined;
  const flip = (async () => {
    await sleep(Math.random() * 2 * POLL_MS);
    flippedAt = performance.now();
    await stack.sim.completeOperation({ resourceGroup: target.resourceGroup, name: target.cluster });
  })();
  let polls = 0;
  for (let next = performance.now(); ; next += POLL_MS) {
    await sleep(next - performance.now());
    const shown = (await list()).data.find((c) => c.name === target.cluster);
    polls++;
    if (shown?.powerState === 'Running' && shown.provisioningState === 'Succeeded') {
      if (flippedAt === undefined) throw new Error('Running shown before the flip');
      const seenAt = performance.now();
      await flip;
      return { delayMs: seenAt - flippedAt, polls };
    }
    if (polls > 10) throw new Error(`${target.cluster} not seen Running after ${polls} polls`);
  }
}

try {
  const results = await Promise.all(targets.map(trial));
  const delays = results.map((r) => r.delayMs).sort((a, b) => a - b);
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  console.log(
    `flip-to-visible (10 s poller, real time): ${delays.map((d) => (d / 1000).toFixed(2)).join(' ')} s; ` +
      `mean ${(mean / 1000).toFixed(2)} s, max ${(delays.at(-1)! / 1000).toFixed(2)} s (bound: one poll, ${POLL_MS / 1000} s, + one ARM read)`,
  );
} finally {
  await stack.close();
}
