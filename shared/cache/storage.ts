// Small helpers over @azure/data-tables errors and filters, shared by the cache modules.
import { odata } from '@azure/data-tables';
import { redactText } from '../http/redaction.js';
import { GENERATION_ROW_KEY, READING_ROW_PREFIX } from './keys.js';

/** The HTTP status of a RestError (it always carries `statusCode`), or of any error shaped like one. */
export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error ? (error as { statusCode?: number }).statusCode : undefined;
}

export const isNotFound = (error: unknown) => statusOf(error) === 404;
export const isConflict = (error: unknown) => statusOf(error) === 409;
export const isPreconditionFailed = (error: unknown) => statusOf(error) === 412;

/** One line, no request URLs or bodies, redacted (a failed refresh may quote an upstream): safe for logs. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactText(String(error)).slice(0, 200);
  const status = statusOf(error);
  const code = (error as { code?: string }).code;
  const firstLine = redactText((error.message.split('\n')[0] ?? '').replace(/https?:\/\/\S+/g, '<url>')).slice(0, 200);
  return [error.name, status, code, firstLine].filter((p) => p !== undefined && p !== '').join(' ');
}

/** Storage or bookkeeping failed in a way the caller of an invalidation has to know about. */
export class CacheStorageError extends Error {
  constructor(
    readonly reason: 'unavailable' | 'contention',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CacheStorageError';
  }
}

/** Every partition strictly below p: PartitionKey ge 'p:' and PartitionKey lt 'p;' (';' follows ':'). */
export function partitionsBelowFilter(partitionKey: string): string {
  return odata`(PartitionKey ge ${partitionKey + ':'} and PartitionKey lt ${partitionKey + ';'})`;
}

/** The partition p itself and every partition below it, never a look-alike such as p-blue or p0. */
export function partitionTreeFilter(partitionKey: string): string {
  return `(${odata`PartitionKey eq ${partitionKey}`} or ${partitionsBelowFilter(partitionKey)})`;
}

/** Every RowKey starting with `prefix`, which ends in ':' (the range 'x:'..'x;'). */
export function rowKeyPrefixFilter(prefix: string): string {
  return odata`(RowKey ge ${prefix} and RowKey lt ${prefix.slice(0, -1) + ';'})`;
}

export const READING_ROWS_FILTER = rowKeyPrefixFilter(READING_ROW_PREFIX);
export const GENERATION_ROWS_FILTER = odata`RowKey eq ${GENERATION_ROW_KEY}`;

/** Runs `work` over `items` with at most `limit` at once. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
