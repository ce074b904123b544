// One Kubernetes call, bounded and degradable: an upstream fault (non-2xx, timeout, connection failure, garbage
// body) becomes the read's empty default plus an entry in `degraded`; a programming error is thrown.
import { STATUS_CODES } from 'node:http';
import type { ApiException } from '@kubernetes/client-node';

/** One part of a reading that could not be fetched; shows as `degraded: [...]` in monitor responses. */
export interface Degraded {
  /** What was read, e.g. "kubernetes:nodes", "kubernetes:metrics.k8s.io/nodes". */
  source: string;
  /** Upstream HTTP status; 504 for a timeout, 502 for a connection failure or an unreadable answer. */
  status: number;
  message: string;
}

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
function isApiException(error: unknown): error is ApiException<unknown> {
  const e = error as { code?: unknown; body?: unknown; headers?: unknown } | null;
  return error instanceof Error && typeof e?.code === 'number' && 'body' in e && typeof e.headers === 'object' && e.headers !== null;
}

/** Classifies an error from a Kubernetes call; undefined means "not an upstream fault" (a bug: rethrow it). */
export function upstreamFault(source: string, error: unknown): Degraded | undefined {
  if (isApiException(error)) {
    return { source, status: error.code, message: clip(statusMessage(error) ?? STATUS_CODES[error.code] ?? `HTTP ${error.code}`) };
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
      return { source, status: 502, message: clip(`connection failed: ${detail}`) };
    }
    if (error instanceof SyntaxError) return { source, status: 502, message: 'unreadable answer' };
    if (/^(UND_ERR_|ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)/.test(String((error as { code?: unknown }).code ?? ''))) {
      return { source, status: 502, message: clip(`connection failed: ${(error as { code?: string }).code}`) };
    }
  }
  return undefined;
}

/**
 * Runs `call` with a signal that fires at the session's deadline (and when the caller's signal fires).
 * Upstream faults resolve to { ok: false }; anything else is rethrown.
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
    const degraded = upstreamFault(source, error);
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
      return onAbort();
    }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

function statusMessage(error: ApiException<unknown>): string | undefined {
  // The body is a v1 Status ({ message, reason }) as text or parsed; never echo anything else of it.
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try { body = JSON.parse(body); } catch { return undefined; }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
