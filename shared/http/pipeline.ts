// The one wrapper every HTTP function goes through (docs/architecture.md §6). A handler receives validated input, the caller,
// the request id and a logger, and returns data; the wrapper does the rest:
//   request id → authenticate (401) → authorize (403) → validate route/query/body (415, 413, 400) → scope (403)
//   → handler → JSON response with x-request-id, errors as the envelope → inspector capture → one log line.
// Rejected requests never reach the handler, Table Storage or upstream, and are not captured (logged instead):
// anonymous or malformed traffic must not be able to write to storage or push real calls out of the ring.
import { randomBytes } from 'node:crypto';
import { HttpResponse, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { Config } from '../config.js';
import type { Scope } from '../scope.js';
import { createAuth, type Auth, type AuthLevel, type Caller, type GuardedHandler } from './auth.js';
import { ApiError, errorEnvelope, errorHeaders, internalError, malformedBody, toApiError } from './errors.js';
import { callerPseudonym, capturedHeaders, MAX_CAPTURED_BODY_BYTES, shouldCapture, truncateUtf8, type CaptureInput, type CaptureStore } from './inspector.js';
import { describeErrorChain, redactJson, redactQuery, redactText } from '../observability/redaction.js';
import { REQUEST_ID_HEADER, resolveRequestId, withRequestId } from '../observability/requestId.js';
import { pathOnly } from '../observability/upstreamLog.js';
import { parseBodyFields, parseParams, parseQuery, readJsonBody, scopeSchema, type Parsed, type Schema } from './validation.js';
import type { RejectedCount } from '../wire/index.js';
export type { RejectedCount };

export type LogLevel = 'info' | 'warn' | 'error';

/** A logger bound to one request: every line starts with the request id and is redacted. */
export interface RequestLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
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
  requestId: string;
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

/** What a handler returns: data (shaped as JSON by the wrapper) or, rarely, a ready HttpResponse. */
export type HandlerResult = { status?: number; body?: unknown; headers?: Record<string, string> } | HttpResponse;

export interface HttpPipeline {
  wrap<A extends AuthLevel, P extends Schema = {}, Q extends Schema = {}, B extends Schema | undefined = undefined, S extends 'query' | 'body' | undefined = undefined>(
    options: RouteOptions<A, P, Q, B, S>,
    handler: (ctx: HandlerContext<A, P, Q, B, S>) => Promise<HandlerResult>,
  ): GuardedHandler;
  readonly auth: Auth;
  /** shouldCapture with the configured uncaptured prefixes. */
  shouldCapture(path: unknown, method: unknown): boolean;
  /** Requests this instance refused before any handler (never captured), so a flood of them is still seen. */
  rejected(): RejectedCount;
}

export interface PipelineDeps {
  config: Pick<Config, 'auth' | 'inspector'>;
  captures: CaptureStore;
  /** Log sink; default: the invocation's own logger (Application Insights in Azure). Lines arrive redacted. */
  log?: (level: LogLevel, line: string) => void;
  /** Milliseconds, for durations. */
  now?: () => number;
}

const MAX_CAPTURED_FIELD_CHARS = 1024;

function invocationSink(invocation: InvocationContext): (level: LogLevel, line: string) => void {
  return (level, line) => (level === 'error' ? invocation.error(line) : level === 'warn' ? invocation.warn(line) : invocation.log(line));
}

/** True when a request that takes no body sent one (reads at most one chunk). */
async function sentBody(request: HttpRequest): Promise<boolean> {
  if (!request.body) return false;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if ((value as Uint8Array).byteLength > 0) return true;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function capturedText(text: string): string {
  let redacted: string;
  try {
    redacted = JSON.stringify(redactJson(JSON.parse(text)));
  } catch {
    redacted = redactText(text);
  }
  return truncateUtf8(redacted, MAX_CAPTURED_BODY_BYTES);
}

/** Handler headers by lower-case name, so that theirs replace ours instead of joining them. */
function lowerCaseNames(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}

function bounded(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.slice(0, 128), truncateUtf8(v, MAX_CAPTURED_FIELD_CHARS)]));
}

