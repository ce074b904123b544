// Fault injection: which requests a rule shapes, and how (status, latency, hold/release, drop).
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AKS_ENTRA_SERVER_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';

const A = { resourceGroup: 'rg-elb-01', name: 'elb-01-a' };
const C = { resourceGroup: 'rg-elb-01', name: 'elb-01-c' };
let sim: SimulatedAzure;
let agent: Agent;

beforeAll(async () => {
  sim = await startSimulatedAzure();
  // One agent for both clusters and ARM: trust every CA the simulator uses.
  agent = new Agent({ connect: { ca: [sim.caPem, sim.cluster(A).caPem, sim.cluster(C).caPem] } });
});

afterAll(async () => {
  await agent.close();
  await sim.close();
});

afterEach(() => {
  sim.clearInjections();
  sim.clearRequestLog();
});

async function get(ref: typeof A, path: string, method = 'GET') {
  const res = await request(`${sim.cluster(ref).apiServerUrl}${path}`, {
    dispatcher: agent,
    method: method as 'GET',
    headers: { authorization: `Bearer ${sim.tokenFor(AKS_ENTRA_SERVER_ID)}` },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('matching', () => {
  it('applies `times` times, then lets requests through', async () => {
    const rule = sim.inject({ target: 'kubernetes', path: '/api/v1/nodes', status: 500, times: 2 });
    expect((await get(A, '/api/v1/nodes')).status).toBe(500);
    expect((await get(A, '/api/v1/nodes')).status).toBe(500);
    expect((await get(A, '/api/v1/nodes')).status).toBe(200);
    expect(rule.hits).toBe(2);
  });

  it('targets one cluster, one method, a RegExp path', async () => {
    sim.inject({ target: C, method: 'GET', path: /^\/api\/v1\/namespaces\/[^/]+\/pods$/, status: 404 });
    expect((await get(C, '/api/v1/namespaces/kube-system/pods')).status).toBe(404);
    expect((await get(A, '/api/v1/namespaces/kube-system/pods')).status).toBe(200);
    expect((await get(C, '/api/v1/pods')).status).toBe(200);
  });

  it('Kubernetes 429 comes as a Status object, with Retry-After when asked', async () => {
    sim.inject({ target: A, path: '/api/v1/events', status: 429, retryAfter: 3, times: 1 });
    sim.inject({ target: A, path: '/api/v1/events', status: 429, times: 1 });
    const withHint = await get(A, '/api/v1/events');
    expect(withHint.status).toBe(429);
    expect(withHint.headers['retry-after']).toBe('3');
    expect(withHint.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    const without = await get(A, '/api/v1/events');
    expect(without.status).toBe(429);
    expect(without.headers['retry-after']).toBeUndefined();
  });

  it('a custom body and headers replace the defaults', async () => {
    sim.inject({ target: A, path: '/version', status: 503, body: { custom: true }, headers: { 'x-test': 'yes' } });
    const res = await get(A, '/version');
    expect([res.status, res.body, res.headers['x-test']]).toEqual([503, { custom: true }, 'yes']);
  });

  it('latency delays the answer (the log shows it)', async () => {
    sim.inject({ target: A, path: '/version', latencyMs: 60, times: 1 });
    expect((await get(A, '/version')).status).toBe(200);
    const [entry] = sim.requestLog((e) => e.url === '/version');
    expect(entry!.durationMs).toBeGreaterThanOrEqual(55);
    expect(entry!.injection).toBeDefined();
  });
});

describe('hold and release', () => {
  it('holds answers until release(), in the order the test chooses', async () => {
    const hold = sim.inject({ target: A, path: '/api/v1/nodes', hold: true });
    const order: string[] = [];
    const first = get(A, '/api/v1/nodes').then((r) => order.push(`held ${r.status}`));
    await hold.whenHit(1);
    expect(hold.held).toBe(1);
    await get(A, '/api/v1/pods').then((r) => order.push(`other ${r.status}`));
    hold.release();
    await first;
    expect(order).toEqual(['other 200', 'held 200']);
    // After release the rule no longer holds.
    expect((await get(A, '/api/v1/nodes')).status).toBe(200);
  });

  it('remove() releases what it holds', async () => {
    const hold = sim.inject({ target: A, path: '/version', hold: true });
    const pending = get(A, '/version');
    await hold.whenHit();
    hold.remove();
    expect((await pending).status).toBe(200);
  });

  it('a dropped connection gives the client a socket error and logs status 0', async () => {
    sim.inject({ target: A, path: '/version', drop: true, times: 1 });
    await expect(get(A, '/version')).rejects.toThrow();
    expect(sim.requestLog((e) => e.url === '/version').map((e) => e.status)).toEqual([0]);
  });
});
