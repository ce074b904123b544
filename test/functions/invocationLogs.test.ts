// Without a log sink of its own (as in Azure), the app writes each request's line through that request's
// InvocationContext, so Application Insights correlates it with the invocation; still redacted, still with the id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const hostLines: string[] = [];
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    timers: false,
    tablesConnectionString: tablesConnectionString(),
    env: { CACHE_TABLE_NAME: uniqueTableName('c'), INSPECTOR_TABLE_NAME: uniqueTableName('i') },
    hostLog: (line) => hostLines.push(line),
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('request lines through the invocation', () => {
  it('a request line is written by the invocation of its function, with its request id', async () => {
    const res = await fetch(`${stack.url}/api/me`, { headers: { 'x-request-id': 'trace-invocation-1' } });
    expect(res.status).toBe(200);
    expect(hostLines.filter((l) => l.includes('[trace-invocation-1]'))).toEqual([
      expect.stringMatching(/^\[me\] information: \[trace-invocation-1\] GET \/api\/me 200 [\d.]+ms caller=local-developer$/),
    ]);
  });

  it('so is a request refused before its handler', async () => {
    const res = await fetch(`${stack.url}/api/monitor/aks/elb-01-a/nodes`, { headers: { 'x-request-id': 'trace-invocation-2' } });
    expect(res.status).toBe(400); // no scope given
    expect(hostLines.filter((l) => l.includes('[trace-invocation-2]'))).toEqual([
      expect.stringMatching(
        /^\[monitorCluster\] information: \[trace-invocation-2\] GET \/api\/monitor\/aks\/elb-01-a\/nodes 400 [\d.]+ms missingParameter caller=local-developer$/,
      ),
    ]);
  });

  it('an upstream call made for a request is written by that invocation too, with the request id', async () => {
    const subscriptionId = stack.sim.subscriptionIds[0]!;
    const res = await fetch(`${stack.url}/api/monitor/aks?subscriptionId=${subscriptionId}&resourceGroup=rg-elb-01`, {
      headers: { 'x-request-id': 'trace-invocation-3' },
    });
    expect(res.status).toBe(200);
    const upstream = hostLines.filter((l) => l.includes('"requestId":"trace-invocation-3"'));
    expect(upstream).toEqual([
      expect.stringMatching(
        /^\[monitorClusters\] information: upstream \{"target":"arm","method":"GET","path":"\/subscriptions\/[^"]+\/resourceGroups\/rg-elb-01\/providers\/Microsoft\.ContainerService\/managedClusters",/,
      ),
    ]);
  });
});
