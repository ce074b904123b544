// One Kubernetes call, bounded and degradable: an upstream fault (non-2xx, timeout, connection failure, garbage
// body) becomes the read's empty default plus an entry in `degraded`; a programming error is thrown.
import { STATUS_CODES } from 'node:http';
import type { ApiException } from '@kubernetes/client-node';
import { redactText } from '../observability/redaction.js';
import type { Degraded } from '../wire/index.js';
export type { Degraded };

export interface Reading<T> {
  data: T;
  degraded: Degraded[];
}

export type UpstreamResult<T> = { ok: true; value: T } | { ok: false; degraded: Degraded };

const MAX_MESSAGE = 300;

/**
 * client-node's ApiException, recognised by its shape (code, body, headers) so that this module does not load
 * client-node (it is loaded with the first session).
 */
export function isApiException(error: unknown): error is ApiException<unknown> {
  const e = error as { code?: unknown; body?: unknown; headers?: unknown } | null;
  return error instanceof Error && typeof e?.code === 'number' && 'body' in e && typeof e.headers === 'object' && e.headers !== null;
}

/**
 * Connection failures that say the session itself is bad, not the request: refused or reset (the API server moved
 * or restarted), TLS failures (its certificate changed). With a 401 (the credential is no longer accepted) they mark
 * a degraded part as a session fault: the pool retires the session and the read is tried once more with a new one.
 */
const SESSION_FAULT_CODES =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** The degraded parts (by identity, never serialized) whose fault was the session's. */
const sessionFaults = new WeakSet<Degraded>();

/** Whether this degraded part came from a bad session (401, refused, reset, TLS): a new session may well succeed. */
export function isSessionFault(part: Degraded): boolean {
  return sessionFaults.has(part);
}

function sessionFault(part: Degraded): Degraded {
  sessionFaults.add(part);
  return part;
}

/**
 * A Kubernetes call's failure as a degraded part (its own status and Status message); undefined means "not an
 * upstream fault" (a bug: rethrow it). ARM and Table Storage failures are classified by shared/errors.ts.
 */
export function kubernetesFaultPart(source: string, error: unknown): Degraded | undefined {
  if (isApiException(error)) {
    const part = { source, status: error.code, message: clip(statusMessage(error) ?? STATUS_CODES[error.code] ?? `HTTP ${error.code}`) };
    return error.code === 401 ? sessionFault(part) : part;
  }
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { source, status: 504, message: 'timed out' };
    }
    // undici: TypeError('fetch failed', { cause }) for refused / reset / TLS failures.
    if (error instanceof TypeError && error.message === 'fetch failed') {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? 'connection failed';
      if (cause && (cause as Error).name === 'HeadersTimeoutError') return { source, status: 504, message: 'timed out' };
      const part = { source, status: 502, message: clip(`connection failed: ${detail}`) };
      return SESSION_FAULT_CODES.test(cause?.code ?? '') ? sessionFault(part) : part;
    }
    if (error instanceof SyntaxError) return { source, status: 502, message: 'unreadable answer' };
    const rawCode = (error as { code?: unknown }).code;
    const code = typeof rawCode === 'string' ? rawCode : '';
    if (/^(UND_ERR_|ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)/.test(code)) {
      const part = { source, status: 502, message: clip(`connection failed: ${code}`) };
      return SESSION_FAULT_CODES.test(code) ? sessionFault(part) : part;
    }
  }
  return undefined;
}

/**
 * Runs `call` with a signal that fires at the session's deadline (and when the caller's signal fires).
 * Upstream faults resolve to { ok: false }; anything else is rethrown. A deadline that passes (ours, or one the
 * caller set with AbortSignal.timeout) is the upstream's timeout (504); the caller's own abort is not: its reason
 * is rethrown, so a read the caller gave up on is never recorded as a slow upstream.
 */
export async function callUpstream<T>(
  source: string,
  call: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<UpstreamResult<T>> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    return { ok: true, value: await untilAborted(call(signal), signal) };
  } catch (error) {
    const caller = options.signal;
    if (caller?.aborted && !deadline.aborted && !isTimeout(caller.reason)) throw caller.reason;
    const degraded = kubernetesFaultPart(source, error);
    if (!degraded) throw error;
    return { ok: false, degraded };
  }
}

/**
 * p, or the signal's reason once the signal fires first; p keeps running and a late rejection is swallowed. For calls
 * that take no signal (client-node's Metrics: the request itself is ended by the session's dispatcher timeouts) and
 * for waiters of a shared promise (the session pool's single flight).
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) {
      p.catch(() => {});
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function isTimeout(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError';
}

function statusMessage(error: ApiException<unknown>): string | undefined {
  // The body is a v1 Status ({ message, reason }) as text or parsed; never echo anything else of it.
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

/** Upstream messages go to every reader and into the cache: redacted first (a Status may quote a workload), then cut. */
function clip(text: string): string {
  const safe = redactText(text);
  return safe.length > MAX_MESSAGE ? `${safe.slice(0, MAX_MESSAGE - 1)}…` : safe;
}
