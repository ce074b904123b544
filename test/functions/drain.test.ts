// Shutdown is bounded: app.close() waits for background cache work and open sessions only until its deadline, so
// an upstream that never answers cannot hang the host's shutdown.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RG, RUNNING, startMonitorStack, TestClock, type MonitorStack } from '../monitor/support.js';

let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now, env: { UPSTREAM_TIMEOUT_MS: '120000' } });
});
afterAll(async () => {
  await stack?.close();
});

it('a background refresh held by the API server: close() gives up at its deadline and says so', async () => {
  expect((await stack.get(`monitor/aks/${RUNNING}/nodes`)).status).toBe(200);
  clock.advance(31); // stale: the next read schedules a background refresh
  const hold = stack.sim.inject({ target: { resourceGroup: RG, name: RUNNING }, path: '/api/v1/nodes', hold: true });
  try {
    expect((await stack.get(`monitor/aks/${RUNNING}/nodes`)).body.cache.state).toBe('stale');
    await hold.whenHit(1); // the refresh waits on an answer that does not come (within the 120 s upstream bound)
    const outcome = await stack.app.close({ deadlineMs: 100 });
    expect(outcome).toEqual({ finished: false });
    expect(stack.lines.some((line) => /drain deadline of 100 ms passed with background cache work/.test(line))).toBe(true);
  } finally {
    hold.release();
  }
  await stack.app.services.cache.idle();
  expect(await stack.app.close()).toEqual({ finished: true });
});
