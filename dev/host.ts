// The local function host: serves the same function definitions that functions/index.ts registers with the real
// host, over node:http under /api, with real HttpRequest / InvocationContext objects. Core Tools (`func`) cannot
// be installed here; this stands in for it in `npm start`, the tests and the benchmarks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit, type Timer } from '@azure/functions';
import { CronExpressionParser } from 'cron-parser';
import type { FunctionDefinition, HttpFunctionDefinition, TimerFunctionDefinition } from '../functions/definition.js';
import { REQUEST_ID_HEADER, resolveRequestId } from '../shared/observability/requestId.js';

export interface LocalHostOptions {
  definitions: readonly FunctionDefinition[];
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Folder of static files served at / (the built dashboard). */
  staticDir?: string;
  /** false: timers are not scheduled (tests run them by hand through runTimer). */
  timers?: boolean;
  /** Where InvocationContext logs go; default: silent. */
  log?: (line: string) => void;
}

export interface LocalHost {
  url: string;
  port: number;
  /** Runs a timer function once, now, as its schedule would. */
  runTimer(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Bodies above this are refused before reaching a handler (Azure's own limit is far higher; ours is far lower). */
const MAX_BODY_BYTES = 1024 * 1024;

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  pattern: RegExp;
  names: string[];
}

/** Azure Functions route templates: literal segments, {name}, {name?}, {name:constraint}, {*rest}. */
export function compileRoute(route: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const segments = route
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter(Boolean);
  let source = '';
  for (const segment of segments) {
    const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\?)?\}$/.exec(segment);
    if (!param) {
      source += '/' + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const [, catchAll, name, optional] = param;
    names.push(name!);
    if (catchAll) source += '(?:/(.*))?';
    else if (optional) source += '(?:/([^/]+))?';
    else source += '/([^/]+)';
  }
  return { pattern: new RegExp(`^${source}/?$`, 'i'), names };
}

/**
 * The Host headers the local host answers: loopback names with its port. Anything else is refused (421), so a web
 * page on another origin whose DNS name resolves to 127.0.0.1 (DNS rebinding) cannot drive the development principal.
 */
export function loopbackHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

function errorBody(code: string, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, requestId } });
}

const NO_BODY = Buffer.alloc(0);

/** HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body (every poll): nothing to wait for. */
function announcesBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'tooLarge'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return 'tooLarge';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The id of an answer the host gives itself (a refusal, a crash): the caller's when safe, else a new one. */
function hostRequestId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return resolveRequestId(Array.isArray(incoming) ? undefined : incoming);
}

/**
 * A buffered answer as the Functions host (Kestrel) sends one: with its Content-Length, never chunked. 204 and 304
 * carry no body and no length. The headers are the caller's own record: the length is added to it.
 */
function sendBuffered(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer = ''): void {
  if (status !== 204 && status !== 304) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers).end(body);
}

async function writeResponse(res: ServerResponse, result: HttpResponseInit | HttpResponse | undefined): Promise<void> {
  // The pipeline's answers (status, a header record, JSON data or nothing) are written as they are, without building
  // a fetch Response per request; anything else goes through HttpResponse, as the Functions host would read it.
  if (result && !(result instanceof HttpResponse) && isPlainRecord(result.headers) && result.body === undefined && result.cookies === undefined) {
    const body = result.jsonBody === undefined ? undefined : JSON.stringify(result.jsonBody);
    const headers: Record<string, string> = { ...result.headers };
    if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    sendBuffered(res, result.status ?? 200, headers, body);
    return;
  }
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const cookie of response.cookies) {
    res.appendHeader('set-cookie', `${cookie.name}=${cookie.value}`);
  }
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  res.end(body);
}

