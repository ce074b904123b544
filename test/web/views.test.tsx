// Server-renders the views (no browser, no effects) from data the poller already holds: the first paint
// after a reload. Checks the stable hooks the e2e test relies on and that odd shapes do not crash a view.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, createApiClient, type Category } from '../../web/src/lib/api.js';
import { categoryKey, clusterListKey, registryKey, storageKey } from '../../web/src/lib/keys.js';
import { createPoller } from '../../web/src/lib/poller.js';
import { createTransitionStore } from '../../web/src/lib/transitionStore.js';
import { ClusterDetails } from '../../web/src/ui/ClusterDetails.js';
import { ErrorProvider } from '../../web/src/ui/errors.js';
import { ScopeView } from '../../web/src/ui/ScopeView.js';
import { ServicesContext, type Services } from '../../web/src/ui/services.js';
import { FakeClock, FakeVisibility, flush, MemoryStorage } from './fakes.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const NOW = Date.parse('2026-01-01T12:00:00Z');

const clusterList = {
  data: [
    {
      name: 'aks-run',
      location: 'westeurope',
      kubernetesVersion: '1.33.2',
      powerState: 'Running',
      provisioningState: 'Succeeded',
      nodePools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }],
    },
    { name: 'aks-stopped', powerState: 'Stopped', provisioningState: 'Succeeded', nodePools: [] },
    {
      name: 'aks-elsewhere',
      powerState: { code: 'Stopped' },
      provisioningState: 'Starting',
      transition: { action: 'start', status: 'open', startedBy: 'cli@contoso' },
    },
    { name: 'aks-broken', powerState: 'Running', provisioningState: 'Failed', nodePools: 'not a list' },
  ],
  cache: { state: 'stale', ageSeconds: 42 },
  degraded: [{ source: 'arm', status: 429, message: 'throttled' }],
};

const categories: Record<Category, unknown> = {
  nodes: {
    data: [{ name: 'node-1', ready: 'True', roles: 'agent', allocatable: { cpuMillicores: 3860, memoryBytes: 12 * 1024 ** 3 } }, { junk: true }],
    cache: { state: 'fresh' },
  },
  pods: { data: { items: [{ name: 'coredns', phase: 'Running' }], truncated: true } },
  'top-nodes': { data: [{ name: 'node-1', cpuMillicores: 420, memoryPercent: 250 }] },
  'warmup-status': { data: { nodes: [{ node: 'node-1', status: 'failed', logTail: 'boom' }, { node: 'node-2' }] } },
  events: {
    data: {
      items: [{ type: 'Normal', reason: 'Pulled' }, { type: 'Warning', reason: 'BackOff', object: 'Pod/x' }, { object: { kind: 'Pod' } }],
      truncated: false,
    },
  },
  jobs: { data: { items: [{ name: 'blast-q1', status: 'failed', failure: { reason: 'DeadlineExceeded' } }, { name: 7 }], counts: 'none' } },
};

const EXPECTED_TEXT: Record<Category, string> = {
  nodes: '3.86 cores',
  pods: 'Showing the first 1 pods only',
  'top-nodes': 'aria-valuenow="100"', // 250 % clamped for the bar
  'warmup-status': 'data-testid="warmup-chip-node-2" data-status="unknown"',
  events: 'Pod/x',
  jobs: 'DeadlineExceeded',
};

async function setup(responses: Record<string, unknown>, storage = new MemoryStorage()) {
  const fetchFn = (async (input: string | URL) => {
    const path = String(input).split('?')[0]!;
    const body = responses[path.startsWith('/api/monitor/aks/') ? path.split('/').pop()! : path];
    if (body === undefined && path !== '/api/monitor/aks' && !path.startsWith('/api/monitor/aks/')) return new Response('{}', { status: 404 });
    return new Response(JSON.stringify(body ?? {}), { status: 200 });
  }) as typeof fetch;
  const clock = new FakeClock();
  clock.time = NOW;
  const api = createApiClient({ baseUrl: '', fetch: fetchFn, now: clock.now });
  const poller = createPoller({ scheduler: clock, visibility: new FakeVisibility() });
  const services: Services = { api, poller, transitions: createTransitionStore({ storage, now: clock.now }), storage, now: clock.now };
  // what mounted views would have loaded
  poller.watch(clusterListKey(scope), () => api.clusters(scope), 30_000);
  for (const c of CATEGORIES) poller.watch(categoryKey(scope, 'aks-run', c), () => api.category(scope, 'aks-run', c), 30_000);
  poller.watch(storageKey(scope), () => api.storage(scope), 30_000);
  poller.watch(registryKey(scope), () => api.registry(scope), 30_000);
  for (let i = 0; i < 5; i++) await flush();
  const render = (node: React.ReactNode) =>
    renderToString(
      <ServicesContext value={services}>
        <ErrorProvider>{node}</ErrorProvider>
      </ServicesContext>,
    );
  return { services, render };
}

