// The auth matrix: every HTTP route the composition root defines (functions/app.ts, the very definitions the Functions
// host registers) × {no principal, reader, operator, admin, spoofed header while App Service Authentication is off,
// signed in without roles}. The expected status derives from the level each route declared to the request pipeline
// (handler.auth), so a new route is in the matrix the day it is defined. Plus configurable role names and development auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import type { HttpFunctionDefinition } from '../../functions/definition.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import { meFunctions } from '../../functions/me.js';
import { createApp } from '../../functions/app.js';
import type { AuthLevel } from '../../shared/http/auth.js';
import type { Env } from '../../shared/config.js';
import { freshTable } from '../setup/tables.js';
import { RUNNING, SCOPE, startMonitorStack, type MonitorStack } from '../monitor/support.js';
import { countingStore, pipelineFor, principal, PRINCIPALS, RG, send, standInRoutes, SUB, testConfig, type Counter } from './support.js';

type Who = 'none' | 'reader' | 'operator' | 'admin' | 'spoofed' | 'noRoles';
const WHO: Who[] = ['none', 'reader', 'operator', 'admin', 'spoofed', 'noRoles'];

/** Who passes each level (admin ⊇ operate ⊇ read); the spoofed header never counts, the host is not behind App Service. */
const PASSES: Record<AuthLevel, readonly Who[]> = {
  none: WHO,
  signedIn: ['reader', 'operator', 'admin', 'noRoles'],
  read: ['reader', 'operator', 'admin'],
  operate: ['operator', 'admin'],
  admin: ['admin'],
};

/** The status a caller gets from a route of this level: passed on (anything but 401 and 403 forbidden), 401 or 403. */
function expectedFor(level: AuthLevel, who: Who): 'passes' | 401 | 403 {
  if (PASSES[level].includes(who)) return 'passes';
  return who === 'none' || who === 'spoofed' ? 401 : 403;
}

/** A value for each route parameter the app defines; a route with another parameter fails the coverage test below. */
const PARAMS: Record<string, string> = { cluster: RUNNING, category: 'nodes', id: 'sch-authmatrix' };
const scopeQuery = `subscriptionId=${SCOPE.subscriptionId}&resourceGroup=${SCOPE.resourceGroup}`;

/** The real definitions, read without starting anything (createApp connects lazily). */
const ROUTES = createApp(testConfig()).definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');

function call(host: MonitorStack, route: HttpFunctionDefinition, method: string, principalHeader?: string) {
  const path = route.route.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? `{${name}}`);
  const headers: Record<string, string> = {};
  if (principalHeader !== undefined) headers['x-ms-client-principal'] = principalHeader;
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  // An empty body: a caller the level lets through meets validation (400), so no lifecycle action really runs.
  if (hasBody) headers['content-type'] = 'application/json';
  return send(host.url, { method, path: `/api/${path}?${scopeQuery}`, headers, body: hasBody ? '{}' : undefined });
}

describe('auth matrix over the real routes', () => {
  let authOn: MonitorStack;
  let authOff: MonitorStack;

  beforeAll(async () => {
    authOn = await startMonitorStack({ env: { AUTH_MODE: 'appService', WEBSITE_AUTH_ENABLED: 'True' } });
    // appService mode, but not behind App Service Authentication: a principal header is anyone's invention.
    authOff = await startMonitorStack({ share: authOn, env: { AUTH_MODE: 'appService', WEBSITE_AUTH_ENABLED: '' } });
  });
  afterAll(async () => {
    await authOff?.close();
    await authOn?.close();
  });

  it('covers every HTTP function of the app, fleet, audit and schedules included, each with a declared level', () => {
    const names = ROUTES.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'health',
        'me',
        'inspector',
        'monitorClusters',
        'monitorCluster',
        'monitorFleet',
        'aksStart',
        'aksStop',
        'aksDelete',
        'audit',
        'schedulesList',
        'schedulesCreate',
        'schedulesUpdate',
        'schedulesDelete',
        'autoStopStatus',
        'autoStopUpdate',
        'autoStopExtend',
      ]),
    );
    for (const route of ROUTES) {
      expect(Object.keys(PASSES)).toContain(route.handler.auth);
      for (const [, name] of route.route.matchAll(/\{(\w+)\}/g)) expect(PARAMS, `${route.name}: {${name}}`).toHaveProperty(name!);
    }
  });

  for (const route of ROUTES) {
    for (const method of route.methods) {
      for (const who of WHO) {
        const expected = expectedFor(route.handler.auth, who);
        it(`${method} /api/${route.route} (${route.handler.auth}) × ${who} → ${expected}`, async () => {
          const host = who === 'spoofed' ? authOff : authOn;
          const header = who === 'none' ? undefined : who === 'spoofed' ? PRINCIPALS.admin : PRINCIPALS[who];
          await Promise.all([authOn.app.services.cache.idle(), authOff.app.services.cache.idle()]);
          const upstreamBefore = authOn.sim.requestLog().length;
          const response = await call(host, route, method, header);
          expect(response.headers['x-request-id']).toBeTruthy();
          if (expected === 'passes') {
            expect(response.status).not.toBe(401);
            expect(response.json?.error?.code).not.toBe('forbidden');
            expect(response.status).toBeLessThan(500);
            return;
          }
          expect(response.status).toBe(expected);
          expect(response.json.error.code).toBe(expected === 401 ? 'unauthenticated' : 'forbidden');
          expect(response.json.error.requestId).toBe(response.headers['x-request-id']);
          // A refused call never reaches the handler: nothing went to the simulated Azure.
          expect(authOn.sim.requestLog().length).toBe(upstreamBefore);
        });
      }
    }
  }

  it('GET /api/me names the caller, the roles and the allowed scopes', async () => {
    const me = ROUTES.find((r) => r.name === 'me')!;
    const response = await call(authOn, me, 'GET', PRINCIPALS.operator);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ name: 'operator@contoso.example', provider: 'aad', roles: ['Cluster.Operate'], permissions: ['read', 'operate'] });
    expect(response.json.scopes).toContainEqual(SCOPE);
  });

  it('accepts a scope asked in another letter case (allowed scopes compare case-insensitively)', async () => {
    const query = `subscriptionId=${SCOPE.subscriptionId.toUpperCase()}&resourceGroup=${SCOPE.resourceGroup.toUpperCase()}`;
    const response = await send(authOn.url, { path: `/api/monitor/aks?${query}`, headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    expect(response.status).toBe(200);
    expect(response.json.data.map((c: { name: string }) => c.name)).toContain(RUNNING);
  });
});

