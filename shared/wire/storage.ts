// GET /api/monitor/storage: a scope's storage accounts, their blob containers and each container's usage.
import type { Degraded } from './monitor.js';

export interface ContainerUsage {
  blobCount: number;
  bytes: number;
  /** Newest blob's last-modified time; null for an empty container. */
  newestAt: string | null;
  /** The count stopped at the bound (STORAGE_USAGE_MAX_BLOBS): the figures are lower bounds ("≥ N"). */
  truncated: boolean;
  /** When this usage was counted (usage has its own, longer TTL). */
  countedAt: string;
}

/** One database in the database container: a top-level prefix. */
export interface StoredDatabase {
  name: string;
  files: number;
  bytes: number;
  newestAt: string | null;
  /** It holds its metadata file at its top level: `metadata.json` or `*-metadata.json` (BLAST: `<db>-nucl-metadata.json`). */
  ready: boolean;
}

export interface BlobContainerSummary {
  name: string;
  /** ARM's publicAccess: None | Blob | Container. */
  publicAccess: string;
  lastModifiedAt: string | null;
  /** null while it is being counted for the first time ("calculating") or could not be counted (see `usageProblem`). */
  usage: ContainerUsage | null;
  /** Why usage is missing: "calculating", or the data plane's refusal (e.g. 403 AuthorizationPermissionMismatch). */
  usageProblem?: { code: string; message: string };
  /** Only for the database container (STORAGE_DATABASE_CONTAINER). */
  databases?: StoredDatabase[];
}

export interface StorageAccountSummary {
  name: string;
  location: string;
  sku: string;
  kind: string;
  hierarchicalNamespace: boolean;
  /** Enabled | Disabled | SecuredByPerimeter; "Enabled" shows as a warning. */
  publicNetworkAccess: string;
  allowBlobPublicAccess: boolean;
  minimumTlsVersion: string | null;
  blobEndpoint: string | null;
  containers: BlobContainerSummary[];
  /** This account's parts that could not be read (its containers' listing, its blob data plane). */
  degraded: Degraded[];
}

export interface StorageOverview {
  accounts: StorageAccountSummary[];
  /** The database container's summary across accounts: "4 ready / 9". */
  databases: { ready: number; total: number };
}
