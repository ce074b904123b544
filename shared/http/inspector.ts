// The inspector: which calls are captured, and the capture store, a bounded ring in Table Storage shared by every
// instance. Polling GETs are never captured: their bodies are never buffered, copied or serialised by us.
import { odata, type TableClient } from '@azure/data-tables';
import { createHmac } from 'node:crypto';
import { DEFAULT_UNCAPTURED_PREFIXES } from '../config.js';
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

/** Fields whose string value names a person (an object id, a user name, an address, who started or made something). */
const PERSON_FIELDS = /^(?:objectId|oid|userId|upn|userPrincipalName|email|mail|(?:created|updated|deleted|started|requested|modified)By)$/i;
/** Fields whose object value stands for a person: every name in it is one. */
const PERSON_OBJECTS = /^(?:actor|caller|principal|user|owner|(?:created|updated|deleted|started|requested|modified)By)$/i;
/** The names a person object carries. */
const PERSON_NAMES = /^(?:objectId|oid|userId|upn|userPrincipalName|email|mail|name|displayName)$/i;

/**
 * A person named in a captured body, as a pseudonym: the same person (object id, else name) gets the same one in
 * every capture, and a reader learns nothing of who it is without the key.
 */
export function personPseudonym(key: string | Buffer, identity: string): string {
  return `person-${createHmac('sha256', key).update(`person\n${identity}`).digest('hex').slice(0, 12)}`;
}

function pseudonymisedPerson(person: Record<string, unknown>, key: string | Buffer): Record<string, unknown> {
  const identity = [person.objectId, person.oid, person.userId, person.name].find((v) => typeof v === 'string' && v !== '');
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(person)) {
    out[name] = typeof value === 'string' && PERSON_NAMES.test(name) ? personPseudonym(key, typeof identity === 'string' ? identity : value) : value;
  }
  return out;
}

/**
 * A captured body with every person in it pseudonymised (`createdBy { objectId, name }`, an audit `actor`, a
 * transition's `startedBy`, any object holding an `objectId`): otherwise a capture's caller pseudonym would sit next
 * to the name of the person it stands for. Returns a copy.
 */
export function pseudonymiseBody(value: unknown, key: string | Buffer, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth >= 32) return value;
  if (Array.isArray(value)) return value.map((item) => pseudonymiseBody(item, key, depth + 1));
  const record = value as Record<string, unknown>;
  if (typeof record.objectId === 'string') return pseudonymisedPerson(record, key);
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(record)) {
    if (typeof item === 'string' && PERSON_FIELDS.test(name)) out[name] = personPseudonym(key, item);
    else if (item !== null && typeof item === 'object' && !Array.isArray(item) && PERSON_OBJECTS.test(name)) {
      out[name] = pseudonymisedPerson(item as Record<string, unknown>, key);
    } else out[name] = pseudonymiseBody(item, key, depth + 1);
  }
  return out;
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
  /** Resolves when queued captures are written and background trimming has finished (tests, shutdown). */
  settled(): Promise<void>;
}

export interface TableCaptureStoreOptions {
  /** Captures kept (newest). */
  capacity: number;
  /** Where failures are reported (already redacted). */
  log?: (line: string) => void;
  /** Upper bound of one capture write. */
  writeTimeoutMs?: number;
}

const PARTITION = 'capture';
/** Ring rows: `c:` + the capture's sequence number, zero-padded, so partition order is oldest first. */
const ROW_PREFIX = 'c:';
/** The counter row: the last sequence number written. It sorts after every ring row ('s' > 'c;'). */
const SEQUENCE_ROW = 'sequence';
/** Captures written in one transaction with the counter (Table Storage takes 100 operations, 4 MiB). */
const WRITE_BATCH = 50;
/** Rows one trim step deletes in one transaction; the ring never holds more than capacity + this per instance. */
export const TRIM_BATCH = 100;
const WRITE_ATTEMPTS = 20;

const rowKeyOf = (sequence: number) => `${ROW_PREFIX}${String(sequence).padStart(16, '0')}`;
const ringRows = odata`PartitionKey eq ${PARTITION} and RowKey ge ${ROW_PREFIX} and RowKey lt ${ROW_PREFIX.slice(0, -1) + ';'}`;

interface Pending {
  capture: CaptureInput;
  done: () => void;
}

