// The new reads' parsers (jobs, warm databases, storage, registry) and the pure helpers of the scope's cards.
import { describe, expect, it } from 'vitest';
import { CATEGORY_NORMALIZERS, createApiClient, isPubliclyReachable, normalizeEnvelope, normalizeRegistries, normalizeStorage } from '../../web/src/lib/api.js';
import type { Job, JobList, WarmDatabase } from '../../web/src/lib/categoryData.js';
import { formatShortDuration, formatUpdated } from '../../web/src/lib/format.js';
import { eventsOfJob, mergeJobs, visibleJobRows } from '../../web/src/lib/jobRows.js';
import { sortWarmDatabases, warmChip, warmChipsIntervalMs } from '../../web/src/lib/warmChips.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const T0 = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('warm databases (warmup-status)', () => {
  it('reads the databases beside the nodes; bad entries dropped, odd values bounded', () => {
    const status = CATEGORY_NORMALIZERS['warmup-status']({
      databases: [
        {
          name: 'core_nt',
          status: 'ready',
          total: 3,
          ready: 3,
          failed: 0,
          active: 0,
          shards: ['00', '01', '02'],
          sourceVersions: ['2026-01'],
          elapsedSeconds: 840,
        },
        {
          name: 'refseq_protein',
          status: 'loading',
          total: 3,
          ready: 1,
          failed: 0,
          active: 2,
          shards: [],
          sourceVersions: [],
          progress: { percent: 142, etaSeconds: 300 },
        },
        { name: 'weird', status: 'exploded', total: -2, ready: 'x' },
        { status: 'ready' },
        'junk',
      ],
      nodes: [],
      jobs: [],
    });
    expect(status.databases.map((d) => d.name)).toEqual(['core_nt', 'refseq_protein', 'weird']);
    expect(status.databases[0]).toMatchObject({ status: 'ready', ready: 3, total: 3, shards: ['00', '01', '02'], elapsedSeconds: 840 });
    expect(status.databases[1]?.progress).toEqual({ percent: 100, etaSeconds: 300 });
    expect(status.databases[2]).toMatchObject({ status: 'unknown', total: 0, ready: 0 });
  });

  it('an answer from before databases existed reads as none', () => {
    expect(CATEGORY_NORMALIZERS['warmup-status']({ nodes: [], jobs: [] }).databases).toEqual([]);
  });
});

const db = (over: Partial<WarmDatabase>): WarmDatabase => ({
  name: 'core_nt',
  status: 'ready',
  total: 3,
  ready: 3,
  failed: 0,
  active: 0,
  shards: [],
  sourceVersions: [],
  ...over,
});

describe('warm chips', () => {
  it('say ready n/n, loading with progress and time left, failed f/n, re-warm needed', () => {
    expect(warmChip(db({})).label).toBe('core_nt 3/3');
    expect(warmChip(db({ name: 'refseq_protein', status: 'loading', ready: 1, active: 2, progress: { percent: 42.4, etaSeconds: 290 } })).label).toBe(
      'refseq_protein 1/3 · 42% · ~5m left',
    );
    expect(warmChip(db({ status: 'loading', ready: 0, active: 3 })).label).toBe('core_nt 0/3');
    expect(warmChip(db({ name: 'nr', status: 'failed', ready: 2, failed: 1 })).label).toBe('nr failed 1/3');
    const stale = warmChip(db({ status: 'stale', staleReason: '2 source versions', sourceVersions: ['v1', 'v2'] }));
    expect(stale.label).toBe('core_nt re-warm needed');
    expect(stale.title).toContain('re-warm needed: 2 source versions');
    expect(stale.title).toContain('source versions v1, v2');
  });

  it('poll every 5 s while a database is loading or stale, else every 60 s', () => {
    expect(warmChipsIntervalMs(undefined)).toBe(60_000);
    expect(warmChipsIntervalMs([db({}), db({ status: 'failed' })])).toBe(60_000);
    expect(warmChipsIntervalMs([db({}), db({ status: 'loading' })])).toBe(5_000);
    expect(warmChipsIntervalMs([db({ status: 'stale' })])).toBe(5_000);
  });

  it('sort what needs attention first', () => {
    const sorted = sortWarmDatabases([
      db({ name: 'a' }),
      db({ name: 'b', status: 'loading' }),
      db({ name: 'c', status: 'failed' }),
      db({ name: 'd', status: 'stale' }),
    ]);
    expect(sorted.map((d) => d.name)).toEqual(['c', 'd', 'b', 'a']);
  });
});