async function hostWith(env: Env, counter: Counter): Promise<LocalHost> {
  const store = countingStore(await freshTable('authmatrix'));
  const pipeline = pipelineFor(testConfig(env), store);
  return startLocalHost({
    definitions: [...standInRoutes(pipeline, counter), ...meFunctions({ pipeline }), ...inspectorFunctions({ pipeline, captures: store })],
    port: 0,
    timers: false,
  });
}

const lifecycleBody = JSON.stringify({ subscriptionId: SUB, resourceGroup: RG, cluster: 'aks-blue-01' });
const STAND_INS = {
  clusters: { method: 'GET', path: `/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}` },
  start: { method: 'POST', path: '/api/aks/start', body: lifecycleBody },
  delete: { method: 'POST', path: '/api/aks/delete', body: lifecycleBody },
  me: { method: 'GET', path: '/api/me' },
} as const;

function callStandIn(host: LocalHost, route: keyof typeof STAND_INS, principalHeader?: string) {
  const r = STAND_INS[route];
  const headers: Record<string, string> = {};
  if (principalHeader !== undefined) headers['x-ms-client-principal'] = principalHeader;
  if ('body' in r) headers['content-type'] = 'application/json';
  return send(host.url, { method: r.method, path: r.path, headers, body: 'body' in r ? r.body : undefined });
}

describe('configured role names', () => {
  const counter: Counter = { calls: 0 };
  let host: LocalHost;
  beforeAll(async () => {
    host = await hostWith({ ROLE_READ: 'Ops.Viewer', ROLE_OPERATE: 'Ops.Operator', ROLE_ADMIN: 'Ops.Owner' }, counter);
  });
  afterAll(() => host?.close());

  it('decides by the configured names, not the defaults', async () => {
    expect((await callStandIn(host, 'clusters', PRINCIPALS.reader)).status).toBe(403); // Dashboard.Read means nothing here
    expect((await callStandIn(host, 'clusters', principal('v@contoso.example', ['Ops.Viewer']))).status).toBe(200);
    expect((await callStandIn(host, 'start', principal('o@contoso.example', ['Ops.Operator']))).status).toBe(202);
    expect((await callStandIn(host, 'delete', principal('o@contoso.example', ['Ops.Operator']))).status).toBe(403);
    expect((await callStandIn(host, 'delete', principal('w@contoso.example', ['Ops.Owner']))).status).toBe(202);
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
    const me = await callStandIn(host, 'me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ name: 'dev@localhost', provider: 'development', roles: ['Dashboard.Read', 'Cluster.Operate'] });
    expect((await callStandIn(host, 'start')).status).toBe(202);
    expect((await callStandIn(host, 'delete')).status).toBe(403);
    expect((await callStandIn(host, 'delete', PRINCIPALS.admin)).status).toBe(403); // a header cannot raise the local principal
    expect((await callStandIn(host, 'me', PRINCIPALS.admin)).json.name).toBe('dev@localhost');
  });
});
