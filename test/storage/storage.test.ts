// GET /api/monitor/storage through the local host, against the simulated Azure (ARM + the blob front end) and the
// run's Azurite (tables and blobs), with the real @azure/arm-storage and @azure/storage-blob clients: the card's
// shape, "calculating" then counted, the usage's own TTL, the bound, the databases, the data plane's 403s, ETag/304,
// the inspector, bad parameters, the refresh timer and the rounds of an uncached read.
import { describe, expect, it } from 'vitest';
import { containerUsageKey, storageOverviewKey } from '../../shared/cache/index.js';
import { demoFleet, type FleetSpec, type StorageAccountSpec } from '../../dev/sim/index.js';
import { RG, readings, testStacks, type TestStack } from '../lifecycle/support.js';

const stack = testStacks();
const PATH = `/api/monitor/storage?subscriptionId=${RG.subscriptionId}&resourceGroup=${RG.resourceGroup}`;
const DATA = 'elb01data';

/** The demo fleet with rg-elb-01's storage accounts replaced. */
function fleetWith(accounts: StorageAccountSpec[]): FleetSpec {
  const fleet = demoFleet();
  const rg = fleet.subscriptions[0]!.resourceGroups.find((g) => g.name === RG.resourceGroup)!;
  rg.storageAccounts = accounts;
  return fleet;
}

