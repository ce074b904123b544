// Schedules under faults and misuse (issue 24), through the whole stack with an injected clock: a claim whose answer
// never arrived, an audit table that refuses appends, two instances with different ALLOWED_SCOPES, 2,000 creates, many
// schedules due in one minute, and the input a schedule may not have.
import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../shared/schedules/runner.js';
import { LEGACY_PARTITION } from '../../shared/schedules/store.js';
import { manualClock } from '../setup/control.js';
import { startTableFaultProxy, type TableFaultProxy } from '../setup/tableFaultProxy.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';
import { armListReads, armPosts, BLUE, MANUAL_OPERATIONS, RG, send, SUB, testStacks, type TestStack, type TestStackOptions } from '../lifecycle/support.js';
import { stopAt1900 } from './support.js';

const stack = testStacks();
// Sunday 29 March 2026, 18:30 CEST; the schedules below stop at 19:00 Europe/Berlin (17:00Z).
const START = Date.parse('2026-03-29T16:30:00Z');
const DUE = Date.parse('2026-03-29T17:00:20Z');

let proxy: TableFaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A first instance on tables of its own, or a second one (`peer`) on the first one's tables, Azure and clock. */
async function start(options: TestStackOptions = {}): Promise<TestStack> {
  if (options.peer) return stack({ ...options, env: { ...options.peer.env, ...options.env } });
  return stack({
    simulator: MANUAL_OPERATIONS,
    clock: manualClock(START),
    ...options,
    env: { AUDIT_TABLE_NAME: uniqueTableName('a'), SCHEDULES_TABLE_NAME: uniqueTableName('s'), ...options.env },
  });
}

const listPath = (scope = RG) => `/api/schedules?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`;
const auditOf = async (s: TestStack, scope = RG) =>
  (await s.get(`/api/audit?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`)).body.data.filter(
    (e: any) => !e.action.startsWith('schedule.'),
  );
const rowOf = async (s: TestStack, id: string) => (await s.app.services.schedules.get(id))!;
/** Table calls to one table, by method (the proxy sees the account in the path). */
const toTable = (call: { method: string; path: string }, table: string, method: string) =>
  call.method === method && call.path.split('/')[2]?.split('(')[0] === table;

describe('a claim whose answer was lost', () => {
  it('Table Storage applied the claim but the client timed out: after the lease, another instance takes it over and acts once', async () => {
    proxy = await startTableFaultProxy(tablesConnectionString());
    const a = await start({ tablesVia: proxy.connectionString });
    const b = await start({ peer: a });
    const { body } = await send(a, 'POST', '/api/schedules', stopAt1900());
    let delayed = 0;
    // The claim's PATCH reaches Azurite; its answer comes after the client's per-try timeout (1 s).
    proxy.setRule((call) => (toTable(call, a.env.SCHEDULES_TABLE_NAME!, 'PATCH') && delayed++ === 0 ? { delayReplyMs: 1_500 } : undefined));

    a.clock.set(DUE);
    await a.host.runTimer('runSchedules');
    expect(delayed).toBeGreaterThan(0);
    expect((await rowOf(a, body.id)).schedule.lastOutcome).toBe('claimed');
    expect(armPosts(a, 'stop')).toBe(0);

    a.clock.advance(60_000); // within the lease: its claimant may still be at work
    await b.host.runTimer('runSchedules');
    expect(armPosts(a, 'stop')).toBe(0);

    a.clock.advance(CLAIM_LEASE_MS);
    await b.host.runTimer('runSchedules');
    await a.host.runTimer('runSchedules');
    a.clock.advance(60_000);
    await Promise.all([a.host.runTimer('runSchedules'), b.host.runTimer('runSchedules')]);
    expect(armPosts(a, 'stop')).toBe(1);
    const entries = await auditOf(a);
    expect(entries.map((e: any) => [e.cluster, e.outcome, e.status])).toEqual([['elb-01-a', 'accepted', 202]]);
    expect((await rowOf(a, body.id)).schedule).toMatchObject({ lastRun: '2026-03-29T17:00:00.000Z', lastOutcome: 'accepted' });
  });

  it('the action reached ARM but no entry could be stored: the takeover sees its transition, records it once and sends nothing', async () => {
    proxy = await startTableFaultProxy(tablesConnectionString());
    const a = await start({ tablesVia: proxy.connectionString });
    const { body } = await send(a, 'POST', '/api/schedules', stopAt1900());
    // Every append to the audit table fails, the outbox's too.
    proxy.setRule((call) => (toTable(call, a.env.AUDIT_TABLE_NAME!, 'POST') ? 'status500' : undefined));
    a.clock.set(DUE);
    await a.host.runTimer('runSchedules');
    expect(armPosts(a, 'stop')).toBe(1);
    proxy.setRule(undefined);
    expect(await auditOf(a)).toEqual([]);
    expect((await rowOf(a, body.id)).schedule.lastOutcome).toBe('claimed'); // not settled while no entry is stored

    a.clock.advance(CLAIM_LEASE_MS + 60_000);
    await a.host.runTimer('runSchedules');
    await a.host.runTimer('runSchedules');
    expect(armPosts(a, 'stop')).toBe(1);
    const entries = await auditOf(a);
    expect(entries.map((e: any) => [e.outcome, e.status, e.actor.via])).toEqual([['accepted', 202, 'schedule']]);
    expect(entries[0].reason).toMatch(/^ARM accepted it at /);
    expect((await rowOf(a, body.id)).schedule.lastOutcome).toBe('accepted');
  });
});

