// Requests the pipeline refused before any handler ran (bad input, no caller, a missing role, a scope not allowed).
// They are never captured into the inspector's ring, so a flood of them cannot push real calls out; instead each
// instance counts them by status since it started, and keeps the last REFUSED_KEPT in memory — id, method, path,
// status and code; no query, body or header — so the request id an error envelope showed can be found in
// GET /api/inspector (on the instance that refused it; a restart forgets them, as it resets the counts).
import type { RefusedRequest, RejectedCount } from '../wire/index.js';
import { redactText } from '../observability/redaction.js';
import { truncateUtf8 } from './inspector.js';

export const REFUSED_KEPT = 100;
/** A path is kept to this many bytes (a junk path can be long). */
const MAX_PATH_BYTES = 256;

export interface RefusedRequests {
  note(request: Omit<RefusedRequest, 'at'>): void;
  /** The kept ones, newest first. */
  recent(): RefusedRequest[];
  count(): RejectedCount;
}

export function createRefusedRequests(capacity = REFUSED_KEPT, clock: () => Date = () => new Date()): RefusedRequests {
  const kept: RefusedRequest[] = [];
  const counted: RejectedCount = { total: 0, byStatus: {}, since: clock().toISOString() };
  return {
    note({ requestId, method, path, status, code }) {
      counted.total += 1;
      counted.byStatus[status] = (counted.byStatus[status] ?? 0) + 1;
      kept.push({ at: clock().toISOString(), requestId, method, path: truncateUtf8(redactText(path), MAX_PATH_BYTES), status, code });
      if (kept.length > capacity) kept.shift();
    },
    recent: () => kept.toReversed(),
    count: () => ({ ...counted, byStatus: { ...counted.byStatus } }),
  };
}
