// One error type and one JSON envelope for every failure the API reports:
//   { "error": { "code", "message", "requestId", "field"? } }
// Messages are public: they name what was expected, never echo the offending value, never carry internals.
import {
  FAILURE_STATUS,
  INTERNAL_FAILURE_MESSAGE,
  Throttled,
  UpstreamUnavailable,
  upstreamFailure,
  type DomainError,
  type DomainErrorKind,
} from '../errors.js';
import { redactText } from '../observability/redaction.js';
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
  scheduleNotFound: 404,
  resourceGroupNotFound: 404,
  notFound: 404,
  methodNotAllowed: 405,
  misdirectedRequest: 421,
  conflict: 409,
  operationNotAllowed: 409,
  scheduleLimitReached: 409,
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
export const invalidParameter = (field: string, expected: string) => new ApiError(400, 'invalidParameter', `${field}: expected ${expected}`, { field });
export const missingParameter = (field: string, expected: string) => new ApiError(400, 'missingParameter', `${field} is required: ${expected}`, { field });
export const unknownField = (field: string) => new ApiError(400, 'unknownField', `${field} is not a field of this request`, { field });
export const malformedBody = (message: string) => new ApiError(400, 'malformedBody', message, { field: 'body' });
export const unauthenticated = (message = 'Sign in to use this API') => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message = 'Your roles do not allow this') => new ApiError(403, 'forbidden', message);
export const scopeNotAllowed = () => new ApiError(403, 'scopeNotAllowed', 'This subscription and resource group are not among the allowed scopes');
export const notFound = (code: 'clusterNotFound' | 'notFound' | (string & {}), message: string) => new ApiError(404, code, message);
export const conflict = (message: string, code: 'conflict' | (string & {}) = 'conflict') => new ApiError(409, code, message);
export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, 'payloadTooLarge', `Request bodies are limited to ${limitBytes} bytes`, { field: 'body' });
export const unsupportedMediaType = () => new ApiError(415, 'unsupportedMediaType', 'Send the body as application/json (UTF-8)', { field: 'content-type' });
export const internalError = (cause?: unknown) => new ApiError(500, 'internalError', INTERNAL_FAILURE_MESSAGE, { cause });

/** The one mapping from a service's failure to the API's answer: its wire code (its status is FAILURE_STATUS's). */
const FAILURE_CODES: Readonly<Record<DomainErrorKind, ErrorCode>> = {
  clusterNotFound: 'clusterNotFound',
  scheduleNotFound: 'scheduleNotFound',
  resourceGroupNotFound: 'resourceGroupNotFound',
  scheduleLimitReached: 'scheduleLimitReached',
  operationRefused: 'operationNotAllowed',
  busy: 'conflict',
  throttled: 'throttled',
  upstreamError: 'upstreamError',
  upstreamUnavailable: 'upstreamUnavailable',
  upstreamTimeout: 'upstreamTimeout',
};

function retryAfterOf(failure: DomainError): number | undefined {
  return failure instanceof Throttled || failure instanceof UpstreamUnavailable ? failure.retryAfterSeconds : undefined;
}

/**
 * Any thrown value → an ApiError: the pipeline's own as they are, a service's failure (or an upstream failure the
 * service let through, classified by shared/errors.ts) by the table above, everything else an internal error.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const failure = upstreamFailure(error);
  if (!failure) return internalError(error);
  return new ApiError(FAILURE_STATUS[failure.kind], FAILURE_CODES[failure.kind], failure.message, {
    retryAfter: retryAfterOf(failure),
    cause: failure.cause ?? failure,
  });
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
