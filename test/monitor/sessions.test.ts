// The Kubernetes session pool seen from the routes: a dashboard tick with the cache out of the way (TTL 1 s, no SWR,
// the clock moved 2 s per tick) reuses the session's keep-alive connections, and credentials come from ARM once per
// session TTL, not once per read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armCalls, CATEGORIES, RG, RUNNING, startMonitorStack, TestClock, type MonitorStack } from './support.js';

const SESSION_TTL_SECONDS = 300;
let clock: TestClock;
let stack: MonitorStack;

beforeAll(async () => {
  clock = new TestClock();
  stack = await startMonitorStack({
    now: clock.now,
    env: { MONITOR_CACHE_TTL_SECONDS: '1', MONITOR_CACHE_SWR_SECONDS: '0', K8S_SESSION_POOL_TTL_SECONDS: String(SESSION_TTL_SECONDS) },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** One dashboard tick, read after read: the list and the six categories of one cluster, every reading expired. */
async function tick(): Promise<void> {
  clock.advance(2);
  const list = await stack.get('monitor/aks');
  expect(list.body.cache.state).toBe('refreshed');
  for (const category of CATEGORIES) {
    const res = await stack.get(`monitor/aks/${RUNNING}/${category}`);
    expect(res.status).toBe(200);
    expect(res.body.cache.state).toBe('refreshed');
    expect(res.body.degraded).toEqual([]);
  }
}

/** The first-phase Kubernetes calls of a tick: nodes 1, pods 1, top-nodes 2, warmup-status 3, events 1, jobs 1. */
const PHASE_ONE_CALLS = 9;
/** warmup-status's log tails on the demo cluster: the failed pdbaa shard, the two refseq_protein shards copying. */
const LOG_TAILS = 3;

/**
 * A tick as a dashboard sends it, all seven reads at once, with the API server holding its answers until all nine
 * first-phase calls are in flight: the session's connection pool opens as many sockets as a tick can ever need at
 * once. (Without the hold, undici grows the pool towards that peak over a few ticks, as responses and new requests
 * happen to interleave.) Read after read, a tick never has more than five calls in flight.
 */
async function concurrentTick(): Promise<void> {
  clock.advance(2);
  const hold = stack.sim.inject({ target: CLUSTER, path: () => true, hold: true });
  const reads = Promise.all([stack.get('monitor/aks'), ...CATEGORIES.map((c) => stack.get(`monitor/aks/${RUNNING}/${c}`))]);
  await hold.whenHit(PHASE_ONE_CALLS);
  hold.remove();
  for (const res of await reads) expect(res.status).toBe(200);
}

const handshakes = (target: 'arm' | { resourceGroup: string; name: string }) => {
  const { tlsHandshakes, tcpConnections } = stack.sim.counters(target);
  return { tls: tlsHandshakes.full + tlsHandshakes.resumed, tcp: tcpConnections };
};
const credentialCalls = () => armCalls(stack, '/listClusterUserCredential');
const CLUSTER = { resourceGroup: RG, name: RUNNING };

describe('steady-state ticks', () => {
  it('open no new TLS connection to the API server or to ARM, and ask ARM for credentials once', async () => {
    await concurrentTick(); // cold: seven reads share one session creation
    expect(credentialCalls()).toBe(1);
    const warm = { kube: handshakes(CLUSTER), arm: handshakes('arm') };
    expect(warm.kube.tls).toBeGreaterThanOrEqual(PHASE_ONE_CALLS); // (+ up to LOG_TAILS for the log tails that followed)
    const requestsBefore = stack.sim.counters(CLUSTER).requests;

    for (let i = 0; i < 4; i++) await tick();
    expect(stack.sim.counters(CLUSTER).requests - requestsBefore).toBe(4 * (PHASE_ONE_CALLS + LOG_TAILS));
    expect(handshakes(CLUSTER)).toEqual(warm.kube);
    expect(handshakes('arm')).toEqual(warm.arm);
    expect(credentialCalls()).toBe(1);
    expect(stack.app.services.sessions.stats()).toMatchObject({ creations: 1, size: 1 });
  });

  it('past the session TTL, one new session: one more credential call, then reuse again', async () => {
    const before = credentialCalls();
    clock.advance(SESSION_TTL_SECONDS);
    await concurrentTick();
    expect(credentialCalls()).toBe(before + 1);
    const renewed = handshakes(CLUSTER);
    await tick();
    await tick();
    expect(credentialCalls()).toBe(before + 1);
    expect(handshakes(CLUSTER)).toEqual(renewed);
    expect(stack.app.services.sessions.stats()).toMatchObject({ creations: 2, expiries: 1, size: 1 });
  });
});
