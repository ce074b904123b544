// ≥ 200 malformed inputs through the local host: every one answers 4xx with the error envelope, none reaches a
// handler (nothing "upstream" is called), none is captured or written to Table Storage, and the host keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import { meFunctions } from '../../functions/me.js';
import { freshTable } from '../setup/tables.js';
import {
  countingStore,
  inBatches,
  OTHER_SUB,
  pipelineFor,
  PRINCIPALS,
  RG,
  rowsOf,
  send,
  standInRoutes,
  SUB,
  testConfig,
  type CountingStore,
  type Counter,
  type LogLine,
} from './support.js';

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  code: string;
  field?: string;
  /** The x-request-id sent is unsafe: the answer must carry a generated one instead. */
  badRequestId?: string;
}

const enc = encodeURIComponent;
const ADMIN = { 'x-ms-client-principal': PRINCIPALS.admin };
const JSON_ADMIN = { ...ADMIN, 'content-type': 'application/json' };
const validQuery = `subscriptionId=${SUB}&resourceGroup=${RG}`;
const clustersPath = (rawQuery: string) => `/api/monitor/aks?${rawQuery}`;
const categoryPath = (rawCluster: string, rawCategory: string) => `/api/monitor/aks/${rawCluster}/${rawCategory}?${validQuery}`;
const base = { subscriptionId: SUB, resourceGroup: RG, cluster: 'aks-blue-01' };
const start = (body: string | Buffer, headers: Record<string, string> = JSON_ADMIN) => ({ method: 'POST', path: '/api/aks/start', headers, body });

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

// --- subscription ids (query) -------------------------------------------------------------------------------
add({
  name: 'subscriptionId missing',
  path: clustersPath(`resourceGroup=${RG}`),
  headers: ADMIN,
  status: 400,
  code: 'missingParameter',
  field: 'subscriptionId',
});
add({
  name: 'subscriptionId empty',
  path: clustersPath(`subscriptionId=&resourceGroup=${RG}`),
  headers: ADMIN,
  status: 400,
  code: 'missingParameter',
  field: 'subscriptionId',
});
for (const raw of [
  'abc',
  SUB.replace(/-/g, ''),
  `{${SUB}}`,
  SUB.slice(0, -1),
  `${SUB}4`,
  SUB.replace('0b1f', '0g1f'),
  `%20${SUB}`,
  `${SUB}%20`,
  SUB.replace(/-/g, '_'),
  enc('０b1f6471-1bf0-4dda-aec3-111122223333'),
  'null',
  'undefined',
  enc("' or ''='"),
  enc('../../etc/passwd'),
  '%00',
  `${SUB}%00`,
  'a'.repeat(5000),
  enc('<script>alert(1)</script>'),
  '-'.repeat(36),
  enc(`/subscriptions/${SUB}`),
  `${SUB}%2F`,
  '%FF',
  `${SUB},${SUB}`,
  '00000000-0000-0000-0000-00000000000',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
]) {
  add({
    name: `subscriptionId ${raw.slice(0, 40)}`,
    path: clustersPath(`subscriptionId=${raw}&resourceGroup=${RG}`),
    headers: ADMIN,
    status: 400,
    code: 'invalidParameter',
    field: 'subscriptionId',
  });
}

// --- resource groups (query) --------------------------------------------------------------------------------
add({
  name: 'resourceGroup missing',
  path: clustersPath(`subscriptionId=${SUB}`),
  headers: ADMIN,
  status: 400,
  code: 'missingParameter',
  field: 'resourceGroup',
});
add({
  name: 'resourceGroup empty',
  path: clustersPath(`subscriptionId=${SUB}&resourceGroup=`),
  headers: ADMIN,
  status: 400,
  code: 'missingParameter',
  field: 'resourceGroup',
});
for (const raw of [
  'a'.repeat(91),
  'rg.',
  '.',
  '..',
  enc('rg/x'),
  enc('rg\\x'),
  enc('rg#x'),
  enc('rg?x'),
  enc('rg%x'),
  enc('rg x'),
  'rg+x',
  enc('rg*'),
  enc('<rg>'),
  enc('rg\tx'),
  enc('rg\nx'),
  enc('rg😀'),
  enc('rg;drop'),
  enc("rg'"),
  enc('rg"'),
  enc('rg,x'),
  enc('rg:x'),
  enc('rg@x'),
  '%00',
  'rg%FF',
  enc('rg\u200bx'),
  enc('rg\u0301'),
]) {
  add({
    name: `resourceGroup ${raw.slice(0, 40)}`,
    path: clustersPath(`subscriptionId=${SUB}&resourceGroup=${raw}`),
    headers: ADMIN,
    status: 400,
    code: 'invalidParameter',
    field: 'resourceGroup',
  });
}

