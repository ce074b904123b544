// The inspector: which calls are captured, and the capture store, a bounded ring in Table Storage shared by every
// instance. Polling GETs are never captured: their bodies are never buffered, copied or serialised by us.
import { odata, type TableClient } from '@azure/data-tables';
import { createHmac, randomBytes } from 'node:crypto';
import { DEFAULT_UNCAPTURED_PREFIXES } from '../config.js';
import { forEachLimited } from '../concurrency.js';
import { isStatus } from '../errors.js';
import { describeErrorChain } from '../observability/redaction.js';
import type { Capture } from '../wire/index.js';
export type { Capture };

export { DEFAULT_UNCAPTURED_PREFIXES };
/** The only request headers a capture keeps: nothing that names a person, an address or a credential. */
export const CAPTURED_HEADERS: readonly string[] = ['content-type', 'content-length', 'x-request-id', 'user-agent'];

/** The allow-listed headers of a request, as a plain record. */
export function capturedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CAPTURED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/**
 * A stable pseudonym of a caller for captures: the same person gets the same id on every instance (with a shared key),
 * and a reader can tell calls apart without learning a name, an object id or an address. HMAC, so that knowing a
 * colleague's name or object id is not enough to recognise them without the key.
 */
export function callerPseudonym(key: string | Buffer, identity: { provider: string; userId?: string; name: string }): string {
  const digest = createHmac('sha256', key)
    .update(`${identity.provider}\n${identity.userId ?? identity.name}`)
    .digest('hex');
  return `caller-${digest.slice(0, 12)}`;
}

/** Request and response bodies are kept up to this many bytes each. */
export const MAX_CAPTURED_BODY_BYTES = 8 * 1024;

