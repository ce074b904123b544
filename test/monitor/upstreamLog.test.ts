// One structured log line per upstream call (ARM and Kubernetes): target, method, path, status, ms and the id of
// the request it was made for; nothing secret in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamCall } from '../../shared/observability/upstreamLog.js';
import { kubernetesLog, pathOf, RG, RUNNING, startMonitorStack, TestClock, type MonitorStack } from './support.js';

let stack: MonitorStack;
let clock: TestClock;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({ now: clock.now });
});
afterAll(async () => {
  await stack?.close();
});

function callsOf(requestId: string): UpstreamCall[] {
  return stack.lines
    .filter((line) => line.startsWith('info upstream '))
    .map((line) => JSON.parse(line.slice('info upstream '.length)) as UpstreamCall)
    .filter((call) => call.requestId === requestId);
}

describe('upstream call log', () => {
  it('one line per ARM and Kubernetes call, each with the request id, status and duration', async () => {
    const since = Date.now();
    const list = await stack.get('monitor/aks', { 'x-request-id': 'tick-list-1' });
    expect(list.status).toBe(200);
    expect(callsOf('tick-list-1')).toEqual([
      {
        target: 'arm',
        method: 'GET',
        path: `/subscriptions/${stack.sim.subscriptionIds[0]}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters`,
        status: 200,
        ms: expect.any(Number),
        requestId: 'tick-list-1',
      },
    ]);

    const warmup = await stack.get(`monitor/aks/${RUNNING}/warmup-status`, { 'x-request-id': 'tick-warmup-1' });
    expect(warmup.status).toBe(200);
    const calls = callsOf('tick-warmup-1');
    const arm = calls.filter((c) => c.target === 'arm');
    const kube = calls.filter((c) => c.target === `kubernetes:${RG}/${RUNNING}`);
    expect(arm).toEqual([expect.objectContaining({ method: 'POST', path: expect.stringMatching(/\/listClusterUserCredential$/), status: 200 })]);
    const served = kubernetesLog(stack, RUNNING, since);
    expect(kube.map((c) => c.path).sort()).toEqual(served.map((e) => pathOf(e.url)).sort());
    for (const call of kube) {
      expect(call).toEqual({
        target: `kubernetes:${RG}/${RUNNING}`,
        method: 'GET',
        path: expect.stringMatching(/^\/api/),
        status: 200,
        ms: expect.any(Number),
        requestId: 'tick-warmup-1',
      });
      expect(call.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('a failing call logs its status; concurrent requests keep their own ids', async () => {
    const failing = stack.sim.inject({ target: { resourceGroup: RG, name: RUNNING }, path: '/api/v1/events', status: 500 });
    try {
      const [events, nodes] = await Promise.all([
        stack.get(`monitor/aks/${RUNNING}/events`, { 'x-request-id': 'tick-events-2' }),
        stack.get(`monitor/aks/${RUNNING}/nodes`, { 'x-request-id': 'tick-nodes-2' }),
      ]);
      expect(events.body.degraded).toHaveLength(1);
      expect(nodes.status).toBe(200);
    } finally {
      failing.remove();
    }
    expect(callsOf('tick-events-2')).toEqual([expect.objectContaining({ path: '/api/v1/events', status: 500 })]);
    expect(callsOf('tick-nodes-2')).toEqual([expect.objectContaining({ path: '/api/v1/nodes', status: 200 })]);
  });

  it('no token, key, certificate or query string in any line', async () => {
    clock.advance(1000); // everything expired; the session too: credentials are fetched again
    for (const path of ['monitor/aks', `monitor/aks/${RUNNING}/pods`, `monitor/aks/${RUNNING}/warmup-status`]) {
      expect((await stack.get(path)).status).toBe(200);
    }
    const upstream = stack.lines.filter((line) => line.startsWith('info upstream '));
    expect(upstream.length).toBeGreaterThan(5);
    const text = upstream.join('\n');
    expect(text).not.toContain(stack.sim.token);
    expect(text).not.toMatch(/bearer|authorization|BEGIN|PRIVATE KEY|client-certificate|kubeconfig|api-version|labelSelector|\?/i);
  });
});