function isPlainRecord(headers: unknown): headers is Record<string, string> {
  return headers === undefined || (typeof headers === 'object' && headers !== null && Object.getPrototypeOf(headers) === Object.prototype);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

async function serveStatic(dir: string, pathname: string, res: ServerResponse): Promise<void> {
  const root = resolve(dir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    sendBuffered(res, 400, {});
    return;
  }
  let file = join(root, decoded);
  // Inside the folder, not merely starting with its name ("/..%2Fweb-other/x" must not reach a sibling).
  if (file !== root && !file.startsWith(root + sep)) {
    sendBuffered(res, 404, {});
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info || info.isDirectory()) file = join(root, 'index.html'); // single-page app: every other path is the app
  const content = await readFile(file).catch(() => undefined);
  if (!content) {
    sendBuffered(res, 404, { 'content-type': 'text/plain' }, 'dashboard not built: run npm run build:web');
    return;
  }
  sendBuffered(res, 200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }, content);
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const routes: CompiledRoute[] = options.definitions
    .filter((d): d is HttpFunctionDefinition => d.kind === 'http')
    .map((definition) => ({ definition, ...compileRoute(definition.route) }));
  const timers = options.definitions.filter((d): d is TimerFunctionDefinition => d.kind === 'timer');
  // Per method, the routes that take it (in definition order): a request tries only those, up to the first match.
  const routesByMethod = new Map<string, CompiledRoute[]>();
  for (const route of routes) {
    for (const method of route.definition.methods) routesByMethod.set(method, [...(routesByMethod.get(method) ?? []), route]);
  }

  // Without a log, an invocation's lines are dropped unformatted.
  const logHandler = (functionName: string) =>
    options.log ? (level: string, ...args: unknown[]) => log(`[${functionName}] ${level}: ${args.map(String).join(' ')}`) : () => {};
  const contextFor = (functionName: string) => new InvocationContext({ invocationId: randomUUID(), functionName, logHandler: logHandler(functionName) });

  /** The route a request goes to, with the values of its parameters. */
  function routeOf(method: string, routePath: string): { route: CompiledRoute; match: RegExpExecArray } | undefined {
    for (const route of routesByMethod.get(method) ?? []) {
      const match = route.pattern.exec(routePath);
      if (match) return { route, match };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/api/') && url.pathname !== '/api') {
      if (options.staticDir && (method === 'GET' || method === 'HEAD')) return serveStatic(options.staticDir, url.pathname, res);
      sendBuffered(res, 404, {});
      return;
    }
    const json = (status: number, code: string, message: string): void => {
      const requestId = hostRequestId(req);
      sendBuffered(res, status, { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId }, errorBody(code, message, requestId));
    };

    const routePath = url.pathname.slice('/api'.length);
    const hit = routeOf(method, routePath);
    if (!hit) {
      const matches = routes.filter((route) => route.pattern.test(routePath));
      if (matches.length === 0) {
        json(404, 'routeNotFound', `No route ${url.pathname}`);
        return;
      }
      const allowed = [...new Set(matches.flatMap((route) => route.definition.methods))];
      res.setHeader('allow', allowed.join(', '));
      json(405, 'methodNotAllowed', `${method} is not allowed on ${url.pathname}; use ${allowed.join(', ')}`);
      return;
    }

    const body = announcesBody(req) ? await readBody(req) : NO_BODY;
    if (body === 'tooLarge') {
      json(413, 'payloadTooLarge', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      return;
    }
    const params: Record<string, string> = {};
    hit.route.names.forEach((name, i) => {
      const value = hit.match[i + 1];
      if (value !== undefined) {
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          params[name] = value; // malformed escapes reach validation as they are
        }
      }
    });
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: headersOf(req),
      // No `query`: the request reads it from its URL as the Functions host's does, every value of a repeated
      // parameter kept, so validation refuses one given twice (a record would keep only the last).
      params,
      body: body.length > 0 ? { bytes: body } : undefined,
    });
    const result = await hit.route.definition.handler(request, contextFor(hit.route.definition.name));
    await writeResponse(res, result);
  }

  let allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      const requestId = hostRequestId(req);
      const body = errorBody('misdirectedRequest', 'This local host answers only 127.0.0.1, localhost and [::1] with its port', requestId);
      sendBuffered(res, 421, { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId, connection: 'close' }, body);
      return;
    }
    handle(req, res).catch((error: unknown) => {
      log(`[host] unhandled: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) {
        const requestId = hostRequestId(req);
        sendBuffered(
          res,
          500,
          { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId },
          errorBody('internalError', 'The host failed to handle the request', requestId),
        );
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 7071, host, () => ready());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = loopbackHosts(port);

  // Timers: like the real host, one run of a timer at a time; a tick that finds it still running is skipped.
  const running = new Map<string, Promise<void>>();
  const handles: NodeJS.Timeout[] = [];
  let closed = false;
  const runTimer = async (name: string, isPastDue = false): Promise<void> => {
    const timer = timers.find((t) => t.name === name);
    if (!timer) throw new Error(`No timer function ${name}`);
    const inFlight = running.get(name);
    if (inFlight) return inFlight;
    const info: Timer = { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: new Date().toISOString() } };
    const run = Promise.resolve()
      .then(() => timer.handler(info, contextFor(name)))
      .then(
        () => undefined,
        (error: unknown) => log(`[${name}] failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => running.delete(name));
    running.set(name, run);
    return run;
  };
  const schedule = (timer: TimerFunctionDefinition) => {
    if (closed) return;
    const next = CronExpressionParser.parse(timer.schedule, { currentDate: new Date() }).next().getTime();
    const handle = setTimeout(
      () => {
        handles.splice(handles.indexOf(handle), 1);
        void runTimer(timer.name);
        schedule(timer);
      },
      Math.max(0, next - Date.now()),
    );
    handle.unref();
    handles.push(handle);
  };
  if (options.timers !== false) {
    for (const timer of timers) {
      if (timer.runOnStartup) void runTimer(timer.name);
      schedule(timer);
    }
  }

  return {
    url: `http://${host}:${port}`,
    port,
    runTimer: (name) => runTimer(name),
    async close() {
      closed = true;
      handles.splice(0).forEach(clearTimeout);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await Promise.all(running.values());
    },
  };
}
