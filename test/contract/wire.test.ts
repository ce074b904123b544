// The wire contract end to end: real answers of every route of the local stack (Azurite, the simulated Azure, the
// local host, App Service Authentication headers) go through the dashboard's own client and parsers, and every field
// the server sent must come out the other side, unless it is named below as one the dashboard does not show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { MONITOR_CATEGORIES, type ErrorEnvelope } from '../../shared/wire/index.js';
import { ApiError, createApiClient, type ApiClient, type Category } from '../../web/src/lib/api.js';
import { PRINCIPALS } from '../http/support.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const SCOPE = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: 'rg-elb-01' };
const RUNNING = 'elb-01-a'; // every warm-up case, troubled pods
const STOPPED = 'elb-01-b';

/**
 * Fields the dashboard reads under another name, and fields it does not show. A rule names a field by its path
 * without list indices (`data.transition.source`) and matches any path that ends with it.
 */
const RENAMED: Record<string, string> = {
  'transition.source': 'origin',
  'scopes.cache': 'cacheState', // the fleet view shows the state only
  rejected: 'refused', // the inspector panel's count of requests refused before any function ran
};
const NOT_SHOWN = [
  'ageSeconds', // the dashboard ages createdAt and lastSeen on its own clock
  'transition.cluster', // the transitions are keyed by their cluster
  'data.continue', // the dashboard shows the first page of pods only
  'data.allocatable', // top-nodes: the percentages say it
  'data.sampledAt',
  'data.summary', // warm-up: the chips count for themselves
  'job.namespace',
  'jobs.namespace',
  'jobs.node',
  'jobs.startedAt',
  'jobs.completedAt',
  'jobs.failedAt',
  'jobs.message',
  'totals.clusters', // the fleet view sums its own
  'totals.scopes',
  'entries.subscriptionId', // the audit trail is asked for one scope, so it is known
  'entries.resourceGroup',
  'armOperationId',
  'createdAt',
  'updatedAt',
  'items.id',
  'items.requestHeaders',
];

const matches = (path: string, rule: string) => path === rule || path.endsWith(`.${rule}`);

/** Paths of the raw answer (non-null values) that the parsed one lost. */
function lostFields(raw: unknown, parsed: unknown, path = ''): string[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'object' && Object.keys(raw).length === 0) return []; // an empty list or object says nothing
  if (parsed === undefined || parsed === null) return [path];
  if (Array.isArray(raw)) {
    if (!Array.isArray(parsed)) return typeof parsed === 'string' ? [] : [path]; // a list shown as text
    if (parsed.length !== raw.length) return [`${path} (${raw.length} sent, ${parsed.length} parsed)`];
    return raw.flatMap((item, i) => lostFields(item, parsed[i], path));
  }
  if (typeof raw !== 'object') return [];
  if (typeof parsed !== 'object') return []; // an object shown as text (a taint, a job's name, who created it)
  const lost: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = path ? `${path}.${key}` : key;
    if (NOT_SHOWN.some((rule) => matches(at, rule))) continue;
    const renamed = Object.entries(RENAMED).find(([rule]) => matches(at, rule))?.[1];
    lost.push(...lostFields(value, (parsed as Record<string, unknown>)[renamed ?? key], at));
  }
  return lost;
}

