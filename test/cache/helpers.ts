// Test helpers for the cache tests: a controllable clock, deferred promises, held fetchers.
import type { TableClient } from '@azure/data-tables';
import { createMonitorCache, type CacheLog, type MonitorCacheOptions } from '../../shared/cache/index.js';
import { freshTable } from '../setup/tables.js';
import { deferred, manualClock as controlledClock } from '../setup/control.js';

export const T0 = Date.parse('2030-01-01T00:00:00.000Z');

export function manualClock(start = T0) {
  return controlledClock(start);
}

export { deferred, type Deferred } from '../setup/control.js';

/** A fetcher that signals when it starts and answers only when released. */
export function heldFetcher<T>(value: T) {
  const started = deferred();
  const released = deferred();
  let calls = 0;
  return {
    fetcher: async () => {
      calls += 1;
      started.resolve();
      await released.promise;
      return value;
    },
    started: started.promise,
    release: () => released.resolve(),
    get calls() {
      return calls;
    },
  };
}

/** A fetcher that counts its calls and answers `value` (or value(n) for call n). */
export function countingFetcher<T>(value: T | ((call: number) => T)) {
  let calls = 0;
  return {
    fetcher: async () => {
      calls += 1;
      return typeof value === 'function' ? (value as (call: number) => T)(calls) : value;
    },
    get calls() {
      return calls;
    },
  };
}

export function collectingLog(): { log: CacheLog; entries: Parameters<CacheLog>[0][] } {
  const entries: Parameters<CacheLog>[0][] = [];
  return { log: (entry) => entries.push(entry), entries };
}

export async function cacheOnFreshTable(options: Partial<MonitorCacheOptions> = {}) {
  const table: TableClient = options.table ?? (await freshTable('cache'));
  const clock = manualClock();
  const cache = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: clock.now, ...options });
  return { table, clock, cache };
}

/** Every row of a table, for assertions about what is stored. */
type StoredRow = { partitionKey: string; rowKey: string } & Record<string, unknown>;

export async function allRows(table: TableClient): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for await (const entity of table.listEntities()) rows.push(entity as StoredRow);
  return rows;
}

type Hooks = {
  /** Runs before a transaction is sent (e.g. to interleave a purge or a concurrent delete). */
  beforeTransaction?: (actions: Parameters<TableClient['submitTransaction']>[0]) => Promise<void> | void;
  /** Runs after a getEntity answered (found or not). */
  afterGetEntity?: (partitionKey: string, rowKey: string) => Promise<void> | void;
};

/**
 * The real TableClient with hooks at chosen points, to interleave operations deterministically.
 * Every call still goes to Azurite.
 */
export function hookedTable(table: TableClient, hooks: Hooks): TableClient {
  return new Proxy(table, {
    get(target, property, receiver) {
      if (property === 'submitTransaction' && hooks.beforeTransaction) {
        return async (actions: Parameters<TableClient['submitTransaction']>[0], options?: Parameters<TableClient['submitTransaction']>[1]) => {
          await hooks.beforeTransaction!(actions);
          return target.submitTransaction(actions, options);
        };
      }
      if (property === 'getEntity' && hooks.afterGetEntity) {
        return async (partitionKey: string, rowKey: string, options?: Parameters<TableClient['getEntity']>[2]) => {
          try {
            return await target.getEntity(partitionKey, rowKey, options);
          } finally {
            await hooks.afterGetEntity!(partitionKey, rowKey);
          }
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const nextTick = () => new Promise<void>((done) => setImmediate(done));

/** The TableClient with a log of the calls made through it: method and row ("getEntity v:nodes"). */
export function countedTable(table: TableClient) {
  const calls: string[] = [];
  const counted = new Proxy(table, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'getEntity') calls.push(`getEntity ${String(args[1])}`);
        else if (property === 'submitTransaction')
          calls.push(`submitTransaction ${(args[0] as [string, { rowKey: string }][]).map(([, e]) => e.rowKey).join('+')}`);
        else calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { counted, calls };
}