describe('jobs category', () => {
  it('reads jobs with their failure, counts as sent (they cover a truncated list)', () => {
    const list = CATEGORY_NORMALIZERS.jobs({
      items: [
        {
          namespace: 'blast',
          name: 'blast-q1',
          app: 'blast',
          status: 'failed',
          active: 0,
          succeeded: 0,
          failed: 2,
          completions: 1,
          startedAt: iso(T0),
          completedAt: iso(T0 + 60_000),
          durationSeconds: 60,
          failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        },
        { namespace: 'blast', name: 'blast-q2', status: 'teleporting', startedAt: 'yesterday', durationSeconds: -5 },
        { name: '' },
      ],
      counts: { running: 4, succeeded: 10, failed: 1, suspended: 0, total: 15 },
      truncated: true,
    });
    expect(list.items).toHaveLength(2);
    expect(list.items[0]).toMatchObject({
      app: 'blast',
      status: 'failed',
      startedAt: T0,
      completedAt: T0 + 60_000,
      failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    });
    expect(list.items[1]).toMatchObject({ status: 'unknown', startedAt: undefined, durationSeconds: undefined, completions: 1 });
    expect(list.counts).toEqual({ running: 4, succeeded: 10, failed: 1, suspended: 0, total: 15 });
    expect(list.truncated).toBe(true);
  });

  it('counts from the items when the server sent none', () => {
    const list = CATEGORY_NORMALIZERS.jobs({
      items: [
        { name: 'a', status: 'running' },
        { name: 'b', status: 'failed' },
      ],
    });
    expect(list.counts).toEqual({ running: 1, succeeded: 0, failed: 1, suspended: 0, total: 2 });
  });
});

const job = (name: string, over: Partial<Job> = {}): Job => ({
  namespace: 'blast',
  name,
  status: 'succeeded',
  active: 0,
  succeeded: 1,
  failed: 0,
  completions: 1,
  ...over,
});
const listOf = (items: Job[]): JobList => ({
  items,
  counts: {
    running: items.filter((j) => j.status === 'running').length,
    succeeded: items.filter((j) => j.status === 'succeeded').length,
    failed: items.filter((j) => j.status === 'failed').length,
    suspended: 0,
    total: items.length,
  },
  truncated: false,
});

describe('jobs across a scope', () => {
  it('merges clusters newest first (not started yet counts as newest) and sums the counts', () => {
    const merged = mergeJobs([
      { cluster: 'a', list: listOf([job('a-new', { startedAt: T0 + 3000 }), job('a-old', { startedAt: T0 })]) },
      {
        cluster: 'b',
        list: { ...listOf([job('b-mid', { startedAt: T0 + 2000, status: 'failed' }), job('b-pending', { status: 'suspended' })]), truncated: true },
      },
    ]);
    expect(merged.rows.map((r) => `${r.cluster}:${r.job.name}`)).toEqual(['b:b-pending', 'a:a-new', 'b:b-mid', 'a:a-old']);
    expect(merged.counts).toMatchObject({ succeeded: 2, failed: 1, total: 4 });
    expect(merged.truncated).toBe(true);
  });

  it('a limit never hides a failure', () => {
    const rows = [1, 2, 3, 4, 5].map((i) => ({ cluster: 'a', job: job(`j${i}`, { status: i === 5 ? 'failed' : 'succeeded' }) }));
    expect(visibleJobRows(rows, 2).map((r) => r.job.name)).toEqual(['j1', 'j2', 'j5']);
  });

  it("a job's events: the Job and its own pods in its namespace, not a longer-named job's pods", () => {
    const events = [
      { object: 'Job/blast-q1', namespace: 'blast', reason: 'BackoffLimitExceeded' },
      { object: 'Pod/blast-q1-x7k2p', namespace: 'blast', reason: 'BackOff' },
      { object: 'Pod/blast-q1-0-x7k2p', namespace: 'blast', reason: 'Indexed' },
      { object: 'Pod/blast-q1-2-abcde-fghij', namespace: 'blast', reason: 'NotMine' },
      { object: 'Pod/blast-q1x-7k2p9', namespace: 'blast', reason: 'NotMineEither' },
      { object: 'Job/blast-q1', namespace: 'other', reason: 'OtherNamespace' },
      { object: 'Job/blast-q1', reason: 'NoNamespace' },
    ];
    expect(eventsOfJob(events, { name: 'blast-q1', namespace: 'blast' }).map((e) => e.reason)).toEqual([
      'BackoffLimitExceeded',
      'BackOff',
      'Indexed',
      'NoNamespace',
    ]);
  });
});