/** A path already in normal form but for its case: slash-led segments of unreserved characters, none `.` or `..`. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)+$/;

/** Lower case, one leading slash, no repeated or trailing slashes, dot segments resolved, %-escapes decoded. */
function normalizePath(raw: string): string {
  if (PLAIN_PATH.test(raw)) return raw.toLowerCase(); // every poll: nothing to resolve or decode
  let path = raw.split(/[?#]/, 1)[0] ?? '';
  if (/^https?:\/\//i.test(path)) path = new URL(path).pathname;
  path = `/${path}`.replace(/\/{2,}/g, '/');
  path = new URL(path, 'http://local').pathname; // resolves /a/../b the way the host's URL parsing does
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape: match it as it is
  }
  return path
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
}

/** The configured prefixes are few and fixed: each is normalised once, not on every request. */
const prefixes = new Map<string, string>();
function normalizedPrefix(raw: string): string {
  let prefix = prefixes.get(raw);
  if (prefix === undefined) {
    prefix = normalizePath(raw);
    if (prefixes.size < 1000) prefixes.set(raw, prefix);
  }
  return prefix;
}

/**
 * Whether a call is captured: every non-GET (a missing or blank method counts as non-GET), and every GET/HEAD whose
 * path is not under an uncaptured prefix. Prefix matching is boundary-safe: /api/me covers /api/me and /api/me/x,
 * never /api/meter. Never throws: anything it cannot read is captured (the safe side for an audit trail).
 */
export function shouldCapture(path: unknown, method: unknown, uncapturedPrefixes: readonly string[] = DEFAULT_UNCAPTURED_PREFIXES): boolean {
  try {
    const verb = typeof method === 'string' ? method.trim().toUpperCase() : '';
    if (verb !== 'GET' && verb !== 'HEAD') return true;
    if (typeof path !== 'string') return true;
    const normalized = normalizePath(path);
    for (const rawPrefix of uncapturedPrefixes) {
      if (typeof rawPrefix !== 'string') continue;
      const prefix = normalizedPrefix(rawPrefix);
      if (prefix === '') continue; // an empty prefix would silence everything: ignore it
      if (normalized === prefix || normalized.startsWith(`${prefix}/`)) return false;
    }
    return true;
  } catch {
    return true;
  }
}

/** Cuts text to maxBytes of UTF-8 on a character boundary, saying how much there was. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}…[truncated, ${bytes.length} bytes]`;
}

export type CaptureInput = Omit<Capture, 'id'>;

export interface CaptureStore {
  /** Stores one capture. Never rejects: a failed capture must not fail the request. */
  record(capture: CaptureInput): Promise<void>;
  /** Newest first, at most min(limit, capacity). */
  list(limit: number): Promise<Capture[]>;
  /** Resolves when background trimming has finished (tests, shutdown). */
  settled(): Promise<void>;
}

export interface TableCaptureStoreOptions {
  /** Captures kept (newest). */
  capacity: number;
  /** Where failures are reported (already redacted). */
  log?: (line: string) => void;
  /** Upper bound of one capture write. */
  writeTimeoutMs?: number;
  /** Milliseconds since the epoch, fractional allowed. */
  now?: () => number;
}

const PARTITION = 'capture';
/** Inverted microsecond clock: 9e15 is below Number.MAX_SAFE_INTEGER and far beyond today's ~1.8e15 µs. */
const CLOCK_CEILING = 9_000_000_000_000_000;
const DELETE_CONCURRENCY = 8;

/**
 * The ring: one partition, RowKey = inverted microsecond timestamp + random suffix, so a plain query returns the
 * newest first and instances never collide. After each write, rows beyond the capacity-th newest are deleted (one
 * trim at a time per instance; concurrent trims elsewhere only ever delete rows that are already beyond the bound,
 * since new rows always sort first, so a 404 on delete is harmless).
 */
export function createTableCaptureStore(table: TableClient, options: TableCaptureStoreOptions): CaptureStore {
  const capacity = Math.max(1, Math.floor(options.capacity));
  const log = options.log ?? (() => {});
  const writeTimeoutMs = options.writeTimeoutMs ?? 2_000;
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  let lastMicros = 0;
  let tableReady: Promise<void> | undefined;
  let trimming: Promise<void> | undefined;
  let trimAgain = false;

  const ensureTable = () => {
    tableReady ??= table.createTable({ abortSignal: AbortSignal.timeout(writeTimeoutMs) }).catch((error: unknown) => {
      tableReady = undefined; // try again next time
      throw error;
    });
    return tableReady;
  };

  const nextRowKey = () => {
    let micros = Math.floor(now() * 1000);
    if (micros <= lastMicros) micros = lastMicros + 1; // strictly newer than this instance's previous capture
    lastMicros = micros;
    return `${String(CLOCK_CEILING - micros).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
  };

  async function trimOnce(): Promise<void> {
    const beyond: string[] = [];
    let seen = 0;
    const rows = table.listEntities<{ RowKey: string }>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}`, select: ['RowKey'] } });
    for await (const row of rows) {
      seen += 1;
      if (seen > capacity) beyond.push(row.rowKey!);
    }
    await forEachLimited(beyond, DELETE_CONCURRENCY, async (rowKey) => {
      await table.deleteEntity(PARTITION, rowKey).catch((error: unknown) => {
        if (!isStatus(error, 404)) throw error;
      });
    });
  }

  function scheduleTrim(): void {
    if (trimming) {
      trimAgain = true;
      return;
    }
    trimming = (async () => {
      do {
        trimAgain = false;
        await trimOnce().catch((error: unknown) => log(`inspector: trimming captures failed: ${describeErrorChain(error)}`));
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- record() sets trimAgain while trimOnce awaits; the checker cannot see that.
      } while (trimAgain);
    })().finally(() => {
      trimming = undefined;
    });
  }

  return {
    async record(capture) {
      try {
        await ensureTable();
        await table.createEntity(
          {
            partitionKey: PARTITION,
            rowKey: nextRowKey(),
            ...capture,
            query: JSON.stringify(capture.query),
            requestHeaders: JSON.stringify(capture.requestHeaders),
          },
          { abortSignal: AbortSignal.timeout(writeTimeoutMs) },
        );
      } catch (error) {
        log(`inspector: capture of ${capture.requestId} not stored: ${describeErrorChain(error)}`);
        return;
      }
      scheduleTrim();
    },

    async list(limit) {
      const top = Math.max(0, Math.min(Math.floor(limit), capacity));
      if (top === 0) return [];
      const items: Capture[] = [];
      try {
        const pages = table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } }).byPage({ maxPageSize: top });
        for await (const page of pages) {
          for (const row of page) {
            if (items.length >= top) break;
            items.push(fromEntity(row));
          }
          if (items.length >= top) break;
        }
      } catch (error) {
        if (isStatus(error, 404)) return []; // no table yet: nothing captured
        throw error;
      }
      return items;
    },

    async settled() {
      while (trimming) await trimming;
    },
  };
}

function parseRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'string') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function fromEntity(row: Record<string, unknown>): Capture {
  const text = (name: string) => {
    const value = row[name];
    return typeof value === 'string' ? value : undefined;
  };
  const num = (name: string) => {
    const value = row[name];
    return typeof value === 'number' ? value : 0;
  };
  const capture: Capture = {
    id: String(row.rowKey),
    at: text('at') ?? '',
    requestId: text('requestId') ?? '',
    method: text('method') ?? '',
    path: text('path') ?? '',
    query: parseRecord(row.query),
    status: num('status'),
    durationMs: num('durationMs'),
    requestHeaders: parseRecord(row.requestHeaders),
  };
  for (const name of ['caller', 'errorCode', 'requestBody', 'responseBody'] as const) {
    const value = text(name);
    if (value !== undefined) capture[name] = value;
  }
  return capture;
}
