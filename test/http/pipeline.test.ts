// The wrapper end to end through the local host: request ids, log lines, the response shape, error mapping,
// what is captured and what is passed through untouched, and that no secret reaches a capture or a log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { TableClient, type TableClient as TableClientType } from '@azure/data-tables';
import { createHttpHeaders, RestError, type PipelineRequest } from '@azure/core-rest-pipeline';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { freePort, tableConnectionString } from '../../dev/azurite.js';
import type { HttpFunctionDefinition } from '../../functions/definition.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import { conflict } from '../../shared/http/errors.js';
import { createTableCaptureStore } from '../../shared/http/inspector.js';
import type { HttpPipeline } from '../../shared/http/pipeline.js';
import { freshTable } from '../setup/tables.js';
import { anyString, countingStore, pipelineFor, PRINCIPALS, RG, rowsOf, send, SUB, testConfig, type CountingStore, type LogLine } from './support.js';

// --- seeded secrets -------------------------------------------------------------------------------------------------
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const JWT = `${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url('{"sub":"operator","aud":"6dae42f8-4368-4678-94ff-3960e28e3630","scp":"user_impersonation"}')}.${b64url('signature-bytes-that-are-secret-0123456789')}`;
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KUBE_TOKEN = 'kt-3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
const PASSWORD = 'hunter2-Sup3rS3cret!';
const FUNCTIONS_KEY = 'fkey-0123456789abcdefABCDEF';
const COOKIE_SECRET = 'cookie-secret-value-0123456789';
const KEY_DATA = Buffer.from(PEM).toString('base64');
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: aks-blue-01',
  '  cluster:',
  '    server: https://aks-blue-01.hcp.example:443',
  `    certificate-authority-data: ${KEY_DATA}`,
  'users:',
  '- name: clusterUser_rg-elb-01_aks-blue-01',
  '  user:',
  `    client-key-data: ${KEY_DATA}`,
  `    token: ${KUBE_TOKEN}`,
  'contexts:',
  '- name: aks-blue-01',
  '  context: { cluster: aks-blue-01, user: clusterUser_rg-elb-01_aks-blue-01 }',
  'current-context: aks-blue-01',
].join('\n');
const KUBECONFIG_B64 = Buffer.from(KUBECONFIG).toString('base64');
const SECRETS: string[] = [
  JWT,
  ...JWT.split('.'),
  KUBE_TOKEN,
  PASSWORD,
  FUNCTIONS_KEY,
  COOKIE_SECRET,
  KEY_DATA.slice(0, 40),
  KEY_DATA.slice(-40, -4),
  KUBECONFIG_B64.slice(0, 40),
  KUBECONFIG_B64.slice(-40, -4),
  PRINCIPALS.operator.slice(0, 40),
  ...PEM.split('\n').filter((line) => line.length >= 20 && !line.startsWith('-----')),
];

function leaks(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret)).map((s) => s.slice(0, 24));
}

// --- routes -----------------------------------------------------------------------------------------------------
interface Spy {
  toJSONCalls: number;
}

