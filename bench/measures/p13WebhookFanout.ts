// P13: webhook fan-out with one stalled receiver. One event is published to `receivers` healthy receivers plus one
// more; the time from publish to the moment every healthy receiver has it is measured with the extra receiver
// answering at once, and with it stalled (its request held open until the healthy ones are done, then released).
// The two conditions alternate in one run; the ratio is the measure (goal ≈ 1: a stalled receiver delays no other).
import type { BenchEnvironment } from '../lib/environment.js';
import type { MeasureOutcome } from '../lib/report.js';
import { median, round } from '../lib/stats.js';
import { stableEventId } from '../../shared/notifications/service.js';

export async function measureWebhookFanout(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { trials, receivers: healthyCount } = env.options.p13;
  const receiver = await env.sim.startWebhookReceiver();
  const healthy = Array.from({ length: healthyCount }, (_, i) => `/healthy-${i}`);
  const webhooks = [...healthy, '/extra'].map((path, i) => ({ name: `r${i}`, url: receiver.url(path), format: 'generic' }));
  const stack = await env.startStack(
    'p13',
    {
      NOTIFY_WEBHOOKS: JSON.stringify(webhooks),
      NOTIFY_WEBHOOK_SECRET: 'bench-signing-key-0123456789',
      NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'true',
    },
    env.sim,
  );
  const { notifications } = stack.app.services;
  const times: Record<'stall' | 'none', number[]> = { stall: [], none: [] };
  let heldAfter = 0;
  for (let i = 0; i < trials * 2; i++) {
    const condition = i % 2 === 0 ? 'none' : 'stall';
    receiver.behave('/extra', condition === 'stall' ? 'stall' : 'ok');
    const counts = healthy.map((path) => receiver.deliveries(path).length + 1);
    const extraCount = receiver.deliveries('/extra').length + 1;
    const started = performance.now();
    notifications.publish({
      id: stableEventId('bench', String(i), String(Date.now())),
      at: new Date().toISOString(),
      kind: 'autostop.warning',
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-elb-01',
      cluster: 'elb-01-a',
      message: 'bench',
    });
    await Promise.all(healthy.map((path, k) => receiver.waitFor(path, counts[k]!)));
    const ms = performance.now() - started;
    if (i >= 2) times[condition].push(ms); // the first pair warms up
    // The stalled receiver's request (sent at the same time, maybe not arrived yet) is held open until released.
    await receiver.waitFor('/extra', extraCount);
    if (condition === 'stall' && receiver.held('/extra') === 1) heldAfter++;
    receiver.release();
    await notifications.idle();
  }
  const none = median(times.none);
  const stall = median(times.stall);
  const ratio = stall / none;
  const inputs = { trials, healthyReceivers: healthyCount };
  return {
    id: 'P13',
    title: 'webhook fan-out, one receiver stalled',
    result: `${round(ratio, 2)}× (stall ${round(stall, 1)} ms vs ${round(none, 1)} ms)`,
    compared: `publish → all ${healthyCount} healthy receivers have the event (median of ${times.none.length} each, alternating): with a 5th receiver stalled ${round(stall, 1)} ms, with it answering ${round(none, 1)} ms; the stalled receiver's request was held open (never answered before the others were done) in ${heldAfter} of ${trials} stalled trials`,
    floor: 'ratio 1 (goal ≤ 1.2×): the healthy receivers never wait for the stalled one',
    farFromFloor: ratio > 1.2,
    notes: [],
    measurements: [
      { id: 'P13', name: 'fan-out to healthy receivers with one stalled, median', value: round(stall, 2), unit: 'ms', inputs },
      { id: 'P13', name: 'fan-out to healthy receivers, no stall, median', value: round(none, 2), unit: 'ms', inputs },
      { id: 'P13', name: 'stall / no stall', value: round(ratio, 3), unit: 'ratio', inputs },
    ],
  };
}