export function createHttpPipeline(deps: PipelineDeps): HttpPipeline {
  const auth = createAuth(deps.config.auth);
  const prefixes = deps.config.inspector.uncapturedPrefixes;
  const now = deps.now ?? (() => performance.now());
  const capturePolicy = (path: unknown, method: unknown) => shouldCapture(path, method, prefixes);
  const pseudonymKey = deps.config.inspector.pseudonymKey ?? randomBytes(32);
  const rejected: RejectedCount = { total: 0, byStatus: {}, since: new Date().toISOString() };

  function loggerFor(requestId: string, invocation: InvocationContext): RequestLogger {
    const sink = deps.log ?? invocationSink(invocation);
    const write = (level: LogLevel) => (message: string) => {
      try {
        sink(level, `[${requestId}] ${redactText(String(message))}`);
      } catch {
        // a broken log sink must not break the request
      }
    };
    return { info: write('info'), warn: write('warn'), error: write('error') };
  }

  function wrap<A extends AuthLevel, P extends Schema, Q extends Schema, B extends Schema | undefined, S extends 'query' | 'body' | undefined>(
    options: RouteOptions<A, P, Q, B, S>,
    handler: (ctx: HandlerContext<A, P, Q, B, S>) => Promise<HandlerResult>,
  ): GuardedHandler {
    const paramsSchema = (options.params ?? {}) as Schema;
    const querySchema: Schema = options.scopeFrom === 'query' ? { ...scopeSchema, ...options.query } : { ...options.query };
    const bodySchema: Schema | undefined =
      options.scopeFrom === 'body' ? { ...scopeSchema, ...options.body } : options.body ? { ...options.body } : undefined;

    const handle = async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit | HttpResponse> => {
      const started = now();
      const requestId = resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
      const log = loggerFor(requestId, invocation);
      const method = request.method;
      const path = pathOnly(request.url);
      let failure: ApiError | undefined;
      let caller: Caller | undefined;
      let reachedHandler = false;
      let requestText: string | undefined;
      let result: HandlerResult | undefined;
      let capturedResponse: string | undefined;

      try {
        caller = auth.authenticate(request.headers);
        auth.authorize(caller, options.auth);
        const params = parseParams(request.params, paramsSchema);
        const query = parseQuery(request.query, querySchema);
        let body: Record<string, unknown> | undefined;
        if (bodySchema) {
          const json = await readJsonBody(request);
          requestText = json.text;
          body = parseBodyFields(json.value, bodySchema) as Record<string, unknown>;
        } else if (method !== 'GET' && method !== 'HEAD' && (await sentBody(request))) {
          throw malformedBody('This request takes no body');
        }
        const scopeSource = options.scopeFrom === 'query' ? query : options.scopeFrom === 'body' ? body : undefined;
        const scope = scopeSource
          ? auth.allowedScope({ subscriptionId: scopeSource.subscriptionId as string, resourceGroup: scopeSource.resourceGroup as string })
          : undefined;
        if (body && options.scopeFrom === 'body') {
          delete body.subscriptionId;
          delete body.resourceGroup;
        }
        reachedHandler = true;
        // Upstream calls made for this request log its id (shared/observability/upstreamLog.ts).
        result = await withRequestId(requestId, () => handler({
          requestId,
          caller: caller as HandlerContext<A, P, Q, B, S>['caller'],
          scope: scope as HandlerContext<A, P, Q, B, S>['scope'],
          params: params as Parsed<P>,
          query: query as Parsed<Q>,
          body: body as HandlerContext<A, P, Q, B, S>['body'],
          log,
          request,
          invocation,
        }), invocation);
      } catch (error) {
        failure = toApiError(error);
        if (failure.status >= 500) log.error(`${failure.code}: ${describeErrorChain(error)}${failure.status === 500 && error instanceof Error && error.stack ? `\n${redactText(error.stack)}` : ''}`);
      }

      if (!reachedHandler && failure) {
        rejected.total += 1;
        rejected.byStatus[failure.status] = (rejected.byStatus[failure.status] ?? 0) + 1;
      }
      const capture = reachedHandler && capturePolicy(path, method);
      let response: HttpResponseInit | HttpResponse;
      try {
        if (!failure && result instanceof HttpResponse) {
          result.headers.set(REQUEST_ID_HEADER, requestId);
          response = result;
        } else if (!failure) {
          const plain = (result ?? { status: 204 }) as Exclude<HandlerResult, HttpResponse>;
          if (capture && plain.body !== undefined) {
            // Only captured calls are serialised here; polling responses go to the host untouched.
            const json = JSON.stringify(plain.body);
            capturedResponse = json === undefined ? undefined : capturedText(json);
          }
          const status = plain.status ?? 200;
          response = {
            status,
            ...(plain.body !== undefined ? { jsonBody: plain.body } : {}),
            headers: {
              ...(status === 304 ? {} : { 'content-type': 'application/json' }), // a 304 has no body to describe
              'cache-control': 'no-store',
              ...lowerCaseNames(plain.headers),
              [REQUEST_ID_HEADER]: requestId,
            },
          };
        } else {
          response = errorResponse(failure, requestId);
        }
      } catch (error) {
        failure = internalError(error);
        log.error(`internalError: response not serialisable: ${describeErrorChain(error)}`);
        response = errorResponse(failure, requestId);
      }
      if (failure) capturedResponse = JSON.stringify(errorEnvelope(failure, requestId));

      const status = failure ? failure.status : response instanceof HttpResponse ? response.status : (response.status ?? 200);
      const durationMs = Math.round((now() - started) * 10) / 10;
      if (capture) {
        try {
          const input: CaptureInput = {
            at: new Date().toISOString(),
            requestId,
            method: String(method),
            path: truncateUtf8(redactText(path), MAX_CAPTURED_FIELD_CHARS),
            query: bounded(redactQuery(request.query)),
            status,
            durationMs,
            // An allow-list, redacted still (a user agent is free text): no names, object ids, addresses or cookies.
            requestHeaders: bounded(Object.fromEntries(Object.entries(capturedHeaders(request.headers)).map(([k, v]) => [k, redactText(v)]))),
          };
          if (caller) input.caller = callerPseudonym(pseudonymKey, caller);
          if (failure) input.errorCode = failure.code;
          if (requestText !== undefined) input.requestBody = capturedText(requestText);
          if (result instanceof HttpResponse && !failure) input.responseBody = '[HttpResponse: body not captured]';
          else if (capturedResponse !== undefined) input.responseBody = capturedResponse;
          await deps.captures.record(input);
        } catch (error) {
          log.warn(`inspector: capture failed: ${describeErrorChain(error)}`);
        }
      }
      log[status >= 500 ? 'error' : 'info'](
        `${String(method)} ${path} ${status} ${durationMs}ms${failure ? ` ${failure.code}` : ''}${caller ? ` caller=${caller.name}` : ''}`,
      );
      return response;
    };

    // The steps above catch what they can; this is the last net, so that the wrapper itself never throws.
    const guarded: HttpHandler = async (request, invocation) => {
      try {
        return await handle(request, invocation);
      } catch {
        return errorResponse(internalError(), resolveRequestId(null));
      }
    };
    // The declared level travels with the handler, so tests and tools read it from the real definitions.
    return Object.assign(guarded, { auth: options.auth });
  }

  return { wrap, auth, shouldCapture: capturePolicy, rejected: () => ({ ...rejected, byStatus: { ...rejected.byStatus } }) };
}

/** The error envelope as a response: status, JSON body, x-request-id, Retry-After when there is one. */
export function errorResponse(error: ApiError, requestId: string): HttpResponseInit {
  return {
    status: error.status,
    jsonBody: errorEnvelope(error, requestId),
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...errorHeaders(error), [REQUEST_ID_HEADER]: requestId },
  };
}
