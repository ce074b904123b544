// The fleet table's helpers, the schedule's "next action" line and the fleet view's first paint (server-rendered
// from what the poller holds), from the API's own shapes and from odd ones.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../web/src/lib/api.js';
import {
  describeNextAction,
  filterRows,
  FLEET_KEY,
  fleetRows,
  normalizeAudit,
  normalizeFleet,
  normalizeSchedule,
  sortRows,
} from '../../web/src/lib/fleetTable.js';
import { categoryKey } from '../../web/src/lib/keys.js';
import { createPoller } from '../../web/src/lib/poller.js';
import { createTransitionStore } from '../../web/src/lib/transitionStore.js';
import { ErrorProvider } from '../../web/src/ui/errors.js';
import { FleetView } from '../../web/src/ui/FleetView.js';
import { ServicesContext, type Services } from '../../web/src/ui/services.js';
import { FakeClock, FakeVisibility, flush, MemoryStorage } from './fakes.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const SUB2 = '00000000-0000-0000-0000-000000000002';
const fleetBody = {
  scopes: [
    {
      subscriptionId: SUB,
      resourceGroup: 'rg-a',
      cache: { state: 'fresh' },
      degraded: [],
      transitionCount: 1,
      clusters: [
        {
          name: 'a-run',
          kubernetesVersion: '1.31.2',
          powerState: 'Running',
          provisioningState: 'Succeeded',
          nodePools: [
            { name: 'system', count: 2 },
            { name: 'db', count: 3 },
          ],
        },
        {
          name: 'a-stopping',
          kubernetesVersion: '1.9.0',
          powerState: 'Running',
          provisioningState: 'Stopping',
          nodePools: [],
          transition: { action: 'stop', status: 'open', startedBy: 'alice' },
        },
      ],
    },
    {
      subscriptionId: SUB2,
      resourceGroup: 'rg-b',
      cache: { state: 'stale' },
      degraded: [],
      transitionCount: 0,
      clusters: [
        { name: 'b-stopped', kubernetesVersion: '1.30.6', powerState: 'Stopped', provisioningState: 'Succeeded', nodePools: [{ name: 'system', count: 1 }] },
        { name: 'b-failed', powerState: 'Running', provisioningState: 'Failed', nodePools: 'junk' },
      ],
    },
    {
      subscriptionId: SUB2,
      resourceGroup: 'rg-down',
      cache: null,
      degraded: [{ source: 'arm:managedClusters', status: 503, message: 'unavailable' }],
      transitionCount: 0,
      clusters: [],
    },
    { junk: true },
  ],
  totals: { running: 1, stopped: 1, transitioning: 1, failed: 1, clusters: 4, scopes: 3 },
  degraded: [],
};

describe('fleet helpers', () => {
  const fleet = normalizeFleet(fleetBody);
  const rows = fleetRows(fleet);

  it('normalizes scopes (dropping junk) and makes one row per cluster with its state and node count', () => {
    expect(fleet.scopes.map((s) => s.resourceGroup)).toEqual(['rg-a', 'rg-b', 'rg-down']);
    expect(fleet.totals).toEqual({ running: 1, stopped: 1, transitioning: 1, failed: 1 });
    expect(rows.map((r) => [r.cluster.name, r.state, r.nodes])).toEqual([
      ['a-run', 'running', 5],
      ['a-stopping', 'transitioning', 0],
      ['b-stopped', 'stopped', 1],
      ['b-failed', 'failed', 0],
    ]);
  });

  it('filters by text (name, resource group, version) and state; sorts by any column, versions numerically', () => {
    expect(filterRows(rows, 'RG-B', 'all').map((r) => r.cluster.name)).toEqual(['b-stopped', 'b-failed']);
    expect(filterRows(rows, '', 'failed').map((r) => r.cluster.name)).toEqual(['b-failed']);
    expect(filterRows(rows, '1.31', 'running').map((r) => r.cluster.name)).toEqual(['a-run']);
    expect(sortRows(rows, 'name').map((r) => r.cluster.name)).toEqual(['a-run', 'a-stopping', 'b-failed', 'b-stopped']);
    expect(sortRows(rows, 'nodes', true).map((r) => r.cluster.name)[0]).toBe('a-run');
    expect(sortRows(rows, 'version').map((r) => r.cluster.kubernetesVersion)).toEqual([undefined, '1.9.0', '1.30.6', '1.31.2']);
  });

  it('describes a schedule\u2019s next action in its own time zone', () => {
    const now = Date.parse('2026-01-05T10:00:00Z'); // Monday
    const base = normalizeSchedule({
      id: 'x',
      subscriptionId: SUB,
      resourceGroup: 'rg-a',
      cluster: 'a-run',
      action: 'stop',
      cron: '0 0 19 * * 1-5',
      timeZone: 'Europe/Berlin',
      enabled: true,
      nextRun: '2026-01-05T18:00:00Z',
    })!;
    // IANA names everywhere (never CET beside GMT-5), and a paused schedule is just "paused"
    expect(describeNextAction(base, now)).toBe('stops today 19:00 (Europe/Berlin)');
    expect(describeNextAction({ ...base, action: 'start', nextRun: Date.parse('2026-01-06T06:00:00Z') }, now)).toBe('starts tomorrow 07:00 (Europe/Berlin)');
    expect(describeNextAction({ ...base, nextRun: Date.parse('2026-01-09T18:00:00Z') }, now)).toBe('stops Fri 9 Jan 19:00 (Europe/Berlin)');
    expect(describeNextAction({ ...base, timeZone: 'America/New_York', nextRun: Date.parse('2026-01-06T00:00:00Z') }, now)).toBe(
      'stops today 19:00 (America/New_York)',
    );
    expect(describeNextAction({ ...base, enabled: false }, now)).toBe('paused');
    expect(describeNextAction({ ...base, keepRunningUntil: Date.parse('2026-01-06T00:00:00Z') }, now)).toBe(
      'stops today 19:00 (Europe/Berlin) (skipped: kept running)',
    );
    expect(normalizeSchedule({ id: 'x', action: 'delete' })).toBeUndefined();
  });

  it('normalizes audit pages', () => {
    const page = normalizeAudit({
      data: [{ at: '2026-01-05T10:00:00Z', action: 'stop', cluster: 'a', outcome: 'skipped', actor: { name: 'alice', via: 'schedule' } }, { at: 'never' }],
      continuationToken: 't',
    });
    expect(page.entries).toEqual([
      expect.objectContaining({ action: 'stop', outcome: 'skipped', actor: expect.objectContaining({ name: 'alice', via: 'schedule' }) }),
    ]);
    expect(page.continuationToken).toBe('t');
  });
});

