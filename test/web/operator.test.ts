// The pure logic behind issue 27's page and issue 26's page side: an action's error and the state it is about, the
// cron in words and its next runs (the server's own code), the detail tables' sort and filters, how long an action
// took, and the parsers of the cost, auto-stop and notification answers (real shapes and odd ones).
import { describe, expect, it } from 'vitest';
import { countdown, normalizeAutoStop, normalizeAutoStopScope } from '../../web/src/lib/autostopData.js';
import { settleCardErrors, stateSignature, type CardError } from '../../web/src/lib/cardErrors.js';
import { portalUrl, transitionText } from '../../web/src/lib/clusterState.js';
import { clusterCostLine, estimateNote, formatMoney, normalizeCost, normalizeCostFleet } from '../../web/src/lib/costData.js';
import { describeCron, formatRun, nextRuns, scheduleProblems, timeZoneChoices } from '../../web/src/lib/cronText.js';
import { formatAge } from '../../web/src/lib/format.js';
import type { Cluster } from '../../web/src/lib/monitorData.js';
import { normalizeInspector } from '../../web/src/lib/inspectorData.js';
import { isUnread, normalizeNotifications } from '../../web/src/lib/notificationsData.js';
import { loadReached, reachedFor, recordReached } from '../../web/src/lib/reachLog.js';
import { namespacesOf, viewRows, type ColumnDef } from '../../web/src/lib/tableView.js';
import { MemoryStorage } from './fakes.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-a' };
const cluster = (name: string, powerState: string, provisioningState: string, open?: 'start' | 'stop'): Cluster => ({
  name,
  powerState,
  provisioningState,
  nodePools: [],
  ...(open ? { transition: { action: open, expectedPowerState: open === 'start' ? 'Running' : 'Stopped', status: 'open' as const } } : {}),
});

describe("an action's error on its card", () => {
  const error: CardError = { key: 'k', cluster: 'a', title: 'Could not stop a', message: 'conflict', status: 409, at: 1_000 };

  it('takes the state of the first reading after it as its baseline, and goes away when the cluster leaves that state', () => {
    const running = [cluster('a', 'Running', 'Succeeded')];
    // a reading from before the refusal says nothing
    expect(settleCardErrors([error], () => running[0], 900)).toEqual([error]);
    const stopping = cluster('a', 'Stopped', 'Stopping', 'stop');
    const [withBaseline] = settleCardErrors([error], () => stopping, 1_500);
    expect(withBaseline?.baseline).toBe(stateSignature(stopping));
    // same state: the very same array (nothing re-renders)
    const kept = [withBaseline!];
    expect(settleCardErrors(kept, () => stopping, 2_000)).toBe(kept);
    expect(settleCardErrors(kept, () => cluster('a', 'Stopped', 'Succeeded'), 3_000)).toEqual([]);
    // a cluster gone is a change too; another scope's reading (null) is not
    expect(settleCardErrors(kept, () => undefined, 3_000)).toEqual([]);
    expect(settleCardErrors(kept, () => null, 3_000)).toBe(kept);
  });
});

