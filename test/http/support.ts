// Shared pieces of the request-pipeline tests: a config as loadConfig builds it, principals as App Service sends
// them, a capture store that counts, raw HTTP requests (exact bytes and headers), and stand-in routes wrapped with
// the auth levels the monitor and lifecycle routes use.
import { request as httpRequest } from 'node:http';
import type { TableClient } from '@azure/data-tables';
import { loadConfig, type Config, type Env } from '../../shared/config.js';
import { encodeClientPrincipal } from '../../shared/http/auth.js';
import { createTableCaptureStore, type CaptureInput, type CaptureStore } from '../../shared/http/inspector.js';
import { createHttpPipeline, type HttpPipeline, type LogLevel } from '../../shared/http/pipeline.js';
import { invalidParameter } from '../../shared/http/errors.js';
import { clusterName, monitorCategory, type Validator } from '../../shared/http/validation.js';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import type { HttpFunctionDefinition } from '../../functions/definition.js';
import { inspectorFunctions } from '../../functions/inspector.js';
import { freshTable, tablesConnectionString } from '../setup/tables.js';

export const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';
export const RG = 'rg-elb-01';
export const RG_BLUE = 'rg-elb-01-blue';
export const OTHER_SUB = '9f8e7d6c-5b4a-4321-8765-000011112222';

export function testConfig(env: Env = {}): Config {
  return loadConfig({
    TABLE_STORAGE_CONNECTION_STRING: tablesConnectionString(),
    AUTH_MODE: 'appService',
    WEBSITE_AUTH_ENABLED: 'True',
    ALLOWED_SCOPES: `${SUB}/${RG},${SUB}/${RG_BLUE}`,
    ...env,
  });
}

/** x-ms-client-principal as App Service Authentication (Entra) sends it. */
export function principal(name: string, roles: string[]): string {
  return encodeClientPrincipal({
    auth_typ: 'aad',
    claims: [
      { typ: 'name', val: name },
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: `oid-${name}` },
      ...roles.map((val) => ({ typ: 'roles', val })),
    ],
    name_typ: 'name',
    role_typ: 'roles',
  });
}

export const PRINCIPALS = {
  reader: principal('reader@contoso.example', ['Dashboard.Read']),
  operator: principal('operator@contoso.example', ['Cluster.Operate']),
  admin: principal('admin@contoso.example', ['Cluster.Admin']),
  noRoles: principal('nobody@contoso.example', []),
};

export interface CountingStore extends CaptureStore {
  records: CaptureInput[];
}

/** The real Table Storage store, counting what it is asked to record. */
export function countingStore(table: TableClient, capacity = 200, log?: (line: string) => void): CountingStore {
  const inner = createTableCaptureStore(table, { capacity, log });
  const records: CaptureInput[] = [];
  return {
    records,
    record: async (capture) => {
      records.push(capture);
      await inner.record(capture);
    },
    list: (limit) => inner.list(limit),
    settled: () => inner.settled(),
  };
}

export interface LogLine {
  level: LogLevel;
  line: string;
}

export function pipelineFor(config: Config, captures: CaptureStore, lines: LogLine[] = []): HttpPipeline {
  return createHttpPipeline({ config, captures, log: (level, line) => lines.push({ level, line }) });
}

/** Any string: test routes use it for free-text fields. */
export const anyString: Validator<string> = (raw, field) => {
  if (typeof raw !== 'string') throw invalidParameter(field, 'a string');
  return raw;
};

export interface Counter {
  calls: number;
}

/**
 * Stand-ins for the monitor and lifecycle routes, wrapped exactly as they will be: GETs need read, start/stop need
 * operate, delete needs admin. Each handler only counts: any call that reaches one "would have gone upstream".
 */
export function standInRoutes(pipeline: HttpPipeline, counter: Counter): HttpFunctionDefinition[] {
  const lifecycle = (action: 'start' | 'stop' | 'delete', auth: 'operate' | 'admin'): HttpFunctionDefinition => ({
    kind: 'http',
    name: `aks${action}`,
    route: `aks/${action}`,
    methods: ['POST'],
    handler: pipeline.wrap({ auth, scopeFrom: 'body', body: { cluster: clusterName } }, async ({ scope, body }) => {
      counter.calls += 1;
      return { status: 202, body: { action, ...scope, cluster: body.cluster } };
    }),
  });
  return [
    {
      kind: 'http',
      name: 'monitorClusters',
      route: 'monitor/aks',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope }) => {
        counter.calls += 1;
        return { body: { data: [], scope } };
      }),
    },
    {
      kind: 'http',
      name: 'monitorCategory',
      route: 'monitor/aks/{cluster}/{category}',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query', params: { cluster: clusterName, category: monitorCategory } }, async ({ scope, params }) => {
        counter.calls += 1;
        return { body: { data: [], scope, ...params } };
      }),
    },
    lifecycle('start', 'operate'),
    lifecycle('stop', 'operate'),
    lifecycle('delete', 'admin'),
  ];
}

/** A local host serving the stand-in routes and the inspector, capturing into a fresh table (named from the prefix). */
export async function startInspectorHost(tablePrefix: string, env: Env = {}): Promise<{ host: LocalHost; store: CountingStore }> {
  const store = countingStore(await freshTable(tablePrefix));
  const pipeline = pipelineFor(testConfig(env), store);
  const host = await startLocalHost({
    definitions: [...standInRoutes(pipeline, { calls: 0 }), ...inspectorFunctions({ pipeline, captures: store })],
    port: 0,
    timers: false,
  });
  return { host, store };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One request with exactly these bytes and headers (fetch would normalise some of them). */
export function send(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Runs tasks with at most `limit` at once, in order of the list. */
export async function inBatches<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await run(items[index]!, index);
      }
    }),
  );
  return results;
}

/** Every row of a table (to prove what was, or was not, written). */
export async function rowsOf(table: TableClient): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const row of table.listEntities()) rows.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return rows;
}