describe('the wire contract, through the dashboard parsers', () => {
  let stack: LocalStack;
  /** The raw body of every answer the dashboard client received, by path. */
  const raw = new Map<string, unknown>();
  const clientAs = (principal: string | undefined): ApiClient =>
    createApiClient({
      baseUrl: stack.url,
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        if (principal) headers.set('x-ms-client-principal', principal);
        const response = await fetch(input, { ...init, headers });
        const text = await response.clone().text();
        raw.set(new URL(input instanceof Request ? input.url : input).pathname, text ? JSON.parse(text) : undefined);
        return response;
      },
    });
  let admin: ApiClient;
  const rawOf = (path: string) => raw.get(path);

  beforeAll(async () => {
    stack = await startLocalStack({
      tablesConnectionString: tablesConnectionString(),
      simulator: { durations: { start: 'manual' } },
      env: {
        AUTH_MODE: 'appService',
        WEBSITE_AUTH_ENABLED: 'True',
        CACHE_TABLE_NAME: uniqueTableName('c'),
        INSPECTOR_TABLE_NAME: uniqueTableName('i'),
        AUDIT_TABLE_NAME: uniqueTableName('a'),
        SCHEDULES_TABLE_NAME: uniqueTableName('s'),
      },
      timers: false,
      log: () => {},
    });
    admin = clientAs(PRINCIPALS.admin);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('/api/me', async () => {
    const me = await admin.me();
    expect(me.permissions).toEqual(['read', 'operate', 'admin']);
    expect(lostFields(rawOf('/api/me'), me)).toEqual([]);
  });

  it('the cluster list', async () => {
    const list = await admin.clusters(SCOPE);
    expect(list.data?.map((c) => c.name)).toContain(RUNNING);
    expect(lostFields(rawOf('/api/monitor/aks'), list)).toEqual([]);
  });

  for (const category of MONITOR_CATEGORIES) {
    it(`the ${category} of a running cluster`, async () => {
      const answer = await admin.category(SCOPE, RUNNING, category);
      expect(answer.data).not.toBeNull();
      expect(answer.degraded).toEqual([]);
      expect(lostFields(rawOf(`/api/monitor/aks/${RUNNING}/${category}`), answer)).toEqual([]);
    });
  }

  it('a lifecycle 202, then a cluster answer carrying its transition, then the 409 of a second action', async () => {
    const accepted = await admin.lifecycle('start', SCOPE, STOPPED);
    const sent = rawOf('/api/aks/start') as { transition: { cluster: string } };
    expect(accepted.transition).toMatchObject({ action: 'start', origin: 'api', status: 'open' });
    expect(lostFields(sent, accepted)).toEqual([]);

    const starting = await admin.category(SCOPE, STOPPED, 'nodes');
    const answer = rawOf(`/api/monitor/aks/${STOPPED}/nodes`) as { transition: unknown };
    expect(starting).toMatchObject({ data: null, reason: 'clusterStarting' });
    const { transition, ...rest } = answer;
    expect(lostFields(rest, starting)).toEqual([]);
    expect(lostFields(transition, starting.transitions[STOPPED], 'transition')).toEqual([]);

    await expectRefusal(admin.lifecycle('stop', SCOPE, STOPPED), '/api/aks/stop', 409);
  });

  it('the fleet', async () => {
    const fleet = await admin.fleet();
    expect(fleet.scopes.length).toBeGreaterThan(0);
    expect(lostFields(rawOf('/api/monitor/fleet'), fleet)).toEqual([]);
  });

  it('schedules: created, listed', async () => {
    const created = await admin.createSchedule({ ...SCOPE, cluster: RUNNING, action: 'stop', cron: '0 0 19 * * 1-5', timeZone: 'Europe/Berlin' });
    expect(created).toMatchObject({ cluster: RUNNING, action: 'stop', enabled: true, createdBy: 'admin@contoso.example' });
    expect(created?.nextRun).toBeGreaterThan(0);
    expect(lostFields(rawOf('/api/schedules'), created)).toEqual([]);
    const listed = await admin.schedules(SCOPE);
    expect(listed).toHaveLength(1);
    expect(lostFields(rawOf('/api/schedules'), { data: listed })).toEqual([]);
  });

  it('the audit trail', async () => {
    const page = await admin.audit(SCOPE);
    expect(page.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['start', 'schedule.create']));
    const sent = rawOf('/api/audit') as { data: unknown[]; continuationToken?: string };
    expect(lostFields({ entries: sent.data, continuationToken: sent.continuationToken }, page)).toEqual([]);
  });

  it('the inspector', async () => {
    const view = await admin.inspector(50);
    expect(view.items.length).toBeGreaterThan(0);
    const sent = rawOf('/api/inspector') as { items: unknown[]; rejected: unknown };
    expect(sent.rejected).toMatchObject({ total: expect.any(Number), byStatus: expect.any(Object) });
    expect(lostFields(sent, view)).toEqual([]);
  });

  it('health: every probe named with its verdict', async () => {
    const response = await fetch(`${stack.url}/api/health`);
    const report = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(Object.values(report).length).toBeGreaterThan(0);
    for (const verdict of Object.values(report)) expect(['ok', 'unreachable']).toContain(verdict);
  });

  /** A refusal as the dashboard sees it: an ApiError carrying every field of the error envelope. */
  async function expectRefusal(call: Promise<unknown>, path: string, status: number): Promise<ApiError> {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const { error: sent } = rawOf(path) as ErrorEnvelope;
    expect(error).toMatchObject({ status, code: sent.code, message: sent.message, requestId: sent.requestId, field: sent.field });
    expect(sent.requestId).toBeTruthy();
    return error as ApiError;
  }

  it('error envelopes: 400, 401, 403, 404', async () => {
    const invalid = await expectRefusal(admin.category(SCOPE, RUNNING, 'bogus' as Category), `/api/monitor/aks/${RUNNING}/bogus`, 400);
    expect(invalid.field).toBeTruthy();
    await expectRefusal(clientAs(undefined).me(), '/api/me', 401);
    await expectRefusal(clientAs(PRINCIPALS.reader).lifecycle('delete', SCOPE, RUNNING), '/api/aks/delete', 403);
    await expectRefusal(admin.category(SCOPE, 'elb-01-zz', 'nodes'), '/api/monitor/aks/elb-01-zz/nodes', 404);
  });
});
