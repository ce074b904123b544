// Sessions recover by themselves, through the local host against the simulated Azure: a pooled session that meets a
// refused or reset connection is retired at once and the reading taken once more with a new session (a fresh
// kubeconfig from ARM), instead of failing until its TTL runs out; after a start that moved the API server to
// another port, the first poll reads.
import { describe, expect, it } from 'vitest';
import { categoryPath, MANUAL_OPERATIONS, RG, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const credentialCalls = (s: TestStack, cluster: string) =>
  s.sim.requestLog((e) => e.server === 'arm' && e.url.includes(`/${cluster}/listClusterUserCredential`)).length;

describe('a pooled session that goes bad', () => {
  it('a reset connection: retired, the reading retried once with a new session, answered complete', async () => {
    const s = await stack();
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).body.degraded).toEqual([]);
    const credentials = credentialCalls(s, 'elb-01-a');
    const before = s.app.services.sessions.stats();

    const drop = s.sim.inject({ target: { resourceGroup: RG.resourceGroup, name: 'elb-01-a' }, path: '/api/v1/events', drop: true, times: 1 });
    const events = await s.get(categoryPath('elb-01-a', 'events'));
    expect(drop.hits).toBe(1);
    expect(events.status).toBe(200);
    expect(events.body.degraded).toEqual([]);
    expect(events.body.data.items.length).toBeGreaterThan(0);
    expect(credentialCalls(s, 'elb-01-a')).toBe(credentials + 1); // a fresh kubeconfig for the new session
    expect(s.app.services.sessions.stats().faultRetires).toBe(before.faultRetires + 1);
  });

  it('a 401 (the credential no longer accepted): retired, retried once with a fresh kubeconfig, answered complete', async () => {
    const s = await stack();
    await s.get(categoryPath('elb-01-a', 'nodes'));
    const credentials = credentialCalls(s, 'elb-01-a');
    const refused = s.sim.inject({ target: { resourceGroup: RG.resourceGroup, name: 'elb-01-a' }, path: '/api/v1/pods', status: 401, times: 1 });
    const pods = await s.get(categoryPath('elb-01-a', 'pods'));
    expect(refused.hits).toBe(1);
    expect(pods.body.degraded).toEqual([]);
    expect(pods.body.data.items.length).toBeGreaterThan(0);
    expect(credentialCalls(s, 'elb-01-a')).toBe(credentials + 1);
  });

  it('a failure that is not the session (a 500) is not retried', async () => {
    const s = await stack();
    await s.get(categoryPath('elb-01-a', 'nodes'));
    const credentials = credentialCalls(s, 'elb-01-a');
    const failing = s.sim.inject({ target: { resourceGroup: RG.resourceGroup, name: 'elb-01-a' }, path: '/api/v1/events', status: 500 });
    const events = await s.get(categoryPath('elb-01-a', 'events'));
    expect(failing.hits).toBe(1);
    expect(events.body.degraded).toEqual([{ source: 'kubernetes:events', status: 500, message: expect.any(String) }]);
    expect(credentialCalls(s, 'elb-01-a')).toBe(credentials);
  });

  it('a start that moved the API server to another port: the first poll after the start reads', async () => {
    const s = await stack({ simulator: { ...MANUAL_OPERATIONS, apiServerOnStart: 'newPort' } });
    const ref = { resourceGroup: RG.resourceGroup, name: 'elb-01-a' };
    expect((await s.get(categoryPath('elb-01-a', 'nodes'))).body.data.length).toBeGreaterThan(0); // a pooled session
    const oldUrl = s.sim.cluster(ref).apiServerUrl;

    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    await s.sim.completeOperation(ref);
    expect((await s.act('start', 'elb-01-a')).status).toBe(202);
    await s.sim.completeOperation(ref);
    expect(s.sim.cluster(ref).apiServerUrl).not.toBe(oldUrl);

    s.clock.advance((s.config.cache.transitionTtlSeconds + 1) * 1000); // within the session's 300 s TTL
    const nodes = await s.get(categoryPath('elb-01-a', 'nodes'));
    expect(nodes.status).toBe(200);
    expect(nodes.body.degraded).toEqual([]);
    expect(nodes.body.data.length).toBeGreaterThan(0);
  });
});
