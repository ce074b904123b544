// GET /api/inspector: the captured calls, as the inspector panel lists them.
import type { Capture, InspectorPage } from '../../../shared/wire/index.js';
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

export function normalizeInspector(v: unknown): InspectorItem[] {
  return listOf(isObject<InspectorPage>(v) ? v.items : undefined, normalizeCapture);
}