// --- well-formed scopes outside the allow-list ------------------------------------------------------------------
for (const [sub, rg] of [
  [OTHER_SUB, RG],
  [SUB, 'rg-elb-0'],
  [SUB, 'rg-elb-01-blu'],
  [SUB, 'rg-elb-01-blue-x'],
  [SUB, 'rg-elb-01.x'],
  [SUB, 'rg(elb)'],
] as const) {
  add({
    name: `scope ${sub.slice(0, 8)}/${rg}`,
    path: clustersPath(`subscriptionId=${sub}&resourceGroup=${enc(rg)}`),
    headers: ADMIN,
    status: 403,
    code: 'scopeNotAllowed',
  });
}

// --- cluster names (route) ------------------------------------------------------------------------------------
for (const raw of [
  '-a',
  'a-',
  '_a',
  'a_',
  'a'.repeat(64),
  'a.b',
  'a%20b',
  'a%2Fb',
  '%C3%A9',
  'caf%C3%A9',
  '%FF',
  'a%00',
  'a%0Ab',
  '*',
  'a:b',
  'a@b',
  enc('😀'),
  'a+b',
  'a%',
  'a~b',
  'a!b',
  enc('a(b)'),
  'a%5Cb',
  '-',
  '_',
]) {
  add({ name: `cluster ${raw.slice(0, 40)}`, path: categoryPath(raw, 'nodes'), headers: ADMIN, status: 400, code: 'invalidParameter', field: 'cluster' });
}

// --- categories (route) ---------------------------------------------------------------------------------------
for (const raw of [
  'node',
  'NODES',
  'Nodes',
  'top_nodes',
  'topnodes',
  'warmup',
  'event',
  'nodes%20',
  '%20nodes',
  'nodes,pods',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'nodes%00',
  'x'.repeat(300),
  '*',
  'nodes;',
  'pods.json',
  '%FF',
  'n%C3%B6des',
  'all',
  'warmup-status%0A',
]) {
  add({
    name: `category ${raw.slice(0, 40)}`,
    path: categoryPath('aks-blue-01', raw),
    headers: ADMIN,
    status: 400,
    code: 'invalidParameter',
    field: 'category',
  });
}

// --- inspector limit ------------------------------------------------------------------------------------------
for (const raw of ['0', '201', '-1', '1.5', 'abc', '', '1e2', '%205', '0x10', '999999999999', '%2B5', '5%00', '1000', 'NaN']) {
  add({ name: `limit ${raw}`, path: `/api/inspector?limit=${raw}`, headers: ADMIN, status: 400, code: 'invalidParameter', field: 'limit' });
}