const all = { start: true, stop: true, delete: true };

describe('views', () => {
  it('renders one card per cluster with its state chip and enabled actions', async () => {
    const { render } = await setup({ '/api/monitor/aks': clusterList });
    const html = render(<ScopeView scope={scope} pollSeconds={30} permissions={all} />);
    for (const name of ['aks-run', 'aks-stopped', 'aks-elsewhere', 'aks-broken']) expect(html).toContain(`data-testid="cluster-card-${name}"`);
    expect(html).toMatch(/data-testid="state-chip-aks-run" data-state="running"/);
    expect(html).toMatch(/data-testid="state-chip-aks-stopped" data-state="stopped"/);
    expect(html).toMatch(/data-testid="state-chip-aks-elsewhere" data-state="starting"/);
    expect(html).toMatch(/data-testid="state-chip-aks-broken" data-state="failed"/);
    expect(html).toMatch(/<button type="button" class="small" data-testid="start-button-aks-stopped" aria-label="Start aks-stopped" aria-busy="false">/);
    expect(html).toMatch(/data-testid="start-button-aks-run"[^>]*disabled/);
    expect(html).toContain('data-testid="degraded-warning"');
    // the AKS card's age and cache marker are the list's
    expect(html).toMatch(/data-testid="aks-freshness" data-cache-state="stale"/);
    expect(html).toContain('updated 42 s ago');
  });

  it('shows the server-side transition as a banner and fast-polls', async () => {
    const { render } = await setup({ '/api/monitor/aks': clusterList });
    const html = render(<ScopeView scope={scope} pollSeconds={30} permissions={all} />);
    expect(html).toMatch(/data-testid="transition-banner-aks-elsewhere"[^>]*data-source="server"/);
    expect(html).toContain('Started by cli@contoso.');
    expect(html).toMatch(/data-testid="poll-status" data-mode="fast" data-interval-seconds="10"/);
  });

  it('after a reload, the banner of a transition kept in localStorage is there on the first paint', async () => {
    const storage = new MemoryStorage();
    storage.setItem(
      `elb-cluster-transitions:${scope.subscriptionId}:${scope.resourceGroup}`,
      JSON.stringify({ 'aks-stopped': { action: 'start', startedAt: NOW - 60_000, deadline: NOW + 540_000 } }),
    );
    const { render } = await setup({ '/api/monitor/aks': { ...clusterList, data: clusterList.data.slice(0, 2) } }, storage);
    const html = render(<ScopeView scope={scope} pollSeconds={30} permissions={all} />);
    expect(html).toMatch(/data-testid="transition-banner-aks-stopped"[^>]*data-action="start" data-source="local" data-stuck="false"/);
    expect(html).toContain('Cluster aks-stopped is starting…');
    expect(html).toMatch(/data-testid="state-chip-aks-stopped" data-state="starting"/);
    expect(html).toMatch(/data-testid="start-button-aks-stopped"[^>]*disabled/);
    expect(html).toMatch(/data-mode="fast"/);
  });

  it('hides actions the caller has no role for', async () => {
    const { render } = await setup({ '/api/monitor/aks': clusterList });
    const html = render(<ScopeView scope={scope} pollSeconds={30} permissions={{ start: false, stop: false, delete: false }} />);
    expect(html).toMatch(/data-testid="start-button-aks-stopped"[^>]*title="Needs the Cluster.Operate role" disabled/);
  });

  for (const category of CATEGORIES) {
    it(`renders the ${category} view from odd shapes without crashing`, async () => {
      const { render } = await setup({ [category]: categories[category] });
      const html = render(<ClusterDetails scope={scope} cluster="aks-run" pollSeconds={30} initialCategory={category} />);
      expect(html).toContain(`data-testid="panel-${category}-aks-run"`);
      expect(html).not.toContain('Could not load');
      expect(html).toContain(EXPECTED_TEXT[category]);
    });
  }

  // the API's own shapes (shared/k8s/reads.ts, warmup.ts), as the e2e test also sees them
  const realShapes: Partial<Record<Category, { body: unknown; texts: string[] }>> = {
    nodes: {
      body: {
        data: [
          {
            name: 'aks-db-0',
            ready: true,
            roles: ['agent'],
            pool: 'db',
            unschedulable: true,
            taints: [],
            allocatable: { cpuMillicores: 7820, memoryBytes: 58993823744 },
          },
        ],
        cache: { state: 'fresh' },
        degraded: [],
      },
      texts: ['7.82 cores', '55 GiB', 'SchedulingDisabled'],
    },
    pods: {
      body: {
        data: {
          items: [
            { namespace: 'db', name: 'report-worker', phase: 'Running', status: 'CrashLoopBackOff', readyContainers: 0, totalContainers: 1, restarts: 14 },
          ],
          truncated: false,
        },
        degraded: [],
      },
      texts: ['class="bad" title="phase Running">CrashLoopBackOff'],
    },
    'warmup-status': {
      body: {
        data: {
          nodes: [
            { node: 'n2', status: 'failed', job: { namespace: 'db', name: 'warmup-n2' }, reason: 'backoff limit', logTail: ['exit 3'] },
            { node: 'n4', status: 'stale', gone: true },
          ],
          jobs: [],
        },
        degraded: [],
      },
      texts: ['1 failed · 1 stale', '(node gone)', 'class="log-mark">log', 'title="backoff limit · Show the log tail"'],
    },
    events: {
      body: {
        data: {
          items: [{ type: 'Warning', reason: 'BackOff', object: 'Pod/report-worker', namespace: 'db', message: 'Back-off', count: 57 }],
          truncated: true,
        },
        degraded: [],
      },
      texts: ['db/Pod/report-worker', 'Showing the 1 most recent events only', 'data-label="Message"'],
    },
  };
  for (const [category, { body, texts }] of Object.entries(realShapes) as [Category, { body: unknown; texts: string[] }][]) {
    it(`renders the ${category} view from the API's real shape`, async () => {
      const { render } = await setup({ [category]: body });
      const html = render(<ClusterDetails scope={scope} cluster="aks-run" pollSeconds={30} initialCategory={category} />);
      for (const text of texts) expect(html).toContain(text);
    });
  }

  it('paints the board: node bars and database chips of a running cluster, jobs with their failure, registry, storage', async () => {
    const envelope = (data: unknown, state = 'fresh') => ({ data, cache: { state, ageSeconds: 5 }, degraded: [] });
    const { render } = await setup({
      '/api/monitor/aks': { ...clusterList, data: clusterList.data.slice(0, 2) },
      'top-nodes': envelope([{ name: 'aks-db-0', cpuMillicores: 15200, memoryBytes: 1e9, cpuPercent: 96, memoryPercent: 20 }]),
      'warmup-status': envelope({
        databases: [
          { name: 'core_nt', status: 'ready', total: 3, ready: 3 },
          { name: 'refseq_protein', status: 'loading', total: 3, ready: 1, active: 2, progress: { percent: 42, etaSeconds: 300 } },
          { name: 'pdbaa', status: 'stale', total: 1, ready: 1, staleReason: 'node aks-db-3 gone' },
        ],
        nodes: [],
        jobs: [],
      }),
      jobs: envelope({
        items: [
          { namespace: 'elb', name: 'blast-q2', app: 'blast', status: 'running', active: 1, startedAt: new Date(NOW - 60_000).toISOString() },
          {
            namespace: 'elb',
            name: 'blast-q1',
            app: 'blast',
            status: 'failed',
            failed: 2,
            startedAt: new Date(NOW - 3_600_000).toISOString(),
            failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
          },
        ],
        counts: { running: 1, succeeded: 0, failed: 1, suspended: 0, total: 2 },
        truncated: false,
      }),
      '/api/monitor/storage': envelope(
        {
          accounts: [
            {
              name: 'stelb01',
              publicNetworkAccess: 'Enabled',
              containers: [
                {
                  name: 'blast-db',
                  publicAccess: 'None',
                  usage: { blobCount: 10000, bytes: 5e9, truncated: true },
                  databases: [{ name: 'core_nt', ready: true }],
                },
                { name: 'queries', publicAccess: 'None', usage: null, usageProblem: { code: 'calculating' } },
              ],
              degraded: [],
            },
          ],
          databases: { ready: 4, total: 9 },
        },
        'stale',
      ),
      '/api/monitor/acr': envelope({
        registries: [
          {
            name: 'acrelb01',
            loginServer: 'acrelb01.azurecr.io',
            sku: 'Basic',
            expectedImages: [
              { image: 'ncbi/elb:1.4', state: 'built' },
              { image: 'ncbi/blast:2.16', state: 'building', run: { id: 'r1', status: 'Running' } },
              { image: 'elb/warmup:1', state: 'missing' },
            ],
            built: { built: 1, expected: 3 },
            degraded: [{ source: 'acr:catalog', status: 403, message: 'grant AcrPull' }],
          },
        ],
      }),
    });
    const html = render(<ScopeView scope={scope} pollSeconds={30} permissions={all} />);
    for (const card of ['aks', 'jobs', 'registry', 'storage']) expect(html).toContain(`data-testid="${card}-card"`);
    // AKS: bars and chips of the running cluster only
    expect(html).toContain('data-testid="node-bars-aks-run"');
    expect(html).toMatch(/aria-label="CPU of aks-db-0"[^>]*aria-valuenow="96"/);
    expect(html).not.toContain('live-aks-stopped');
    expect(html).toMatch(/data-testid="db-chip-aks-run-refseq_protein" data-status="loading"/);
    expect(html).toContain('1/3 · 42% · ~5m left');
    expect(html).toContain('re-warm needed');
    expect(html).toContain('node aks-db-3 gone');
    // a database loading or stale: the chips are checked every 5 s
    expect(html).toMatch(/data-testid="db-poll-aks-run" data-interval-seconds="5"/);
    // Jobs: the failure with its reason and message
    expect(html).toMatch(/data-testid="job-row" data-job="blast-q1" data-status="failed"/);
    expect(html).toContain('BackoffLimitExceeded');
    expect(html).toContain('1 running');
    // Registry: built count, each image's state, the degraded note naming the role
    expect(html).toMatch(/data-testid="images-built" data-built="1" data-expected="3"/);
    expect(html).toMatch(/data-image="elb\/warmup:1" data-state="missing"/);
    expect(html).toContain('acrelb01: acr:catalog');
    // Storage: the warning, the strip, bounded and pending counts, the stale marker
    expect(html).toContain('data-testid="public-network-warning"');
    expect(html).toMatch(/data-testid="databases-strip" data-ready="4" data-total="9"/);
    expect(html).toContain('≥ <!-- -->10,000');
    expect(html).toMatch(/data-testid="container-queries" data-usage="calculating"/);
    expect(html).toContain('calculating…');
    expect(html).toMatch(/data-testid="storage-freshness" data-cache-state="stale"/);
  });

  it('says a stopped cluster has nothing live to show', async () => {
    const { render } = await setup({ nodes: { data: null, reason: 'clusterStopped', cache: { state: 'fresh' } } });
    const html = render(<ClusterDetails scope={scope} cluster="aks-run" pollSeconds={30} />);
    expect(html).toContain('The cluster is stopped');
  });

  it('says a starting cluster is not reachable yet', async () => {
    const { render } = await setup({ nodes: { data: null, reason: 'clusterStarting', cache: { state: 'fresh' } } });
    const html = render(<ClusterDetails scope={scope} cluster="aks-run" pollSeconds={30} />);
    expect(html).toContain('The cluster is starting: its API server is not reachable yet.');
  });
});