function routes(pipeline: HttpPipeline, spy: Spy, payload: Record<string, unknown>): HttpFunctionDefinition[] {
  const tracked = () => ({
    ...payload,
    toJSON() {
      spy.toJSONCalls += 1;
      return payload;
    },
  });
  return [
    {
      kind: 'http',
      name: 'poll',
      route: 'monitor/aks',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async () => ({ body: tracked() })),
    },
    {
      kind: 'http',
      name: 'report',
      route: 'test/report',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read' }, async () => ({
        body: tracked(),
        headers: { 'X-Extra': 'yes', 'X-Request-Id': 'handler-cannot-override', 'Cache-Control': 'max-age=5' },
      })),
    },
    {
      kind: 'http',
      name: 'secrets',
      route: 'test/secrets',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate', body: { note: anyString, password: anyString, kubeconfig: anyString } }, async ({ body, log }) => {
        log.info(`received kubeconfig ${body.kubeconfig}`);
        log.info(`token=${KUBE_TOKEN} Authorization: Bearer ${JWT} password=${body.password}`);
        log.warn(`key ${PEM}`);
        return {
          body: {
            accessToken: JWT,
            message: `use Bearer ${JWT}`,
            kubeconfigs: [{ name: 'clusterUser', value: KUBECONFIG_B64 }],
            details: { privateKey: PEM, note: `key follows ${PEM}`, clientSecret: PASSWORD },
            yaml: KUBECONFIG,
          },
        };
      }),
    },
    {
      kind: 'http',
      name: 'crash',
      route: 'test/crash',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate' }, async () => {
        throw new Error(`exploded with token=${KUBE_TOKEN} and ${PEM} at internal/module.ts:42`);
      }),
    },
    {
      kind: 'http',
      name: 'fail',
      route: 'test/fail/{kind}',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate', params: { kind: anyString } }, async ({ params }) => {
        const request = { url: 'https://management.example/x' } as PipelineRequest;
        const upstream = (status: number, headers: Record<string, string> = {}) =>
          new RestError(`upstream said ${status} with Bearer ${JWT}`, {
            statusCode: status,
            response: { status, headers: createHttpHeaders(headers), request },
          });
        switch (params.kind) {
          case 'throttled':
            throw upstream(429, { 'retry-after': '7' });
          case 'throttledBare':
            throw upstream(429);
          case 'unavailable':
            throw upstream(503, { 'retry-after': '3' });
          case 'gateway':
            throw upstream(500);
          case 'forbiddenUpstream':
            throw upstream(403);
          case 'timeout':
            throw new DOMException('The operation timed out', 'TimeoutError');
          case 'refused':
            throw Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443`), { code: 'ECONNREFUSED' });
          case 'conflict':
            throw conflict('A start is already running for this cluster');
          case 'string':
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- a dependency that throws a bare string is the case under test
            throw 'a bare string with password=abc';
          default:
            return { status: 204 };
        }
      }),
    },
    {
      kind: 'http',
      name: 'raw',
      route: 'test/raw',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'operate' }, async () => new HttpResponse({ status: 200, body: 'plain text', headers: { 'content-type': 'text/plain' } })),
    },
  ];
}

const OPERATOR = { 'x-ms-client-principal': PRINCIPALS.operator };
const JSON_OPERATOR = { ...OPERATOR, 'content-type': 'application/json' };

describe('request pipeline through the local host', () => {
  let host: LocalHost;
  let table: TableClientType;
  let store: CountingStore;
  let pipeline: HttpPipeline;
  const spy: Spy = { toJSONCalls: 0 };
  const lines: LogLine[] = [];
  const payload = { data: [{ name: 'aks-blue-01', powerState: 'Running' }] };

  beforeAll(async () => {
    table = await freshTable('pipeline');
    store = countingStore(table);
    pipeline = pipelineFor(testConfig(), store, lines);
    host = await startLocalHost({
      definitions: [...routes(pipeline, spy, payload), ...inspectorFunctions({ pipeline, captures: store })],
      port: 0,
      timers: false,
    });
  });
  afterAll(() => host?.close());

  it('echoes a safe x-request-id, prefixes every log line with it, and logs one line per request', async () => {
    const before = lines.length;
    const response = await send(host.url, {
      path: `/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}`,
      headers: { ...OPERATOR, 'x-request-id': 'dash.poll-0001_a' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('dash.poll-0001_a');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    const mine = lines.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.line).toMatch(/^\[dash\.poll-0001_a\] GET \/api\/monitor\/aks 200 [\d.]+ms caller=operator@contoso\.example$/);
    // the query is not logged (it could carry a key)
    expect(mine[0]!.line).not.toContain(SUB);
  });

  it('generates a UUID when there is no x-request-id', async () => {
    const response = await send(host.url, { path: `/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}`, headers: OPERATOR });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('never captures or serialises a polling GET: only the host serialises its body', async () => {
    const records = store.records.length;
    spy.toJSONCalls = 0;
    const response = await send(host.url, { path: `/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}`, headers: OPERATOR });
    expect(response.json).toEqual(payload);
    expect(spy.toJSONCalls).toBe(1); // the host's JSON.stringify, nobody else's
    expect(store.records.length).toBe(records);
  });

  it('captures a non-polling GET (and then serialises its body once more, for the capture)', async () => {
    spy.toJSONCalls = 0;
    const response = await send(host.url, { path: '/api/test/report', headers: { ...OPERATOR, 'x-request-id': 'report-1' } });
    expect(response.status).toBe(200);
    expect(response.headers['x-extra']).toBe('yes');
    expect(response.headers['x-request-id']).toBe('report-1'); // the handler cannot override it, in any letter case
    expect(response.headers['cache-control']).toBe('max-age=5'); // but may replace the default cache-control
    expect(spy.toJSONCalls).toBe(2);
    expect(store.records.at(-1)).toMatchObject({
      requestId: 'report-1',
      method: 'GET',
      path: '/api/test/report',
      status: 200,
      responseBody: JSON.stringify(payload),
    });
  });

  it('captures a POST with every seeded secret redacted, in the capture, the table, the inspector and the log', async () => {
    const before = lines.length;
    const response = await send(host.url, {
      method: 'POST',
      path: `/api/test/secrets?code=${FUNCTIONS_KEY}&view=full`,
      headers: {
        ...JSON_OPERATOR,
        authorization: `Bearer ${JWT}`,
        cookie: `AppServiceAuthSession=${COOKIE_SECRET}`,
        'x-functions-key': FUNCTIONS_KEY,
        'x-request-id': 'secrets-1',
      },
      body: JSON.stringify({ note: `Authorization: Bearer ${JWT} and ${PEM}`, password: PASSWORD, kubeconfig: KUBECONFIG }),
    });
    expect(response.status).toBe(200);
    expect(response.json.accessToken).toBe(JWT); // the caller gets the response as it is; only captures and logs are redacted

    const captured = store.records.find((r) => r.requestId === 'secrets-1')!;
    expect(captured).toBeDefined();
    // Only the allow-listed headers are captured at all.
    expect(Object.keys(captured.requestHeaders).sort()).toEqual(['content-type', 'x-request-id']);
    expect(captured.query).toEqual({ code: '[redacted]', view: 'full' });
    expect(JSON.parse(captured.requestBody!)).toMatchObject({ password: '[redacted]', kubeconfig: '[redacted]' });
    expect(JSON.parse(captured.responseBody!)).toMatchObject({ accessToken: '[redacted]', details: { privateKey: '[redacted]', clientSecret: '[redacted]' } });
    expect(captured.caller).toMatch(/^caller-[0-9a-f]{12}$/); // a pseudonym, never the name

    const listed = await send(host.url, { path: '/api/inspector?limit=200', headers: OPERATOR });
    const everything = [
      JSON.stringify(store.records),
      JSON.stringify(await rowsOf(table)),
      listed.text,
      lines
        .slice(before)
        .map((l) => l.line)
        .join('\n'),
    ];
    expect(lines.slice(before).length).toBeGreaterThanOrEqual(4); // the handler's three lines and the request line
    for (const text of everything) expect(leaks(text)).toEqual([]);
    // the seeded secrets really were in what the handler saw and said
    expect(leaks(response.text).length).toBeGreaterThan(5);
  });

  it('turns an unknown error into 500 internalError without internals, logged and captured redacted', async () => {
    const before = lines.length;
    const response = await send(host.url, { method: 'POST', path: '/api/test/crash', headers: { ...OPERATOR, 'x-request-id': 'crash-1' } });
    expect(response.status).toBe(500);
    expect(response.json).toEqual({ error: { code: 'internalError', message: 'Something went wrong on our side', requestId: 'crash-1' } });
    const logged = lines
      .slice(before)
      .map((l) => l.line)
      .join('\n');
    expect(logged).toContain('exploded'); // the cause is in the log …
    expect(leaks(logged)).toEqual([]); // … without its secrets
    expect(lines.slice(before).every((l) => l.line.startsWith('[crash-1] '))).toBe(true);
    expect(store.records.find((r) => r.requestId === 'crash-1')).toMatchObject({ status: 500, errorCode: 'internalError' });
    expect((await send(host.url, { method: 'POST', path: '/api/test/fail/none', headers: OPERATOR })).status).toBe(204); // still serving
  });

  const mapped: [string, number, string, string | undefined][] = [
    ['throttled', 429, 'throttled', '7'],
    ['throttledBare', 429, 'throttled', '5'],
    ['unavailable', 503, 'upstreamUnavailable', '3'],
    ['gateway', 502, 'upstreamError', undefined],
    ['forbiddenUpstream', 502, 'upstreamError', undefined],
    ['timeout', 504, 'upstreamTimeout', undefined],
    ['refused', 503, 'upstreamUnavailable', undefined],
    ['conflict', 409, 'conflict', undefined],
    ['string', 500, 'internalError', undefined],
  ];
  for (const [kind, status, code, retryAfter] of mapped) {
    it(`maps ${kind} to ${status} ${code}${retryAfter ? ` with Retry-After ${retryAfter}` : ''}`, async () => {
      const response = await send(host.url, { method: 'POST', path: `/api/test/fail/${kind}`, headers: OPERATOR });
      expect(response.status).toBe(status);
      expect(response.json.error.code).toBe(code);
      expect(response.headers['retry-after']).toBe(retryAfter);
      expect(leaks(response.text)).toEqual([]);
      expect(response.text).not.toMatch(/upstream said|ECONNREFUSED|10\.0\.0\.1|password/);
    });
  }

  it('passes a ready HttpResponse through, adding only x-request-id', async () => {
    const response = await send(host.url, { method: 'POST', path: '/api/test/raw', headers: { ...OPERATOR, 'x-request-id': 'raw-1' } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('plain text');
    expect(response.headers['x-request-id']).toBe('raw-1');
    expect(store.records.find((r) => r.requestId === 'raw-1')?.responseBody).toBe('[HttpResponse: body not captured]');
  });

  it('refuses a body on a route that takes none', async () => {
    const response = await send(host.url, { method: 'POST', path: '/api/test/raw', headers: JSON_OPERATOR, body: '{"x":1}' });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('malformedBody');
  });

  it('truncates captured bodies to 8 KiB', async () => {
    const note = 'n'.repeat(30_000);
    const response = await send(host.url, {
      method: 'POST',
      path: '/api/test/secrets',
      headers: { ...JSON_OPERATOR, 'x-request-id': 'big-1' },
      body: JSON.stringify({ note, password: 'p', kubeconfig: 'k' }),
    });
    expect(response.status).toBe(200);
    const captured = store.records.find((r) => r.requestId === 'big-1')!;
    expect(Buffer.byteLength(captured.requestBody!)).toBeLessThanOrEqual(8 * 1024 + 40);
    expect(captured.requestBody).toMatch(/…\[truncated, \d+ bytes\]$/);
  });
});

describe('passing polling responses through, invoked directly', () => {
  it('hands the handler’s body object to the host as is: same object, never serialised, never captured', async () => {
    const table = await freshTable('direct');
    const store = countingStore(table);
    const pipeline = pipelineFor(testConfig(), store);
    let serialised = 0;
    const body = {
      data: [1, 2, 3],
      toJSON() {
        serialised += 1;
        return { data: [1, 2, 3] };
      },
    };
    const handler = pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async () => ({ body }));
    const url = `http://127.0.0.1/api/monitor/aks?subscriptionId=${SUB}&resourceGroup=${RG}`;
    const request = new HttpRequest({
      method: 'GET',
      url,
      headers: { 'x-ms-client-principal': PRINCIPALS.reader, 'x-request-id': 'direct-1' },
      query: { subscriptionId: SUB, resourceGroup: RG },
    });
    const context = new InvocationContext({ invocationId: randomUUID(), functionName: 'poll' });
    const result = (await handler(request, context)) as HttpResponseInit;
    expect(result.jsonBody).toBe(body);
    expect(serialised).toBe(0);
    expect(new Headers(result.headers as Record<string, string>).get('x-request-id')).toBe('direct-1');
    expect(store.records).toHaveLength(0);
    expect(await rowsOf(table)).toHaveLength(0);
  });
});

