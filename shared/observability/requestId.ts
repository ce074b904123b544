// The request id: one per invocation, in the response header, every log line and every error body.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Short and safe: a caller's id is echoed into headers and logs, so nothing that could split a line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

/** Honours the caller's x-request-id when it is safe, else generates a UUID. */
export function resolveRequestId(incoming: string | null | undefined, generate: () => string = randomUUID): string {
  return isSafeRequestId(incoming) ? incoming : generate();
}

// The request id and the invocation in progress, carried through every await (AsyncLocalStorage), so code far from
// the handler (the ARM pipeline, a Kubernetes session's dispatcher, a service's log line) can stamp its log lines
// with the id and hand them to the invocation's own logger (correlated with the invocation in Azure).

/** The part of an invocation's context that writes log lines. */
export type InvocationLogger = Pick<InvocationContext, 'log' | 'warn' | 'error'>;

interface RequestContext {
  requestId: string;
  invocation?: InvocationLogger;
}

const current = new AsyncLocalStorage<RequestContext>();

/** Runs fn with `requestId` (and the invocation, when there is one) as the current request (the pipeline does this around every handler). */
export function withRequestId<T>(requestId: string, fn: () => T, invocation?: InvocationLogger): T {
  return current.run(invocation ? { requestId, invocation } : { requestId }, fn);
}

/** The request id of the invocation this code runs for; undefined outside one (timer runs, start-up). */
export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}

/** The logger of the invocation this code runs for; undefined outside one or when the caller gave none. */
export function currentInvocation(): InvocationLogger | undefined {
  return current.getStore()?.invocation;
}
