// The metrics line: once per refresh-timer run, through the invocation's logger, the cache's and the session pool's
// counters since the previous line (so the counters a run's reads moved show up in the next line, and only there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../../shared/monitor/metrics.js';
import { RUNNING, startMonitorStack, TestClock, type MonitorStack } from './support.js';

const hostLines: string[] = [];
let stack: MonitorStack;

beforeAll(async () => {
  stack = await startMonitorStack({ now: new TestClock().now, hostLog: (line) => hostLines.push(line) }); // a still clock
});
afterAll(async () => {
  await stack?.close();
});

/** Runs the refresh timer once; returns the metrics lines it wrote. */
async function timerRun(): Promise<Metrics[]> {
  const from = hostLines.length;
  await stack.host.runTimer('refreshMonitorCache');
  return hostLines
    .slice(from)
    .filter((line) => line.startsWith('[refreshMonitorCache] information: metrics '))
    .map((line) => JSON.parse(line.slice(line.indexOf('metrics ') + 'metrics '.length)) as Metrics);
}

describe('the metrics line of the refresh timer', () => {
  it('is written once per run, with the counters moved since the previous run', async () => {
    const [first, ...more] = await timerRun();
    expect(more).toEqual([]);
    expect(first!.cache).toMatchObject({ fresh: 0, stale: 0, refreshed: 0, stored: 0, dropped: 0, conflicts: 0 });
    expect(first!.sessions).toMatchObject({ hits: 0, misses: 0, creations: 0, evictions: 0, size: 0 });

    expect((await stack.get('monitor/aks')).body.cache.state).toBe('refreshed'); // a fill: one reading stored
    expect((await stack.get('monitor/aks')).body.cache.state).toBe('fresh');
    expect((await stack.get(`monitor/aks/${RUNNING}/nodes`)).status).toBe(200); // a session created
    expect((await stack.get(`monitor/aks/${RUNNING}/pods`)).status).toBe(200); // the same session, pooled
    await stack.app.services.cache.idle();

    const second = await timerRun();
    expect(second).toHaveLength(1);
    expect(second[0]!.cache.refreshed).toBe(3); // the list, nodes, pods
    expect(second[0]!.cache.stored).toBe(3);
    expect(second[0]!.cache.fresh).toBeGreaterThanOrEqual(1); // the second list read, and the list behind each category
    expect(second[0]!.sessions).toMatchObject({ misses: 1, creations: 1, hits: 1, evictions: 0, size: 1, inFlight: 0 });

    const third = await timerRun(); // nothing read in between: every counter back to zero, the pool still holds one
    expect(third).toHaveLength(1);
    expect(third[0]!.cache).toMatchObject({ fresh: 0, refreshed: 0, stored: 0 });
    expect(third[0]!.sessions).toMatchObject({ hits: 0, misses: 0, creations: 0, size: 1 });
  });
});
