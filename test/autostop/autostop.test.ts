// Idle auto-stop through the whole stack (simulated Azure + local host + the run's Azurite), with an injected clock:
// the routes, two hosts sharing one Table Storage and one Azure stopping an idle cluster exactly once, a busy or
// unreadable cluster kept, work starting in the warning window, and what one evaluation costs upstream.
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../shared/autostop/runner.js';
import { AutoStopStore } from '../../shared/autostop/store.js';
import type { NotificationEvent } from '../../shared/wire/index.js';
import { armPosts, BLUE, MANUAL_OPERATIONS, RG, send, testStacks, transitionRows, type TestStack } from '../lifecycle/support.js';
import { manualClock } from '../setup/control.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const stack = testStacks();
const MIN = 60_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const IDLE = { resourceGroup: RG.resourceGroup, name: 'elb-01-c' }; // running, only finished jobs

async function start(options: Parameters<typeof stack>[0] & { events?: NotificationEvent[] } = {}): Promise<TestStack> {
  const { events, ...rest } = options;
  return stack({
    simulator: MANUAL_OPERATIONS,
    ...(rest.peer ? {} : { clock: manualClock(T0) }), // a peer shares its first host's clock
    ...(events ? { notify: (event: NotificationEvent) => void events.push(event) } : {}),
    ...rest,
    env: rest.peer ? { ...rest.peer.env, ...rest.env } : { AUDIT_TABLE_NAME: uniqueTableName('a'), AUTOSTOP_TABLE_NAME: uniqueTableName('as'), ...rest.env },
  });
}

const statusPath = (cluster?: string, scope = RG) =>
  `/api/autostop?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}${cluster ? `&cluster=${cluster}` : ''}`;
const status = async (s: TestStack, cluster: string, scope = RG) => (await s.get(statusPath(cluster, scope))).body;
const enable = (s: TestStack, cluster: string, body: Record<string, unknown> = { enabled: true, idleMinutes: 60 }, scope = RG) =>
  send(s, 'PUT', statusPath(cluster, scope), body);
const auditOf = async (s: TestStack, scope = RG) =>
  (await s.get(`/api/audit?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`)).body.data;
const kubernetesCalls = (s: TestStack) => s.sim.requestLog((e) => e.server !== 'arm' && e.server.includes('/')).length;
const at = (s: TestStack, minutes: number) => s.clock.set(T0 + minutes * MIN);

