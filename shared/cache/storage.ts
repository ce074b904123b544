// Small helpers over Table Storage filters and failures, shared by the cache modules (status checks: shared/errors.ts).
import { odata } from '@azure/data-tables';
import { GENERATION_ROW_KEY, READING_ROW_PREFIX } from './keys.js';

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

export const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
