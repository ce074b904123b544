// GET /api/inspector: the captured calls, as the inspector panel lists them, and the count of requests the API refused
// before any handler ran (bad input, missing roles), which are never captured.
import type { Capture, InspectorPage, RefusedRequest as WireRefusedRequest, RejectedCount } from '../../../shared/wire/index.js';
import { isObject, listOf, num, str, toEpochMs } from './json.js';

export interface InspectorItem {
  at?: number;
  method: string;
  path: string;
  query?: string;
  status?: number;
  durationMs?: number;
  requestId?: string;
  caller?: string;
  errorCode?: string;
  requestBody?: string;
  responseBody?: string;
}

/** A captured body, indented when it is whole JSON (a truncated one stays as it came). */
function body(v: unknown): string | undefined {
  const text = str(v);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? JSON.stringify(parsed, null, 2) : text;
  } catch {
    return text;
  }
}

/** The query the API sends as { name: value }, as a query string. */
function queryText(v: unknown): string | undefined {
  if (!isObject<Capture['query']>(v)) return undefined;
  const pairs = Object.entries(v).filter((pair): pair is [string, string] => typeof pair[1] === 'string');
  return pairs.length ? new URLSearchParams(pairs).toString() : undefined;
}

function normalizeCapture(v: unknown): InspectorItem | undefined {
  if (!isObject<Capture>(v)) return undefined;
  return {
    at: toEpochMs(v.at),
    method: str(v.method) ?? '?',
    path: str(v.path) ?? '?',
    query: queryText(v.query),
    status: num(v.status),
    durationMs: num(v.durationMs),
    requestId: str(v.requestId),
    caller: str(v.caller),
    errorCode: str(v.errorCode),
    requestBody: body(v.requestBody),
    responseBody: body(v.responseBody),
  };
}

export interface Refused {
  total: number;
  /** By HTTP status. */
  byStatus: Record<string, number>;
  since?: number;
}

/** A request refused before any handler ran, listed by the server so an error's request id can be found. */
export interface RefusedRequest {
  at?: number;
  requestId: string;
  method: string;
  path: string;
  status: number;
  code: string;
}

export interface InspectorView {
  items: InspectorItem[];
  refused?: Refused;
  /** The instance's last refused requests, newest first. */
  refusedRequests: RefusedRequest[];
}

function normalizeRefusedRequest(v: unknown): RefusedRequest | undefined {
  if (!isObject<WireRefusedRequest>(v)) return undefined;
  const requestId = str(v.requestId);
  const status = num(v.status);
  if (!requestId || status === undefined) return undefined;
  return { at: toEpochMs(v.at), requestId, method: str(v.method) ?? '?', path: str(v.path) ?? '?', status, code: str(v.code) ?? '' };
}

function normalizeRefused(v: unknown): Refused | undefined {
  if (!isObject<RejectedCount>(v)) return undefined;
  const total = num(v.total);
  if (total === undefined) return undefined;
  const counts = isObject<Record<string, number>>(v.byStatus) ? Object.entries(v.byStatus) : [];
  const byStatus = Object.fromEntries(counts.flatMap(([status, count]) => (num(count) ? [[status, num(count)!]] : [])));
  return { total, byStatus, since: toEpochMs(v.since) };
}

/** A refused count's statuses, most frequent first: "403 × 4, 400 × 2". */
export function refusedByStatus(refused: Refused): string {
  return Object.entries(refused.byStatus)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([status, count]) => `${status} × ${count}`)
    .join(', ');
}

export function normalizeInspector(v: unknown): InspectorView {
  const page = isObject<InspectorPage>(v) ? v : undefined;
  const refused = normalizeRefused(page?.rejected);
  return { items: listOf(page?.items, normalizeCapture), ...(refused ? { refused } : {}), refusedRequests: listOf(page?.refused, normalizeRefusedRequest) };
}