// --- bodies: not JSON ------------------------------------------------------------------------------------------
for (const raw of [
  '{',
  '}',
  '{"subscriptionId":}',
  "{'cluster':'a'}",
  '{"cluster":"a",}',
  'nul',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '\u0000',
  '[1,2',
  '{"cluster":"\\x"}',
  ' ',
  '// c\n{}',
  '{"cluster":"a"',
  'Infinity',
]) {
  add({ name: `body ${JSON.stringify(raw)}`, ...start(raw), status: 400, code: 'malformedBody', field: 'body' });
}
// --- bodies: JSON, but not an object ------------------------------------------------------------------------------
for (const raw of ['[]', '[1]', '1', '"text"', 'null', 'true', `${'['.repeat(5000)}${']'.repeat(5000)}`, JSON.stringify([base])]) {
  add({ name: `body not an object ${raw.slice(0, 20)}`, ...start(raw), status: 400, code: 'malformedBody', field: 'body' });
}
add({ name: 'body empty', ...start(''), status: 400, code: 'malformedBody', field: 'body' });
// --- bodies: unknown fields -------------------------------------------------------------------------------------
for (const [extra, field] of [
  ['"extra":1', 'extra'],
  ['"Cluster":"x"', 'Cluster'],
  ['"subscriptionid":"x"', 'subscriptionid'],
  ['"__proto__":{"admin":true}', '__proto__'],
  ['"constructor":1', 'constructor'],
  ['"":1', ''],
  ['"a\\u0000b":1', 'a?b'],
  ['"token":"eyJx"', 'token'],
  [`"${'k'.repeat(1000)}":1`, `${'k'.repeat(64)}…`],
  ['"cluster ":"x"', 'cluster '],
  ['"action":"delete"', 'action'],
] as const) {
  add({
    name: `body unknown field ${field.slice(0, 20)}`,
    ...start(`{"subscriptionId":"${SUB}","resourceGroup":"${RG}","cluster":"aks-blue-01",${extra}}`),
    status: 400,
    code: 'unknownField',
    field,
  });
}
// --- bodies: missing and mistyped fields -------------------------------------------------------------------------
for (const field of ['subscriptionId', 'resourceGroup', 'cluster'] as const) {
  const { [field]: _, ...rest } = base;
  add({ name: `body without ${field}`, ...start(JSON.stringify(rest)), status: 400, code: 'missingParameter', field });
  add({ name: `body ${field} null`, ...start(JSON.stringify({ ...base, [field]: null })), status: 400, code: 'missingParameter', field });
  add({ name: `body ${field} empty`, ...start(JSON.stringify({ ...base, [field]: '' })), status: 400, code: 'missingParameter', field });
  for (const value of [1, true, ['aks-blue-01'], { name: 'x' }]) {
    add({
      name: `body ${field} ${JSON.stringify(value)}`,
      ...start(JSON.stringify({ ...base, [field]: value })),
      status: 400,
      code: 'invalidParameter',
      field,
    });
  }
}
add({ name: 'body {}', ...start('{}'), status: 400, code: 'missingParameter', field: 'subscriptionId' });
// --- bodies: invalid values, out-of-scope values -----------------------------------------------------------------
for (const [field, value] of [
  ['cluster', '-x'],
  ['cluster', 'a'.repeat(64)],
  ['cluster', 'a/b'],
  ['subscriptionId', 'abc'],
  ['resourceGroup', 'rg.'],
  ['resourceGroup', 'a/b'],
  ['resourceGroup', 'a'.repeat(91)],
] as const) {
  add({ name: `body ${field}=${value.slice(0, 20)}`, ...start(JSON.stringify({ ...base, [field]: value })), status: 400, code: 'invalidParameter', field });
}
add({ name: 'body other subscription', ...start(JSON.stringify({ ...base, subscriptionId: OTHER_SUB })), status: 403, code: 'scopeNotAllowed' });
add({ name: 'body other resource group', ...start(JSON.stringify({ ...base, resourceGroup: 'rg-elb-0' })), status: 403, code: 'scopeNotAllowed' });
// --- bodies: not UTF-8 -----------------------------------------------------------------------------------------
const json = (inner: number[]) =>
  Buffer.concat([Buffer.from(`{"subscriptionId":"${SUB}","resourceGroup":"${RG}","cluster":"`), Buffer.from(inner), Buffer.from('"}')]);
