// GET /api/monitor/storage: the scope's storage accounts, their blob containers with usage, and the databases the
// database container holds. The dashboard's shapes and their parser, reading exactly what the server sends
// (shared/wire/storage.ts).
import type {
  BlobContainerSummary,
  ContainerUsage as WireContainerUsage,
  StorageAccountSummary,
  StorageOverview,
  StoredDatabase as WireStoredDatabase,
} from '../../../shared/wire/index.js';
import { bool, isObject, listOf, num, str, toEpochMs } from './json.js';
import { normalizeDegraded, type DegradedSource } from './monitorData.js';

export interface ContainerUsage {
  blobCount: number;
  bytes: number;
  newestAt?: number;
  /** The count stopped at its bound: the figures are lower bounds ("≥ N"). */
  truncated: boolean;
  countedAt?: number;
}

export interface StoredDatabase {
  name: string;
  files: number;
  bytes: number;
  newestAt?: number;
  ready: boolean;
}

export interface BlobContainer {
  name: string;
  publicAccess?: string;
  lastModifiedAt?: number;
  usage?: ContainerUsage;
  /** Why usage is missing: "calculating" (first count under way) or the data plane's refusal. */
  usageProblem?: { code: string; message?: string };
  /** Only on the database container. */
  databases?: StoredDatabase[];
}

export interface StorageAccount {
  name: string;
  location?: string;
  sku?: string;
  kind?: string;
  hierarchicalNamespace?: boolean;
  publicNetworkAccess?: string;
  allowBlobPublicAccess?: boolean;
  minimumTlsVersion?: string;
  blobEndpoint?: string;
  containers: BlobContainer[];
  degraded: DegradedSource[];
}

export interface StorageView {
  accounts: StorageAccount[];
  /** "4 ready / 9" across the accounts' database containers. */
  databases: { ready: number; total: number };
}

const nonNegative = (v: unknown) => {
  const n = num(v);
  return n !== undefined && n >= 0 ? n : undefined;
};

function normalizeUsage(v: unknown): ContainerUsage | undefined {
  if (!isObject<WireContainerUsage>(v)) return undefined;
  const blobCount = nonNegative(v.blobCount);
  const bytes = nonNegative(v.bytes);
  if (blobCount === undefined || bytes === undefined) return undefined;
  return { blobCount, bytes, newestAt: toEpochMs(v.newestAt), truncated: v.truncated === true, countedAt: toEpochMs(v.countedAt) };
}

function normalizeStoredDatabase(v: unknown): StoredDatabase | undefined {
  if (!isObject<WireStoredDatabase>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  return { name, files: nonNegative(v.files) ?? 0, bytes: nonNegative(v.bytes) ?? 0, newestAt: toEpochMs(v.newestAt), ready: v.ready === true };
}

function normalizeContainer(v: unknown): BlobContainer | undefined {
  if (!isObject<BlobContainerSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const usage = normalizeUsage(v.usage);
  const problem = isObject<NonNullable<BlobContainerSummary['usageProblem']>>(v.usageProblem) ? v.usageProblem : undefined;
  return {
    name,
    publicAccess: str(v.publicAccess),
    lastModifiedAt: toEpochMs(v.lastModifiedAt),
    usage,
    // a usage without a reason for its absence is still being counted
    usageProblem: usage ? undefined : { code: str(problem?.code) ?? 'calculating', message: str(problem?.message) },
    databases: Array.isArray(v.databases) ? listOf(v.databases, normalizeStoredDatabase) : undefined,
  };
}

function normalizeAccount(v: unknown): StorageAccount | undefined {
  if (!isObject<StorageAccountSummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  return {
    name,
    location: str(v.location),
    sku: str(v.sku),
    kind: str(v.kind),
    hierarchicalNamespace: bool(v.hierarchicalNamespace),
    publicNetworkAccess: str(v.publicNetworkAccess),
    allowBlobPublicAccess: bool(v.allowBlobPublicAccess),
    minimumTlsVersion: str(v.minimumTlsVersion),
    blobEndpoint: str(v.blobEndpoint),
    containers: listOf(v.containers, normalizeContainer),
    degraded: normalizeDegraded(v.degraded),
  };
}

export function normalizeStorage(v: unknown): StorageView {
  const o = isObject<StorageOverview>(v) ? v : {};
  const accounts = listOf(o.accounts, normalizeAccount);
  const sent = isObject<StorageOverview['databases']>(o.databases) ? o.databases : {};
  // the server's summary; the containers' own databases when it sent none
  const listed = accounts.flatMap((a) => a.containers.flatMap((c) => c.databases ?? []));
  return {
    accounts,
    databases: { ready: nonNegative(sent.ready) ?? listed.filter((d) => d.ready).length, total: nonNegative(sent.total) ?? listed.length },
  };
}

/** Public network access "Enabled" (any case): the account answers from any network. */
export const isPubliclyReachable = (account: StorageAccount) => account.publicNetworkAccess?.toLowerCase() === 'enabled';
