// P8's HTTP/2 front end and byte counter (bench/lib/h2front.ts) on the real local stack: the front end must relay
// what the worker answers as it is (or P8 would measure another app), and the counter must count the frames a
// viewer receives, HPACK included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { endToEndHeaders, H2Viewer, startH2Front, type H2Front } from '../../bench/lib/h2front.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const LIST = `/api/monitor/aks?subscriptionId=${DEMO_SUBSCRIPTION_ID}&resourceGroup=rg-elb-01`;
/** The worker echoes a caller's safe x-request-id, so two answers can carry the same headers. */
const requestId = (name: string) => ({ 'x-request-id': `${name}-${'0123456789'.repeat(10)}` });
/** What only one hop says: a relay drops these, and each side sets its own date. */
const PER_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'date'];

let stack: LocalStack;
let front: H2Front;
const viewers: H2Viewer[] = [];
const viewer = () => {
  const one = new H2Viewer(front.url);
  viewers.push(one);
  return one;
};

beforeAll(async () => {
  stack = await startLocalStack({
    tablesConnectionString: tablesConnectionString(),
    timers: false,
    log: () => {},
    env: { CACHE_TABLE_NAME: uniqueTableName('c'), INSPECTOR_TABLE_NAME: uniqueTableName('i'), AUDIT_TABLE_NAME: uniqueTableName('a') },
  });
  front = await startH2Front(stack.url);
});
afterAll(async () => {
  for (const one of viewers) await one.close();
  await front?.close();
  await stack?.close();
});

/** The same GET straight from the worker over HTTP/1.1, headers minus the per-hop ones. */
async function direct(path: string, headers: Record<string, string>) {
  const response = await fetch(`${stack.url}${path}`, { headers });
  const kept = Object.fromEntries([...response.headers].filter(([name]) => !PER_HOP.includes(name)));
  return { status: response.status, headers: kept, body: await response.text() };
}

const withoutDate = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));

describe('HTTP/2 front end', () => {
  it('relays a 200 with JSON, then a 304 without a body, with the headers the worker sent', async () => {
    const one = viewer();
    const ok = await one.get(LIST, requestId('list'));
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json');
    expect(ok.headers.etag).toMatch(/^W\/"/);
    expect(ok.headers['cache-control']).toMatch(/^private, max-age=\d+, stale-while-revalidate=\d+$/);
    expect(ok.headers['x-request-id']).toBe(requestId('list')['x-request-id']);
    expect(ok.headers.date).toBeDefined();
    for (const name of PER_HOP.filter((n) => n !== 'date')) expect(ok.headers[name]).toBeUndefined();
    const answer = JSON.parse(ok.body) as { data: { name: string }[] };
    expect(answer.data.map((c) => c.name)).toContain('elb-01-a');
    expect(ok.bodyBytes).toBe(Buffer.byteLength(ok.body));

    const notModified = await one.get(LIST, { 'if-none-match': ok.headers.etag!, ...requestId('list') });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.bodyBytes).toBe(0);
    expect(notModified.headers.etag).toBe(ok.headers.etag);
    expect(notModified.headers['content-type']).toBeUndefined();
    // The same conditional GET straight from the worker: the same status and headers.
    const h1 = await direct(LIST, { 'if-none-match': ok.headers.etag!, ...requestId('list') });
    expect(h1.status).toBe(304);
    expect(withoutDate(notModified.headers)).toEqual(h1.headers);
  });

  it('relays a 404 envelope byte for byte', async () => {
    const one = viewer();
    const headers = requestId('missing');
    const relayed = await one.get('/api/no-such-route', headers);
    const h1 = await direct('/api/no-such-route', headers);
    expect(relayed.status).toBe(404);
    expect(h1.status).toBe(404);
    expect(withoutDate(relayed.headers)).toEqual(h1.headers);
    expect(relayed.body).toBe(h1.body);
    expect(JSON.parse(relayed.body)).toEqual({ error: { code: 'routeNotFound', message: 'No route /api/no-such-route', requestId: headers['x-request-id'] } });
  });

  it('relays the request method and the worker’s 405 for a method the route refuses', async () => {
    const one = viewer();
    const relayed = await one.request('DELETE', LIST, requestId('delete'));
    expect(relayed.status).toBe(405);
    expect(relayed.headers.allow).toBe('GET');
    expect(JSON.parse(relayed.body).error.code).toBe('methodNotAllowed');
  });

  it('answers 502 with a JSON envelope when the worker does not answer', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const broken = await startH2Front('http://127.0.0.1:1');
    const one = new H2Viewer(broken.url);
    try {
      const answer = await one.get(LIST);
      expect(answer.status).toBe(502);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(JSON.parse(answer.body).error.code).toBe('badGateway');
    } finally {
      await one.close();
      await broken.close();
    }
  });
});

describe('HTTP/2 byte counter', () => {
  it('counts every received byte: a 200 is its body plus framing, a 304 costs fewer bytes than the 200 before it', async () => {
    const one = viewer();
    const ok = await one.get(LIST);
    // At least the body and one 9-byte frame header each for HEADERS and DATA.
    expect(ok.wireBytes).toBeGreaterThanOrEqual(ok.bodyBytes + 18);
    const notModified = await one.get(LIST, { 'if-none-match': ok.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.wireBytes).toBeGreaterThan(9);
    expect(notModified.wireBytes).toBeLessThan(ok.wireBytes - ok.bodyBytes);
    expect(one.receivedBytes).toBeGreaterThanOrEqual(ok.wireBytes + notModified.wireBytes);
  });

  it('HPACK: the second identical 304 on a connection costs fewer header bytes than the first', async () => {
    const etag = (await viewer().get(LIST)).headers.etag!;
    const one = viewer();
    // Opens the connection (its SETTINGS are counted here) with another path and other headers.
    await one.get('/api/no-such-route');
    const conditional = { 'if-none-match': etag, ...requestId('hpack') };
    const first = await one.get(LIST, conditional);
    const second = await one.get(LIST, conditional);
    expect([first.status, second.status]).toEqual([304, 304]);
    // The first sends the 110-character request id (72 bytes Huffman-coded), the ETag and Cache-Control as literals;
    // the second names them by index. Only the Date may be new in the second (a second boundary between the two).
    expect(second.wireBytes).toBeLessThan(first.wireBytes - 40);
  });
});

describe('endToEndHeaders', () => {
  it('drops pseudo-headers, hop-by-hop headers, those the Connection header names, and Host', () => {
    expect(
      endToEndHeaders({
        ':method': 'GET',
        ':path': '/x',
        host: '127.0.0.1:1',
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        te: 'trailers',
        'x-hop': '1',
        etag: 'W/"a"',
        'set-cookie': ['a=1', 'b=2'],
        'X-Request-Id': 'r',
        absent: undefined,
      }),
    ).toEqual({ etag: 'W/"a"', 'set-cookie': ['a=1', 'b=2'], 'x-request-id': 'r' });
  });
});