describe('storage', () => {
  const overview = {
    accounts: [
      {
        name: 'stelb01',
        location: 'westeurope',
        sku: 'Standard_LRS',
        kind: 'StorageV2',
        hierarchicalNamespace: true,
        publicNetworkAccess: 'Enabled',
        allowBlobPublicAccess: false,
        minimumTlsVersion: 'TLS1_2',
        blobEndpoint: 'https://stelb01.blob.core.windows.net/',
        containers: [
          {
            name: 'blast-db',
            publicAccess: 'None',
            lastModifiedAt: iso(T0),
            usage: { blobCount: 10000, bytes: 5e9, newestAt: iso(T0), truncated: true, countedAt: iso(T0) },
            databases: [
              { name: 'core_nt', files: 12, bytes: 4e9, newestAt: iso(T0), ready: true },
              { name: 'half', files: 3, bytes: 1, ready: false },
              { files: 1 },
            ],
          },
          { name: 'queries', publicAccess: 'None', usage: null, usageProblem: { code: 'calculating', message: 'counting' } },
          { name: 'results', usage: null, usageProblem: { code: 'AuthorizationPermissionMismatch', message: 'grant Storage Blob Data Reader' } },
          { name: 'odd', usage: { blobCount: -1, bytes: 3 } },
        ],
        degraded: [{ source: 'storage:blob', status: 403, message: 'grant Storage Blob Data Reader' }],
      },
      { location: 'nameless' },
    ],
    databases: { ready: 4, total: 9 },
  };

  it('reads accounts, containers with usage or why not, and the databases', () => {
    const view = normalizeStorage(overview);
    expect(view.accounts).toHaveLength(1);
    const account = view.accounts[0]!;
    expect(account).toMatchObject({ name: 'stelb01', sku: 'Standard_LRS', kind: 'StorageV2', hierarchicalNamespace: true, publicNetworkAccess: 'Enabled' });
    expect(isPubliclyReachable(account)).toBe(true);
    expect(account.degraded).toEqual([{ source: 'storage:blob', status: 403, message: 'grant Storage Blob Data Reader' }]);
    const [db, queries, results, odd] = account.containers;
    expect(db?.usage).toMatchObject({ blobCount: 10000, truncated: true, newestAt: T0 });
    expect(db?.databases?.map((d) => `${d.name}:${d.ready}`)).toEqual(['core_nt:true', 'half:false']);
    expect(queries?.usageProblem).toEqual({ code: 'calculating', message: 'counting' });
    expect(results?.usageProblem?.code).toBe('AuthorizationPermissionMismatch');
    // a usage that does not check out is "still being counted", never a bogus figure
    expect(odd?.usage).toBeUndefined();
    expect(odd?.usageProblem?.code).toBe('calculating');
    expect(view.databases).toEqual({ ready: 4, total: 9 });
  });

  it('counts the databases itself when the summary is missing', () => {
    const { databases, ...rest } = overview;
    expect(databases).toBeDefined();
    expect(normalizeStorage(rest).databases).toEqual({ ready: 1, total: 2 });
    expect(normalizeStorage('nonsense')).toEqual({ accounts: [], databases: { ready: 0, total: 0 } });
  });
});