describe('auto-stop routes', () => {
  it('every cluster of a scope in one answer; enable, change, extend (bounded); each change an audit entry', async () => {
    const s = await start();
    const all = await s.get(statusPath());
    expect(all.status).toBe(200);
    expect(all.body.data.map((x: any) => [x.cluster, x.enabled, x.idleMinutes, x.verdict])).toEqual([
      ['elb-01-a', false, 60, 'disabled'],
      ['elb-01-b', false, 60, 'disabled'],
      ['elb-01-c', false, 60, 'disabled'],
    ]);

    const enabled = await enable(s, 'elb-01-c', { enabled: true, idleMinutes: 30 });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({
      ...RG,
      cluster: 'elb-01-c',
      enabled: true,
      idleMinutes: 30,
      verdict: 'keep',
      reason: 'idle for 0 minutes; waiting for the first busy check',
      lastActivityAt: new Date(T0).toISOString(),
      nextStopAt: new Date(T0 + 30 * MIN).toISOString(),
      busy: null,
      extendUntil: null,
      lastStop: null,
      evaluatedAt: new Date(T0).toISOString(),
    });
    expect(await status(s, 'ELB-01-C')).toEqual(enabled.body); // names are case-insensitive, as ARM's

    at(s, 1);
    const extended = await send(s, 'POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-c' });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ extendUntil: new Date(T0 + 60 * MIN).toISOString(), nextStopAt: new Date(T0 + 60 * MIN).toISOString() });
    for (let i = 0; i < 9; i++) await send(s, 'POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-c' });
    expect((await status(s, 'elb-01-c')).extendUntil).toBe(new Date(T0 + 241 * MIN).toISOString()); // at most 240 minutes ahead of now

    at(s, 2);
    expect((await enable(s, 'elb-01-c', { enabled: false })).body).toMatchObject({ enabled: false, idleMinutes: 30, verdict: 'disabled' });
    expect((await send(s, 'POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-c' })).status).toBe(409);

    const entries = (await auditOf(s)).filter((e: any) => e.action.startsWith('autostop.'));
    expect(entries.map((e: any) => [e.action, e.actor.via, e.status])).toEqual([
      ['autostop.update', 'user', 200],
      ...Array.from({ length: 10 }, () => ['autostop.extend', 'user', 200]),
      ['autostop.update', 'user', 200],
    ]);
    expect(entries.at(-1).reason).toBe('auto-stop on, stops after 30 idle minutes');
    expect(entries[0].reason).toBe('auto-stop off (30 idle minutes when on)');
  });

  it('400 for bad input, 404 for a cluster ARM does not list (and no row for it), 403 without the operator role', async () => {
    const s = await start();
    const bad = async (method: string, path: string, body: unknown, field: string) => {
      const response = await send(s, method, path, body);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error.field).toBe(field);
    };
    await bad('PUT', statusPath('elb-01-c'), { enabled: true, idleMinutes: 45 }, 'idleMinutes');
    await bad('PUT', statusPath('elb-01-c'), { idleMinutes: '60' }, 'idleMinutes');
    await bad('PUT', statusPath('elb-01-c'), { enabled: 'yes' }, 'enabled');
    await bad('PUT', statusPath('elb-01-c'), { enabled: true, owner: 'me' }, 'owner');
    await bad('PUT', statusPath('elb-01-c'), {}, 'enabled');
    await bad('PUT', statusPath(), { enabled: true }, 'cluster');
    await bad('PUT', statusPath('-bad-'), { enabled: true }, 'cluster');
    await bad('GET', statusPath('no/slash'), undefined, 'cluster');
    await bad('GET', `/api/autostop?subscriptionId=nope&resourceGroup=rg-elb-01`, undefined, 'subscriptionId');
    await bad('POST', '/api/autostop/extend', { ...RG }, 'cluster');
    await bad('POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-c', minutes: 30 }, 'minutes');

    expect((await enable(s, 'elb-01-zz')).status).toBe(404);
    expect((await s.get(statusPath('elb-01-zz'))).status).toBe(404);
    expect((await send(s, 'POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-zz' })).status).toBe(404);
    expect(await s.app.services.autostop.evaluate()).toMatchObject({ clusters: 0 });

    const reader = await start({ peer: s, env: { DEV_PRINCIPAL_ROLES: 'Dashboard.Read' } });
    expect((await enable(reader, 'elb-01-c')).status).toBe(403);
    expect((await send(reader, 'POST', '/api/autostop/extend', { ...RG, cluster: 'elb-01-c' })).status).toBe(403);
    expect((await reader.get(statusPath('elb-01-c'))).status).toBe(200);
    expect((await s.get(statusPath('elb-01-c', { ...RG, resourceGroup: 'rg-other' }))).status).toBe(403);
  });
});

