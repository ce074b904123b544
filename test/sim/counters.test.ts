// The simulator's counters: what benchmarks report about connection reuse.
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AKS_ENTRA_SERVER_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';

const REF = { resourceGroup: 'rg-elb-01', name: 'elb-01-a' };
let sim: SimulatedAzure;

beforeAll(async () => {
  sim = await startSimulatedAzure();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.resetCounters();
  sim.clearInjections();
});

async function read(agent: Agent, path: string): Promise<number> {
  const cluster = sim.cluster(REF);
  const res = await request(`${cluster.apiServerUrl}${path}`, { dispatcher: agent, headers: { authorization: `Bearer ${sim.tokenFor(AKS_ENTRA_SERVER_ID)}` } });
  await res.body.text();
  return res.statusCode;
}

const newAgent = () => new Agent({ connect: { ca: sim.cluster(REF).caPem } });

describe('Kubernetes API server counters', () => {
  it('two reads over one keep-alive agent: one full TLS handshake', async () => {
    const agent = newAgent();
    try {
      expect(await read(agent, '/api/v1/nodes')).toBe(200);
      expect(await read(agent, '/api/v1/pods')).toBe(200);
    } finally {
      await agent.close();
    }
    const counters = sim.counters(REF);
    expect(counters.requestsByPath).toEqual({ '/api/v1/nodes': 1, '/api/v1/pods': 1 });
    expect(counters.tlsHandshakes.full).toBe(1);
    // undici 8 may open a second socket for a request sent in the same tick the first one finished (its pool
    // still sees that client busy); that socket resumes the TLS session, so it costs no full handshake.
    expect(counters.tcpConnections).toBe(counters.tlsHandshakes.full + counters.tlsHandshakes.resumed);
  });

  it('reads separated by a turn of the event loop share one connection', async () => {
    const agent = newAgent();
    try {
      await read(agent, '/api/v1/nodes');
      await new Promise((resolve) => setImmediate(resolve));
      await read(agent, '/api/v1/pods');
    } finally {
      await agent.close();
    }
    expect(sim.counters(REF)).toMatchObject({ requests: 2, tcpConnections: 1, tlsHandshakes: { full: 1, resumed: 0 } });
  });

  it('two reads over two agents: two connections, two full handshakes', async () => {
    const [a, b] = [newAgent(), newAgent()];
    try {
      await read(a, '/api/v1/nodes');
      await read(b, '/api/v1/nodes');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const counters = sim.counters(REF);
    expect(counters.tcpConnections).toBe(2);
    expect(counters.tlsHandshakes).toEqual({ full: 2, resumed: 0 });
    expect(counters.requestsByPath).toEqual({ '/api/v1/nodes': 2 });
  });

  it('an agent that reconnects after a dropped connection resumes its TLS session', async () => {
    const agent = newAgent();
    try {
      await read(agent, '/version');
      sim.inject({ target: REF, path: '/version', drop: true, times: 1 });
      await expect(read(agent, '/version')).rejects.toThrow();
      await read(agent, '/version');
    } finally {
      await agent.close();
    }
    const counters = sim.counters(REF);
    expect(counters.tcpConnections).toBe(2);
    expect(counters.tlsHandshakes).toEqual({ full: 1, resumed: 1 });
  });

  it('a client that does not trust the cluster CA counts as a failed handshake', async () => {
    const untrusting = new Agent();
    try {
      await expect(read(untrusting, '/version')).rejects.toThrow();
    } finally {
      await untrusting.close();
    }
    expect(sim.counters(REF)).toMatchObject({ requests: 0, tcpConnections: 1, tlsHandshakes: { full: 0, resumed: 0 } });
    // The client gives up before the server hears of it: the failure is counted a moment later.
    await expect.poll(() => sim.counters(REF).tlsFailures).toBe(1);
  });
});

describe('ARM counters and the request log', () => {
  it('counts ARM requests by path and logs method, path with query, status', async () => {
    sim.clearRequestLog();
    const agent = new Agent({ connect: { ca: sim.caPem } });
    const path = `/subscriptions/${sim.subscriptionIds[0]}/resourceGroups/rg-elb-01/providers/Microsoft.ContainerService/managedClusters`;
    try {
      for (const auth of [`Bearer ${sim.token}`, 'Bearer wrong']) {
        const res = await request(`${sim.armEndpoint}${path}?api-version=2026-06-01`, { dispatcher: agent, headers: { authorization: auth } });
        await res.body.text();
      }
    } finally {
      await agent.close();
    }
    const counters = sim.counters('arm');
    expect(counters.requestsByPath).toEqual({ [path]: 2 });
    expect(counters.tlsHandshakes.full).toBe(1);
    const log = sim.requestLog((e) => e.server === 'arm');
    expect(log.map((e) => [e.method, e.url, e.status])).toEqual([
      ['GET', `${path}?api-version=2026-06-01`, 200],
      ['GET', `${path}?api-version=2026-06-01`, 401],
    ]);
    expect(JSON.stringify(log)).not.toContain(sim.token);
  });
});
