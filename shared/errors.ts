// What can go wrong, in the services' own terms, and the one place that classifies what an upstream call threw.
// Services throw these; only the request pipeline (shared/http/errors.ts) turns them into responses and the error
// envelope. The status each failure is reported with is named here once (FAILURE_STATUS), because services report it
// too: in a degraded part of an answer, in an audit entry. This module sits below the services and the pipeline.

/** Every failure a service reports on purpose. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

export type DomainErrorKind =
  | 'clusterNotFound'
  | 'scheduleNotFound'
  | 'resourceGroupNotFound'
  | 'scheduleLimitReached'
  | 'operationRefused'
  | 'busy'
  | 'throttled'
  | 'upstreamUnavailable'
  | 'upstreamTimeout'
  | 'upstreamError';

/** The status each failure is reported with (in error answers, degraded parts and audit entries). */
export const FAILURE_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  clusterNotFound: 404,
  scheduleNotFound: 404,
  resourceGroupNotFound: 404,
  scheduleLimitReached: 409,
  operationRefused: 409,
  busy: 409,
  throttled: 429,
  upstreamError: 502,
  upstreamUnavailable: 503,
  upstreamTimeout: 504,
};

/** The cluster does not exist in the scope asked for (ARM answered 404). */
export class ClusterNotFound extends DomainError {
  readonly kind = 'clusterNotFound';
  constructor(cluster: string, where = 'this resource group') {
    super(`No cluster ${cluster} in ${where}`);
    this.name = 'ClusterNotFound';
  }
}

/** No schedule with this id (or none the caller may see). */
export class ScheduleNotFound extends DomainError {
  readonly kind = 'scheduleNotFound';
  constructor() {
    super('No schedule with this id');
    this.name = 'ScheduleNotFound';
  }
}

/** The subscription has no such resource group (its resource group list does not show it, or ARM answered 404). */
export class ResourceGroupNotFound extends DomainError {
  readonly kind = 'resourceGroupNotFound';
  constructor(resourceGroup: string) {
    super(`No resource group ${resourceGroup} in this subscription`);
    this.name = 'ResourceGroupNotFound';
  }
}

/** A new schedule would pass the cap of its cluster or its scope (SCHEDULES_MAX_PER_CLUSTER, SCHEDULES_MAX_PER_SCOPE). */
export class ScheduleLimitReached extends DomainError {
  readonly kind = 'scheduleLimitReached';
  constructor(what: 'cluster' | 'scope', cap: number) {
    super(`This ${what} has ${cap} schedules already, the most allowed; delete one first`);
    this.name = 'ScheduleLimitReached';
  }
}

/** ARM refused an operation (409) and said why; the reason is ARM's own words. */
export class OperationRefused extends DomainError {
  readonly kind = 'operationRefused';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'OperationRefused';
  }
}

/** The resource is busy with another operation (a 409 from an upstream other than a refused operation). */
export class Busy extends DomainError {
  readonly kind = 'busy';
  constructor(options?: { cause?: unknown }) {
    super('The resource is busy with another operation; retry when it has finished', options);
    this.name = 'Busy';
  }
}

/** An upstream is throttling us; retry after this many seconds. */
export class Throttled extends DomainError {
  readonly kind = 'throttled';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('Azure is throttling requests; retry later', options);
    this.name = 'Throttled';
    this.retryAfterSeconds = Math.max(0, Math.ceil(retryAfterSeconds));
  }
}

/** No answer from an upstream (connection refused, reset, unreachable) or a 503; maybe with its Retry-After. */
export class UpstreamUnavailable extends DomainError {
  readonly kind = 'upstreamUnavailable';
  constructor(
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super('An upstream service is unavailable', options);
    this.name = 'UpstreamUnavailable';
  }
}

/** An upstream did not answer in time (our deadline, its 504 or 408). */
export class UpstreamTimeout extends DomainError {
  readonly kind = 'upstreamTimeout';
  constructor(options?: { cause?: unknown }) {
    super('An upstream service did not answer in time', options);
    this.name = 'UpstreamTimeout';
  }
}