describe('the audit outbox', () => {
  it('an append that fails goes to the outbox and is stored by the next minute, once', async () => {
    proxy = await startTableFaultProxy(tablesConnectionString());
    const a = await start({ tablesVia: proxy.connectionString });
    const { body } = await send(a, 'POST', '/api/schedules', stopAt1900());
    // The append's try and its retry fail, the outbox's write after them goes through, and the same minute's re-append
    // from the outbox fails too (its try and retry).
    let posts = 0;
    proxy.setRule((call) => (toTable(call, a.env.AUDIT_TABLE_NAME!, 'POST') && [0, 1, 3, 4].includes(posts++) ? 'status500' : undefined));
    a.clock.set(DUE);
    await a.host.runTimer('runSchedules');
    expect(posts).toBe(5);
    expect(armPosts(a, 'stop')).toBe(1);
    expect((await rowOf(a, body.id)).schedule.lastOutcome).toBe('accepted'); // the outbox holds its entry
    const audit = TableClient.fromConnectionString(tablesConnectionString(), a.env.AUDIT_TABLE_NAME!, { allowInsecureConnection: true });
    const outbox = async () => {
      const rows = [];
      for await (const row of audit.listEntities({ queryOptions: { filter: "PartitionKey eq 'outbox'" } })) rows.push(row);
      return rows;
    };
    expect(await outbox()).toHaveLength(1);
    expect(await auditOf(a)).toEqual([]);

    a.clock.advance(60_000);
    await a.host.runTimer('runSchedules');
    a.clock.advance(60_000);
    await a.host.runTimer('runSchedules');
    expect(await outbox()).toEqual([]);
    const entries = await auditOf(a);
    expect(entries.map((e: any) => [e.action, e.outcome, e.status])).toEqual([['stop', 'accepted', 202]]);
    expect(entries[0].armOperationId).toBeDefined();
  });

  it('an append whose answer came too late (applied, then retried) is stored once', async () => {
    proxy = await startTableFaultProxy(tablesConnectionString());
    const a = await start({ tablesVia: proxy.connectionString });
    await send(a, 'POST', '/api/schedules', stopAt1900());
    let delayed = 0;
    proxy.setRule((call) => (toTable(call, a.env.AUDIT_TABLE_NAME!, 'POST') && delayed++ === 0 ? { delayReplyMs: 1_500 } : undefined));
    a.clock.set(DUE);
    await a.host.runTimer('runSchedules');
    a.clock.advance(60_000);
    await a.host.runTimer('runSchedules');
    expect((await auditOf(a)).map((e: any) => e.outcome)).toEqual(['accepted']);
  });
});

