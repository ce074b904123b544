// The in-app feed: GET /api/notifications (newest first, the caller's allowed scopes, unread per signed-in user by a
// pseudonymous id), POST /api/notifications/read, 400s for bad input, never captured by the inspector.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../lifecycle/support.js';
import { BLUE, RG } from '../lifecycle/support.js';
import { PRINCIPALS } from '../http/support.js';
import { tablesConnectionString } from '../setup/tables.js';
import { stableEventId } from '../../shared/notifications/service.js';
import type { NotificationEvent, NotificationFeed } from '../../shared/wire/index.js';
import { startNotifyWorld, type NotifyWorld } from './support.js';

function event(scope: typeof RG, cluster: string, n: number, at: number): NotificationEvent {
  return {
    id: stableEventId('test', cluster, String(n)),
    at: new Date(at).toISOString(),
    kind: 'autostop.warning',
    ...scope,
    cluster,
    message: `${cluster} stops soon (${n})`,
  };
}

describe('notification feed', () => {
  let world: NotifyWorld;
  let s: TestStack;
  const as = (who: keyof typeof PRINCIPALS, path: string, init: RequestInit = {}) =>
    fetch(`${s.url}${path}`, { ...init, headers: { 'x-ms-client-principal': PRINCIPALS[who], ...(init.headers as Record<string, string>) } }).then(
      async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as any }),
    );
  const publish = async (...events: NotificationEvent[]) => {
    for (const e of events) s.app.services.notifications.publish(e);
    await s.app.services.notifications.idle();
  };

  beforeAll(async () => {
    world = await startNotifyWorld();
    s = await world.instance({}, { env: { AUTH_MODE: 'appService', WEBSITE_AUTH_ENABLED: 'true' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('answers the allowed scopes newest first, unread per user; mark all read is per user', async () => {
    const t = s.clock.now();
    await publish(event(RG, 'elb-01-a', 1, t - 3000), event(RG, 'elb-01-c', 2, t - 1000), event(BLUE, 'elb-01-blue-a', 3, t - 2000));
    await publish(event(RG, 'elb-01-a', 1, t - 3000)); // published again: still one event

    const all = await as('reader', '/api/notifications');
    expect(all.status).toBe(200);
    const feed = all.body as NotificationFeed;
    expect(feed.data.map((e) => e.cluster)).toEqual(['elb-01-c', 'elb-01-blue-a', 'elb-01-a']);
    expect(feed).toMatchObject({ unread: 3, seenUntil: null });

    const one = await as('reader', `/api/notifications?subscriptionId=${RG.subscriptionId}&resourceGroup=${RG.resourceGroup}&limit=1`);
    expect(one.body.data.map((e: NotificationEvent) => e.cluster)).toEqual(['elb-01-c']);

    const read = await as('reader', '/api/notifications/read', { method: 'POST' });
    expect(read.status).toBe(200);
    expect(read.body.seenUntil).toBe(new Date(s.clock.now()).toISOString());
    expect((await as('reader', '/api/notifications')).body).toMatchObject({ unread: 0, seenUntil: read.body.seenUntil });
    expect((await as('operator', '/api/notifications')).body).toMatchObject({ unread: 3, seenUntil: null }); // someone else's

    s.clock.advance(1000);
    await publish(event(BLUE, 'elb-01-blue-a', 4, t - 60_000)); // an older fact published later is still news
    expect((await as('reader', '/api/notifications')).body.unread).toBe(1);
    expect((await as('operator', '/api/notifications')).body.unread).toBe(4);
  });

  it('keeps the reader by a pseudonymous id: no name and no object id in the table', async () => {
    const table = TableClient.fromConnectionString(tablesConnectionString(), s.config.tables.notifyTable, { allowInsecureConnection: true });
    const seen: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'seen'" } })) seen.push(row.rowKey!);
    expect(seen.length).toBeGreaterThan(0);
    for (const key of seen) expect(key).toMatch(/^caller-[0-9a-f]{12}$/);
    const everything: string[] = [];
    for await (const row of table.listEntities()) everything.push(JSON.stringify(row));
    expect(everything.join('\n')).not.toMatch(/reader@contoso|oid-reader/);
  });

  it('covers a whole subscription for a {subscriptionId}/* scope', async () => {
    const feed = await s.app.services.notifications.read([{ subscriptionId: RG.subscriptionId, resourceGroup: '*' }], 'caller-x', 50);
    expect(new Set(feed.data.map((e) => e.resourceGroup))).toEqual(new Set([RG.resourceGroup, BLUE.resourceGroup]));
  });

  it('answers 400 for bad input and 403 for a scope not allowed, before reading anything', async () => {
    const cases: Array<[string, number, string]> = [
      [`/api/notifications?subscriptionId=${RG.subscriptionId}`, 400, 'missingParameter'],
      [`/api/notifications?resourceGroup=${RG.resourceGroup}`, 400, 'missingParameter'],
      ['/api/notifications?subscriptionId=not-a-guid&resourceGroup=rg', 400, 'invalidParameter'],
      ['/api/notifications?limit=0', 400, 'invalidParameter'],
      ['/api/notifications?limit=abc', 400, 'invalidParameter'],
      [`/api/notifications?subscriptionId=${RG.subscriptionId}&resourceGroup=rg-elsewhere`, 403, 'scopeNotAllowed'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await as('reader', path);
      expect([path, answer.status, answer.body?.error?.code]).toEqual([path, status, code]);
    }
    const withBody = await as('reader', '/api/notifications/read', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(withBody.status).toBe(400);
    expect((await as('reader', '/api/notifications/deadletters')).status).toBe(403); // admins only
    expect((await as('admin', '/api/notifications/deadletters')).status).toBe(200);
  });

  it('never captures the feed GET (a polling read); "mark all read" is a write and is captured', async () => {
    await as('reader', '/api/notifications');
    await as('reader', '/api/notifications/read', { method: 'POST' });
    const inspector = await as('reader', '/api/inspector?limit=200');
    const paths = (inspector.body.items as Array<{ method: string; path: string }>).map((c) => `${c.method} ${c.path}`);
    expect(paths.filter((p) => p.startsWith('GET /api/notifications'))).toEqual([]);
    expect(paths).toContain('POST /api/notifications/read');
  });
});
