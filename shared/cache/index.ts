// The monitor cache: one table of readings, generation rows and (for the lifecycle) transition rows.
export * from './keys.js';
export { CacheStorageError, rowKeyPrefixFilter } from './storage.js';
export { MAX_STORED_BYTES } from './codec.js';
export {
  MonitorCache,
  createMonitorCache,
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
} from './monitorCache.js';
