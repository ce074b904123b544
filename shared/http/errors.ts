// One error type and one JSON envelope for every failure the API reports:
//   { "error": { "code", "message", "requestId", "field"? } }
// Messages are public: they name what was expected, never echo the offending value, never carry internals.
import { redactText } from './redaction.js';
import type { ErrorEnvelope } from '../wire/index.js';
export type { ErrorEnvelope };

/** Every error code the API answers with (the host's own routeNotFound / methodNotAllowed included). */
export const ERROR_CODES = {
  invalidParameter: 400,
  missingParameter: 400,
  unknownField: 400,
  malformedBody: 400,
  unauthenticated: 401,
  forbidden: 403,
  scopeNotAllowed: 403,
  routeNotFound: 404,
  clusterNotFound: 404,
  notFound: 404,
  methodNotAllowed: 405,
  misdirectedRequest: 421,
  conflict: 409,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  throttled: 429,
  internalError: 500,
  misconfigured: 500,
  upstreamError: 502,
  upstreamUnavailable: 503,
  upstreamTimeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ApiErrorOptions {
  /** The input field at fault (query, route or body name), for 400s. */
  field?: string;
  /** Seconds, sent as Retry-After (429, 503). */
  retryAfter?: number;
  /** The underlying error, for logs only; never sent. */
  cause?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly retryAfter?: number;

  constructor(status: number, code: ErrorCode | (string & {}), message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.retryAfter !== undefined) this.retryAfter = Math.max(0, Math.ceil(options.retryAfter));
  }
}

// Helpers, one per status the API uses. Handlers throw these; the pipeline shapes them.
export const invalidParameter = (field: string, expected: string) =>
  new ApiError(400, 'invalidParameter', `${field}: expected ${expected}`, { field });
export const missingParameter = (field: string, expected: string) =>
  new ApiError(400, 'missingParameter', `${field} is required: ${expected}`, { field });
export const unknownField = (field: string) =>
  new ApiError(400, 'unknownField', `${field} is not a field of this request`, { field });
export const malformedBody = (message: string) => new ApiError(400, 'malformedBody', message, { field: 'body' });
export const unauthenticated = (message = 'Sign in to use this API') => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message = 'Your roles do not allow this') => new ApiError(403, 'forbidden', message);
export const scopeNotAllowed = () =>
  new ApiError(403, 'scopeNotAllowed', 'This subscription and resource group are not among the allowed scopes');
export const notFound = (code: 'clusterNotFound' | 'notFound' | (string & {}), message: string) => new ApiError(404, code, message);
export const conflict = (message: string, code: 'conflict' | (string & {}) = 'conflict') => new ApiError(409, code, message);
export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, 'payloadTooLarge', `Request bodies are limited to ${limitBytes} bytes`, { field: 'body' });
export const unsupportedMediaType = () =>
  new ApiError(415, 'unsupportedMediaType', 'Send the body as application/json (UTF-8)', { field: 'content-type' });
export const throttled = (retryAfterSeconds: number, message = 'Azure is throttling requests; retry later', cause?: unknown) =>
  new ApiError(429, 'throttled', message, { retryAfter: retryAfterSeconds, cause });
export const upstreamError = (message = 'An upstream service answered with an error', cause?: unknown) =>
  new ApiError(502, 'upstreamError', message, { cause });
export const upstreamUnavailable = (message = 'An upstream service is unavailable', retryAfter?: number, cause?: unknown) =>
  new ApiError(503, 'upstreamUnavailable', message, { retryAfter, cause });
export const upstreamTimeout = (message = 'An upstream service did not answer in time', cause?: unknown) =>
  new ApiError(504, 'upstreamTimeout', message, { cause });
export const internalError = (cause?: unknown) =>
  new ApiError(500, 'internalError', 'Something went wrong on our side', { cause });

/** Retry-After when throttled upstream said nothing: long enough not to hammer, short enough for a dashboard. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

const NETWORK_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const NETWORK_TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function headerOf(error: Record<string, unknown>, name: string): string | undefined {
  const response = error.response as { headers?: { get?: (n: string) => string | null | undefined } } | undefined;
  const fromResponse = response?.headers?.get?.(name);
  if (typeof fromResponse === 'string') return fromResponse;
  const headers = error.headers as Record<string, unknown> | undefined;
  const direct = headers && typeof headers === 'object' ? headers[name] : undefined;
  return typeof direct === 'string' ? direct : undefined;
}

/**
 * Maps what an upstream call threw (RestError from ARM or Table Storage, a Kubernetes ApiException, an abort,
 * a network error) to the API's error, or undefined when it does not look like an upstream failure (then it is
 * our bug: 500). Handlers map the cases they understand (404 → clusterNotFound, 409 → conflict) before this.
 */
export function fromUpstreamError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') return upstreamTimeout(undefined, error);
  const code = e.code;
  if (typeof code === 'string' && NETWORK_TIMEOUT.has(code)) return upstreamTimeout(undefined, error);
  if (typeof code === 'string' && NETWORK_UNAVAILABLE.has(code)) return upstreamUnavailable(undefined, undefined, error);
  const status =
    typeof e.statusCode === 'number' ? e.statusCode
    : typeof code === 'number' && 'body' in e ? code // @kubernetes/client-node ApiException
    : undefined;
  if (status === undefined) {
    return name === 'RestError' ? upstreamUnavailable(undefined, undefined, error) : undefined; // RestError without status: no answer
  }
  const retryAfter = parseRetryAfter(headerOf(e, 'retry-after'));
  if (status === 429) return throttled(retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS, undefined, error);
  if (status === 503) return upstreamUnavailable(undefined, retryAfter, error);
  if (status === 504 || status === 408) return upstreamTimeout(undefined, error);
  if (status === 409) return conflict('The resource is busy with another operation; retry when it has finished');
  return upstreamError(`An upstream service answered ${status}`, error);
}

/** Any thrown value → an ApiError: ours as is, upstream failures mapped, everything else an internal error. */
export function toApiError(error: unknown): ApiError {
  return fromUpstreamError(error) ?? internalError(error);
}

export function errorEnvelope(error: ApiError, requestId: string): ErrorEnvelope {
  // The last net: a message that quotes an upstream (ARM's reason for a 409) is redacted like any other.
  const body: ErrorEnvelope['error'] = { code: error.code, message: redactText(error.message), requestId };
  if (error.field !== undefined) body.field = error.field;
  return { error: body };
}

/** Response headers an error adds (Retry-After). */
export function errorHeaders(error: ApiError): Record<string, string> {
  return error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {};
}
