// Webhook deliveries end to end: real Azurite, the simulated Azure and its webhook receiver, app instances built by
// createApp on the local host. Every kind is delivered and signed; a 500 is retried on a later sweep; N failures or a
// 410 dead-letter it; two instances never send one row at once; a stalled receiver holds up nobody else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../lifecycle/support.js';
import { RG } from '../lifecycle/support.js';
import { NOTIFICATION_KINDS, type NotificationEvent } from '../../shared/wire/index.js';
import { stableEventId } from '../../shared/notifications/service.js';
import { signedWithSecret, startNotifyWorld, SECRET, type NotifyWorld } from './support.js';

const nowSeconds = (s: TestStack) => Math.floor(s.clock.now() / 1000);
const scope = { subscriptionId: RG.subscriptionId, resourceGroup: RG.resourceGroup };

function warning(cluster: string, n: number): NotificationEvent {
  return {
    id: stableEventId('autostop', RG.subscriptionId, RG.resourceGroup, cluster, String(n)),
    at: new Date().toISOString(),
    kind: 'autostop.warning',
    ...scope,
    cluster,
    message: `${cluster} stops in 10 minutes (idle)`,
  };
}

describe('webhooks', () => {
  let world: NotifyWorld;
  beforeAll(async () => {
    world = await startNotifyWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('delivers every kind, signed, once, with the event as the generic body; Slack and Teams get their own shapes', async () => {
    const s = await world.instance({
      all: { path: '/every' },
      chat: { path: '/slack', format: 'slack' },
      card: { path: '/teams', format: 'teams', kinds: ['action.failed'] },
    });
    const { audit, transitions, lifecycle, notifications } = s.app.services;
    const person = { objectId: 'oid-1', name: 'Alice', via: 'user' as const };
    const schedule = { objectId: 'oid-1', name: 'Alice', via: 'schedule' as const, scheduleId: 'nightly' };
    // Transitions that will end badly (past the deadline, and Failed), opened in the store the app's reconcile uses.
    await transitions.open(RG, 'gone-slow', 'start', 'Alice');
    await transitions.open(RG, 'gone-bad', 'stop', 'Alice');
    s.clock.advance(601_000); // before any delivery: every signature below is checked against this clock
    // Through the real paths: a button's stop (accepted), ARM refusing and failing, auto-stop's stop, a schedule's runs.
    expect((await s.act('stop', 'elb-01-a')).status).toBe(202);
    world.sim.inject({ target: 'arm', method: 'POST', path: /elb-01-c\/stop$/, status: 409, times: 1 });
    expect((await s.act('stop', 'elb-01-c')).status).toBe(409);
    world.sim.inject({ target: 'arm', method: 'POST', path: /elb-01-b\/start$/, status: 500 });
    expect((await s.act('start', 'elb-01-b')).status).toBeGreaterThanOrEqual(500);
    world.sim.clearInjections();
    await lifecycle.perform({
      scope,
      cluster: 'elb-01-c',
      action: 'stop',
      actor: { objectId: 'autostop', name: 'auto-stop', via: 'autoStop' },
      requestId: 'r-auto',
    });
    await audit.append({
      actor: schedule,
      action: 'start',
      ...scope,
      cluster: 'elb-01-b',
      outcome: 'missed',
      status: 0,
      reason: 'the app was not running',
      requestId: 'r-s1',
    });
    await audit.append({
      actor: schedule,
      action: 'start',
      ...scope,
      cluster: 'elb-01-b',
      outcome: 'failed',
      status: 404,
      reason: 'No cluster',
      requestId: 'r-s2',
    });
    await audit.append({ actor: schedule, action: 'stop', ...scope, cluster: 'elb-01-b', outcome: 'skipped', status: 0, requestId: 'r-s3' }); // no event
    await audit.append({ actor: person, action: 'schedule.create', ...scope, cluster: 'elb-01-b', outcome: 'accepted', status: 201, requestId: 'r-s4' }); // no event
    const observed = [
      { name: 'gone-slow', powerState: 'Stopped', provisioningState: 'Starting' },
      { name: 'gone-bad', powerState: 'Stopped', provisioningState: 'Failed' },
    ];
    await transitions.reconcile(RG, observed);
    await transitions.reconcile(RG, observed); // a second reader: no second event
    notifications.publish(warning('elb-01-a', 1));
    notifications.publish(warning('elb-01-a', 1)); // the same fact twice: one event
    await notifications.idle();

    const every = world.receiver.deliveries('/every');
    const events = every.map((d) => JSON.parse(d.body) as NotificationEvent);
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(NOTIFICATION_KINDS));
    expect(events.length).toBe(NOTIFICATION_KINDS.length); // each fact once
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const d of every) {
      expect(signedWithSecret(d, nowSeconds(s)), d.body).toBe(true);
      expect(d.headers['x-dashboard-event-id']).toBe((JSON.parse(d.body) as NotificationEvent).id);
      expect(d.headers['content-type']).toBe('application/json');
    }
    const stopped = events.find((e) => e.kind === 'autostop.stopped')!;
    expect(stopped).toMatchObject({ cluster: 'elb-01-c', action: 'stop', actor: { name: 'auto-stop', via: 'autoStop' } });
    expect(JSON.stringify(events)).not.toContain('oid-1'); // names, never object ids
    expect(events.find((e) => e.kind === 'schedule.failed')?.message).toContain('by a schedule of Alice');
    // A tampered body or another key does not verify.
    expect(signedWithSecret({ ...every[0]!, body: every[0]!.body.replace('elb', 'elx') }, nowSeconds(s))).toBe(false);

    const slack = world.receiver.deliveries('/slack').map((d) => JSON.parse(d.body) as { text: string; blocks: unknown[] });
    expect(slack.length).toBe(NOTIFICATION_KINDS.length);
    expect(slack[0]).toMatchObject({ text: expect.any(String), blocks: expect.arrayContaining([expect.objectContaining({ type: 'section' })]) });
    const teams = world.receiver.deliveries('/teams');
    expect(teams.length).toBe(1); // its kinds filter: action.failed only
    expect(JSON.parse(teams[0]!.body)).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: expect.any(Array) } }],
    });
    expect(signedWithSecret(teams[0]!, nowSeconds(s))).toBe(true);
  });

  it('retries a 500 on a later sweep with backoff, the same event id and a fresh signature', async () => {
    const s = await world.instance({ flaky: { path: '/flaky' } });
    world.receiver.behave('/flaky', 'fail');
    s.app.services.notifications.publish(warning('elb-01-a', 2));
    await s.app.services.notifications.idle();
    expect(world.receiver.deliveries('/flaky').map((d) => d.status)).toEqual([500]);
    expect((await s.app.services.notifications.sweep()).due).toBe(0); // not due before its backoff
    world.receiver.behave('/flaky', 'ok');
    s.clock.advance(31_000);
    expect(await s.app.services.notifications.sweep()).toMatchObject({ due: 1, delivered: 1 });
    const [first, second] = world.receiver.deliveries('/flaky');
    expect(second!.status).toBe(204);
    expect(second!.headers['x-dashboard-event-id']).toBe(first!.headers['x-dashboard-event-id']);
    expect(signedWithSecret(second!, nowSeconds(s))).toBe(true);
    expect((await s.app.services.notifications.sweep()).due).toBe(0); // delivered: never again
  });

  it('dead-letters after NOTIFY_MAX_ATTEMPTS failures, and at once on 410 or a refused address; admins see them', async () => {
    const s = await world.instance(
      { down: { path: '/down' }, gone: { path: '/gone' }, literal: { path: '/x', url: `https://127.0.0.1:${world.receiver.port}/literal` } },
      { env: { NOTIFY_MAX_ATTEMPTS: '3' } },
    );
    world.receiver.behave('/down', 'fail');
    world.receiver.behave('/gone', 'gone');
    s.app.services.notifications.publish(warning('elb-01-b', 3));
    await s.app.services.notifications.idle();
    for (let i = 0; i < 5; i++) {
      s.clock.advance(7 * 3_600_000);
      await s.app.services.notifications.sweep();
    }
    expect(world.receiver.deliveries('/down').length).toBe(3);
    expect(world.receiver.deliveries('/gone').length).toBe(1);
    expect(world.receiver.deliveries('/literal').length).toBe(0); // an IP literal host is never contacted
    const dead = await s.get('/api/notifications/deadletters');
    expect(dead.status).toBe(200);
    const byReceiver = Object.fromEntries((dead.body.data as Array<{ receiver: string }>).map((d) => [d.receiver, d]));
    expect(byReceiver.down).toMatchObject({ attempts: 3, lastStatus: 500, kind: 'autostop.warning', cluster: 'elb-01-b' });
    expect(byReceiver.gone).toMatchObject({ attempts: 1, lastStatus: 410 });
    expect(byReceiver.literal).toMatchObject({ attempts: 1, lastError: expect.stringContaining('IP address') });
    expect(JSON.stringify(dead.body)).not.toContain('https://'); // receivers by name: their URLs are secrets
  });

  it('never sends one row from two instances at once: a claimed row is not due for the other', async () => {
    const clockOwner = await world.instance({ slow: { path: '/slow' } });
    const other = await world.instance({ slow: { path: '/slow' } }, { peer: clockOwner });
    world.receiver.behave('/slow', 'fail');
    clockOwner.app.services.notifications.publish(warning('elb-01-c', 4));
    await clockOwner.app.services.notifications.idle();
    clockOwner.clock.advance(31_000);
    world.receiver.behave('/slow', 'stall');
    // Instance one claims the due row and is held by the receiver; instance two sweeps meanwhile.
    const held = clockOwner.app.services.notifications.sweep();
    await world.receiver.waitFor('/slow', 2);
    expect(world.receiver.held('/slow')).toBe(1);
    expect(await other.app.services.notifications.sweep()).toMatchObject({ due: 0, delivered: 0 });
    world.receiver.release();
    expect(await held).toMatchObject({ delivered: 1 });
    expect(world.receiver.deliveries('/slow').length).toBe(2); // one failure, one delivery: none twice at once
  });

  it('two instances sweeping the same due row: exactly one claims it', async () => {
    const a = await world.instance({ race: { path: '/race' } });
    const b = await world.instance({ race: { path: '/race' } }, { peer: a });
    world.receiver.behave('/race', 'fail');
    a.app.services.notifications.publish(warning('elb-01-c', 5));
    await a.app.services.notifications.idle();
    world.receiver.behave('/race', 'ok');
    a.clock.advance(31_000);
    const [ra, rb] = await Promise.all([a.app.services.notifications.sweep(), b.app.services.notifications.sweep()]);
    expect(ra.delivered + rb.delivered).toBe(1);
    expect(world.receiver.deliveries('/race').filter((d) => d.status === 204).length).toBe(1);
  });

  it('a stalled receiver does not delay the others: theirs arrive while it is still held open', async () => {
    const s = await world.instance({ stuck: { path: '/stuck' }, one: { path: '/one' }, two: { path: '/two' }, three: { path: '/three' } });
    world.receiver.behave('/stuck', 'stall');
    s.app.services.notifications.publish(warning('elb-01-a', 6));
    await Promise.all(['/one', '/two', '/three', '/stuck'].map((path) => world.receiver.waitFor(path, 1)));
    expect(world.receiver.held('/stuck')).toBe(1); // still open: the others did not wait for it
    expect(['/one', '/two', '/three'].map((p) => world.receiver.deliveries(p)[0]!.status)).toEqual([204, 204, 204]);
    world.receiver.release();
    await s.app.services.notifications.idle();
  });

  it('logs no secret: neither the signing key nor a receiver URL', async () => {
    const lines: string[] = [];
    const s = await world.instance({ quiet: { path: '/quiet/token-in-path' } }, { env: { NOTIFY_MAX_ATTEMPTS: '1' } });
    // The stack's log goes nowhere; watch a second instance's lines through its own log option.
    const { createApp } = await import('../../functions/app.js');
    const app = createApp(s.config, { now: s.clock.now, log: (_level, line) => lines.push(line) });
    world.receiver.behave('/quiet/token-in-path', 'fail');
    app.services.notifications.publish(warning('elb-01-b', 7));
    await app.services.notifications.idle();
    await app.close();
    expect(lines.some((l) => l.includes('webhook quiet'))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain('token-in-path');
  });
});