describe('scopes at run time', () => {
  it('an instance whose ALLOWED_SCOPES no longer hold a schedule skips it (scopeNotAllowed); an admin lists and deletes it', async () => {
    const a = await start();
    const b = await start({ peer: a, env: { ALLOWED_SCOPES: `${SUB}/${BLUE.resourceGroup}` } });
    const { body } = await send(a, 'POST', '/api/schedules', stopAt1900());
    a.clock.set(DUE);
    await b.host.runTimer('runSchedules');
    await b.host.runTimer('runSchedules');
    expect(armPosts(a, 'stop')).toBe(0);
    const entries = await auditOf(a);
    expect(entries.map((e: any) => [e.outcome, e.status])).toEqual([['skipped', 0]]);
    expect(entries[0].reason).toMatch(/^scopeNotAllowed: /);

    expect((await send(b, 'GET', listPath())).status).toBe(403);
    const orphaned = await send(b, 'GET', '/api/schedules?orphaned=true');
    expect(orphaned.status).toBe(200);
    expect(orphaned.body.data.map((s: any) => s.id)).toEqual([body.id]);
    expect((await send(a, 'GET', '/api/schedules?orphaned=true')).body.data).toEqual([]);
    const operator = await start({ peer: b, env: { DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate' } });
    expect((await send(operator, 'GET', '/api/schedules?orphaned=true')).status).toBe(403);
    expect((await send(operator, 'DELETE', `/api/schedules/${body.id}`)).status).toBe(403);
    expect((await send(b, 'PUT', `/api/schedules/${body.id}`, { enabled: false })).status).toBe(403);

    expect((await send(b, 'DELETE', `/api/schedules/${body.id}`)).status).toBe(204);
    expect((await a.get(listPath())).body.data).toEqual([]);
  });
});

describe('bounded schedules', () => {
  it('2,000 creates at 25 at once leave at most the caps: 100 per scope, 10 per cluster, exactly', async () => {
    const s = await start();
    const statuses = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < 2_000) {
        const i = next++;
        // Spread over 300 names (the scope cap binds), and every 4th on one cluster of the other scope (its cap binds).
        const body = i % 4 === 0 ? { ...stopAt1900('elb-01-blue-a'), ...BLUE } : stopAt1900(`c-${i % 300}`);
        const answer = await send(s, 'POST', '/api/schedules', body);
        const key = `${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining(['201', '409 scheduleLimitReached']));
    for (const key of statuses.keys()) expect(['201', '409 scheduleLimitReached', '409 conflict']).toContain(key);

    const page = await send(s, 'GET', listPath());
    expect(page.body.data).toHaveLength(100);
    expect(page.body.continuationToken).toBeUndefined();
    expect(page.text.length).toBeLessThan(60_000);
    const perCluster = new Map<string, number>();
    for (const schedule of page.body.data) perCluster.set(schedule.cluster, (perCluster.get(schedule.cluster) ?? 0) + 1);
    expect(Math.max(...perCluster.values())).toBeLessThanOrEqual(10);
    expect((await s.get(listPath(BLUE))).body.data).toHaveLength(10);
    expect(statuses.get('201')).toBe(110);
  }, 120_000);

  it('pages a scope with a continuation token, in creation order', async () => {
    const s = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await send(s, 'POST', '/api/schedules', stopAt1900(`c-${i}`))).body.id);
      s.clock.advance(1);
    }
    const first = await send(s, 'GET', `${listPath()}&limit=2`);
    expect(first.body.data.map((x: any) => x.id)).toEqual(ids.slice(0, 2));
    const second = await send(s, 'GET', `${listPath()}&limit=2&continuationToken=${first.body.continuationToken}`);
    expect(second.body.data.map((x: any) => x.id)).toEqual(ids.slice(2, 4));
    const last = await send(s, 'GET', `${listPath()}&limit=2&continuationToken=${second.body.continuationToken}`);
    expect(last.body).toEqual({ data: [expect.objectContaining({ id: ids[4] })] });
    expect((await send(s, 'GET', `${listPath()}&continuationToken=nope`)).status).toBe(400);
  });

  it('a run reads the scope cluster list once, not once per schedule', async () => {
    const s = await start();
    for (const cluster of ['elb-01-a', 'elb-01-b', 'elb-01-c']) {
      for (let second = 0; second < 10; second++) {
        expect((await send(s, 'POST', '/api/schedules', stopAt1900(cluster, { cron: `${second} 0 19 * * *` }))).status).toBe(201);
      }
    }
    const before = armListReads(s.sim);
    s.clock.set(Date.parse('2026-03-29T17:00:30Z'));
    await s.host.runTimer('runSchedules');
    expect(armListReads(s.sim) - before).toBe(1);
    expect(armPosts(s, 'stop')).toBe(2); // elb-01-a and elb-01-c; elb-01-b is stopped already
    const outcomes = (await auditOf(s)).map((e: any) => e.outcome);
    expect(outcomes).toHaveLength(30);
    expect(outcomes.filter((o: string) => o === 'accepted')).toHaveLength(2);
    expect(outcomes.filter((o: string) => o === 'skipped')).toHaveLength(28);
  });

  it('a stored schedule that fires every second (from before the 5-minute rule) is skipped once and paused', async () => {
    const s = await start();
    const created = await send(s, 'POST', '/api/schedules', stopAt1900());
    const store = s.app.services.schedules;
    const stored = (await store.get(created.body.id))!;
    await store.replace(stored, { ...stored.schedule, cron: '* * * * * *' });
    s.clock.set(DUE);
    await s.host.runTimer('runSchedules');
    s.clock.advance(60_000);
    await s.host.runTimer('runSchedules');
    expect(armPosts(s, 'stop')).toBe(0);
    const entries = await auditOf(s);
    expect(entries.map((e: any) => [e.outcome, e.reason.split(':')[0]])).toEqual([['skipped', 'cronTooFrequent']]);
    expect((await store.get(created.body.id))!.schedule.enabled).toBe(false);
  });

  it('a schedule in the partition of the version before scopes had their own is moved to its scope and runs', async () => {
    const s = await start();
    const created = await send(s, 'POST', '/api/schedules', stopAt1900());
    const table = TableClient.fromConnectionString(tablesConnectionString(), s.env.SCHEDULES_TABLE_NAME!, { allowInsecureConnection: true });
    const row = await table.getEntity(`${SUB}:${RG.resourceGroup}`, created.body.id);
    const { etag: _etag, timestamp: _timestamp, ...fields } = row as Record<string, unknown>;
    await table.deleteEntity(`${SUB}:${RG.resourceGroup}`, created.body.id);
    await table.createEntity({ ...fields, partitionKey: LEGACY_PARTITION, rowKey: created.body.id });
    expect((await s.get(listPath())).body.data).toEqual([]);
    await s.host.runTimer('runSchedules');
    expect((await s.get(listPath())).body.data.map((x: any) => x.id)).toEqual([created.body.id]);
    s.clock.set(DUE);
    await s.host.runTimer('runSchedules');
    expect(armPosts(s, 'stop')).toBe(1);
  });
});

describe('input a schedule may not have', () => {
  it('crons more often than every 5 minutes, zones that are not IANA names, dates that do not exist or lie over a year ahead', async () => {
    const s = await start();
    const post = (extra: Record<string, unknown>) => send(s, 'POST', '/api/schedules', stopAt1900('elb-01-a', extra));
    for (const cron of ['* * * * * *', '0 * * * * *', '0 */2 * * * *', '0,30 0 19 * * *', '0 58,0 * * * *', '0 0,3 19 * * *']) {
      const answer = await post({ cron });
      expect(answer.status, cron).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalidParameter', field: 'cron' });
      expect(answer.body.error.message).toMatch(/every 5 minutes/);
    }
    for (const cron of ['0 */5 * * * *', '0 0 19 * * 1-5', '0 0,5 19 * * *']) expect((await post({ cron })).status, cron).toBe(201);
    for (const timeZone of ['+05:00', 'utc', 'UTC+1', 'GMT', 'europe/berlin', 'Mars/Olympus']) {
      expect((await post({ timeZone })).body.error?.field, timeZone).toBe('timeZone');
    }
    for (const timeZone of ['UTC', 'Etc/UTC', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires']) expect((await post({ timeZone })).status, timeZone).toBe(201);
    for (const keepRunningUntil of ['2026-02-30T00:00:00Z', '2026-04-31T10:00:00Z', '2026-03-30T24:00:00Z', '9999-12-31T00:00:00Z', '2027-06-01T00:00:00Z']) {
      expect((await post({ keepRunningUntil })).body.error?.field, keepRunningUntil).toBe('keepRunningUntil');
    }
    expect((await post({ keepRunningUntil: '2026-12-31T00:00:00+01:00' })).status).toBe(201);
  });
});

describe('audit request ids', () => {
  it("an entry's requestId is the server's own; the caller's x-request-id is kept apart as clientRequestId", async () => {
    const s = await start();
    const worn = 'schedule-00000000-0000-4000-8000-000000000001-1774803600000';
    const acted = await send(s, 'POST', '/api/aks/stop', { ...RG, cluster: 'elb-01-a' }, { 'x-request-id': worn });
    expect(acted.status).toBe(202);
    expect(acted.headers.get('x-request-id')).toBe(worn); // answered back, as before
    s.clock.advance(1_000); // entries of one millisecond have no order among them
    const created = await send(s, 'POST', '/api/schedules', stopAt1900('elb-01-b'), { 'x-request-id': 'mine-1' });
    expect(created.body.createdBy).toEqual({ name: 'local-developer' }); // no object id for every reader
    const entries = (await s.get(`/api/audit?subscriptionId=${SUB}&resourceGroup=${RG.resourceGroup}`)).body.data;
    const [change, stop] = entries;
    expect(stop).toMatchObject({ action: 'stop', clientRequestId: worn });
    expect(change).toMatchObject({ action: 'schedule.create', clientRequestId: 'mine-1' });
    for (const entry of [stop, change]) expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    s.clock.advance(1_000);
    const plain = await send(s, 'POST', '/api/aks/start', { ...RG, cluster: 'elb-01-b' });
    const [started] = (await s.get(`/api/audit?subscriptionId=${SUB}&resourceGroup=${RG.resourceGroup}`)).body.data;
    expect(started.requestId).toBe(plain.headers.get('x-request-id'));
    expect(started.clientRequestId).toBeUndefined();
  });
});
