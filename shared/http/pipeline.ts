// The one wrapper every HTTP function goes through (docs/architecture.md §6). A handler receives validated input, the caller,
// the request id and a logger, and returns data; the wrapper does the rest:
//   request id → authenticate (401) → authorize (403) → validate route/query/body (415, 413, 400) → scope (403)
//   → handler → JSON response with x-request-id, errors as the envelope → inspector capture → one log line.
// Rejected requests never reach the handler, Table Storage or upstream, and are not captured (logged instead):
// anonymous or malformed traffic must not be able to write to storage or push real calls out of the ring.
import { randomUUID } from 'node:crypto';
import { HttpResponse, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { Config } from '../config.js';
import type { Scope } from '../scope.js';
import { createAuth, type Auth, type AuthLevel, type Caller, type GuardedHandler } from './auth.js';
import { ApiError, errorEnvelope, errorHeaders, internalError, malformedBody, toApiError } from './errors.js';
import { createCapture, type CapturedExchange } from './capture.js';
import type { CaptureStore } from './inspector.js';
import { describeErrorChain, redactText } from '../observability/redaction.js';
import { isSafeRequestId, REQUEST_ID_HEADER, resolveRequestId, withRequestId } from '../observability/requestId.js';
import { pathOnly } from '../observability/upstreamLog.js';
import { parseBodyFields, parseParams, parseQuery, readJsonBody, scopeSchema, sentBody, type Parsed, type Schema } from './validation.js';
import type { RefusedRequest, RejectedCount } from '../wire/index.js';
import { createRefusedRequests } from './refused.js';
export type { RefusedRequest, RejectedCount };

export type LogLevel = 'info' | 'warn' | 'error';

/** A logger bound to one request: every line starts with the request id and is redacted. Its functions are closures, so they may be passed on alone. */
export interface RequestLogger {
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
}

export interface RouteOptions<A extends AuthLevel, P extends Schema, Q extends Schema, B extends Schema | undefined, S extends 'query' | 'body' | undefined> {
  /** none | signedIn | read | operate | admin (admin ⊇ operate ⊇ read). */
  auth: A;
  /** Where subscriptionId and resourceGroup come from; they are validated and checked against the allowed scopes. */
  scopeFrom?: S;
  /** Route parameters ({cluster}, {category}, …). */
  params?: P;
  /** Query parameters; parameters not named here are ignored. */
  query?: Q;
  /** A JSON body with exactly these fields (plus the scope's with scopeFrom: 'body'). Required when set. */
  body?: B;
}

export interface HandlerContext<A extends AuthLevel, P extends Schema, Q extends Schema, B extends Schema | undefined, S extends 'query' | 'body' | undefined> {
  /**
   * The server's own id of this request, always made here: what an audit entry records, so no caller can make an
   * action wear another's id (a scheduled run's). It is the x-request-id answered unless the caller sent its own.
   */
  requestId: string;
  /** The caller's x-request-id, when it sent a safe one: answered back and on every log line, kept apart in audit entries. */
  clientRequestId?: string;
  /** Always set unless auth is 'none'. */
  caller: A extends 'none' ? Caller | undefined : Caller;
  /** The allowed scope asked for (its configured spelling), with scopeFrom. */
  scope: S extends 'query' | 'body' ? Scope : undefined;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: B extends Schema ? Parsed<B> : undefined;
  log: RequestLogger;
  /** The raw request and invocation, for the rare handler that needs them. */
  request: HttpRequest;
  invocation: InvocationContext;
}

/** The schema of a route that declares no parameters or no query fields. */
type NoFields = Record<string, never>;

/** What a handler returns: data (shaped as JSON by the wrapper) or, rarely, a ready HttpResponse. */
export type HandlerResult = { status?: number; body?: unknown; headers?: Record<string, string> } | HttpResponse;

export interface HttpPipeline {
  wrap<
    A extends AuthLevel,
    P extends Schema = NoFields,
    Q extends Schema = NoFields,
    B extends Schema | undefined = undefined,
    S extends 'query' | 'body' | undefined = undefined,
  >(
    options: RouteOptions<A, P, Q, B, S>,
    handler: (ctx: HandlerContext<A, P, Q, B, S>) => HandlerResult | Promise<HandlerResult>,
  ): GuardedHandler;
  readonly auth: Auth;
  /** shouldCapture with the configured uncaptured prefixes. */
  shouldCapture(path: unknown, method: unknown): boolean;
  /** Requests this instance refused before any handler (never captured), so a flood of them is still seen. */
  rejected(): RejectedCount;
  /** The last requests this instance refused before any handler (shared/http/refused.ts), newest first. */
  refused(): RefusedRequest[];
}

export interface PipelineDeps {
  config: Pick<Config, 'auth' | 'inspector'>;
  captures: CaptureStore;
  /** Log sink; default: the invocation's own logger (Application Insights in Azure). Lines arrive redacted. */
  log?: (level: LogLevel, line: string) => void;
  /** Milliseconds, for durations. */
  now?: () => number;
}

/** One request on its way through the steps: what each step found, for the steps after it. */
interface Exchange extends CapturedExchange {
  /** The server's own id (HandlerContext.requestId); `requestId` is the one answered and logged. */
  readonly serverRequestId: string;
  readonly clientRequestId?: string;
  readonly invocation: InvocationContext;
  readonly log: RequestLogger;
  readonly started: number;
  /** False for a request refused before its handler: counted, never captured. */
  reachedHandler: boolean;
  result?: HandlerResult;
}

function invocationSink(invocation: InvocationContext): (level: LogLevel, line: string) => void {
  return (level, line) => (level === 'error' ? invocation.error(line) : level === 'warn' ? invocation.warn(line) : invocation.log(line));
}

/** Ours, then the handler's by lower-case name (so that theirs replace ours instead of joining them), then the request id. */
function responseHeaders(status: number, handlerHeaders: Record<string, string> | undefined, requestId: string): Record<string, string> {
  const headers: Record<string, string> =
    status === 304 ? { 'cache-control': 'no-store' } : { 'content-type': 'application/json', 'cache-control': 'no-store' }; // a 304 has no body to describe
  if (handlerHeaders) for (const name of Object.keys(handlerHeaders)) headers[name.toLowerCase()] = handlerHeaders[name]!;
  headers[REQUEST_ID_HEADER] = requestId;
  return headers;
}

/**
 * The path of a request. Its URL is the Request's own serialisation (absolute, already parsed and normalised), so the
 * path is the text from the first slash after the authority up to the query: no second parse per request.
 */
function requestPath(href: string): string {
  const authority = href.indexOf('://');
  const start = authority === -1 ? -1 : href.indexOf('/', authority + 3);
  return pathOnly(start === -1 ? href : href.slice(start));
}

export function createHttpPipeline(deps: PipelineDeps): HttpPipeline {
  const auth = createAuth(deps.config.auth);
  const now = deps.now ?? (() => performance.now());
  const capture = createCapture(deps.captures, deps.config.inspector);
  const refused = createRefusedRequests();

  function loggerFor(requestId: string, invocation: InvocationContext): RequestLogger {
    const sink = deps.log ?? invocationSink(invocation);
    const write = (level: LogLevel) => (message: string) => {
      try {
        sink(level, `[${requestId}] ${redactText(message)}`);
      } catch {
        // a broken log sink must not break the request
      }
    };
    return { info: write('info'), warn: write('warn'), error: write('error') };
  }

  /** Any thrown value becomes the answer's error; our own faults and upstream ones are logged. */
  function fail(exchange: Exchange, error: unknown): void {
    const failure = toApiError(error);
    exchange.failure = failure;
    if (failure.status >= 500) {
      const stack = failure.status === 500 && error instanceof Error && error.stack ? `\n${redactText(error.stack)}` : '';
      exchange.log.error(`${failure.code}: ${describeErrorChain(error)}${stack}`);
    }
  }

  function countRejected({ requestId, method, path }: Exchange, { status, code }: ApiError): void {
    refused.note({ requestId, method, path, status, code });
  }

  /** respond: the handler's result as JSON with x-request-id, or the error envelope. Captured answers are serialised here. */
  function respond(exchange: Exchange, captured: boolean): HttpResponseInit | HttpResponse {
    const { requestId, result } = exchange;
    try {
      if (exchange.failure) return errorResponse(exchange.failure, requestId);
      if (result instanceof HttpResponse) {
        result.headers.set(REQUEST_ID_HEADER, requestId);
        return result;
      }
      const plain = result ?? { status: 204 };
      if (captured && plain.body !== undefined) {
        // Only captured calls are serialised here; polling responses go to the host untouched.
        // undefined at run time for a body JSON cannot express (a function, a symbol), whatever the declared type says.
        const json = JSON.stringify(plain.body) as string | undefined;
        exchange.capturedResponse = json === undefined ? undefined : capture.body(json);
      }
      const status = plain.status ?? 200;
      const headers = responseHeaders(status, plain.headers, requestId);
      return plain.body !== undefined ? { status, jsonBody: plain.body, headers } : { status, headers };
    } catch (error) {
      exchange.failure = internalError(error);
      exchange.log.error(`internalError: response not serialisable: ${describeErrorChain(error)}`);
      return errorResponse(exchange.failure, requestId);
    } finally {
      if (exchange.failure) exchange.capturedResponse = JSON.stringify(errorEnvelope(exchange.failure, requestId));
    }
  }

  /** log: one line per request, through the invocation's logger. */
  function logLine({ log, method, path, failure, caller }: Exchange, status: number, durationMs: number): void {
    log[status >= 500 ? 'error' : 'info'](
      `${method} ${path} ${status} ${durationMs}ms${failure ? ` ${failure.code}` : ''}${caller ? ` caller=${caller.name}` : ''}`,
    );
  }

  function wrap<A extends AuthLevel, P extends Schema, Q extends Schema, B extends Schema | undefined, S extends 'query' | 'body' | undefined>(
    options: RouteOptions<A, P, Q, B, S>,
    handler: (ctx: HandlerContext<A, P, Q, B, S>) => HandlerResult | Promise<HandlerResult>,
  ): GuardedHandler {
    const paramsSchema: Schema = options.params ?? {};
    const querySchema: Schema = options.scopeFrom === 'query' ? { ...scopeSchema, ...options.query } : { ...options.query };
    const bodySchema: Schema | undefined = options.scopeFrom === 'body' ? { ...scopeSchema, ...options.body } : options.body ? { ...options.body } : undefined;

    /** The body as declared (415, 413, 400); a request that takes no body must send none. Route and query come first (400). */
    async function validateBody(exchange: Exchange): Promise<Record<string, unknown> | undefined> {
      const { request } = exchange;
      if (bodySchema) {
        const json = await readJsonBody(request);
        exchange.requestText = json.text;
        return parseBodyFields(json.value, bodySchema);
      }
      if (await sentBody(request)) throw malformedBody('This request takes no body');
      return undefined;
    }

    /** scope: the subscription and resource group asked for must be among the allowed scopes (403). */
    function scopeOf(query: Record<string, unknown>, body: Record<string, unknown> | undefined): Scope | undefined {
      const source = options.scopeFrom === 'query' ? query : options.scopeFrom === 'body' ? body : undefined;
      const scope = source ? auth.allowedScope({ subscriptionId: source.subscriptionId as string, resourceGroup: source.resourceGroup as string }) : undefined;
      if (body && options.scopeFrom === 'body') {
        // The scope is the route's business, not the handler's body.
        delete body.subscriptionId;
        delete body.resourceGroup;
      }
      return scope;
    }

    /** authenticate → authorize → validate → scope → handler; a failure of any step is the answer. */
    async function run(exchange: Exchange): Promise<void> {
      try {
        exchange.caller = auth.authenticate(exchange.request.headers);
        auth.authorize(exchange.caller, options.auth);
        const params = parseParams(exchange.request.params, paramsSchema);
        const query = parseQuery(exchange.request.query, querySchema);
        // A GET or HEAD that takes no body has nothing to read or wait for (every poll).
        const readsBody = bodySchema !== undefined || (exchange.method !== 'GET' && exchange.method !== 'HEAD');
        const body = readsBody ? await validateBody(exchange) : undefined;
        const scope = scopeOf(query, body);
        exchange.reachedHandler = true;
        const { requestId, serverRequestId, clientRequestId, log, request, invocation } = exchange;
        // Upstream calls and service lines of this request carry its id and go to its invocation (shared/observability).
        exchange.result = await withRequestId(
          requestId,
          () =>
            handler({
              requestId: serverRequestId,
              ...(clientRequestId ? { clientRequestId } : {}),
              caller: exchange.caller as HandlerContext<A, P, Q, B, S>['caller'],
              scope: scope as HandlerContext<A, P, Q, B, S>['scope'],
              params: params as Parsed<P>,
              query: query as Parsed<Q>,
              body: body as HandlerContext<A, P, Q, B, S>['body'],
              log,
              request,
              invocation,
            }),
          invocation,
        );
      } catch (error) {
        fail(exchange, error);
      }
      if (!exchange.reachedHandler && exchange.failure) countRejected(exchange, exchange.failure);
    }

    async function handle(
      request: HttpRequest,
      invocation: InvocationContext,
      requestId: string,
      clientRequestId: string | undefined,
    ): Promise<HttpResponseInit | HttpResponse> {
      const exchange: Exchange = {
        request,
        invocation,
        requestId,
        serverRequestId: clientRequestId ? randomUUID() : requestId,
        ...(clientRequestId ? { clientRequestId } : {}),
        started: now(),
        log: loggerFor(requestId, invocation),
        method: request.method,
        path: requestPath(request.url),
        reachedHandler: false,
      };
      await run(exchange);
      const captured = exchange.reachedHandler && capture.wanted(exchange.path, exchange.method);
      const response = respond(exchange, captured);
      const status = exchange.failure ? exchange.failure.status : response instanceof HttpResponse ? response.status : (response.status ?? 200);
      const durationMs = Math.round((now() - exchange.started) * 10) / 10;
      if (captured) await capture.record(exchange, exchange.result, status, durationMs);
      logLine(exchange, status, durationMs);
      return response;
    }

    // The steps catch what they can; this is the last net, so that the wrapper itself never throws.
    // The request id is resolved first, so that even this answer carries it (a new one only if reading it threw).
    const guarded: HttpHandler = async (request, invocation) => {
      let requestId: string | undefined;
      try {
        const incoming = request.headers.get(REQUEST_ID_HEADER);
        requestId = resolveRequestId(incoming);
        return await handle(request, invocation, requestId, isSafeRequestId(incoming) ? incoming : undefined);
      } catch {
        return errorResponse(internalError(), requestId ?? resolveRequestId(null));
      }
    };
    // The declared level travels with the handler, so tests and tools read it from the real definitions.
    return Object.assign(guarded, { auth: options.auth });
  }

  return { wrap, auth, shouldCapture: capture.wanted, rejected: () => refused.count(), refused: () => refused.recent() };
}

/** The error envelope as a response: status, JSON body, x-request-id, Retry-After when there is one. */
export function errorResponse(error: ApiError, requestId: string): HttpResponseInit {
  return {
    status: error.status,
    jsonBody: errorEnvelope(error, requestId),
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...errorHeaders(error), [REQUEST_ID_HEADER]: requestId },
  };
}
