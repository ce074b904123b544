// Builds the TableClient every Table Storage user shares (cache, transitions, inspector ring).
// Bounded: the SDK's defaults (3 retries, exponential back-off, no per-try timeout) take 5–30 s to notice an
// unreachable Table Storage; a dashboard read must notice within about a second and fall back to `uncached`.
import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Config } from './config.js';
import { statusOf } from './errors.js';

export interface TableClientLimits {
  /** Per try, until the response headers arrive. */
  requestTimeoutMs?: number;
  /** Whole call, retries and Retry-After waits included. */
  operationTimeoutMs?: number;
  maxRetries?: number;
  retryDelayMs?: number;
}

export const DEFAULT_TABLE_CLIENT_LIMITS: Required<TableClientLimits> = {
  requestTimeoutMs: 1_000,
  operationTimeoutMs: 2_000,
  maxRetries: 1,
  retryDelayMs: 100,
};

/** Gives every try a timeout (the SDK has none by default). */
function perTryTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'tablesPerTryTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/** Caps a whole call: the retry policy honours Retry-After without an upper bound. */
function operationDeadlinePolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'tablesOperationDeadline',
    async sendRequest(request, next) {
      // A timer cleared when the call ends (AbortSignal.timeout would keep one per call alive for timeoutMs).
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new DOMException('The operation timed out', 'TimeoutError')), timeoutMs);
      request.abortSignal = request.abortSignal ? AbortSignal.any([request.abortSignal as AbortSignal, deadline.signal]) : deadline.signal;
      try {
        return await next(request);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** http:// endpoints (Azurite) need allowInsecureConnection; Azure is always https. */
export function isInsecureConnectionString(connectionString: string): boolean {
  return (
    /UseDevelopmentStorage=true/i.test(connectionString) ||
    /TableEndpoint=http:\/\//i.test(connectionString) ||
    (/DefaultEndpointsProtocol=http(;|$)/i.test(connectionString) && !/TableEndpoint=https:\/\//i.test(connectionString))
  );
}

export function createTableClient(
  tables: Pick<Config['tables'], 'connectionString' | 'endpoint' | 'cacheTable'> & Partial<Config['tables']>,
  tableName: string = tables.cacheTable,
  credential?: TokenCredential,
  limits: TableClientLimits = {},
): TableClient {
  const l = { ...DEFAULT_TABLE_CLIENT_LIMITS, ...limits };
  const options = {
    retryOptions: { maxRetries: l.maxRetries, retryDelayInMs: l.retryDelayMs, maxRetryDelayInMs: l.retryDelayMs * 4 },
    additionalPolicies: [
      { policy: operationDeadlinePolicy(l.operationTimeoutMs), position: 'perCall' as const },
      { policy: perTryTimeoutPolicy(l.requestTimeoutMs), position: 'perRetry' as const },
    ],
  };
  if (tables.connectionString) {
    return TableClient.fromConnectionString(tables.connectionString, tableName, {
      ...options,
      allowInsecureConnection: isInsecureConnectionString(tables.connectionString),
    });
  }
  if (tables.endpoint) {
    if (!credential) throw new Error('createTableClient: TABLE_STORAGE_ENDPOINT needs a TokenCredential (the managed identity)');
    return new TableClient(tables.endpoint, tableName, credential, options);
  }
  throw new Error('createTableClient: set TABLE_STORAGE_CONNECTION_STRING or TABLE_STORAGE_ENDPOINT');
}

/** A write to a table that may not exist yet: on a 404 the table is created (once, shared by concurrent writers) and the write tried again. */
export type TableWrite = <T>(write: () => Promise<T>) => Promise<T>;

export function writesCreatingTable(table: Pick<TableClient, 'createTable'>): TableWrite {
  let ready: Promise<void> | undefined;
  return async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      ready ??= table.createTable().catch((e: unknown) => {
        ready = undefined;
        throw e;
      });
      await ready;
      return write();
    }
  };
}
