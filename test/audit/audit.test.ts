// The audit trail through the whole stack (simulated Azure + local host + the run's Azurite): every button action
// leaves one entry (accepted, refused, failed) naming the caller's object id, GET /api/audit pages newest first,
// nothing updates or deletes an entry, the retention removes old ones from the timer, and each entry is a log line.
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../shared/audit/auditLog.js';
import { BLUE, MANUAL_OPERATIONS, RG, testStacks, type TestStack } from '../lifecycle/support.js';
import { TableClient } from '@azure/data-tables';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const stack = testStacks();
const auditPath = (scope = RG, extra = '') => `/api/audit?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}${extra}`;

async function startAudited(options: Parameters<typeof stack>[0] = {}): Promise<TestStack & { lines: string[] }> {
  const lines: string[] = [];
  const s = await stack({
    simulator: MANUAL_OPERATIONS,
    env: { AUDIT_TABLE_NAME: uniqueTableName('a') },
    log: (_level, line) => void lines.push(line),
    ...options,
  });
  return Object.assign(s, { lines });
}

describe('audit entries of button actions', () => {
  it('records accepted, refused and failed actions with the actor, status, request id and ARM operation id', async () => {
    const s = await startAudited();
    const started = await fetch(`${s.url}/api/aks/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-start-1' },
      body: JSON.stringify({ ...RG, cluster: 'elb-01-b' }),
    });
    expect(started.status).toBe(202);
    expect(await started.json()).not.toHaveProperty('armOperationId'); // the answer's shape is unchanged

    const startedAt = s.clock.now();
    s.clock.advance(1);
    expect((await s.act('start', 'elb-01-b')).status).toBe(409); // ARM: another operation is in progress
    s.clock.advance(1);
    const throttle = s.sim.inject({ target: 'arm', method: 'POST', path: /\/stop$/, status: 500 });
    expect((await s.act('stop', 'elb-01-a')).status).toBe(502);
    throttle.remove();

    const page = await s.get(auditPath());
    expect(page.status).toBe(200);
    expect(page.body.continuationToken).toBeUndefined();
    expect(page.body.data.map((e: any) => [e.action, e.cluster, e.outcome, e.status])).toEqual([
      ['stop', 'elb-01-a', 'failed', 502],
      ['start', 'elb-01-b', 'refused', 409],
      ['start', 'elb-01-b', 'accepted', 202],
    ]);
    const [failed, refused, accepted] = page.body.data;
    expect(accepted).toMatchObject({
      at: new Date(startedAt).toISOString(),
      actor: { objectId: 'development', name: 'local-developer', via: 'user' },
      subscriptionId: RG.subscriptionId,
      resourceGroup: RG.resourceGroup,
      // The server's own id; the caller's x-request-id is kept apart (a manual action cannot wear a scheduled run's id).
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      clientRequestId: 'req-start-1',
    });
    expect(accepted.armOperationId).toMatch(/^[A-Za-z0-9-]+$/);
    expect(accepted.reason).toBeUndefined();
    expect(refused.reason).toMatch(/in progress start managed cluster operation/);
    expect(refused.armOperationId).toBeUndefined();
    expect(failed.reason).toBeDefined();

    // One structured log line per entry.
    const logged = s.lines.filter((line) => line.startsWith('audit ')).map((line) => JSON.parse(line.slice('audit '.length)));
    expect(logged.map((e) => e.outcome)).toEqual(['accepted', 'refused', 'failed']);
    expect(logged[0]).toEqual(accepted);
  });

  it('filters by cluster, pages newest first with a continuation token, and keeps scopes apart', async () => {
    const s = await startAudited();
    const audit = s.app.services.audit;
    const actor = { objectId: 'oid-1', name: 'Alice', via: 'user' as const };
    for (let i = 0; i < 5; i++) {
      s.clock.advance(1_000);
      await audit.append({ actor, action: 'stop', ...RG, cluster: i % 2 ? 'elb-01-a' : 'elb-01-c', outcome: 'accepted', status: 202, requestId: `r${i}` });
    }
    await audit.append({ actor, action: 'stop', ...BLUE, cluster: 'elb-01-blue-a', outcome: 'accepted', status: 202, requestId: 'blue' });

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s.get(auditPath(RG, `&limit=2${token ? `&continuationToken=${token}` : ''}`));
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((e: any) => e.requestId));
      token = page.body.continuationToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(pages).toBe(3);

    const oneCluster = await s.get(auditPath(RG, '&cluster=ELB-01-A'));
    expect(oneCluster.body.data.map((e: any) => e.requestId)).toEqual(['r3', 'r1']);
    expect((await s.get(auditPath(BLUE))).body.data.map((e: any) => e.requestId)).toEqual(['blue']);
  });

  it('answers 400 for bad input, 403 outside the allowed scopes, 405 for anything but GET', async () => {
    const s = await startAudited();
    const bad = await s.get(auditPath(RG, '&continuationToken=nope'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalidParameter', field: 'continuationToken' });
    expect((await s.get(auditPath(RG, '&limit=0'))).status).toBe(400);
    expect((await s.get(auditPath(RG, '&cluster=-x'))).body.error.field).toBe('cluster');
    expect((await s.get('/api/audit?subscriptionId=00000000-0000-0000-0000-000000000009&resourceGroup=rg-x')).status).toBe(403);
    for (const method of ['PUT', 'DELETE', 'POST', 'PATCH']) {
      expect((await fetch(`${s.url}${auditPath()}`, { method })).status).toBe(405);
    }
    // No table yet: an empty trail, not an error.
    expect((await s.get(auditPath())).body).toEqual({ data: [] });
  });
});

describe('audit retention', () => {
  it('the schedules timer removes entries past AUDIT_RETENTION_DAYS, at most once an hour per instance', async () => {
    const s = await startAudited({ env: { AUDIT_TABLE_NAME: uniqueTableName('a'), AUDIT_RETENTION_DAYS: '30' } });
    const audit = s.app.services.audit;
    const day = 24 * 60 * 60 * 1000;
    const actor = { objectId: 'oid-1', name: 'Alice', via: 'user' as const };
    const entry = (daysAgo: number, requestId: string) =>
      audit.append({
        at: new Date(s.clock.now() - daysAgo * day).toISOString(),
        actor,
        action: 'stop',
        ...RG,
        cluster: 'elb-01-a',
        outcome: 'accepted',
        status: 202,
        requestId,
      });
    await entry(31, 'old');
    await entry(29, 'kept');
    await s.host.runTimer('runSchedules');
    expect((await s.get(auditPath())).body.data.map((e: any) => e.requestId)).toEqual(['kept']);

    s.clock.advance(2 * day); // 'kept' is now 31 days old
    await s.host.runTimer('runSchedules'); // two days later it sweeps again
    expect((await s.get(auditPath())).body.data).toEqual([]);

    await entry(40, 'later');
    s.clock.advance(60_000);
    await s.host.runTimer('runSchedules'); // within the hour: not swept again
    expect((await s.get(auditPath())).body.data.map((e: any) => e.requestId)).toEqual(['later']);
  });

  it('writes the log line redacted, like every other line', async () => {
    const lines: string[] = [];
    const table = TableClient.fromConnectionString(tablesConnectionString(), uniqueTableName('a'), { allowInsecureConnection: true });
    const audit = new AuditLog(table, { log: (line) => void lines.push(line) });
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    await audit.append({
      actor: { objectId: 'oid-1', name: 'Alice', via: 'user' },
      action: 'stop',
      ...RG,
      cluster: 'elb-01-a',
      outcome: 'failed',
      status: 502,
      reason: `upstream said Authorization: Bearer ${token}`,
      requestId: 'r',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^audit \{/);
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).toContain('[redacted]');
  });

  it('stores nothing but appends: a second entry at the same millisecond is a second row', async () => {
    const table = TableClient.fromConnectionString(tablesConnectionString(), uniqueTableName('a'), { allowInsecureConnection: true });
    const audit = new AuditLog(table, { now: () => 1_700_000_000_000 });
    const actor = { objectId: 'oid-1', name: 'Alice', via: 'user' as const };
    await audit.append({ actor, action: 'stop', ...RG, cluster: 'elb-01-a', outcome: 'accepted', status: 202, requestId: 'a' });
    await audit.append({ actor, action: 'stop', ...RG, cluster: 'elb-01-a', outcome: 'accepted', status: 202, requestId: 'b' });
    expect((await audit.list(RG, { limit: 10 })).data.map((e) => e.requestId).sort()).toEqual(['a', 'b']);
  });
});