for (const [name, bytes] of [
  ['0xff alone', Buffer.from([0xff])],
  ['0xff in a string', json([0xff])],
  ['overlong slash', json([0xc0, 0xaf])],
  ['lone surrogate', json([0xed, 0xa0, 0x80])],
  ['truncated sequence', json([0xe2, 0x82])],
  ['latin1 e-acute', json([0xe9])],
  ['utf-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"cluster":"a"}', 'utf16le')])],
  ['continuation byte first', json([0x80, 0x61])],
  ['5-byte form', json([0xf8, 0x88, 0x80, 0x80, 0x80])],
] as const) {
  add({ name: `body non-UTF-8: ${name}`, ...start(bytes), status: 400, code: 'malformedBody', field: 'body' });
}
// --- bodies: too large -----------------------------------------------------------------------------------------
const padded = (bytes: number) => JSON.stringify({ ...base, cluster: 'x'.repeat(bytes) });
add({ name: 'body 64 KiB + 1 (chunked)', ...start(padded(64 * 1024 - 80).padEnd(64 * 1024 + 1, ' ')), status: 413, code: 'payloadTooLarge', field: 'body' });
add({
  name: 'body 70 KiB with Content-Length',
  ...start(padded(70 * 1024), { ...JSON_ADMIN, 'content-length': String(Buffer.byteLength(padded(70 * 1024))) }),
  status: 413,
  code: 'payloadTooLarge',
  field: 'body',
});
add({ name: 'body over the host limit (1 MiB)', ...start(padded(1024 * 1024 + 10)), status: 413, code: 'payloadTooLarge' });
// --- content types ------------------------------------------------------------------------------------------------
for (const type of [
  undefined,
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/jsonp',
  'application/json-patch+json',
  'json',
  '',
  'text/json',
  'application/json;charset=iso-8859-1',
]) {
  const headers: Record<string, string> = { ...ADMIN };
  if (type !== undefined) headers['content-type'] = type;
  add({ name: `content-type ${type ?? '(none)'}`, ...start(JSON.stringify(base), headers), status: 415, code: 'unsupportedMediaType', field: 'content-type' });
}

// --- headers: unsafe x-request-id (with an otherwise bad request) ----------------------------------------------------
for (const id of ['a'.repeat(129), 'has space', 'semi;colon', '<script>', 'caf\u00e9', 'a/b', 'a:b', 'a,b', 'a'.repeat(8 * 1024), '"quoted"', 'a\tb']) {
  add({
    name: `x-request-id ${JSON.stringify(id.slice(0, 20))}`,
    path: clustersPath(`subscriptionId=bad&resourceGroup=${RG}`),
    headers: { ...ADMIN, 'x-request-id': id },
    badRequestId: id,
    status: 400,
    code: 'invalidParameter',
    field: 'subscriptionId',
  });
}
// --- headers: principals that cannot be read, or say too little --------------------------------------------------------
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
for (const [name, header] of [
  ['not base64', 'not base64!!'],
  ['base64 of text', b64('not json')],
  ['base64 of an array', b64('[]')],
  ['no auth_typ', b64('{"claims":[]}')],
  ['claims not a list', b64('{"auth_typ":"aad","claims":"x"}')],
  ['non-UTF-8 JSON', b64(Buffer.from([0x7b, 0xff, 0x7d]))],
  ['12 KiB of A', 'A'.repeat(12 * 1024)],
  ['empty', ''],
  ['latin1 bytes', 'caf\u00e9'],
  ['base64 with spaces inside', `${PRINCIPALS.admin.slice(0, 10)} ${PRINCIPALS.admin.slice(10)}`],
] as const) {
  add({ name: `principal ${name}`, path: clustersPath(validQuery), headers: { 'x-ms-client-principal': header }, status: 401, code: 'unauthenticated' });
}
add({ name: 'no principal', path: clustersPath(validQuery), status: 401, code: 'unauthenticated' });
add({ name: 'no principal, POST', ...start(JSON.stringify(base), { 'content-type': 'application/json' }), status: 401, code: 'unauthenticated' });
add({
  name: 'principal without roles',
  path: clustersPath(validQuery),
  headers: { 'x-ms-client-principal': PRINCIPALS.noRoles },
  status: 403,
  code: 'forbidden',
});
add({
  name: 'reader deleting',
  ...start(JSON.stringify(base), { 'content-type': 'application/json', 'x-ms-client-principal': PRINCIPALS.reader }),
  path: '/api/aks/delete',
  status: 403,
  code: 'forbidden',
});