/**
 * The ring: one partition. Every capture gets the next number of a counter row, written in the same transaction as
 * the captures it numbers (If-Match the counter's ETag; a 412 reads it again), so numbers are dense, shared by every
 * instance and ordered. Rows numbered at or below `last − capacity` are the excess, and they come first in partition
 * order: a trim deletes exactly them, one bounded query and one transaction per TRIM_BATCH, whatever the ring's size.
 * An instance writes its captures one batch at a time and never lets its excess grow past TRIM_BATCH: a batch that
 * would waits for the trim (one at a time per instance), and is dropped (logged) if the trim fails, so load or a
 * failing table can slow captures or lose them, never grow the ring. Listing reads the counter, then the newest rows.
 */
export function createTableCaptureStore(table: TableClient, options: TableCaptureStoreOptions): CaptureStore {
  const capacity = Math.max(1, Math.floor(options.capacity));
  const log = options.log ?? (() => {});
  const writeTimeoutMs = options.writeTimeoutMs ?? 2_000;
  let tableReady: Promise<void> | undefined;
  /** The counter as this instance last wrote or read it (undefined: read it first). */
  let counter: { last: number; etag: string | undefined } | undefined;
  /** Every row numbered at or below this is known deleted (by this instance's trims). */
  let deletedThrough = 0;
  let legacyRemoved = false;
  const queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let trimming: Promise<boolean> | undefined;

  const timeout = () => ({ abortSignal: AbortSignal.timeout(writeTimeoutMs) });
  const ensureTable = () => {
    tableReady ??= table.createTable(timeout()).catch((error: unknown) => {
      tableReady = undefined; // try again next time
      throw error;
    });
    return tableReady;
  };

  async function readCounter(): Promise<{ last: number; etag: string | undefined }> {
    try {
      const row = await table.getEntity<{ last?: number }>(PARTITION, SEQUENCE_ROW, timeout());
      return { last: typeof row.last === 'number' ? row.last : 0, etag: row.etag };
    } catch (error) {
      if (isStatus(error, 404)) return { last: 0, etag: undefined }; // nothing written yet
      throw error;
    }
  }

  const excess = () => (counter ? counter.last - capacity - deletedThrough : 0);

  /** Deletes rows in one transaction; rows another instance deleted meanwhile (404) are deleted one by one. */
  async function deleteRows(rowKeys: readonly string[]): Promise<void> {
    try {
      await table.submitTransaction(
        rowKeys.map((rowKey) => ['delete', { partitionKey: PARTITION, rowKey }] as ['delete', { partitionKey: string; rowKey: string }]),
        timeout(),
      );
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      for (const rowKey of rowKeys)
        await table.deleteEntity(PARTITION, rowKey, timeout()).catch((e: unknown) => (isStatus(e, 404) ? undefined : Promise.reject(e)));
    }
  }

  /** The first TRIM_BATCH row keys matching `filter`, in partition order. */
  async function firstRows(filter: string): Promise<string[]> {
    const pages = table.listEntities({ queryOptions: { filter, select: ['RowKey'] }, ...timeout() }).byPage({ maxPageSize: TRIM_BATCH });
    for await (const page of pages) return page.map((row) => row.rowKey!);
    return [];
  }

  /** Deletes every row numbered at or below `last − capacity`, the oldest first, TRIM_BATCH at a time. */
  async function trimOnce(): Promise<void> {
    if (!legacyRemoved) {
      // Rows of the earlier layout (inverted timestamps) sort before `c:`: removed once per instance.
      for (let rows = await firstRows(odata`PartitionKey eq ${PARTITION} and RowKey lt ${ROW_PREFIX}`); rows.length;) {
        await deleteRows(rows);
        rows = rows.length < TRIM_BATCH ? [] : await firstRows(odata`PartitionKey eq ${PARTITION} and RowKey lt ${ROW_PREFIX}`);
      }
      legacyRemoved = true;
    }
    const target = (counter?.last ?? 0) - capacity;
    while (deletedThrough < target) {
      const rows = await firstRows(`${ringRows} and ${odata`RowKey le ${rowKeyOf(target)}`}`);
      if (rows.length) await deleteRows(rows);
      if (rows.length < TRIM_BATCH) deletedThrough = target;
    }
  }

  /**
   * One trim at a time per instance, until no excess is left (rows written while it runs included); resolves false
   * when it failed (logged).
   */
  function trim(): Promise<boolean> {
    trimming ??= (async () => {
      try {
        do await trimOnce();
        while (excess() > 0);
        return true;
      } catch (error) {
        log(`inspector: trimming captures failed: ${describeErrorChain(error)}`);
        return false;
      }
    })().finally(() => {
      trimming = undefined;
    });
    return trimming;
  }

  /** Writes `batch` with the next numbers, the counter moved in the same transaction. */
  async function writeBatch(batch: readonly CaptureInput[]): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      counter ??= await readCounter();
      const { last, etag } = counter;
      const next = last + batch.length;
      const rows = batch.map(
        (capture, i) =>
          [
            'create',
            {
              partitionKey: PARTITION,
              rowKey: rowKeyOf(last + 1 + i),
              ...capture,
              query: JSON.stringify(capture.query),
              requestHeaders: JSON.stringify(capture.requestHeaders),
            },
          ] as const,
      );
      const move =
        etag === undefined
          ? (['create', { partitionKey: PARTITION, rowKey: SEQUENCE_ROW, last: next }] as const)
          : (['update', { partitionKey: PARTITION, rowKey: SEQUENCE_ROW, last: next }, 'Merge', { etag }] as const);
      try {
        const response = await table.submitTransaction([move, ...rows] as never, timeout());
        const written = (response.getResponseForEntity(SEQUENCE_ROW) ?? response.subResponses[0])?.etag;
        // Without the new ETag (never seen) the next batch reads the counter first.
        counter = written ? { last: next, etag: written } : undefined;
        return;
      } catch (error) {
        // Another writer moved the counter (412) or created it (409): read it and number the batch again.
        if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
        counter = undefined;
      }
    }
    throw new Error(`the capture counter changed ${WRITE_ATTEMPTS} times in a row`);
  }

  /** Stores the batch; one that fails as a whole (a capture Table Storage refuses) is tried one capture at a time. */
  async function store(batch: readonly Pending[]): Promise<void> {
    try {
      await writeBatch(batch.map((p) => p.capture));
      return;
    } catch (error) {
      if (batch.length === 1) {
        log(`inspector: capture of ${batch[0]!.capture.requestId} not stored: ${describeErrorChain(error)}`);
        return;
      }
    }
    for (const one of batch) await store([one]);
  }

  /** Writes the queue out, one batch at a time. `flushing` is cleared in the same turn as the last look at the queue. */
  async function drain(): Promise<void> {
    try {
      while (queue.length) await writeBatchOf(queue.splice(0, WRITE_BATCH));
    } finally {
      flushing = undefined;
    }
  }

  /** One batch of the queue, within the ring's bound; every capture in it is answered (stored, or dropped and logged). */
  async function writeBatchOf(batch: Pending[]): Promise<void> {
    try {
      await ensureTable();
      counter ??= await readCounter();
      // The batch may not take this instance's excess past TRIM_BATCH: trim first; if trimming fails, it is dropped.
      if (excess() + batch.length > TRIM_BATCH && !(await trim())) {
        log(`inspector: ${batch.length} captures not stored: the ring could not be trimmed`);
      } else {
        await store(batch);
        if (excess() > 0) void trim();
      }
    } catch (error) {
      for (const { capture } of batch) log(`inspector: capture of ${capture.requestId} not stored: ${describeErrorChain(error)}`);
    } finally {
      for (const { done } of batch) done();
    }
  }

  return {
    record(capture) {
      return new Promise<void>((done) => {
        queue.push({ capture, done });
        flushing ??= drain();
      });
    },

    async list(limit) {
      const top = Math.max(0, Math.min(Math.floor(limit), capacity));
      if (top === 0) return [];
      let last: number;
      try {
        last = (await readCounter()).last;
      } catch (error) {
        if (isStatus(error, 404)) return []; // no table yet: nothing captured
        throw error;
      }
      if (last === 0) return [];
      const items: Capture[] = [];
      const filter = `${ringRows} and ${odata`RowKey ge ${rowKeyOf(Math.max(1, last - top + 1))} and RowKey le ${rowKeyOf(last)}`}`;
      for await (const row of table.listEntities({ queryOptions: { filter } })) items.push(fromEntity(row));
      return items.reverse();
    },

    async settled() {
      while (flushing || trimming) await (flushing ?? trimming);
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