describe('registry', () => {
  it('reads registries, repositories and the expected images with their state', () => {
    const view = normalizeRegistries({
      registries: [
        {
          name: 'acrelb01',
          location: 'westeurope',
          loginServer: 'acrelb01.azurecr.io',
          sku: 'Basic',
          adminUserEnabled: false,
          publicNetworkAccess: 'Enabled',
          repositories: [{ name: 'ncbi/elb', tagCount: 7, tags: [{ name: '1.4.0', digest: 'sha256:ab', updatedAt: iso(T0) }, { digest: 'x' }] }],
          expectedImages: [
            { image: 'ncbi/elb:1.4.0', state: 'built', updatedAt: iso(T0), digest: 'sha256:ab' },
            { image: 'ncbi/blast:2.16', state: 'building', run: { id: 'ca12', status: 'Running', startedAt: iso(T0) } },
            { image: 'ncbi/warmup:1', state: 'missing' },
            { image: 'x:y', state: 'lost' },
            { state: 'built' },
          ],
          built: { built: 1, expected: 4 },
          degraded: [],
        },
      ],
    });
    const registry = view.registries[0]!;
    expect(registry).toMatchObject({ name: 'acrelb01', loginServer: 'acrelb01.azurecr.io', sku: 'Basic', built: { built: 1, expected: 4 } });
    expect(registry.repositories[0]).toEqual({ name: 'ncbi/elb', tagCount: 7, tags: [{ name: '1.4.0', digest: 'sha256:ab', updatedAt: T0 }] });
    expect(registry.expectedImages.map((i) => i.state)).toEqual(['built', 'building', 'missing', 'unknown']);
    expect(registry.expectedImages[1]?.run).toEqual({ id: 'ca12', status: 'Running', startedAt: T0 });
  });

  it('counts the built images itself when the summary is missing', () => {
    const view = normalizeRegistries({
      registries: [
        {
          name: 'r',
          expectedImages: [
            { image: 'a:1', state: 'built' },
            { image: 'b:1', state: 'missing' },
          ],
        },
      ],
    });
    expect(view.registries[0]?.built).toEqual({ built: 1, expected: 2 });
  });
});

describe('the new routes in the client', () => {
  it('reads storage and the registry with the scope in the query, conditionally', async () => {
    const calls: { url: string; etag?: string }[] = [];
    const fetchFn = (async (input: string | URL, init?: RequestInit) => {
      const etag = (init?.headers as Record<string, string> | undefined)?.['if-none-match'];
      calls.push({ url: String(input), etag });
      if (etag) return new Response(null, { status: 304 });
      const body = String(input).includes('/storage') ? { accounts: [] } : { registries: [] };
      return new Response(JSON.stringify({ data: body, cache: { state: 'fresh', ageSeconds: 2 }, degraded: [] }), { status: 200, headers: { etag: '"g1"' } });
    }) as typeof fetch;
    const api = createApiClient({ baseUrl: '', fetch: fetchFn, now: () => T0 });
    const first = await api.storage(SCOPE);
    const again = await api.storage(SCOPE);
    const registry = await api.registry(SCOPE);
    expect(calls.map((c) => c.url)).toEqual([
      `/api/monitor/storage?subscriptionId=${SCOPE.subscriptionId}&resourceGroup=rg-elb-01`,
      `/api/monitor/storage?subscriptionId=${SCOPE.subscriptionId}&resourceGroup=rg-elb-01`,
      `/api/monitor/acr?subscriptionId=${SCOPE.subscriptionId}&resourceGroup=rg-elb-01`,
    ]);
    expect(calls[1]?.etag).toBe('"g1"');
    // a 304 hands back the very same envelope: nothing re-renders
    expect(again).toBe(first);
    expect(first.cache).toMatchObject({ state: 'fresh', ageSeconds: 2 });
    expect(registry.data).toEqual({ registries: [] });
  });

  it('an envelope without data (the read failed as a whole) keeps data null with its degraded note', () => {
    const envelope = normalizeEnvelope({ data: null, degraded: [{ source: 'arm:storageAccounts', status: 403, message: 'no role' }] }, normalizeStorage, T0);
    expect(envelope.data).toBeNull();
    expect(envelope.degraded[0]?.status).toBe(403);
  });
});

describe('format', () => {
  it('says a card’s age in plain words and durations compactly', () => {
    expect(formatUpdated(undefined)).toBe('not read yet');
    expect(formatUpdated(1)).toBe('updated just now');
    expect(formatUpdated(12)).toBe('updated 12 s ago');
    expect(formatUpdated(600)).toBe('updated 10 min ago');
    expect(formatShortDuration(40)).toBe('40s');
    expect(formatShortDuration(290)).toBe('5m');
    expect(formatShortDuration(4800)).toBe('1h 20m');
    expect(formatShortDuration(3600)).toBe('1h');
    expect(formatShortDuration(2 * 86400 + 3 * 3600)).toBe('2d 3h');
  });
});
