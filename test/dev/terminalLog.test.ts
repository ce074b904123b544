// The terminal of `npm start` is quiet by default: no line per upstream call (only with --verbose), the refresh
// timer's metrics and run lines at most once a minute; every line still reaches the invocation's logger, which is
// what Azure sees. The sink alone with an injected clock, then the stack as `npm start` wires it.
import { afterEach, describe, expect, it } from 'vitest';
import { createTerminalLog, TIMER_LINES_EVERY_MS } from '../../dev/terminalLog.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { manualClock } from '../lifecycle/support.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const UPSTREAM = 'upstream {"target":"arm","method":"GET","path":"/subscriptions","status":200,"ms":3.1}';
const METRICS = '[refreshMonitorCache] information: metrics {"cache":{},"sessions":{}}';
const RUN = '[refreshMonitorCache] information: refresh: {"candidates":0}';

function sink(verbose: boolean) {
  const clock = manualClock();
  const printed: string[] = [];
  return { clock, printed, log: createTerminalLog({ verbose, now: clock.now, write: (line) => printed.push(line) }) };
}

describe('the terminal sink', () => {
  it('drops upstream call lines, from an invocation or outside one, and keeps every other line', () => {
    const { printed, log } = sink(false);
    log(UPSTREAM);
    log(`[monitorFleet] information: ${UPSTREAM}`);
    log('[monitorFleet] information: [abc] GET /api/monitor/fleet 200 12ms caller=local-developer');
    log('cache refresh-failed monitor:aks:x:y upstream timed out', 'warn');
    expect(printed).toEqual([
      '[monitorFleet] information: [abc] GET /api/monitor/fleet 200 12ms caller=local-developer',
      'cache refresh-failed monitor:aks:x:y upstream timed out',
    ]);
  });

  it('prints the timer lines at most once a minute each (every line with --verbose)', () => {
    const { clock, printed, log } = sink(false);
    for (let run = 0; run < 9; run++) {
      log(RUN);
      log(METRICS);
      clock.advance(15_000); // REFRESH_SCHEDULE's default: a run every 15 s
    }
    // Runs at 0, 15, …, 120 s: printed at 0, 60 and 120 s.
    expect(printed).toEqual([RUN, METRICS, RUN, METRICS, RUN, METRICS]);
    expect(TIMER_LINES_EVERY_MS).toBe(60_000);

    const verbose = sink(true);
    for (let run = 0; run < 3; run++) {
      verbose.log(METRICS);
      verbose.log(UPSTREAM);
    }
    expect(verbose.printed).toHaveLength(6);
  });
});

describe('the stack as npm start wires it', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function start(verbose: boolean) {
    const invocationLines: string[] = [];
    const printed: string[] = [];
    const terminal = createTerminalLog({ verbose, write: (line) => printed.push(line) });
    stack = await startLocalStack({
      timers: false,
      tablesConnectionString: tablesConnectionString(),
      env: { CACHE_TABLE_NAME: uniqueTableName('c'), INSPECTOR_TABLE_NAME: uniqueTableName('i') },
      hostLog: (line) => {
        invocationLines.push(line);
        terminal(line);
      },
      outsideLog: (level, line) => terminal(line, level),
    });
    const subscriptionId = stack.sim.subscriptionIds[0]!;
    const res = await fetch(`${stack.url}/api/monitor/aks?subscriptionId=${subscriptionId}&resourceGroup=rg-elb-01`, {
      headers: { 'x-request-id': 'quiet-1' },
    });
    expect(res.status).toBe(200);
    await stack.host.runTimer('refreshMonitorCache');
    await stack.host.runTimer('refreshMonitorCache');
    return { invocationLines, printed };
  }

  const upstreamOf = (lines: string[]) => lines.filter((l) => /upstream \{"target":"arm".*"requestId":"quiet-1"/.test(l));

  it('without --verbose: the upstream line reaches the invocation at info level, not the terminal; one metrics line', async () => {
    const { invocationLines, printed } = await start(false);
    expect(upstreamOf(invocationLines)).toEqual([expect.stringMatching(/^\[monitorClusters\] information: upstream /)]);
    expect(upstreamOf(printed)).toEqual([]);
    expect(printed).toContainEqual(expect.stringMatching(/^\[monitorClusters\] information: \[quiet-1\] GET \/api\/monitor\/aks 200 /));
    expect(invocationLines.filter((l) => l.includes('metrics {'))).toHaveLength(2);
    expect(printed.filter((l) => l.includes('metrics {'))).toHaveLength(1);
  });

  it('with --verbose: the terminal prints the upstream line and every metrics line', async () => {
    const { printed } = await start(true);
    expect(upstreamOf(printed)).toHaveLength(1);
    expect(printed.filter((l) => l.includes('metrics {'))).toHaveLength(2);
  });
});