describe('fleet view', () => {
  it('paints the counts, one row per cluster with its chip, and the degraded scope', async () => {
    const fetchFn = (async () => new Response(JSON.stringify(fleetBody), { status: 200 })) as typeof fetch;
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    const api = createApiClient({ baseUrl: '', fetch: fetchFn, now: clock.now });
    const poller = createPoller({ scheduler: clock, visibility: new FakeVisibility() });
    const services: Services = { api, poller, transitions: createTransitionStore({ storage, now: clock.now }), storage, now: clock.now };
    poller.watch(FLEET_KEY, () => api.fleet(), 30_000);
    for (let i = 0; i < 5; i++) await flush();
    const html = renderToString(
      <ServicesContext value={services}>
        <ErrorProvider>
          <FleetView pollSeconds={30} fastPollSeconds={10} permissions={{ start: true, stop: true, delete: false }} onOpen={() => {}} />
        </ErrorProvider>
      </ServicesContext>,
    );
    expect(html).toMatch(/data-testid="fleet-count-running" data-count="1"/);
    expect(html).toMatch(/data-testid="fleet-count-transitioning" data-count="1"/);
    for (const name of ['a-run', 'a-stopping', 'b-stopped', 'b-failed']) expect(html).toContain(`data-testid="fleet-row-${name}"`);
    expect(html).toMatch(/data-testid="fleet-chip-a-stopping" data-state="stopping"/);
    // the transition in words (the clock is at 0, before its start: no age), a Stop on the running row, no Delete
    expect(html).toMatch(/data-testid="fleet-transition-a-stopping">stopping · by alice/);
    expect(html).toContain('data-testid="fleet-stop-a-run"');
    expect(html).not.toContain('delete');
    expect(html).toContain('rg-down: arm:managedClusters');
  });
});

describe('fleet view, per cluster', () => {
  it('shows the warm databases ready and the jobs running / failed of a running cluster from the keys the scope view polls', async () => {
    const scopeA = { subscriptionId: SUB, resourceGroup: 'rg-a' };
    const answers: Record<string, unknown> = {
      '/api/monitor/fleet': fleetBody,
      '/api/monitor/aks/a-run/warmup-status': {
        data: {
          databases: [
            { name: 'core_nt', status: 'ready', total: 3, ready: 3 },
            { name: 'nr', status: 'ready', total: 3, ready: 3 },
            { name: 'pdbaa', status: 'failed', total: 3, ready: 2, failed: 1 },
          ],
          nodes: [],
          jobs: [],
        },
        cache: { state: 'fresh', ageSeconds: 1 },
        degraded: [],
      },
      '/api/monitor/aks/a-run/jobs': {
        data: { items: [], counts: { running: 2, succeeded: 5, failed: 1, suspended: 0, total: 8 }, truncated: false },
        cache: { state: 'fresh', ageSeconds: 1 },
        degraded: [],
      },
    };
    const fetchFn = (async (input: string | URL) => new Response(JSON.stringify(answers[String(input).split('?')[0]!] ?? {}), { status: 200 })) as typeof fetch;
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    const api = createApiClient({ baseUrl: '', fetch: fetchFn, now: clock.now });
    const poller = createPoller({ scheduler: clock, visibility: new FakeVisibility() });
    const services: Services = { api, poller, transitions: createTransitionStore({ storage, now: clock.now }), storage, now: clock.now };
    poller.watch(FLEET_KEY, () => api.fleet(), 30_000);
    // what the scope view of rg-a polled (the fleet reads the same keys)
    poller.watch(categoryKey(scopeA, 'a-run', 'warmup-status'), () => api.category(scopeA, 'a-run', 'warmup-status'), 60_000);
    poller.watch(categoryKey(scopeA, 'a-run', 'jobs'), () => api.category(scopeA, 'a-run', 'jobs'), 30_000);
    for (let i = 0; i < 5; i++) await flush();
    const html = renderToString(
      <ServicesContext value={services}>
        <ErrorProvider>
          <FleetView pollSeconds={30} fastPollSeconds={10} permissions={{ start: true, stop: true, delete: false }} onOpen={() => {}} />
        </ErrorProvider>
      </ServicesContext>,
    );
    expect(html).toMatch(/data-testid="fleet-dbs-a-run" data-ready="2" data-total="3"/);
    expect(html).toContain('2/3 ready');
    expect(html).toContain('1 failed');
    expect(html).toMatch(/data-testid="fleet-jobs-a-run" data-running="2" data-failed="1"/);
    // a stopped cluster has nothing live to read
    expect(html).not.toContain('fleet-dbs-b-stopped');
  });
});
