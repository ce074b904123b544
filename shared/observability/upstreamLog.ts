// One structured log line per upstream call (ARM, Kubernetes): target, method, path, status, duration, request id.
// The ARM client's pipeline and each Kubernetes session's dispatcher report here; the composition root decides
// where the lines go. Only the path is logged: never headers, bodies or query strings (no tokens, no kubeconfigs).
import { currentRequestId } from './requestId.js';

export interface UpstreamCall {
  /** "arm", or "kubernetes:{resourceGroup}/{cluster}". */
  target: string;
  method: string;
  /** URL path without the query. */
  path: string;
  /** HTTP status; 0 when no answer came (timeout, abort, connection failure). */
  status: number;
  /** Wall time of the call, body included, in milliseconds (one decimal). */
  ms: number;
  /** The invocation the call was made for; absent for timer runs and other work outside a request. */
  requestId?: string;
  /** Why no answer came (an error name or code, never its message). */
  error?: string;
}

export type UpstreamCallLog = (call: UpstreamCall) => void;

/**
 * Call when the request goes out; call the returned function when it ends. The request id is taken at the start:
 * at the end the code may run in another context (a pooled socket remembers the request that opened it).
 */
export function startUpstreamCall(target: string, method: string, urlOrPath: string): (status: number, error?: unknown) => UpstreamCall {
  const startedAt = performance.now();
  const requestId = currentRequestId();
  const path = pathOnly(urlOrPath);
  return (status, error) => ({
    target,
    method,
    path,
    status,
    ms: Math.round((performance.now() - startedAt) * 10) / 10,
    ...(requestId ? { requestId } : {}),
    ...(error !== undefined ? { error: errorKind(error) } : {}),
  });
}

/** Hands one finished call to the log; a broken log sink must never fail the call it reports. */
export function reportUpstreamCall(logCall: UpstreamCallLog, call: UpstreamCall): void {
  try {
    logCall(call);
  } catch {
    // the call's own outcome stands
  }
}

/** The line as written: `upstream {json}`, one per call. */
export function formatUpstreamCall(call: UpstreamCall): string {
  return `upstream ${JSON.stringify(call)}`;
}

/** The path of a URL or of a request target ("/api/v1/pods?limit=500" → "/api/v1/pods"). */
export function pathOnly(urlOrPath: string): string {
  const path = urlOrPath.startsWith('/') ? urlOrPath : safeUrlPath(urlOrPath);
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function safeUrlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

/** Error name or code, for the `error` field: never the message (it may quote a body). */
export function errorKind(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return 'Error';
}
