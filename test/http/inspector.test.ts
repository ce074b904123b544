// shouldCapture (method-aware, boundary-safe, never throws) and the capture ring in Table Storage (Azurite).
import { readFile } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import {
  createTableCaptureStore,
  DEFAULT_UNCAPTURED_PREFIXES,
  shouldCapture,
  TRIM_BATCH,
  truncateUtf8,
  type CaptureInput,
} from '../../shared/http/inspector.js';
import { freshTable } from '../setup/tables.js';
import { anyString, countingStore, inBatches, pipelineFor, PRINCIPALS, rowsOf, send, testConfig } from './support.js';

describe('shouldCapture', () => {
  const cases: [unknown, unknown, boolean][] = [
    // polling GETs: never captured
    ['/api/monitor/aks', 'GET', false],
    ['/api/monitor/aks/c1/nodes', 'GET', false],
    ['/api/me', 'GET', false],
    ['/api/me/', 'GET', false],
    ['/api/inspector', 'get', false],
    ['/api/health', 'GET', false],
    ['/api/health', 'HEAD', false],
    ['/API/Monitor/aks', 'GET', false],
    ['/api//monitor//aks', 'GET', false],
    ['/api/monitor/aks?subscriptionId=x', 'GET', false],
    ['/api/%6Donitor/aks', 'GET', false],
    ['http://127.0.0.1:7071/api/me', 'GET', false],
    ['/api/monitor', ' GET ', false],
    // boundary-safe: a shared prefix is not the same path
    ['/api/meter', 'GET', true],
    ['/api/me-too', 'GET', true],
    ['/api/monitoring', 'GET', true],
    ['/api/inspectors', 'GET', true],
    ['/api/healthz', 'GET', true],
    ['/api/monitor/../aks/start', 'GET', true],
    // dot segments are resolved, a name with dots in it is only a name
    ['/api/me/.', 'GET', false],
    ['/api/me/..', 'GET', true],
    ['/api/me...', 'GET', true],
    ['/API/Monitor/aks-01.x~y', 'GET', false],
    // method-aware: every non-GET is captured, even under a polling prefix
    ['/api/monitor/aks', 'POST', true],
    ['/api/me', 'DELETE', true],
    ['/api/inspector', 'PUT', true],
    ['/api/monitor/aks', 'PATCH', true],
    ['/api/monitor/aks', 'OPTIONS', true],
    ['/api/aks/start', 'POST', true],
    // a missing or blank method counts as non-GET
    ['/api/monitor/aks', undefined, true],
    ['/api/monitor/aks', null, true],
    ['/api/monitor/aks', '', true],
    ['/api/monitor/aks', '   ', true],
    ['/api/monitor/aks', 42, true],
    // non-polling GETs are captured
    ['/api/aks/start', 'GET', true],
    ['/api/other', 'GET', true],
    ['/', 'GET', true],
    ['', 'GET', true],
    // garbage never throws
    [undefined, 'GET', true],
    [null, 'GET', true],
    [42, 'GET', true],
    [
      {
        toString() {
          throw new Error('boom');
        },
      },
      'GET',
      true,
    ],
    [Symbol('x'), 'GET', true],
    ['/api/%E0%A4%A/x', 'GET', true],
    ['/api/monitor/%E0%A4%A', 'GET', false],
    ['http://[::1', 'GET', true],
    [
      '/api/me',
      {
        toString() {
          throw new Error('boom');
        },
      },
      true,
    ],
  ];
  const show = (v: unknown) => (typeof v === 'string' || v == null || typeof v === 'number' ? String(v) : typeof v);
  for (const [path, method, expected] of cases) {
    it(`${show(method)} ${show(path)} → ${expected}`, () => {
      expect(shouldCapture(path, method)).toBe(expected);
    });
  }

  it('uses the configured prefixes, ignores empty ones and never throws on a bad list', () => {
    expect(shouldCapture('/api/reports/x', 'GET', ['/api/reports'])).toBe(false);
    expect(shouldCapture('/api/me', 'GET', ['/api/reports'])).toBe(true);
    expect(shouldCapture('/api/anything', 'GET', ['', '/'])).toBe(true);
    expect(shouldCapture('/api/me', 'GET', [null, 3, '/api/me/'] as never)).toBe(false);
  });

  it('leaves every GET the dashboard polls uncaptured by default, writes to the same routes captured', () => {
    for (const path of [
      '/api/monitor/aks',
      '/api/monitor/fleet',
      '/api/me',
      '/api/inspector',
      '/api/health',
      '/api/audit',
      '/api/cost',
      '/api/cost/fleet',
      '/api/schedules',
      '/api/fleet',
      '/api/autostop',
      '/api/notifications',
    ]) {
      expect(shouldCapture(path, 'GET'), path).toBe(false);
    }
    for (const path of ['/api/schedules', '/api/schedules/abc', '/api/autostop']) expect(shouldCapture(path, 'POST'), path).toBe(true);
  });

  it('is one list: the sample settings and the deployment set the default', async () => {
    const sample = JSON.parse(await readFile('local.settings.sample.json', 'utf8')) as { Values: Record<string, string> };
    expect(sample.Values.INSPECTOR_UNCAPTURED_PREFIXES).toBe(DEFAULT_UNCAPTURED_PREFIXES.join(','));
    const bicep = await readFile('infra/main.bicep', 'utf8');
    expect(/INSPECTOR_UNCAPTURED_PREFIXES: '([^']*)'/.exec(bicep)?.[1]).toBe(DEFAULT_UNCAPTURED_PREFIXES.join(','));
  });
});

