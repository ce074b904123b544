// The monitor cache: one table of readings, generation rows and (for the lifecycle) transition rows.
export * from './keys.js';
export { CacheStorageError } from './storage.js';
export { GENERATION_ROW_KEY, READING_ROW_PREFIX, TRANSITION_ROW_PREFIX, TRANSITION_ROWS_FILTER, rowKeyPrefixFilter } from './layout.js';
export { MAX_STORED_BYTES } from './codec.js';
export { MonitorCache, createMonitorCache } from './monitorCache.js';
export {
  cacheInfo,
  type CacheEntry,
  type CacheLog,
  type CacheLogLevel,
  type CacheRead,
  type CacheState,
  type CacheStats,
  type InvalidationResult,
  type MonitorCacheOptions,
  type NotStoredReason,
  type ReadOptions,
  type ReadingFailure,
  type RefreshCandidate,
  type RefreshOutcome,
} from './types.js';