async function get(s: TestStack, etag?: string) {
  const response = await fetch(`${s.url}${PATH}`, etag ? { headers: { 'if-none-match': etag } } : {});
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Reads once (starting the counts), waits for them, and reads the counted answer. */
async function counted(s: TestStack) {
  await get(s);
  await s.app.services.storage.idle();
  return get(s);
}

const account = (body: any, name: string) => body.data.accounts.find((a: any) => a.name === name);
const container = (body: any, accountName: string, name: string) => account(body, accountName).containers.find((c: any) => c.name === name);
const blobCalls = (s: TestStack) => s.sim.requestLog((e) => e.server === 'blob');
const armStorageCalls = (s: TestStack) => s.sim.requestLog((e) => e.server === 'arm' && /microsoft\.storage/i.test(e.url));

describe('the storage card', () => {
  it('answers the accounts at once, each container "calculating", then its usage and databases', async () => {
    const s = await stack();
    const first = await get(s);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('private, max-age=0, stale-while-revalidate=300'); // re-read at once
    expect(first.body.data.accounts.map((a: any) => a.name)).toEqual(['elb01data', 'elb01state']);
    const data = account(first.body, DATA);
    expect(data).toMatchObject({
      location: 'westeurope',
      sku: 'Standard_LRS',
      kind: 'StorageV2',
      hierarchicalNamespace: true,
      publicNetworkAccess: 'Enabled',
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      blobEndpoint: `${s.sim.blobEndpoint}${DATA}/`,
      degraded: [],
    });
    expect(data.containers.map((c: any) => c.name)).toEqual(['blast-db', 'queries', 'results']);
    for (const c of data.containers) {
      expect(c.usage).toBeNull();
      expect(c.usageProblem.code).toBe('calculating');
    }
    expect(first.body.data.databases).toEqual({ ready: 0, total: 0 });
    expect(first.body.degraded).toEqual([]);

    await s.app.services.storage.idle();
    const second = await get(s);
    expect(second.headers.get('cache-control')).toMatch(/^private, max-age=\d+, stale-while-revalidate=300$/);
    expect(second.headers.get('cache-control')).not.toContain('max-age=0');
    const queries = container(second.body, DATA, 'queries');
    expect(queries.usageProblem).toBeUndefined();
    expect(queries.usage).toMatchObject({ blobCount: 24, truncated: false });
    expect(queries.usage.bytes).toBe(Array.from({ length: 24 }, (_, i) => 1500 + i * 40).reduce((a, b) => a + b));
    expect(Date.parse(queries.usage.newestAt)).toBeGreaterThan(0);
    expect(queries.databases).toBeUndefined();
    const db = container(second.body, DATA, 'blast-db');
    const byName = Object.fromEntries(db.databases.map((d: any) => [d.name, d]));
    expect(Object.keys(byName)).toHaveLength(9);
    expect(byName.core_nt).toMatchObject({ files: 81, ready: true });
    expect(byName.refseq_protein).toMatchObject({ files: 31, ready: true }); // refseq_protein-prot-metadata.json
    expect(byName.swissprot).toMatchObject({ files: 5, ready: false }); // no metadata file
    expect(byName.nr).toMatchObject({ files: 25, ready: false }); // being copied
    expect(second.body.data.databases).toEqual({ ready: 4, total: 9 });
    // Each container was listed once, in one page.
    expect(
      blobCalls(s)
        .map((e) => new URL(e.url, 'https://x').pathname)
        .sort(),
    ).toEqual(['/elb01data/blast-db', '/elb01data/queries', '/elb01data/results', '/elb01state/tfstate'].sort());
  });

  it('keeps usage under its own key with its own TTL: the overview is re-read past its TTL, the counts only past theirs', async () => {
    const s = await stack();
    await counted(s);
    const stored = await readings(s.table);
    expect(stored.has(storageOverviewKey(RG))).toBe(true);
    expect(stored.has(containerUsageKey(RG, DATA, 'queries'))).toBe(true);
    const arm = armStorageCalls(s).length;
    const blobs = blobCalls(s).length;

    s.clock.advance(60_000); // past the overview's TTL (30 s), well within the usage's (300 s)
    const later = await get(s);
    expect(later.body.cache.state).toBe('stale');
    await s.app.services.storage.idle();
    expect(armStorageCalls(s).length).toBeGreaterThan(arm); // the overview was refreshed
    expect(blobCalls(s).length).toBe(blobs); // no container was listed again
    expect(container(later.body, DATA, 'queries').usage.blobCount).toBe(24);

    s.clock.advance(250_000); // the usage is past its 300 s now: served, and counted again in the background
    const stale = await get(s);
    expect(container(stale.body, DATA, 'queries').usage.blobCount).toBe(24);
    await s.app.services.storage.idle();
    expect(blobCalls(s).length).toBe(blobs + 4);
  });

  it('stops at STORAGE_USAGE_MAX_BLOBS and says the figures are lower bounds', async () => {
    const s = await stack({
      env: { STORAGE_USAGE_MAX_BLOBS: '10' },
      simulator: {
        fleet: fleetWith([
          {
            name: 'bounded',
            containers: [
              { name: 'over', blobs: [], generated: { count: 25, prefix: 'f', size: 10 } },
              { name: 'exact', blobs: [], generated: { count: 10, prefix: 'f', size: 10 } },
            ],
          },
        ]),
      },
    });
    const body = (await counted(s)).body;
    expect(container(body, 'bounded', 'over').usage).toMatchObject({ blobCount: 10, bytes: 100, truncated: true });
    expect(container(body, 'bounded', 'exact').usage).toMatchObject({ blobCount: 10, bytes: 100, truncated: false });
    const pages = blobCalls(s).map((e) => new URL(e.url, 'https://x').searchParams);
    expect(pages).toHaveLength(2); // one page each: never past the bound
    for (const page of pages) expect(page.get('maxresults')).toBe('10');
  });

  it('an identity without Storage Blob Data Reader, or a firewall, is a degraded part naming the fix; ARM still answers', async () => {
    const s = await stack();
    s.sim.setBlobAccess(DATA, 'noRole');
    s.sim.setBlobAccess('elb01state', 'firewall');
    const { status, body } = await counted(s);
    expect(status).toBe(200);
    const db = container(body, DATA, 'blast-db');
    expect(db.usage).toBeNull();
    expect(db.usageProblem.code).toBe('AuthorizationPermissionMismatch');
    expect(db.usageProblem.message).toContain('Storage Blob Data Reader');
    const state = container(body, 'elb01state', 'tfstate');
    expect(state.usageProblem.code).toBe('AuthorizationFailure');
    expect(state.usageProblem.message).toMatch(/firewall/);
    expect(account(body, DATA).degraded).toHaveLength(3);
    expect(account(body, DATA).degraded[0]).toMatchObject({ source: `blob:${DATA}`, status: 403 });
    expect(body.degraded.map((d: any) => d.source).sort()).toEqual([`blob:${DATA}`, `blob:${DATA}`, `blob:${DATA}`, 'blob:elb01state']);
    expect(body.cache.state).not.toBe('fresh');
    expect(body.data.accounts.map((a: any) => a.name)).toEqual(['elb01data', 'elb01state']); // the ARM half stands

    // The role is granted: a refusal is re-checked at the overview's TTL, not the usage's.
    s.sim.setBlobAccess(DATA, 'allowed');
    s.clock.advance(31_000);
    await get(s);
    await s.app.services.storage.idle();
    const granted = (await get(s)).body;
    expect(container(granted, DATA, 'queries').usage.blobCount).toBe(24);
    expect(account(granted, DATA).degraded).toEqual([]);
  });

  it('names each reading with an ETag: 304 while unchanged, a new tag once counted', async () => {
    const s = await stack();
    const calculating = await get(s);
    const etag = calculating.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect((await get(s, etag)).status).toBe(304);
    await s.app.services.storage.idle();
    const done = await get(s, etag);
    expect(done.status).toBe(200);
    const countedTag = done.headers.get('etag')!;
    expect(countedTag).not.toBe(etag);
    s.clock.advance(5_000);
    const again = await get(s, countedTag);
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('private, max-age=25, stale-while-revalidate=300');
  });

  it('is never captured by the inspector, and refuses bad scope parameters with 400', async () => {
    const s = await stack();
    await counted(s);
    const captured = await s.get('/api/inspector?limit=200');
    expect(captured.body.items.filter((i: any) => String(i.path).startsWith('/api/monitor/storage'))).toEqual([]);

    const missing = await s.get(`/api/monitor/storage?resourceGroup=${RG.resourceGroup}`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'missingParameter', field: 'subscriptionId' });
    const bad = await s.get(`/api/monitor/storage?subscriptionId=${RG.subscriptionId}&resourceGroup=${encodeURIComponent('rg:x')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('resourceGroup');
    const other = await s.get(`/api/monitor/storage?subscriptionId=${RG.subscriptionId}&resourceGroup=rg-not-allowed`);
    expect(other.status).toBe(403);
  });

  it('the refresh timer refreshes hot stale readings of both kinds through the service, and never recreates a purged one', async () => {
    const s = await stack();
    await counted(s);
    s.clock.advance(290_000);
    await get(s); // read: both kinds are hot
    s.clock.advance(20_000); // the usage is past its TTL now (310 s)
    const [arm, blobs] = [armStorageCalls(s).length, blobCalls(s).length];
    await s.app.services.cache.invalidatePrefix(containerUsageKey(RG, 'elb01state', 'tfstate'));
    await s.host.runTimer('refreshMonitorCache');
    expect(armStorageCalls(s).length).toBeGreaterThan(arm);
    expect(blobCalls(s).length).toBe(blobs + 3); // elb01data's three; the purged tfstate stays gone
    const stored = await readings(s.table);
    expect(stored.has(containerUsageKey(RG, 'elb01state', 'tfstate'))).toBe(false);
    expect(stored.get(containerUsageKey(RG, DATA, 'queries'))!.fetchedAt).toBe(s.clock.now());
  });

  it('an uncached read takes three rounds whatever the containers: accounts, their containers at once, their blobs at once', async () => {
    const accounts = ['alpha', 'bravo', 'charlie'].map((name) => ({
      name: `rounds${name}`,
      containers: [{ name: 'blobs', blobs: [], generated: { count: 120, prefix: `${name}/f`, size: 1 } }],
    }));
    const s = await stack({ simulator: { fleet: fleetWith(accounts) } });
    await s.sim.fillBlobs();
    const listAccounts = s.sim.inject({ target: 'arm', path: /\/providers\/Microsoft\.Storage\/storageAccounts$/i, hold: true });
    const listContainers = s.sim.inject({ target: 'arm', path: /\/containers$/i, hold: true });
    const listBlobs = s.sim.inject({ target: 'blob', path: /.*/, hold: true });
    try {
      const read = get(s);
      await listAccounts.whenHit(1);
      expect(listContainers.hits).toBe(0);
      listAccounts.release();
      await listContainers.whenHit(3); // every account's containers asked for at once
      expect(listBlobs.hits).toBe(0);
      listContainers.release();
      expect((await read).body.data.accounts).toHaveLength(3); // answered before any listing: calculating
      await listBlobs.whenHit(3); // every container counted at once
      listBlobs.release();
      await s.app.services.storage.idle();
      const body = (await get(s)).body;
      for (const a of body.data.accounts) expect(a.containers[0].usage.blobCount).toBe(120);
      expect(listAccounts.hits + listContainers.hits + listBlobs.hits).toBe(7);
    } finally {
      s.sim.clearInjections();
    }
  });
});