// --- methods and routes (the host's own answers) -------------------------------------------------------------------
for (const [method, path, status, code] of [
  ['PUT', '/api/aks/start', 405, 'methodNotAllowed'],
  ['GET', '/api/aks/start', 405, 'methodNotAllowed'],
  ['DELETE', '/api/monitor/aks', 405, 'methodNotAllowed'],
  ['POST', '/api/me', 405, 'methodNotAllowed'],
  ['GET', `/api/monitor/aks/a/nodes/extra?${validQuery}`, 404, 'routeNotFound'],
  ['GET', '/api/nope', 404, 'routeNotFound'],
  ['GET', `/api/monitor/aks/../nodes?${validQuery}`, 404, 'routeNotFound'],
  ['GET', `/api/monitor/aks/%2E/nodes?${validQuery}`, 404, 'routeNotFound'],
] as const) {
  add({ name: `${method} ${path.slice(0, 40)}`, method, path, headers: ADMIN, status, code });
}

describe('malformed input through the local host', () => {
  let host: LocalHost;
  let table: TableClient;
  let store: CountingStore;
  const counter: Counter = { calls: 0 };
  const lines: LogLine[] = [];

  beforeAll(async () => {
    table = await freshTable('malformed');
    await table.deleteTable(); // the capture store would create it on its first write: there must be none
    store = countingStore(table);
    const pipeline = pipelineFor(testConfig(), store, lines);
    host = await startLocalHost({
      definitions: [...standInRoutes(pipeline, counter), ...meFunctions({ pipeline }), ...inspectorFunctions({ pipeline, captures: store })],
      port: 0,
      timers: false,
    });
  });
  afterAll(async () => {
    await host?.close();
  });

  it('has at least 200 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every one 4xx with the envelope, and none reaches a handler, storage or the ring', async () => {
    const results = await inBatches(cases, 8, async (c) => ({ c, response: await send(host.url, c) }));
    const failures: string[] = [];
    for (const { c, response } of results) {
      const problems: string[] = [];
      if (response.status !== c.status) problems.push(`status ${response.status}, expected ${c.status}`);
      if (response.status < 400 || response.status > 499) problems.push('not a 4xx');
      if (!String(response.headers['content-type']).startsWith('application/json')) problems.push(`content-type ${String(response.headers['content-type'])}`);
      const error = response.json?.error;
      if (!error || typeof error.message !== 'string' || !error.message) problems.push(`no envelope: ${response.text.slice(0, 120)}`);
      else {
        if (error.code !== c.code) problems.push(`code ${error.code}, expected ${c.code}`);
        if (c.field !== undefined && error.field !== c.field) problems.push(`field ${error.field}, expected ${c.field}`);
        if (error.requestId !== response.headers['x-request-id']) problems.push('requestId differs from x-request-id');
        if (Object.keys(error).some((k) => !['code', 'message', 'requestId', 'field'].includes(k))) problems.push(`extra keys ${Object.keys(error).join(',')}`);
      }
      if (c.badRequestId !== undefined) {
        const answered = response.headers['x-request-id'];
        if (answered === c.badRequestId || !/^[0-9a-f-]{36}$/.test(String(answered))) problems.push(`x-request-id not regenerated: ${String(answered)}`);
      }
      if (/<script>|passwd|stack|at .*\.ts:\d+/.test(response.text)) problems.push('echoes input or internals');
      if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
    expect(counter.calls).toBe(0);
    expect(store.records).toHaveLength(0);
    expect(await rowsOf(table)).toHaveLength(0);
    // every rejection was still logged, once, with its request id
    expect(lines.filter((l) => / 4\d\d [\d.]+ms /.test(l.line)).length).toBe(
      cases.filter((c) => c.code !== 'methodNotAllowed' && c.code !== 'routeNotFound' && !(c.status === 413 && c.field === undefined)).length,
    );
  });

  it('keeps serving: a valid request still succeeds afterwards', async () => {
    const response = await send(host.url, { path: clustersPath(validQuery), headers: { ...ADMIN, 'x-request-id': 'after.the-storm_1' } });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('after.the-storm_1');
    expect(counter.calls).toBe(1);
  });
});