describe('truncateUtf8', () => {
  it('keeps short text and cuts long text on a character boundary, saying how long it was', () => {
    expect(truncateUtf8('short', 8)).toBe('short');
    const cut = truncateUtf8('ééééé', 5); // 10 bytes; byte 5 is inside the third é
    expect(cut).toBe('éé…[truncated, 10 bytes]');
  });
});

/** The ring's rows: every row of its table but the counter of sequence numbers. */
async function ringRowsOf(table: TableClient): Promise<Record<string, unknown>[]> {
  return (await rowsOf(table)).filter((row) => row.rowKey !== 'sequence');
}

function capture(requestId: string): CaptureInput {
  return { at: new Date().toISOString(), requestId, method: 'POST', path: '/api/aks/start', query: {}, status: 202, durationMs: 1, requestHeaders: {} };
}

describe('capture ring in Table Storage', () => {
  it('keeps the newest capacity entries, newest first, after many writes in a row', async () => {
    const table = await freshTable('ring');
    const store = createTableCaptureStore(table, { capacity: 5 });
    for (let i = 0; i < 12; i++) await store.record(capture(`r${i}`));
    await store.settled();
    expect((await ringRowsOf(table)).length).toBe(5);
    expect((await store.list(50)).map((c) => c.requestId)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7']);
    expect((await store.list(2)).map((c) => c.requestId)).toEqual(['r11', 'r10']);
  });

  it('stays bounded under concurrent writers (two instances sharing one table)', async () => {
    const table = await freshTable('ringc');
    const a = createTableCaptureStore(table, { capacity: 20 });
    const b = createTableCaptureStore(table, { capacity: 20 });
    await inBatches(
      Array.from({ length: 80 }, (_, i) => i),
      12,
      (i) => (i % 2 ? a : b).record(capture(`c${i}`)),
    );
    await Promise.all([a.settled(), b.settled()]);
    const rows = await ringRowsOf(table);
    expect(rows.length).toBe(20);
    expect((await a.list(100)).map((c) => c.id)).toEqual(rows.map((r) => r.rowKey).reverse()); // one ring, newest first
    expect((await b.list(100)).map((c) => c.id)).toEqual(rows.map((r) => r.rowKey).reverse());
  });

  it('lists nothing before the table exists, and a failed write never rejects', async () => {
    const table = await freshTable('ringx');
    await table.deleteTable();
    const lines: string[] = [];
    const store = createTableCaptureStore(table, { capacity: 5, log: (l) => lines.push(l) });
    expect(await store.list(10)).toEqual([]);
    await expect(store.record({ ...capture('big'), requestBody: 'x'.repeat(70_000) })).resolves.toBeUndefined(); // property > 64 KiB: refused by the service
    expect(lines.some((l) => l.includes('capture of big not stored'))).toBe(true);
  });
});

describe('ring bound through the pipeline', () => {
  let host: LocalHost;
  let ringTable: Awaited<ReturnType<typeof freshTable>>;
  const store = { current: undefined as ReturnType<typeof countingStore> | undefined };

  beforeAll(async () => {
    const table = await freshTable('ring250');
    const config = testConfig();
    expect(config.inspector.capacity).toBe(200);
    ringTable = table;
    store.current = countingStore(table, config.inspector.capacity);
    const pipeline = pipelineFor(config, store.current);
    host = await startLocalHost({
      definitions: [
        {
          kind: 'http',
          name: 'note',
          route: 'test/note',
          methods: ['POST'],
          handler: pipeline.wrap({ auth: 'operate', body: { note: anyString } }, async ({ body }) => ({ status: 201, body: { saved: body.note } })),
        },
        ...inspectorFunctions({ pipeline, captures: store.current }),
      ],
      port: 0,
      timers: false,
    });
  });
  afterAll(() => host?.close());

  it('250 captured calls leave exactly the newest 200, newest first', async () => {
    for (let i = 0; i < 250; i++) {
      const response = await send(host.url, {
        method: 'POST',
        path: '/api/test/note',
        headers: { 'content-type': 'application/json', 'x-ms-client-principal': PRINCIPALS.operator, 'x-request-id': `ring-${String(i).padStart(3, '0')}` },
        body: JSON.stringify({ note: `n${i}` }),
      });
      expect(response.status).toBe(201);
    }
    await store.current!.settled();
    expect(store.current!.records).toHaveLength(250);
    expect(await ringRowsOf(ringTable)).toHaveLength(200);
    const expected = Array.from({ length: 200 }, (_, k) => `ring-${String(249 - k).padStart(3, '0')}`);
    const listed = await send(host.url, { path: '/api/inspector?limit=200', headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((c: { requestId: string }) => c.requestId)).toEqual(expected);
    const byDefault = await send(host.url, { path: '/api/inspector', headers: { 'x-ms-client-principal': PRINCIPALS.reader } });
    expect(byDefault.json.items.map((c: { requestId: string }) => c.requestId)).toEqual(expected.slice(0, 50));
    expect(byDefault.json.items[0]).toMatchObject({
      method: 'POST',
      path: '/api/test/note',
      status: 201,
      caller: expect.stringMatching(/^caller-[0-9a-f]{12}$/),
      requestBody: '{"note":"n249"}',
      responseBody: '{"saved":"n249"}',
    });
  });
});

describe('ring bound under load', () => {
  const TABLE_LATENCY_MS = 30;

  it('2,000 captured GETs as fast as they come leave at most capacity + one trim batch, and exactly capacity once settled', async () => {
    const table = await freshTable('ringload');
    // Table Storage as far away as in Azure (a few ms per call), not on the loopback: a trim has to keep up with it.
    table.pipeline.addPolicy({ name: 'tableLatency', sendRequest: async (request, next) => (await setTimeout(TABLE_LATENCY_MS), next(request)) });
    const config = testConfig();
    const store = createTableCaptureStore(table, { capacity: config.inspector.capacity });
    const pipeline = pipelineFor(config, store);
    const page = Array.from({ length: 100 }, (_, i) => ({ id: `schedule-${i}`, cron: '0 0 19 * * 1-5', timeZone: 'Europe/Berlin', enabled: true }));
    const host = await startLocalHost({
      definitions: [
        {
          kind: 'http',
          name: 'poll',
          route: 'test/poll',
          methods: ['GET'],
          // As large as a schedules list the dashboard polls: each capture keeps MAX_CAPTURED_BODY_BYTES of it.
          handler: pipeline.wrap({ auth: 'read' }, async () => ({ body: { data: page } })),
        },
      ],
      port: 0,
      timers: false,
    });
    try {
      const peaks: number[] = [];
      await inBatches(
        Array.from({ length: 2_000 }, (_, i) => i),
        200,
        async (i) => {
          const answer = await send(host.url, { path: '/api/test/poll', headers: { 'x-ms-client-principal': PRINCIPALS.reader, 'x-request-id': `load-${i}` } });
          expect(answer.status).toBe(200);
          if (i % 500 === 499) peaks.push((await ringRowsOf(table)).length);
        },
      );
      const afterLoad = (await ringRowsOf(table)).length; // before any trim still running has ended
      expect(Math.max(afterLoad, ...peaks)).toBeLessThanOrEqual(config.inspector.capacity + TRIM_BATCH);
      await store.settled();
      expect(await ringRowsOf(table)).toHaveLength(config.inspector.capacity);
      const newest = await store.list(200);
      expect(newest).toHaveLength(200);
      expect(new Set(newest.map((c) => c.requestId)).size).toBe(200);
    } finally {
      await host.close();
    }
  }, 120_000);

  it('a trim reads only the excess: one capture over a full ring deletes one row after reading one', async () => {
    const table = await freshTable('ringcost');
    const store = createTableCaptureStore(table, { capacity: 50 });
    for (let i = 0; i < 50; i++) await store.record(capture(`full-${i}`));
    await store.settled();
    // Count the rows every query of the table answers from here on.
    let rowsRead = 0;
    table.pipeline.addPolicy({
      name: 'countRowsRead',
      async sendRequest(request, next) {
        const response = await next(request);
        if (request.method === 'GET' && response.bodyAsText) rowsRead += ((JSON.parse(response.bodyAsText) as { value?: unknown[] }).value ?? [1]).length;
        return response;
      },
    });
    await store.record(capture('one-more'));
    await store.settled();
    expect(rowsRead).toBe(1); // the one row beyond the capacity, not the ring
    expect(await ringRowsOf(table)).toHaveLength(50);
    expect((await store.list(1)).map((c) => c.requestId)).toEqual(['one-more']);
  });
});
