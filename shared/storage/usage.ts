// The blob data plane half of the storage card: one container's usage (blob count, bytes, newest blob), counted by
// listing its blobs page by page up to a bound, and for the database container its databases. A refusal of the
// data plane (403) is an answer too: it names the role to grant or the network rule, and the ARM half stands.
import type { ContainerClient } from '@azure/storage-blob';
import { describeFailure, statusOf, upstreamFailure } from '../errors.js';
import { reportUpstreamCall, startUpstreamCall, type UpstreamCallLog } from '../observability/upstreamLog.js';
import type { ContainerUsage, Degraded, StoredDatabase } from '../wire/index.js';

/** The most blobs one List Blobs page may hold (the service's own limit). */
export const MAX_PAGE_SIZE = 5_000;

/** Why a container's usage is missing. */
export interface UsageProblem {
  code: string;
  message: string;
}

/** One container's usage reading, stored under its own key (containerUsageKey). */
export interface UsageReading {
  usage: ContainerUsage | null;
  problem?: UsageProblem;
  /** The database container only: its databases. */
  databases?: StoredDatabase[];
  /** The data plane refused or failed: what the answer's `degraded` says. */
  degraded?: Degraded;
}

/** The refusals that do not go away by themselves: kept as answers (re-checked at the overview's TTL), not retried at once. */
export const REFUSALS = ['AuthorizationPermissionMismatch', 'AuthorizationFailure'] as const;

/**
 * A database is ready when its top level holds its metadata file: `metadata.json`, or a name ending in
 * `-metadata.json` (BLAST databases ship `<db>-nucl-metadata.json` / `<db>-prot-metadata.json`).
 */
export function isMetadataFile(name: string): boolean {
  return name === 'metadata.json' || name.endsWith('-metadata.json');
}

interface CountOptions {
  maxBlobs: number;
  /** Group the blobs by their top-level prefix (the database container). */
  databases: boolean;
  /** Names the container in upstream lines and messages. */
  account: string;
  signal: AbortSignal;
  now: () => number;
  logCall?: UpstreamCallLog;
}

/** Lists the container's blobs (pages of ≤ 5,000) until the bound, then says `truncated`. */
export async function countContainer(container: ContainerClient, options: CountOptions): Promise<UsageReading> {
  const { maxBlobs, account, signal } = options;
  let blobCount = 0;
  let bytes = 0;
  let newest = 0;
  let truncated = false;
  const databases = new Map<string, { files: number; bytes: number; newest: number; ready: boolean }>();
  const pages = container.listBlobsFlat({ abortSignal: signal }).byPage({ maxPageSize: Math.min(MAX_PAGE_SIZE, maxBlobs) });
  const target = `blob:${account}`;
  try {
    for (;;) {
      const end = startUpstreamCall(target, 'GET', container.url);
      let step: Awaited<ReturnType<typeof pages.next>>;
      try {
        step = await pages.next();
        if (options.logCall) reportUpstreamCall(options.logCall, end(200));
      } catch (error) {
        if (options.logCall) reportUpstreamCall(options.logCall, end(statusOf(error) ?? 0, error));
        throw error;
      }
      if (step.done) break;
      const page = step.value;
      for (const blob of page.segment.blobItems) {
        if (blobCount >= maxBlobs) {
          truncated = true;
          break;
        }
        const size = blob.properties.contentLength ?? 0;
        const modified = blob.properties.lastModified.getTime();
        blobCount += 1;
        bytes += size;
        newest = Math.max(newest, modified);
        const slash = blob.name.indexOf('/');
        if (options.databases && slash > 0) {
          const name = blob.name.slice(0, slash);
          const db = databases.get(name) ?? { files: 0, bytes: 0, newest: 0, ready: false };
          db.files += 1;
          db.bytes += size;
          db.newest = Math.max(db.newest, modified);
          if (!blob.name.includes('/', slash + 1) && isMetadataFile(blob.name.slice(slash + 1))) db.ready = true;
          databases.set(name, db);
        }
      }
      if (truncated || !page.continuationToken) break;
      if (blobCount >= maxBlobs) {
        truncated = true; // more pages follow: the figures are lower bounds
        break;
      }
    }
  } catch (error) {
    if (signal.aborted && !statusOf(error)) throw error;
    return refused(error, account, container.containerName);
  }
  const usage: ContainerUsage = {
    blobCount,
    bytes,
    newestAt: newest ? new Date(newest).toISOString() : null,
    truncated,
    countedAt: new Date(options.now()).toISOString(),
  };
  if (!options.databases) return { usage };
  return {
    usage,
    databases: [...databases]
      .map(([name, db]) => ({ name, files: db.files, bytes: db.bytes, newestAt: db.newest ? new Date(db.newest).toISOString() : null, ready: db.ready }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** What the data plane answered instead of a listing, as a problem and a degraded part that say what to do. */
function refused(error: unknown, account: string, container: string): UsageReading {
  const status = statusOf(error);
  const code = (error as { code?: unknown } | null)?.code;
  const source = `blob:${account}`;
  const problem = (c: string, message: string, partStatus = status ?? 502): UsageReading => ({
    usage: null,
    problem: { code: c, message },
    degraded: { source, status: partStatus, message: `${container}: ${message}` },
  });
  if (status === 403 && code === 'AuthorizationPermissionMismatch') {
    return problem(
      code,
      `The app's identity lacks the data role Storage Blob Data Reader on the storage account ${account}: grant it on the account or its resource group.`,
    );
  }
  if (status === 403 && code === 'AuthorizationFailure') {
    return problem(
      code,
      `The storage account ${account} refuses the app's network (its firewall, or public network access disabled): allow the Function App's outbound addresses or reach it through a private endpoint.`,
    );
  }
  if (status === 404) return problem(typeof code === 'string' ? code : 'ContainerNotFound', 'The container is gone from the data plane.');
  if (!upstreamFailure(error)) throw error; // our own bug: not the data plane's
  const failure = describeFailure(error);
  return problem(typeof code === 'string' && code ? code : 'unavailable', failure.message, status ?? failure.status);
}