describe('the auto-stop timer', () => {
  it('two hosts: one warning, then the idle cluster is stopped exactly once, via autoStop, whatever the interleaving', async () => {
    const events: NotificationEvent[] = [];
    const a = await start({ events });
    const b = await start({ peer: a, events });
    expect((await enable(a, 'elb-01-c')).status).toBe(200);
    const both = () => Promise.all([a.host.runTimer('autoStop'), b.host.runTimer('autoStop')]);

    at(a, 1);
    await both(); // the first checks: idle
    expect(await status(a, 'elb-01-c')).toMatchObject({ verdict: 'keep', busy: { jobs: 0, pods: 0 }, nextStopAt: new Date(T0 + 60 * MIN).toISOString() });
    at(a, 50);
    await both();
    await both();
    expect(await status(b, 'elb-01-c')).toMatchObject({ verdict: 'warn', nextStopAt: new Date(T0 + 60 * MIN).toISOString() });
    expect(events.map((e) => [e.kind, e.cluster])).toEqual([['autostop.warning', 'elb-01-c']]); // one, from one instance

    // Past the window. Both hosts list the rows, then wait for ARM's cluster list (the cached one expired): held
    // until both are there, so both judge the same row and claim with the same ETag.
    at(a, 61);
    const list = a.sim.inject({
      target: 'arm',
      method: 'GET',
      path: /\/resourceGroups\/rg-elb-01\/providers\/Microsoft.ContainerService\/managedClusters$/i,
      hold: true,
    });
    // The winner's busy check (after its claim) is held too, while a third evaluation runs.
    const pods = a.sim.inject({ target: IDLE, method: 'GET', path: '/api/v1/pods', hold: true });
    const runs = both();
    await list.whenHit(2);
    list.remove();
    await pods.whenHit(1);
    const third = await a.app.services.autostop.evaluate(); // sees the claim: does nothing, reads nothing
    expect(third).toMatchObject({ clusters: 1, lost: 1, checked: 0, stopped: 0 });
    pods.remove();
    await runs;
    await both(); // and a later minute sends nothing more

    expect(armPosts(a, 'stop')).toBe(1);
    const stops = (await auditOf(a)).filter((e: any) => e.action === 'stop');
    expect(stops).toEqual([
      expect.objectContaining({ cluster: 'elb-01-c', outcome: 'accepted', status: 202, actor: { objectId: 'autoStop', name: 'auto-stop', via: 'autoStop' } }),
    ]);
    expect((await transitionRows(a.table)).map((row) => [row.cluster, row.action, row.startedBy])).toEqual([['elb-01-c', 'stop', 'auto-stop']]);
    const after = await status(a, 'elb-01-c');
    expect(after).toMatchObject({
      verdict: 'keep',
      reason: 'a stop is in progress',
      lastStop: { at: new Date(T0 + 61 * MIN).toISOString(), requestId: stops[0].requestId },
    });
    expect(events.map((e) => e.kind)).toEqual(['autostop.warning', 'autostop.stopped']);
    expect(events[1]).toMatchObject({ action: 'stop', actor: { name: 'auto-stop', via: 'autoStop' }, requestId: stops[0].requestId });
  });

  it('a claimer that died is taken over once its lease has passed', async () => {
    const a = await start();
    const b = await start({ peer: a });
    await enable(a, 'elb-01-c');
    at(a, 1);
    await a.host.runTimer('autoStop');
    at(a, 61);
    const store = new AutoStopStore(TableClient.fromConnectionString(tablesConnectionString(), a.env.AUTOSTOP_TABLE_NAME!, { allowInsecureConnection: true }));
    const [row] = await store.list();
    expect(await store.change(row!, { claim: { id: 'crashed', until: T0 + 61 * MIN + CLAIM_LEASE_MS } })).toBeDefined();
    expect(await b.app.services.autostop.evaluate()).toMatchObject({ lost: 1, stopped: 0 });
    expect(armPosts(a, 'stop')).toBe(0);
    a.clock.advance(CLAIM_LEASE_MS);
    expect(await b.app.services.autostop.evaluate()).toMatchObject({ stopped: 1 });
    expect(armPosts(a, 'stop')).toBe(1);
  });

  it('a cluster with a running job is not stopped, and says so', async () => {
    const s = await start();
    await enable(s, 'elb-01-a');
    at(s, 1);
    await s.host.runTimer('autoStop');
    at(s, 300);
    await s.host.runTimer('autoStop');
    expect(armPosts(s, 'stop')).toBe(0);
    const busy = await status(s, 'elb-01-a');
    expect(busy).toMatchObject({ verdict: 'keep', nextStopAt: null });
    expect(busy.busy.jobs).toBeGreaterThan(0);
    expect(busy.reason).toBe(`${busy.busy.jobs} jobs running (${busy.busy.pods} pods)`);
  });

  it('fail safe: a busy check answered 503 or 403 stops nothing and the status says why; once it works again, a full window', async () => {
    const s = await start();
    await enable(s, 'elb-01-c');
    at(s, 1);
    await s.host.runTimer('autoStop');
    for (const [minute, code] of [
      [61, 503],
      [62, 403],
    ] as const) {
      at(s, minute);
      const refused = s.sim.inject({ target: IDLE, method: 'GET', path: '/api/v1/pods', status: code });
      const result = await s.app.services.autostop.evaluate();
      refused.remove();
      expect(result).toMatchObject({ checked: 1, failedChecks: 1, stopped: 0 });
      const kept = await status(s, 'elb-01-c');
      expect(kept).toMatchObject({ verdict: 'keep', busy: null });
      expect(kept.reason).toMatch(
        code === 503 ? /^busy check failed: Kubernetes answered 503/ : /^busy check failed: Kubernetes answered 403: the app's identity lacks .*pods\/read/,
      );
    }
    expect(armPosts(s, 'stop')).toBe(0);
    at(s, 63);
    await s.host.runTimer('autoStop');
    expect(await status(s, 'elb-01-c')).toMatchObject({ verdict: 'keep', nextStopAt: new Date(T0 + 123 * MIN).toISOString() });
    expect(armPosts(s, 'stop')).toBe(0);
  });

  it('a job starting in the warning window cancels the stop, at the check made just before acting', async () => {
    const events: NotificationEvent[] = [];
    const s = await start({ events });
    await enable(s, 'elb-01-c');
    at(s, 1);
    await s.host.runTimer('autoStop');
    at(s, 50);
    await s.host.runTimer('autoStop');
    expect((await status(s, 'elb-01-c')).verdict).toBe('warn');
    // A job is submitted after this minute's check: the row still says idle when the window runs out.
    const cluster = s.sim.cluster(IDLE);
    cluster.update((spec) => {
      const node = spec.nodes[0]!.name;
      spec.jobs.push({
        namespace: 'default',
        name: 'blast-late-000',
        labels: { app: 'blast' },
        status: 'running',
        startedAt: new Date(T0 + 55 * MIN).toISOString(),
        node,
      });
      spec.pods.push({
        namespace: 'default',
        name: 'blast-late-000-x7k2p',
        node,
        phase: 'Running',
        createdAt: new Date(T0 + 55 * MIN).toISOString(),
        ownerJob: 'blast-late-000',
      });
    });
    at(s, 61);
    expect(await s.app.services.autostop.evaluate()).toMatchObject({ checked: 1, stopped: 0, lost: 0 });
    expect(armPosts(s, 'stop')).toBe(0);
    expect(await status(s, 'elb-01-c')).toMatchObject({ verdict: 'keep', reason: '1 job running (1 pod)', busy: { jobs: 1, pods: 1 } });

    cluster.update((spec) => {
      const pod = spec.pods.find((p) => p.name === 'blast-late-000-x7k2p')!;
      pod.phase = 'Succeeded';
      pod.finishedAt = new Date(T0 + 69 * MIN).toISOString();
      spec.jobs.find((j) => j.name === 'blast-late-000')!.status = 'complete';
    });
    at(s, 70);
    await s.host.runTimer('autoStop');
    expect(await status(s, 'elb-01-c')).toMatchObject({
      verdict: 'keep',
      lastActivityAt: new Date(T0 + 70 * MIN).toISOString(),
      nextStopAt: new Date(T0 + 130 * MIN).toISOString(),
    });
    expect(events.map((e) => e.kind)).toEqual(['autostop.warning']);
  });

  it('one evaluation: no ARM call beyond the cluster lists, at most one Kubernetes read per running cluster, nothing for a stopped one', async () => {
    const s = await start();
    for (const cluster of ['elb-01-a', 'elb-01-b', 'elb-01-c']) expect((await enable(s, cluster)).status).toBe(200);
    expect((await enable(s, 'elb-01-blue-a', undefined, BLUE)).status).toBe(200);
    at(s, 1);
    await s.app.services.autostop.evaluate(); // sessions and cluster lists warm, first observations written
    at(s, 2);
    s.sim.clearRequestLog();
    const result = await s.app.services.autostop.evaluate();
    const arm = s.sim.requestLog((e) => e.server === 'arm');
    const armLists = arm.filter((e) => e.method === 'GET' && /\/managedClusters$/i.test(e.url.split('?')[0]!));
    expect(arm.length - armLists.length).toBe(0);
    expect(armLists.length).toBeLessThanOrEqual(2); // one per scope at most (the cached list, refreshed past its TTL)
    expect(kubernetesCalls(s)).toBe(3); // elb-01-a, elb-01-c, elb-01-blue-a; not elb-01-b (stopped)
    expect(s.sim.requestLog((e) => e.server === 'rg-elb-01/elb-01-b')).toEqual([]);
    const [podsRead] = s.sim.requestLog((e) => e.server === 'rg-elb-01/elb-01-c');
    const query = new URL(podsRead!.url, 'https://x').searchParams;
    expect(query.get('labelSelector')).toBe('app in (blast,elb-db-warmup,elb-prepare-db)');
    expect(query.get('fieldSelector')).toBe('status.phase!=Succeeded,status.phase!=Failed');
    // One query of the rows, and no write: nothing changed since the last minute.
    expect(result).toMatchObject({ clusters: 4, checked: 3, stopped: 0, tableOps: 1 });
  });
});
