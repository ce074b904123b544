// Schedules through the whole stack (simulated Azure + local host + the run's Azurite), with an injected clock:
// the routes, two hosts sharing one Table Storage and one Azure running a due schedule exactly once, and the rules
// of a run (skipped, missed, kept running, time zone).
import { describe, expect, it } from 'vitest';
import { manualClock } from '../setup/control.js';
import { uniqueTableName } from '../setup/tables.js';
import { armPosts, MANUAL_OPERATIONS, RG, send, testStacks, transitionRows, type TestStack } from '../lifecycle/support.js';
import { stopAt1900 } from './support.js';

const stack = testStacks();
const BERLIN = 'Europe/Berlin';
// Sunday 29 March 2026, 18:30 CEST (the first day of summer time).
const SUNDAY_1830_CEST = Date.parse('2026-03-29T16:30:00Z');

function tables() {
  return { AUDIT_TABLE_NAME: uniqueTableName('a'), SCHEDULES_TABLE_NAME: uniqueTableName('s') };
}

async function start(options: Parameters<typeof stack>[0] = {}): Promise<TestStack> {
  return stack({ simulator: MANUAL_OPERATIONS, clock: manualClock(SUNDAY_1830_CEST), ...options, env: { ...tables(), ...options.env } });
}

const listPath = (scope = RG) => `/api/schedules?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`;
const auditOf = async (s: TestStack) => (await s.get(`/api/audit?subscriptionId=${RG.subscriptionId}&resourceGroup=${RG.resourceGroup}`)).body.data;

describe('schedule routes', () => {
  it('create, list with the next run, pause, resume, delete; each change is an audit entry', async () => {
    const s = await start();
    const created = await send(s, 'POST', '/api/schedules', stopAt1900());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...RG,
      cluster: 'elb-01-a',
      action: 'stop',
      cron: '0 0 19 * * *',
      timeZone: BERLIN,
      enabled: true,
      createdBy: { name: 'local-developer' }, // by name: the object id is the audit trail's, not every reader's
      createdAt: new Date(SUNDAY_1830_CEST).toISOString(),
      lastRun: null,
      nextRun: '2026-03-29T17:00:00.000Z', // 19:00 CEST
    });
    const id = created.body.id;

    expect((await s.get(listPath())).body.data.map((x: any) => x.id)).toEqual([id]);
    expect((await s.get(listPath({ ...RG, resourceGroup: 'rg-elb-01-blue' }))).body.data).toEqual([]);

    s.clock.advance(1_000); // entries of one millisecond have no order among them
    const paused = await send(s, 'PUT', `/api/schedules/${id}`, { enabled: false });
    expect(paused).toMatchObject({ status: 200, body: { enabled: false, nextRun: null } });
    s.clock.advance(1_000);
    const resumed = await send(s, 'PUT', `/api/schedules/${id}`, { enabled: true, keepRunningUntil: '2026-03-30T06:00:00+02:00' });
    expect(resumed.body).toMatchObject({ enabled: true, keepRunningUntil: '2026-03-30T04:00:00.000Z', nextRun: '2026-03-29T17:00:00.000Z' });
    s.clock.advance(1_000);
    expect((await send(s, 'PUT', `/api/schedules/${id}`, { keepRunningUntil: null })).body.keepRunningUntil).toBeUndefined();

    s.clock.advance(1_000);
    expect((await send(s, 'DELETE', `/api/schedules/${id}`)).status).toBe(204);
    expect((await s.get(listPath())).body.data).toEqual([]);
    expect((await send(s, 'DELETE', `/api/schedules/${id}`)).status).toBe(404);

    expect((await auditOf(s)).map((e: any) => [e.action, e.outcome, e.status, e.actor.scheduleId])).toEqual([
      ['schedule.delete', 'accepted', 204, id],
      ['schedule.update', 'accepted', 200, id],
      ['schedule.resume', 'accepted', 200, id],
      ['schedule.pause', 'accepted', 200, id],
      ['schedule.create', 'accepted', 201, id],
    ]);
  });

  it('400 for bad input, 403 outside the scopes or without the operator role, 404 for an unknown id', async () => {
    const s = await start();
    const bad = async (body: Record<string, unknown>, field: string) => {
      const response = await send(s, 'POST', '/api/schedules', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.field).toBe(field);
    };
    await bad(stopAt1900('elb-01-a', { cron: '0 19 * * *' }), 'cron');
    await bad(stopAt1900('elb-01-a', { cron: '0 0 25 * * *' }), 'cron');
    await bad(stopAt1900('elb-01-a', { timeZone: 'Mars/Olympus' }), 'timeZone');
    await bad(stopAt1900('elb-01-a', { action: 'delete' }), 'action');
    await bad(stopAt1900('elb-01-a', { enabled: 'yes' }), 'enabled');
    await bad(stopAt1900('elb-01-a', { keepRunningUntil: 'tomorrow' }), 'keepRunningUntil');
    await bad(stopAt1900('elb-01-a', { owner: 'me' }), 'owner');
    const { cron: _cron, ...noCron } = stopAt1900();
    await bad(noCron, 'cron');
    expect((await send(s, 'PUT', '/api/schedules/not-an-id', { enabled: false })).status).toBe(400);
    expect((await send(s, 'PUT', '/api/schedules/00000000-0000-4000-8000-000000000000', { enabled: false })).status).toBe(404);
    expect((await send(s, 'POST', '/api/schedules', { ...stopAt1900(), subscriptionId: '00000000-0000-0000-0000-000000000009' })).status).toBe(403);

    const reader = await start({ peer: s, env: { DEV_PRINCIPAL_ROLES: 'Dashboard.Read' } });
    expect((await send(reader, 'POST', '/api/schedules', stopAt1900())).status).toBe(403);
    expect((await reader.get(listPath())).status).toBe(200);
    expect((await s.get(listPath())).body.data).toEqual([]);
  });
});

