// The one helper for bounded concurrency: a fixed number of workers take the next item until none is left, so a long
// list never opens more than `limit` calls to Table Storage or upstream at once.

/**
 * Runs `work` over `items` with at most `limit` at once. With `stopWhen`, a worker checks it before each item and, once
 * it holds, nothing more is started (a time budget); the answer is the number of items never started.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, stopWhen?: () => boolean): Promise<number> {
  let next = 0;
  let notStarted = 0;
  const worker = async () => {
    while (next < items.length) {
      if (stopWhen?.()) {
        notStarted += items.length - next;
        next = items.length;
        return;
      }
      await work(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return notStarted;
}
