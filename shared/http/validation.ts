// Input validation, one module for every route. It runs before any cache or upstream call, so bad input never
// reaches Table Storage, ARM or a Kubernetes API server. Messages say what was expected and never echo the value.
import type { HttpRequest } from '@azure/functions';
import { MONITOR_CATEGORIES } from '../wire/index.js';
import { invalidParameter, malformedBody, missingParameter, payloadTooLarge, unknownField, unsupportedMediaType } from './errors.js';

/** Checks one raw input (a query/route string, or a JSON value) and returns it typed, or throws a 400 ApiError. */
export type Validator<T> = (raw: unknown, field: string) => T;
export type Schema = Record<string, Validator<unknown>>;
export type Parsed<S extends Schema> = { [K in keyof S]: ReturnType<S[K]> };

export const MAX_JSON_BODY_BYTES = 64 * 1024;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Azure: letters and digits as in Char.IsLetterOrDigit (so Unicode ones too), _ - . ( ), 1–90, not ending in a period.
const RESOURCE_GROUP = /^[\p{L}\p{Nd}_\-.()]{1,90}$/u;
// AKS: 1–63 of letters, digits, - and _, starting and ending with a letter or digit.
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
// A Kubernetes list's continue token: opaque base64 (standard or URL-safe) as the API server issues it, bounded.
const CONTINUE_TOKEN = /^[A-Za-z0-9._~+/=-]{1,4096}$/;

function requiredString(raw: unknown, field: string, expected: string): string {
  if (raw === undefined || raw === null || raw === '') throw missingParameter(field, expected);
  if (typeof raw !== 'string') throw invalidParameter(field, expected);
  return raw;
}

/** A subscription id: a GUID, answered in lower case (Azure compares them case-insensitively). */
export const subscriptionId: Validator<string> = (raw, field) => {
  const expected = 'a subscription id (GUID)';
  const value = requiredString(raw, field, expected);
  if (!GUID.test(value)) throw invalidParameter(field, expected);
  return value.toLowerCase();
};

export const resourceGroup: Validator<string> = (raw, field) => {
  const expected = 'a resource group name: 1-90 letters, digits, _ - . ( ), not ending in a period';
  const value = requiredString(raw, field, expected);
  if (!RESOURCE_GROUP.test(value) || value.endsWith('.')) throw invalidParameter(field, expected);
  return value;
};

export const clusterName: Validator<string> = (raw, field) => {
  const expected = 'a cluster name: 1-63 letters, digits, - and _, starting and ending with a letter or digit';
  const value = requiredString(raw, field, expected);
  if (!CLUSTER_NAME.test(value)) throw invalidParameter(field, expected);
  return value;
};

/** The `continue` token of a paged list; absent → undefined (the first page). */
export const continueToken: Validator<string | undefined> = (raw, field) => {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !CONTINUE_TOKEN.test(raw)) {
    throw invalidParameter(field, 'a continue token from the previous page: 1-4096 of letters, digits and . _ ~ + / = -');
  }
  return raw;
};

/** A value from a fixed list. */
export function oneOf<C extends string>(allowed: readonly C[]): Validator<C> {
  const expected = `one of ${allowed.join(', ')}`;
  return (raw, field) => {
    const value = requiredString(raw, field, expected);
    if (!(allowed as readonly string[]).includes(value)) throw invalidParameter(field, expected);
    return value as C;
  };
}

/** Absent → undefined; present → the inner validator decides. */
export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (raw, field) => (raw === undefined ? undefined : inner(raw, field));
}

/** The monitor category, from the one list of categories. */
export const monitorCategory = oneOf(MONITOR_CATEGORIES);

/** A whole number in [min, max]; absent → fallback. Accepts a query string or a JSON number. */
export function integerInRange(min: number, max: number, fallback: number): Validator<number> {
  const expected = `a whole number from ${min} to ${max}`;
  return (raw, field) => {
    if (raw === undefined) return fallback;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) throw invalidParameter(field, expected);
    return value;
  };
}

/** The two fields that name a scope, used by every scoped route (query or body). */
export const scopeSchema = { subscriptionId, resourceGroup } satisfies Schema;

/** Field names come from the caller: show them printable and short. */
export function describeField(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}

function parseWith<S extends Schema>(schema: S, read: (name: string) => unknown): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [name, validate] of Object.entries(schema)) out[name] = validate(read(name), name);
  return out as Parsed<S>;
}

/** Query parameters named by the schema; others are ignored (cache busters). A parameter given twice is refused. */
export function parseQuery<S extends Schema>(query: URLSearchParams, schema: S): Parsed<S> {
  return parseWith(schema, (name) => {
    const values = query.getAll(name);
    if (values.length > 1) throw invalidParameter(name, 'a single value');
    return values[0];
  });
}

/** Route parameters named by the schema. */
export function parseParams<S extends Schema>(params: Record<string, string | undefined>, schema: S): Parsed<S> {
  return parseWith(schema, (name) => (Object.hasOwn(params, name) ? params[name] : undefined));
}

/** A JSON object whose fields are exactly those of the schema (unknown fields → 400 naming the field). */
export function parseBodyFields<S extends Schema>(value: unknown, schema: S): Parsed<S> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformedBody('The body must be a JSON object');
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(schema, name)) throw unknownField(describeField(name));
  }
  const record = value as Record<string, unknown>;
  return parseWith(schema, (name) => (Object.hasOwn(record, name) ? record[name] : undefined));
}

/** application/json, optionally with charset=utf-8; anything else is refused with 415. */
export function isJsonContentType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';');
  if (type?.trim().toLowerCase() !== 'application/json') return false;
  return params.every((param) => {
    const [key, value = ''] = param.split('=');
    if (key?.trim().toLowerCase() !== 'charset') return true;
    return value.trim().replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

export interface JsonBody {
  value: unknown;
  /** The decoded text, for the inspector capture. */
  text: string;
}

/**
 * Reads a POST body as JSON: content type (415), size ≤ limit (413, refused from Content-Length before reading,
 * and counted while reading), UTF-8 (400), JSON (400). Reads at most limit + one chunk.
 */
export async function readJsonBody(request: HttpRequest, limitBytes = MAX_JSON_BODY_BYTES): Promise<JsonBody> {
  if (!isJsonContentType(request.headers.get('content-type'))) throw unsupportedMediaType();
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limitBytes) throw payloadTooLarge(limitBytes);

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      size += chunk.byteLength;
      if (size > limitBytes) {
        await reader.cancel().catch(() => {});
        throw payloadTooLarge(limitBytes);
      }
      chunks.push(chunk);
    }
  }
  if (size === 0) throw malformedBody('A JSON body is required');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw malformedBody('The body is not valid UTF-8');
  }
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch {
    throw malformedBody('The body is not valid JSON');
  }
}

/** True when a request that takes no body sent one (reads at most one chunk). */
export async function sentBody(request: HttpRequest): Promise<boolean> {
  if (!request.body) return false;
  const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