describe('the schedules timer', () => {
  it('two hosts sharing one Table Storage and one Azure: a due stop is sent once, audited once, one transition', async () => {
    const a = await start();
    const b = await start({ peer: a });
    expect((await send(a, 'POST', '/api/schedules', stopAt1900())).status).toBe(201);
    await Promise.all([a.host.runTimer('runSchedules'), b.host.runTimer('runSchedules')]); // 18:30: not due
    expect(armPosts(a, 'stop')).toBe(0);

    a.clock.set(Date.parse('2026-03-29T17:00:20Z')); // 19:00:20 CEST, both hosts' clock
    await Promise.all([a.host.runTimer('runSchedules'), b.host.runTimer('runSchedules')]);
    await Promise.all([a.host.runTimer('runSchedules'), b.host.runTimer('runSchedules')]); // a second minute tick owes nothing

    expect(armPosts(a, 'stop')).toBe(1);
    const runs = (await auditOf(a)).filter((e: any) => e.action === 'stop');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      outcome: 'accepted',
      status: 202,
      cluster: 'elb-01-a',
      actor: { via: 'schedule', name: 'local-developer', objectId: 'development' },
    });
    expect(runs[0].armOperationId).toBeDefined();
    expect((await transitionRows(a.table)).map((row) => [row.cluster, row.action, row.startedBy])).toEqual([
      ['elb-01-a', 'stop', 'local-developer (schedule)'],
    ]);
    const [listed] = (await a.get(listPath())).body.data;
    expect(listed).toMatchObject({ lastRun: '2026-03-29T17:00:00.000Z', lastOutcome: 'accepted', nextRun: '2026-03-30T17:00:00.000Z' });
  });

  it('claims with the listed ETag: of two claims of the same listing exactly one wins', async () => {
    const s = await start();
    const created = await send(s, 'POST', '/api/schedules', stopAt1900());
    const store = s.app.services.schedules;
    const [listed] = await store.list();
    const runAt = Date.parse('2026-03-29T17:00:00Z');
    const claims = await Promise.all([store.claim(listed!, runAt, runAt, 60_000), store.claim(listed!, runAt, runAt, 60_000)]);
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect((await store.get(created.body.id))!.schedule.lastRun).toBe(new Date(runAt).toISOString());
  });

  it('skips a cluster already in the target state or busy, and stops while "keep running until" holds', async () => {
    const s = await start();
    await send(s, 'POST', '/api/schedules', stopAt1900('elb-01-b')); // stopped already
    await send(s, 'POST', '/api/schedules', { ...stopAt1900('elb-01-c'), action: 'start' }); // running already
    await send(s, 'POST', '/api/schedules', stopAt1900('elb-01-a', { keepRunningUntil: '2026-03-29T22:00:00+02:00' }));
    await send(s, 'POST', '/api/schedules', {
      ...RG,
      resourceGroup: 'rg-elb-01-blue',
      cluster: 'elb-01-blue-a',
      action: 'stop',
      cron: '0 0 19 * * *',
      timeZone: BERLIN,
    });
    s.clock.advance(1_000);
    expect((await s.act('stop', 'elb-01-blue-a', { ...RG, resourceGroup: 'rg-elb-01-blue' })).status).toBe(202); // busy: Stopping
    const posts = armPosts(s, 'stop') + armPosts(s, 'start');

    s.clock.set(Date.parse('2026-03-29T17:00:05Z'));
    await s.host.runTimer('runSchedules');
    expect(armPosts(s, 'stop') + armPosts(s, 'start')).toBe(posts); // nothing sent
    const entries = (await auditOf(s)).filter((e: any) => !e.action.startsWith('schedule.'));
    expect(entries.map((e: any) => [e.cluster, e.outcome, e.reason]).sort()).toEqual([
      ['elb-01-a', 'skipped', 'kept running until 2026-03-29T20:00:00.000Z'],
      ['elb-01-b', 'skipped', 'already Stopped'],
      ['elb-01-c', 'skipped', 'already Running'],
    ]);
    const blue = (await s.get('/api/audit?subscriptionId=' + RG.subscriptionId + '&resourceGroup=rg-elb-01-blue')).body.data.filter(
      (e: any) => e.action === 'stop',
    );
    expect(blue.map((e: any) => [e.actor.via, e.outcome, e.reason])).toEqual([
      ['schedule', 'skipped', 'another operation is in progress (stop)'],
      ['user', 'accepted', undefined],
    ]);
  });

  it('a run missed while the app was down: made up once if under 10 minutes late, otherwise recorded as missed', async () => {
    const late = await start();
    await send(late, 'POST', '/api/schedules', stopAt1900());
    late.clock.set(Date.parse('2026-03-29T17:09:00Z')); // 9 minutes late
    await late.host.runTimer('runSchedules');
    expect(armPosts(late, 'stop')).toBe(1);
    expect((await auditOf(late))[0]).toMatchObject({ action: 'stop', outcome: 'accepted' });

    const down = await start();
    await send(down, 'POST', '/api/schedules', stopAt1900());
    down.clock.set(Date.parse('2026-03-30T17:15:00Z')); // two runs passed; the latest is 15 minutes late
    await down.host.runTimer('runSchedules');
    await down.host.runTimer('runSchedules');
    expect(armPosts(down, 'stop')).toBe(0);
    const missed = (await auditOf(down)).filter((e: any) => e.action === 'stop');
    expect(missed).toEqual([
      expect.objectContaining({ outcome: 'missed', status: 0, reason: 'due at 2026-03-30T17:00:00.000Z; the app was not running then' }),
    ]);
  });

  it('a schedule whose cluster is gone, or whose ARM is down, records the failure and sends nothing', async () => {
    const s = await start();
    await send(s, 'POST', '/api/schedules', stopAt1900('elb-01-zz'));
    await send(s, 'POST', '/api/schedules', { ...stopAt1900('elb-01-blue-a'), resourceGroup: 'rg-elb-01-blue' });
    const down = s.sim.inject({ target: 'arm', method: 'GET', path: /rg-elb-01-blue\/providers\/Microsoft.ContainerService\/managedClusters$/i, status: 503 });
    s.clock.set(Date.parse('2026-03-29T17:00:05Z'));
    await s.host.runTimer('runSchedules');
    down.remove();
    expect(armPosts(s, 'stop')).toBe(0);
    expect((await auditOf(s)).filter((e: any) => e.action === 'stop').map((e: any) => [e.cluster, e.outcome, e.status])).toEqual([
      ['elb-01-zz', 'failed', 404],
    ]);
    const blue = (await s.get(`/api/audit?subscriptionId=${RG.subscriptionId}&resourceGroup=rg-elb-01-blue`)).body.data.filter((e: any) => e.action === 'stop');
    expect(blue.map((e: any) => [e.outcome, e.status])).toEqual([['failed', 503]]);
    // Claimed: the next minute does not try the same run again.
    s.clock.advance(60_000);
    await s.host.runTimer('runSchedules');
    expect((await auditOf(s)).filter((e: any) => e.action === 'stop')).toHaveLength(1);
  });

  it('a paused schedule does not run, and resuming it owes nothing from the pause', async () => {
    const s = await start();
    const { body } = await send(s, 'POST', '/api/schedules', stopAt1900('elb-01-a', { enabled: false }));
    s.clock.set(Date.parse('2026-03-29T17:00:30Z'));
    await s.host.runTimer('runSchedules');
    expect((await send(s, 'PUT', `/api/schedules/${body.id}`, { enabled: true })).status).toBe(200);
    await s.host.runTimer('runSchedules');
    expect(armPosts(s, 'stop')).toBe(0);
    expect((await auditOf(s)).filter((e: any) => e.action === 'stop')).toEqual([]);
  });
});
