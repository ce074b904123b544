// Small helpers shared by the cache modules (the table's layout and filters: ./layout.ts; status checks: shared/errors.ts).

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

export const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
