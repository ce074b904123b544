import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { compileRoute, startLocalHost, type LocalHost } from '../../dev/host.js';
import { HttpResponse, type HttpHandler } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/definition.js';
import type { GuardedHandler } from '../../shared/http/auth.js';
import { freshTable } from '../setup/tables.js';
import { countingStore, pipelineFor, PRINCIPALS, RG, RG_BLUE, standInRoutes, SUB, testConfig } from '../http/support.js';

/** A bare handler (no request pipeline), open to every caller: the host is what these tests look at. */
const open = (handler: HttpHandler): GuardedHandler => Object.assign(handler, { auth: 'none' as const });

let host: LocalHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const echo: FunctionDefinition = {
  kind: 'http',
  name: 'echo',
  route: 'things/{name}/{category}',
  methods: ['GET', 'POST'],
  handler: open(async (request, context) => ({
    jsonBody: {
      method: request.method,
      params: request.params,
      query: Object.fromEntries(request.query),
      body: request.method === 'POST' ? await request.text() : null,
      header: request.headers.get('x-test'),
      functionName: context.functionName,
    },
  })),
};

describe('compileRoute', () => {
  it('matches literal, parameter, optional and catch-all segments', () => {
    expect(compileRoute('monitor/aks').pattern.test('/monitor/aks')).toBe(true);
    expect(compileRoute('monitor/aks').pattern.test('/monitor/aks/x')).toBe(false);
    const { pattern, names } = compileRoute('monitor/aks/{cluster}/{category}');
    expect(names).toEqual(['cluster', 'category']);
    expect(pattern.exec('/monitor/aks/a/nodes')?.slice(1)).toEqual(['a', 'nodes']);
    expect(compileRoute('x/{id:int?}').pattern.test('/x')).toBe(true);
    expect(compileRoute('files/{*rest}').pattern.exec('/files/a/b')?.[1]).toBe('a/b');
  });
});