/** An upstream answered with an error status we have no better name for. */
export class UpstreamError extends DomainError {
  readonly kind = 'upstreamError';
  constructor(
    readonly upstreamStatus: number,
    options?: { cause?: unknown },
  ) {
    super(`An upstream service answered ${upstreamStatus}`, options);
    this.name = 'UpstreamError';
  }
}

/** Retry-After when a throttling upstream said nothing: long enough not to hammer, short enough for a dashboard. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The HTTP status an upstream answered with: a RestError's `statusCode` (ARM, Table Storage), a Kubernetes ApiException's `code`. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.code === 'number' && 'body' in e ? e.code : undefined; // @kubernetes/client-node ApiException
}

export const isStatus = (error: unknown, status: number): boolean => statusOf(error) === status;

/** ARM or Table Storage answered 404: no such resource, row or table. */
export const isNotFound = (error: unknown): boolean => isStatus(error, 404);
/** Table Storage answered 409: the row or table exists already. */
export const isConflict = (error: unknown): boolean => isStatus(error, 409);
/** Table Storage answered 412: the row changed since it was read (its ETag no longer matches). */
export const isPreconditionFailed = (error: unknown): boolean => isStatus(error, 412);
/** A conditional write (If-Match) lost to another writer: the row changed (412) or went (404) since it was read. */
export const isLostRace = (error: unknown): boolean => isPreconditionFailed(error) || isNotFound(error);

/** An Azure SDK (ARM) answered 404, as opposed to a Kubernetes API server: the cluster itself is gone. */
export function isArmNotFound(error: unknown): boolean {
  return (error as { name?: unknown } | null | undefined)?.name === 'RestError' && isStatus(error, 404);
}

const NETWORK_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
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
 * What an upstream call threw (RestError from ARM or Table Storage, a Kubernetes ApiException, an abort, a network
 * error) as a domain error, or undefined when it does not look like an upstream failure (then it is our bug).
 * Domain errors pass through as they are. Callers name the cases they understand (404 → ClusterNotFound) first.
 */
export function upstreamFailure(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : '';
  const cause = { cause: error };
  if (name === 'AbortError' || name === 'TimeoutError') return new UpstreamTimeout(cause);
  const code = e.code;
  if (typeof code === 'string' && NETWORK_TIMEOUT.has(code)) return new UpstreamTimeout(cause);
  if (typeof code === 'string' && NETWORK_UNAVAILABLE.has(code)) return new UpstreamUnavailable(undefined, cause);
  const status = statusOf(error);
  if (status === undefined) return name === 'RestError' ? new UpstreamUnavailable(undefined, cause) : undefined; // a RestError without status: no answer
  const retryAfter = parseRetryAfter(headerOf(e, 'retry-after'));
  if (status === 429) return new Throttled(retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS, cause);
  if (status === 503) return new UpstreamUnavailable(retryAfter, cause);
  if (status === 504 || status === 408) return new UpstreamTimeout(cause);
  if (status === 409) return new Busy(cause);
  return new UpstreamError(status, cause);
}

/** An upstream failure worth serving a stored reading over (anything but a named answer: not found, refused, busy). */
export function isUpstreamFault(error: unknown): boolean {
  const failure = upstreamFailure(error);
  return failure !== undefined && FAILURE_STATUS[failure.kind] >= 429;
}

/** Any thrown value as its status and public message: a named failure as named, everything else our own fault (500). */
export function describeFailure(error: unknown): { status: number; message: string } {
  const failure = upstreamFailure(error);
  return failure ? { status: FAILURE_STATUS[failure.kind], message: failure.message } : { status: 500, message: INTERNAL_FAILURE_MESSAGE };
}

/** The public message of a failure that is our own bug: nothing of its internals. */
export const INTERNAL_FAILURE_MESSAGE = 'Something went wrong on our side';