describe('words of the cluster card', () => {
  it('says an open transition, who started it and for how long', () => {
    expect(transitionText({ action: 'start', status: 'open', startedBy: 'alice', startedAt: 0 }, 12_000, formatAge)).toBe('starting · by alice · 12 s');
    expect(transitionText({ action: 'stop', status: 'timedOut', startedAt: 0 }, 660_000, formatAge)).toBe('stop timed out · 11 min');
    expect(transitionText({ action: 'delete', status: 'failed', startedBy: 'bob', startedAt: 0 }, 5_000, formatAge)).toBe('delete failed · by bob');
  });

  it('links the portal from the ARM id, or builds it', () => {
    expect(portalUrl(SCOPE, { name: 'aks-1' })).toBe(
      'https://portal.azure.com/#resource/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-1',
    );
    expect(portalUrl(SCOPE, { name: 'x', id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/x' })).toBe(
      'https://portal.azure.com/#resource/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/x',
    );
  });
});

describe('a schedule in words', () => {
  const zones = new Set(['Europe/Berlin', 'America/New_York', 'UTC']);
  const monday = Date.parse('2026-01-05T10:00:00Z');

  it.each([
    ['0 0 19 * * 1-5', 'at 19:00, Monday to Friday, Europe/Berlin'],
    ['0 30 7,19 * * *', 'at 07:30 and 19:30, every day, Europe/Berlin'],
    ['0 */30 * * * *', 'every 30 minutes, Europe/Berlin'],
    ['0 0 */2 * * *', 'every 2 hours at minute 0, Europe/Berlin'],
    ['0 0 19 * * SAT,SUN', 'at 19:00, Saturday and Sunday, Europe/Berlin'],
    ['0 15 8-18 * * 1-5', 'every hour at minute 15, from 08:00 to 18:59, Monday to Friday, Europe/Berlin'],
    ['0 0 8 1 * *', 'at 08:00, on day 1 of the month, Europe/Berlin'],
    ['0 0 6 * 12 *', 'at 06:00, in December, Europe/Berlin'],
  ])('%s → %s', (cron, words) => {
    expect(describeCron(cron, 'Europe/Berlin')).toBe(words);
  });

  it('is silent on a broken expression (the form says why instead)', () => {
    expect(describeCron('0 0 19 * *', 'UTC')).toBeUndefined();
    expect(describeCron('nonsense', 'UTC')).toBeUndefined();
  });

  it('shows the next three runs as the server computes them, in the schedule zone', () => {
    const runs = nextRuns('0 0 19 * * 1-5', 'Europe/Berlin', monday);
    expect(runs.map((r) => new Date(r).toISOString())).toEqual(['2026-01-05T18:00:00.000Z', '2026-01-06T18:00:00.000Z', '2026-01-07T18:00:00.000Z']);
    expect(formatRun(runs[0]!, 'Europe/Berlin')).toBe('Mon 5 Jan, 19:00 (Europe/Berlin)');
    expect(formatRun(runs[0]!, 'America/New_York')).toBe('Mon 5 Jan, 13:00 (America/New_York)');
  });

  it("mirrors the server's rules: six valid fields, runs at least 5 minutes apart, an IANA zone", () => {
    expect(scheduleProblems('0 0 19 * * 1-5', 'Europe/Berlin', zones)).toEqual({});
    expect(scheduleProblems('0 0 19 * *', 'Europe/Berlin', zones).cron).toContain('six fields');
    expect(scheduleProblems('0 * * * * *', 'Europe/Berlin', zones).cron).toContain('at most every 5 minutes');
    expect(scheduleProblems('0 */5 * * * *', 'Europe/Berlin', zones)).toEqual({});
    expect(scheduleProblems('0 0 19 * * *', 'CET+1', zones).timeZone).toContain('IANA');
    expect(scheduleProblems('0 0 19 * * *', 'Mars/Olympus', zones).timeZone).toBeDefined();
  });

  it("offers the browser's zones, UTC among them, the browser's own as the default", () => {
    const { zones: offered, browserZone } = timeZoneChoices();
    expect(offered).toContain('UTC');
    expect(offered).toContain(browserZone);
    expect(offered.length).toBeGreaterThan(100);
  });
});

describe('detail tables', () => {
  interface Row {
    name: string;
    namespace?: string;
    restarts?: number;
  }
  const columns: ColumnDef<Row>[] = [
    { key: 'name', label: 'Name', sortValue: (r) => r.name },
    { key: 'namespace', label: 'Namespace', sortValue: (r) => r.namespace },
    { key: 'restarts', label: 'Restarts', sortValue: (r) => r.restarts, text: () => '' },
  ];
  const rows: Row[] = [
    { name: 'web-10', namespace: 'default', restarts: 0 },
    { name: 'web-9', namespace: 'default', restarts: 14 },
    { name: 'db-0', namespace: 'db' },
    { name: 'api', namespace: 'kube-system', restarts: 2 },
  ];
  const names = (q: Parameters<typeof viewRows<Row>>[2]) => viewRows(rows, columns, q, (r) => r.namespace).map((r) => r.name);

  it('sorts numbers as numbers, names naturally, unknown values last either way; ties keep the listed order', () => {
    expect(names({ text: '', namespace: '', sort: { key: 'restarts', descending: true } })).toEqual(['web-9', 'api', 'web-10', 'db-0']);
    expect(names({ text: '', namespace: '', sort: { key: 'restarts', descending: false } })).toEqual(['web-10', 'api', 'web-9', 'db-0']);
    expect(names({ text: '', namespace: '', sort: { key: 'name', descending: false } })).toEqual(['api', 'db-0', 'web-9', 'web-10']);
    expect(names({ text: '', namespace: '' })).toEqual(['web-10', 'web-9', 'db-0', 'api']);
  });

  it('filters by text over the text columns and by namespace', () => {
    expect(names({ text: 'WEB', namespace: '' })).toEqual(['web-10', 'web-9']);
    expect(names({ text: '14', namespace: '' })).toEqual([]); // restarts are not text
    expect(names({ text: '', namespace: 'db' })).toEqual(['db-0']);
    expect(namespacesOf(rows, (r) => r.namespace)).toEqual(['db', 'default', 'kube-system']);
  });
});

describe('how long an accepted action took', () => {
  it('keeps what this browser saw done, once per operation, and matches it with the audit entry', () => {
    const storage = new MemoryStorage();
    recordReached(storage, SCOPE, [{ cluster: 'a', action: 'start', startedAt: 1_000, reachedAt: 251_000 }]);
    recordReached(storage, SCOPE, [{ cluster: 'a', action: 'start', startedAt: 1_500, reachedAt: 260_000 }]); // the server's copy of the same
    const reached = loadReached(storage, SCOPE);
    expect(reached).toEqual([{ cluster: 'a', action: 'start', startedAt: 1_000, reachedAt: 251_000 }]);
    expect(reachedFor({ at: 2_000, action: 'start', cluster: 'a' }, reached)?.reachedAt).toBe(251_000);
    expect(reachedFor({ at: 2_000, action: 'stop', cluster: 'a' }, reached)).toBeUndefined();
    expect(reachedFor({ at: 200_000, action: 'start', cluster: 'a' }, reached)).toBeUndefined();
  });

  it('skips malformed storage', () => {
    const storage = new MemoryStorage();
    storage.setItem(
      `elb-reached:${SCOPE.subscriptionId}:${SCOPE.resourceGroup}`,
      JSON.stringify([{ cluster: 'a', action: 'explode' }, 7, null, { cluster: 'b', action: 'stop', startedAt: 5, reachedAt: 1 }]),
    );
    expect(loadReached(storage, SCOPE)).toEqual([]);
    storage.setItem(`elb-reached:${SCOPE.subscriptionId}:${SCOPE.resourceGroup}`, '{not json');
    expect(loadReached(storage, SCOPE)).toEqual([]);
  });
});

describe('cost answers', () => {
  const answer = {
    estimate: true,
    currency: 'USD',
    pricesAsOf: '2026-11',
    shippedPricesAsOf: '2026-11',
    months: { thisMonth: '2026-12', lastMonth: '2026-11' },
    at: '2026-12-07T18:00:00Z',
    subscriptionId: SCOPE.subscriptionId,
    resourceGroup: 'rg-a',
    clusters: [
      {
        cluster: 'a',
        location: 'westeurope',
        powerState: 'Running',
        priced: true,
        currency: 'USD',
        hourly: 2.892,
        hourlyWhenRunning: 2.892,
        projectedMonthly: 2111.16,
        accruedSinceStart: 10.12,
        since: '2026-12-07T14:30:00Z',
        pools: [{ name: 'system', vmSize: 'Standard_D4s_v5', count: 2, hourlyPerNode: 0.192, source: 'shippedTable', priceAsOf: '2026-11' }],
        savings: { thisMonth: 139.4, lastMonth: 0, hoursThisMonth: 48, hoursLastMonth: 0 },
        notes: [],
      },
      {
        cluster: 'b',
        location: 'westeurope',
        powerState: 'Running',
        priced: false,
        currency: 'USD',
        hourly: null,
        hourlyWhenRunning: null,
        projectedMonthly: null,
        accruedSinceStart: null,
        since: null,
        pools: [{ name: 'gpu', vmSize: 'Standard_ND96', count: 1, hourlyPerNode: null, source: null, priceAsOf: null }],
        savings: { thisMonth: null, lastMonth: null, hoursThisMonth: 0, hoursLastMonth: 0 },
        notes: ['no price for Standard_ND96'],
      },
      { cluster: 7 },
    ],
    totals: { hourly: 2.892, projectedMonthly: 2111.16, savingsThisMonth: 139.4, savingsLastMonth: 0, clusters: 2, unpriced: 1 },
    degraded: [],
  };

  it('reads a scope: a priced running cluster in words, an unpriced one never as $0', () => {
    const cost = normalizeCost(answer);
    expect(cost.clusters.map((c) => c.cluster)).toEqual(['a', 'b']);
    expect(clusterCostLine(cost.clusters[0]!, cost.currency)).toBe('≈ $2.89/h · $2,111/mo · $10.12 since start');
    expect(clusterCostLine(cost.clusters[1]!, cost.currency)).toBeUndefined();
    expect(cost.clusters[1]!.unpricedPools).toEqual(['gpu: Standard_ND96']);
    expect(cost.totals).toMatchObject({ savingsThisMonth: 139.4, unpriced: 1 });
    expect(estimateNote(cost.pricesAsOf)).toContain('list prices as of 2026-11');
    expect(estimateNote('2026-12-06T04:00:00Z')).toContain('as of 2026-12-06');
  });

  it('reads the fleet and odd shapes without crashing', () => {
    const fleet = normalizeCostFleet({ ...answer, scopes: [answer, { nope: 1 }], totals: { ...answer.totals, scopes: 1 } });
    expect(fleet.scopes).toHaveLength(1);
    expect(fleet.totals.hourly).toBe(2.892);
    expect(normalizeCost(null)).toMatchObject({ currency: 'USD', clusters: [], totals: { hourly: 0 } });
    expect(normalizeCostFleet('x').scopes).toEqual([]);
  });

  it('formats money with cents only below 100', () => {
    expect([2.892, 10.12, 139.4, 2111.16].map((v) => formatMoney(v))).toEqual(['$2.89', '$10.12', '$139', '$2,111']);
    expect(formatMoney(5, 'EUR')).toBe('€5.00');
  });
});

describe('auto-stop answers', () => {
  const status = {
    subscriptionId: SCOPE.subscriptionId,
    resourceGroup: 'rg-a',
    cluster: 'a',
    enabled: true,
    idleMinutes: 60,
    verdict: 'warn',
    reason: 'idle for 47 min',
    lastActivityAt: '2026-12-07T17:00:00Z',
    nextStopAt: '2026-12-07T18:00:00Z',
    busy: { jobs: 0, pods: 0 },
    extendUntil: null,
    lastStop: null,
    evaluatedAt: '2026-12-07T17:47:00Z',
  };

  it('reads the scope-wide answer, dropping what does not check out', () => {
    const receivedAt = Date.parse('2026-12-07T17:47:30Z'); // this browser's clock runs 30 s ahead of the server's
    const scope = normalizeAutoStopScope(
      {
        data: [status, { ...status, cluster: 'b', verdict: 'explode' }, { ...status, cluster: 'c', idleMinutes: 7 }],
        degraded: [],
      },
      receivedAt,
    );
    expect(scope.clusters.map((c) => [c.cluster, c.verdict, c.idleMinutes])).toEqual([
      ['a', 'warn', 60],
      ['c', 'warn', 60],
    ]);
    expect(scope.clusters[0]).toMatchObject({
      reason: 'idle for 47 min',
      nextStopAt: Date.parse('2026-12-07T18:00:00Z'),
      busy: { jobs: 0, pods: 0 },
      clockOffsetMs: -30_000,
    });
    expect(normalizeAutoStopScope(undefined, 0).clusters).toEqual([]);
    expect(normalizeAutoStop({ cluster: 'x' }, 0)).toBeUndefined();
  });

  it('counts down in minutes and seconds', () => {
    const stopAt = Date.parse('2026-12-07T18:00:00Z');
    expect(countdown(stopAt, stopAt - 4 * 60_000 - 5_000)).toBe('4:05');
    expect(countdown(stopAt, stopAt - 2 * 3600_000)).toBe('2:00:00');
    expect(countdown(stopAt, stopAt + 10_000)).toBe('0:00');
  });
});

describe('notification feed', () => {
  it('reads the feed, newest first, unread after the last "mark all read"', () => {
    const feed = normalizeNotifications({
      data: [
        {
          id: '2',
          at: '2026-12-07T18:00:00Z',
          kind: 'autostop.warning',
          subscriptionId: 's',
          resourceGroup: 'rg',
          cluster: 'a',
          message: 'a will be stopped in 10 min',
        },
        {
          id: '1',
          at: '2026-12-07T17:00:00Z',
          kind: 'action.accepted',
          subscriptionId: 's',
          resourceGroup: 'rg',
          cluster: 'a',
          message: 'start of a accepted',
          actor: { name: 'alice', via: 'user' },
        },
        { id: '0', at: 'never', kind: 'action.accepted', message: 'x' },
        { id: '9', at: '2026-12-07T17:00:00Z', kind: 'made.up', message: 'x' },
      ],
      unread: 1,
      seenUntil: '2026-12-07T17:30:00Z',
    });
    expect(feed.items.map((n) => n.id)).toEqual(['2', '1']);
    expect(feed.unread).toBe(1);
    expect(feed.items.map((n) => isUnread(n, feed.seenUntil))).toEqual([true, false]);
    expect(feed.items[1]!.actor).toBe('alice');
    expect(normalizeNotifications({ data: 'x', unread: -3 })).toEqual({ items: [], unread: 0, seenUntil: undefined });
  });
});

describe('inspector: refused requests', () => {
  it('lists them by id, method, path, status and code, skipping what does not check out', () => {
    const view = normalizeInspector({
      items: [],
      rejected: { total: 2, byStatus: { '400': 2 }, since: '2026-12-07T18:00:00Z' },
      refused: [
        { at: '2026-12-07T18:01:00Z', requestId: 'r-1', method: 'POST', path: '/api/aks/start', status: 400, code: 'invalidParameter' },
        { requestId: 'r-2', status: 'x' },
        'junk',
      ],
    });
    expect(view.refusedRequests).toEqual([
      { at: Date.parse('2026-12-07T18:01:00Z'), requestId: 'r-1', method: 'POST', path: '/api/aks/start', status: 400, code: 'invalidParameter' },
    ]);
    expect(normalizeInspector({ items: [] }).refusedRequests).toEqual([]);
  });
});
