// The request id: one per invocation, in the response header, every log line and every error body.
import { randomUUID } from 'node:crypto';

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
