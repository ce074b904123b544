// The auth matrix: every route × {no principal, reader, operator, admin, spoofed header while App Service
// Authentication is off} → expected status; plus a caller without roles, configurable role names and development auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import { meFunctions } from '../../functions/me.js';
import type { Env } from '../../shared/config.js';
import { freshTable } from '../setup/tables.js';
import { countingStore, pipelineFor, principal, PRINCIPALS, RG, send, standInRoutes, SUB, testConfig, type Counter } from './support.js';

const scopeQuery = `subscriptionId=${SUB}&resourceGroup=${RG}`;
const lifecycleBody = JSON.stringify({ subscriptionId: SUB, resourceGroup: RG, cluster: 'aks-blue-01' });

const ROUTES = {
  clusters: { method: 'GET', path: `/api/monitor/aks?${scopeQuery}` },
  category: { method: 'GET', path: `/api/monitor/aks/aks-blue-01/warmup-status?${scopeQuery}` },
  start: { method: 'POST', path: '/api/aks/start', body: lifecycleBody },
  stop: { method: 'POST', path: '/api/aks/stop', body: lifecycleBody },
  delete: { method: 'POST', path: '/api/aks/delete', body: lifecycleBody },
  me: { method: 'GET', path: '/api/me' },
  inspector: { method: 'GET', path: '/api/inspector?limit=5' },
} as const;
type Route = keyof typeof ROUTES;

type Who = 'none' | 'reader' | 'operator' | 'admin' | 'spoofed' | 'noRoles';
// Expected status per route, in the order none, reader, operator, admin, spoofed (auth off), noRoles.
const MATRIX: Record<Route, [number, number, number, number, number, number]> = {
  clusters: [401, 200, 200, 200, 401, 403],
  category: [401, 200, 200, 200, 401, 403],
  start: [401, 403, 202, 202, 401, 403],
  stop: [401, 403, 202, 202, 401, 403],
  delete: [401, 403, 403, 202, 401, 403],
  me: [401, 200, 200, 200, 401, 200],
  inspector: [401, 200, 200, 200, 401, 403],
};
const WHO: Who[] = ['none', 'reader', 'operator', 'admin', 'spoofed', 'noRoles'];

async function hostWith(env: Env, counter: Counter): Promise<LocalHost> {
  const store = countingStore(await freshTable('authmatrix'));
  const pipeline = pipelineFor(testConfig(env), store);
  return startLocalHost({
    definitions: [...standInRoutes(pipeline, counter), ...meFunctions({ pipeline }), ...inspectorFunctions({ pipeline, captures: store })],
    port: 0,
    timers: false,
  });
}

function call(host: LocalHost, route: Route, principalHeader?: string) {
  const r = ROUTES[route];
  const headers: Record<string, string> = {};
  if (principalHeader !== undefined) headers['x-ms-client-principal'] = principalHeader;
  if ('body' in r) headers['content-type'] = 'application/json';
  return send(host.url, { method: r.method, path: r.path, headers, body: 'body' in r ? r.body : undefined });
}

describe('auth matrix', () => {
  const behind: Counter = { calls: 0 };
  const unprotected: Counter = { calls: 0 };
  let authOn: LocalHost;
  let authOff: LocalHost;

  beforeAll(async () => {
    authOn = await hostWith({}, behind);
    authOff = await hostWith({ WEBSITE_AUTH_ENABLED: '' }, unprotected); // appService mode, but not behind App Service Authentication
  });
  afterAll(async () => {
    await authOn?.close();
    await authOff?.close();
  });

  for (const route of Object.keys(MATRIX) as Route[]) {
    for (const [i, who] of WHO.entries()) {
      const expected = MATRIX[route][i]!;
      it(`${route} × ${who} → ${expected}`, async () => {
        const host = who === 'spoofed' ? authOff : authOn;
        const header = who === 'none' ? undefined : who === 'spoofed' ? PRINCIPALS.admin : PRINCIPALS[who];
        const before = (who === 'spoofed' ? unprotected : behind).calls;
        const response = await call(host, route, header);
        expect(response.status).toBe(expected);
        expect(response.headers['x-request-id']).toBeTruthy();
        if (expected >= 400) {
          expect(response.json.error.code).toBe(expected === 401 ? 'unauthenticated' : 'forbidden');
          expect(response.json.error.requestId).toBe(response.headers['x-request-id']);
        }
        // a refused call never reaches the handler (stand-ins count; me/inspector do not)
        const counted = !['me', 'inspector'].includes(route);
        expect((who === 'spoofed' ? unprotected : behind).calls - before).toBe(counted && expected < 400 ? 1 : 0);
      });
    }
  }

  it('GET /api/me names the caller, the roles and the allowed scopes', async () => {
    const response = await call(authOn, 'me', PRINCIPALS.operator);
    expect(response.json).toEqual({
      name: 'operator@contoso.example',
      provider: 'aad',
      roles: ['Cluster.Operate'],
      permissions: ['read', 'operate'],
      scopes: [
        { subscriptionId: SUB, resourceGroup: 'rg-elb-01' },
        { subscriptionId: SUB, resourceGroup: 'rg-elb-01-blue' },
      ],
    });
  });

  it('answers a scope asked in another letter case with the configured spelling', async () => {
    const response = await send(authOn.url, { path: `/api/monitor/aks?subscriptionId=${SUB.toUpperCase()}&resourceGroup=RG-ELB-01`, headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    expect(response.status).toBe(200);
    expect(response.json.scope).toEqual({ subscriptionId: SUB, resourceGroup: RG });
  });
});

describe('configured role names', () => {
  const counter: Counter = { calls: 0 };
  let host: LocalHost;
  beforeAll(async () => {
    host = await hostWith({ ROLE_READ: 'Ops.Viewer', ROLE_OPERATE: 'Ops.Operator', ROLE_ADMIN: 'Ops.Owner' }, counter);
  });
  afterAll(() => host?.close());

  it('decides by the configured names, not the defaults', async () => {
    expect((await call(host, 'clusters', PRINCIPALS.reader)).status).toBe(403); // Dashboard.Read means nothing here
    expect((await call(host, 'clusters', principal('v@contoso.example', ['Ops.Viewer']))).status).toBe(200);
    expect((await call(host, 'start', principal('o@contoso.example', ['Ops.Operator']))).status).toBe(202);
    expect((await call(host, 'delete', principal('o@contoso.example', ['Ops.Operator']))).status).toBe(403);
    expect((await call(host, 'delete', principal('w@contoso.example', ['Ops.Owner']))).status).toBe(202);
  });
});

describe('development auth', () => {
  const counter: Counter = { calls: 0 };
  let host: LocalHost;
  beforeAll(async () => {
    host = await hostWith(
      { AUTH_MODE: 'development', WEBSITE_AUTH_ENABLED: '', DEV_PRINCIPAL_NAME: 'dev@localhost', DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate' },
      counter,
    );
  });
  afterAll(() => host?.close());

  it('stands in the configured principal with its roles, and ignores any principal header', async () => {
    const me = await call(host, 'me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ name: 'dev@localhost', provider: 'development', roles: ['Dashboard.Read', 'Cluster.Operate'] });
    expect((await call(host, 'start')).status).toBe(202);
    expect((await call(host, 'delete')).status).toBe(403);
    expect((await call(host, 'delete', PRINCIPALS.admin)).status).toBe(403); // a header cannot raise the local principal
    expect((await call(host, 'me', PRINCIPALS.admin)).json.name).toBe('dev@localhost');
  });
});