describe('the path of a request', () => {
  it('is its URL’s parsed path in the log line, whatever the host, escapes, dot segments, query or fragment', async () => {
    const lines: LogLine[] = [];
    const pipeline = pipelineFor(testConfig(), countingStore(await freshTable('paths')), lines);
    const handler = pipeline.wrap({ auth: 'none' }, async () => ({ status: 204 }));
    for (const url of [
      'http://127.0.0.1:7071/api/monitor/aks?subscriptionId=x/y#z',
      'http://localhost/api/a%20b/./c/../d',
      'https://[::1]:8443/api/%E2%9C%93?x=/api/other',
      'http://localhost',
    ]) {
      const before = lines.length;
      const request = new HttpRequest({ method: 'GET', url, headers: {}, query: {} });
      await handler(request, new InvocationContext({ invocationId: randomUUID(), functionName: 'paths' }));
      expect(
        lines
          .slice(before)
          .map((l) => l.line)
          .join('\n'),
        url,
      ).toContain(` GET ${new URL(url).pathname} 204 `);
    }
  });
});

describe('a capture store that cannot write', () => {
  it('never fails the request, and says so in the log', async () => {
    const deadPort = await freePort();
    const dead = TableClient.fromConnectionString(tableConnectionString(deadPort), 'inspector', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const logLines: string[] = [];
    const captures = createTableCaptureStore(dead, { capacity: 200, log: (l) => logLines.push(l) });
    const lines: LogLine[] = [];
    const pipeline = pipelineFor(testConfig(), captures, lines);
    const host = await startLocalHost({
      definitions: [
        {
          kind: 'http',
          name: 'act',
          route: 'test/act',
          methods: ['POST'],
          handler: pipeline.wrap({ auth: 'operate', body: { note: anyString } }, async () => ({ status: 202, body: { accepted: true } })),
        },
      ],
      port: 0,
      timers: false,
    });
    try {
      const response = await send(host.url, {
        method: 'POST',
        path: '/api/test/act',
        headers: { ...JSON_OPERATOR, 'x-request-id': 'dead-1' },
        body: '{"note":"x"}',
      });
      expect(response.status).toBe(202);
      expect(response.json).toEqual({ accepted: true });
      expect(logLines.some((l) => l.includes('capture of dead-1 not stored'))).toBe(true);
      expect(lines.some((l) => /POST \/api\/test\/act 202/.test(l.line))).toBe(true);
    } finally {
      await host.close();
    }
  });
});
