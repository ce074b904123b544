// GET /api/monitor/acr through the local host, against the simulated Azure (ARM registries and runs, one data-plane
// server per registry speaking ACR's token exchange) and the run's Azurite, with the real @azure/arm-containerregistry
// and @azure/container-registry clients: shape, expected images built / missing / building, the token exchange, a
// registry that refuses (401 without AcrPull, 403 firewall), ETag/304, the inspector, 400s, and the rounds of an
// uncached read of 20 repositories.
import { describe, expect, it } from 'vitest';
import { demoFleet, type FleetSpec, type RegistrySpec } from '../../dev/sim/index.js';
import { digestOf } from '../../dev/sim/registry.js';
import { registryOverviewKey } from '../../shared/cache/index.js';
import { RG, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const PATH = `/api/monitor/acr?subscriptionId=${RG.subscriptionId}&resourceGroup=${RG.resourceGroup}`;
const ACR = 'elb01acr';

function fleetWith(registries: RegistrySpec[]): FleetSpec {
  const fleet = demoFleet();
  fleet.subscriptions[0]!.resourceGroups.find((g) => g.name === RG.resourceGroup)!.registries = registries;
  return fleet;
}

async function get(s: TestStack, etag?: string) {
  const response = await fetch(`${s.url}${PATH}`, etag ? { headers: { 'if-none-match': etag } } : {});
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const registryCalls = (s: TestStack) => s.sim.requestLog((e) => e.server.startsWith('registry:'));
const pathOf = (url: string) => new URL(url, 'https://x').pathname;

describe('the container registry card', () => {
  it('answers the registry, its repositories with the newest tags, and 3 of 4 expected images built, one building', async () => {
    const s = await stack();
    const { status, body, headers } = await get(s);
    expect(status).toBe(200);
    expect(headers.get('etag')).toMatch(/^W\/"/);
    expect(body.degraded).toEqual([]);
    const [registry] = body.data.registries;
    expect(registry).toMatchObject({
      name: ACR,
      location: 'westeurope',
      sku: 'Standard',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      degraded: [],
    });
    expect(registry.loginServer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.repositories.map((r: any) => r.name)).toEqual([
      'ncbi/elasticblast-job-submit',
      'ncbi/elasticblast-query-split',
      'ncbi/elb',
      'tools/blast-utils',
    ]);
    const elb = registry.repositories.find((r: any) => r.name === 'ncbi/elb');
    expect(elb.tagCount).toBe(2);
    expect(elb.tags.map((t: any) => t.name)).toEqual(['1.4.0', '1.3.1']); // newest first
    expect(elb.tags[0].digest).toBe(digestOf('ncbi/elb', '1.4.0'));
    expect(registry.expectedImages.map((i: any) => [i.image, i.state])).toEqual([
      ['ncbi/elb:1.4.0', 'built'],
      ['ncbi/elasticblast-job-submit:4.1.0', 'built'],
      ['ncbi/elasticblast-query-split:0.1.4', 'built'],
      ['ncbi/elasticblast-janitor:0.4.0', 'building'],
    ]);
    expect(registry.expectedImages[3].run).toMatchObject({ id: 'ca2', status: 'Running' });
    expect(registry.built).toEqual({ built: 3, expected: 4 });

    // ACR's token exchange: a challenge, the Entra token traded once for a refresh token, access tokens per scope.
    const calls = registryCalls(s);
    expect(calls[0]).toMatchObject({ method: 'GET', status: 401 });
    expect(calls.filter((c) => pathOf(c.url) === '/oauth2/exchange')).toHaveLength(1);
    expect(calls.filter((c) => pathOf(c.url) === '/oauth2/token').length).toBeGreaterThanOrEqual(2);
    expect(calls.filter((c) => pathOf(c.url).endsWith('/_manifests') && c.status === 200)).toHaveLength(4);
    // The runs came from ARM's preview api-version, through the registry client's pipeline.
    expect(s.sim.requestLog((e) => e.server === 'arm' && e.url.includes('/runs?api-version=2019-06-01-preview'))).toHaveLength(1);
  });

  it('says missing when the tag is neither there nor being built; built once it is pushed', async () => {
    const s = await stack({ env: { EXPECTED_IMAGES: 'ncbi/elb:9.9.9,ncbi/elb:1.4.0' } });
    const before = (await get(s)).body.data.registries[0];
    expect(before.expectedImages.map((i: any) => i.state)).toEqual(['missing', 'built']);
    expect(before.built).toEqual({ built: 1, expected: 2 });
    s.sim
      .registry(ACR)
      .repositories.find((r) => r.name === 'ncbi/elb')!
      .tags.push({ name: '9.9.9', updatedAt: new Date().toISOString() });
    await s.app.services.cache.invalidatePrefix(registryOverviewKey(RG));
    const after = (await get(s)).body.data.registries[0];
    expect(after.expectedImages[0]).toMatchObject({ image: 'ncbi/elb:9.9.9', state: 'built', digest: digestOf('ncbi/elb', '9.9.9') });
    expect(after.repositories.find((r: any) => r.name === 'ncbi/elb').tags[0].name).toBe('9.9.9');
  });

  it('a registry without AcrPull (401) or behind a firewall (403) is a degraded part naming the fix, never a 500', async () => {
    const s = await stack();
    s.sim.registry(ACR).access = 'noPull';
    const refused = await get(s);
    expect(refused.status).toBe(200);
    const registry = refused.body.data.registries[0];
    expect(registry.name).toBe(ACR); // the ARM half stands
    expect(registry.repositories).toEqual([]);
    expect(registry.expectedImages).toEqual([]);
    expect(registry.degraded).toEqual([{ source: `acr:${ACR}`, status: 401, message: expect.stringContaining('AcrPull') }]);
    expect(refused.body.degraded).toEqual(registry.degraded);
    expect(refused.body.cache.state).not.toBe('fresh');

    s.sim.registry(ACR).access = 'firewall';
    await s.app.services.cache.invalidatePrefix(registryOverviewKey(RG));
    const walled = (await get(s)).body;
    expect(walled.degraded[0]).toMatchObject({ source: `acr:${ACR}`, status: 403, message: expect.stringContaining('firewall') });
  });

  it('answers 304 to a poll that holds the reading, and is never captured; bad scope parameters are 400', async () => {
    const s = await stack();
    const first = await get(s);
    const etag = first.headers.get('etag')!;
    s.clock.advance(5_000);
    const again = await get(s, etag);
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('private, max-age=25, stale-while-revalidate=300');
    const captured = await s.get('/api/inspector?limit=200');
    expect(captured.body.items.filter((i: any) => String(i.path).startsWith('/api/monitor/acr'))).toEqual([]);
    expect((await s.get(`/api/monitor/acr?subscriptionId=not-a-guid&resourceGroup=${RG.resourceGroup}`)).status).toBe(400);
    expect((await s.get(`/api/monitor/acr?subscriptionId=${RG.subscriptionId}`)).status).toBe(400);
  });

  it('reads 20 repositories in a number of rounds that does not grow with them', async () => {
    const repositories = Array.from({ length: 20 }, (_, i) => ({
      name: `team/app-${String(i).padStart(2, '0')}`,
      tags: [{ name: 'v1', updatedAt: '2025-03-01T00:00:00Z' }],
    }));
    const s = await stack({ simulator: { fleet: fleetWith([{ name: 'manyrepos', repositories }]) } });
    const manifests = s.sim.inject({ target: 'registry', path: /\/_manifests$/, hold: true });
    try {
      const read = get(s);
      // Every repository's first manifests call is in flight at once (each is then challenged for its own scope).
      await manifests.whenHit(20);
      manifests.release();
      await manifests.whenHit(40);
      const body = (await read).body;
      expect(body.data.registries[0].repositories).toHaveLength(20);
      const calls = registryCalls(s);
      // Per repository: a challenged call, its access token, the call again; plus the catalog's four (challenge,
      // exchange, token, catalog): 64 calls in 7 rounds, however many repositories.
      expect(calls).toHaveLength(4 + 3 * 20);
      expect(calls.filter((c) => pathOf(c.url) === '/oauth2/exchange')).toHaveLength(1);
    } finally {
      s.sim.clearInjections();
    }
  });
});