describe('local function host', () => {
  it('serves definitions under /api with real request objects and route parameters', async () => {
    host = await startLocalHost({ definitions: [echo], port: 0, timers: false });
    const response = await fetch(`${host.url}/api/things/a%20b/nodes?x=1`, { headers: { 'x-test': 'yes' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      method: 'GET',
      params: { name: 'a b', category: 'nodes' },
      query: { x: '1' },
      body: null,
      header: 'yes',
      functionName: 'echo',
    });
    const posted = await fetch(`${host.url}/api/things/a/b`, { method: 'POST', body: '{"k":1}' });
    expect(((await posted.json()) as { body: string }).body).toBe('{"k":1}');
  });

  it('answers 405 with Allow for a known route and 404 for an unknown one, as JSON envelopes', async () => {
    host = await startLocalHost({ definitions: [echo], port: 0, timers: false });
    const wrongMethod = await fetch(`${host.url}/api/things/a/b`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('methodNotAllowed');
    const unknown = await fetch(`${host.url}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { code: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'routeNotFound' });
    expect(body.error.requestId).toBe(unknown.headers.get('x-request-id'));
    const traced = await fetch(`${host.url}/api/nothing-here`, { headers: { 'x-request-id': 'trace-42' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-42');
  });

  it('hands a handler every value of a repeated query parameter, so the pipeline refuses it with 400', async () => {
    const pipeline = pipelineFor(testConfig(), countingStore(await freshTable('hostquery')));
    host = await startLocalHost({ definitions: standInRoutes(pipeline, { calls: 0 }), port: 0, timers: false });
    const headers = { 'x-ms-client-principal': PRINCIPALS.reader };
    const once = await fetch(`${host.url}/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}`, { headers });
    expect(once.status).toBe(200);
    const twice = await fetch(`${host.url}/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}&resourceGroup=${RG_BLUE}`, { headers });
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'invalidParameter', field: 'resourceGroup' });
  });

  it('turns a handler crash into a 500 envelope without internals and keeps serving', async () => {
    const crash: FunctionDefinition = {
      kind: 'http',
      name: 'crash',
      route: 'crash',
      methods: ['GET'],
      handler: open(async () => {
        throw new Error('secret internals');
      }),
    };
    host = await startLocalHost({ definitions: [crash, echo], port: 0, timers: false });
    const response = await fetch(`${host.url}/api/crash`, { headers: { 'x-request-id': 'trace-crash' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('trace-crash');
    expect(await response.text()).not.toContain('secret internals');
    expect((await fetch(`${host.url}/api/things/a/b`)).status).toBe(200);
  });

  it('serves the static folder as a single-page app and nothing beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'host-static-'));
    try {
      await mkdir(join(dir, 'web'));
      await writeFile(join(dir, 'web', 'index.html'), '<p>app</p>');
      await writeFile(join(dir, 'web', 'app.js'), 'run()');
      await writeFile(join(dir, 'web-secret.txt'), 'sibling secret');
      host = await startLocalHost({ definitions: [echo], port: 0, timers: false, staticDir: join(dir, 'web') });
      const script = await fetch(`${host.url}/app.js`);
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(await script.text()).toBe('run()');
      expect(await (await fetch(`${host.url}/clusters/elb-01-a`)).text()).toBe('<p>app</p>');
      const sibling = await fetch(`${host.url}/..%2Fweb-secret.txt`);
      expect(sibling.status).toBe(404);
      expect(await sibling.text()).not.toContain('sibling secret');
      expect((await fetch(`${host.url}/%E0%A4%A`)).status).toBe(400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs a timer on its NCRONTAB schedule (seconds field) and never twice at once', async () => {
    let runs = 0;
    let release!: () => void;
    const firstRun = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const startedOnce = new Promise<void>((resolve) => (started = resolve));
    const timer: FunctionDefinition = {
      kind: 'timer',
      name: 'tick',
      schedule: '* * * * * *',
      runOnStartup: false,
      handler: async () => {
        runs += 1;
        started();
        await firstRun;
      },
    };
    host = await startLocalHost({ definitions: [timer], port: 0 });
    await startedOnce; // the per-second schedule fired
    const joined = host.runTimer('tick'); // joins the run in flight instead of starting another
    release();
    await joined;
    expect(runs).toBe(1);
  });
});

describe('buffered answers', () => {
  /** The raw response headers, as the wire carries them (fetch would hide a chunked encoding). */
  const rawHeaders = (url: string, path: string, method = 'GET') =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((done, fail) => {
      const target = new URL(url);
      const req = httpRequest({ host: target.hostname, port: target.port, path, method, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', fail);
      req.end();
    });
  const answers: FunctionDefinition[] = [
    { kind: 'http', name: 'json', route: 'json', methods: ['GET'], handler: open(async () => ({ jsonBody: { text: 'héllo' }, headers: { etag: 'W/"x"' } })) },
    { kind: 'http', name: 'unchanged', route: 'unchanged', methods: ['GET'], handler: open(async () => ({ status: 304, headers: { etag: 'W/"x"' } })) },
    {
      kind: 'http',
      name: 'response',
      route: 'response',
      methods: ['GET'],
      handler: open(async () => new HttpResponse({ body: 'plain', headers: { 'content-type': 'text/plain' } })),
    },
  ];

  it('carry a Content-Length and are never chunked, as the Functions host sends them; a 304 has neither', async () => {
    host = await startLocalHost({ definitions: answers, port: 0, timers: false });
    for (const [path, method, status] of [
      ['/api/json', 'GET', 200],
      ['/api/response', 'GET', 200],
      ['/api/nothing-here', 'GET', 404],
      ['/api/json', 'POST', 405],
      ['/elsewhere', 'GET', 404],
    ] as const) {
      const answer = await rawHeaders(host.url, path, method);
      expect(answer.status, path).toBe(status);
      expect(answer.headers['transfer-encoding'], path).toBeUndefined();
      expect(answer.headers['content-length'], path).toBe(String(Buffer.byteLength(answer.body)));
    }
    expect(JSON.parse((await rawHeaders(host.url, '/api/json')).body)).toEqual({ text: 'héllo' });
    const unchanged = await rawHeaders(host.url, '/api/unchanged');
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers['transfer-encoding']).toBeUndefined();
    expect(unchanged.headers['content-length']).toBeUndefined();
    expect(unchanged.headers.etag).toBe('W/"x"');
  });
});

describe('Host header (DNS rebinding)', () => {
  const hello: FunctionDefinition = { kind: 'http', name: 'hello', route: 'hello', methods: ['GET'], handler: open(async () => ({ jsonBody: { ok: true } })) };
  const withHost = (url: string, hostHeader: string) =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const target = new URL(url);
      const req = httpRequest({ host: target.hostname, port: target.port, path: '/api/hello', headers: { host: hostHeader }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', fail);
      req.end();
    });

  it('answers loopback names with its port, and refuses any other Host with 421', async () => {
    host = await startLocalHost({ definitions: [hello], port: 0, timers: false });
    for (const name of [`127.0.0.1:${host.port}`, `localhost:${host.port}`, `LOCALHOST:${host.port}`, `[::1]:${host.port}`]) {
      expect((await withHost(host.url, name)).status, name).toBe(200);
    }
    for (const name of [
      `attacker.example:${host.port}`,
      'attacker.example',
      `127.0.0.1:${host.port + 1}`,
      '127.0.0.1',
      `localhost.attacker.example:${host.port}`,
    ]) {
      const answer = await withHost(host.url, name);
      expect(answer.status, name).toBe(421);
      expect(JSON.parse(answer.body).error.code).toBe('misdirectedRequest');
    }
  });
});
