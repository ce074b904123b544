// The storage card: a scope's storage accounts and blob containers (ARM, one reading under the scope's key with the
// normal TTL) and each container's usage (the blob data plane, one reading per container with its own, longer TTL).
// A poll never waits on a listing: a container counted for the first time answers "calculating" while its count
// runs in the background, through the cache's own fill (so generation rows guard it as any other reading).
import { createHash } from 'node:crypto';
import type { StorageManagementClient } from '@azure/arm-storage';
import type { BlobServiceClient } from '@azure/storage-blob';
import { containerUsageKey, storageOverviewKey, type CacheRead, type MonitorCache, type ParsedKey, type ReadOptions } from '../cache/index.js';
import { forEachLimited } from '../concurrency.js';
import { isUpstreamFault } from '../errors.js';
import { cacheOf, degradedOf, faultPart } from '../monitor/service.js';
import { withReadingVersion } from '../readingVersion.js';
import type { ResourceOwner, ResourceRefresher } from '../monitor/refresh.js';
import type { UpstreamCallLog } from '../observability/upstreamLog.js';
import type { Scope } from '../scope.js';
import type { BlobContainerSummary, Degraded, MonitorResponse, StorageAccountSummary, StorageOverview } from '../wire/index.js';
import { listStorageAccounts, type ListedAccount } from './accounts.js';
import { countContainer, MAX_PAGE_SIZE, REFUSALS, type UsageReading } from './usage.js';

export interface StorageSettings {
  /** The overview's TTL (MONITOR_CACHE_TTL_SECONDS); a refused count is re-checked this often too. */
  ttlSeconds: number;
  upstreamTimeoutMs: number;
  usageMaxBlobs: number;
  usageTtlSeconds: number;
  databaseContainer: string;
}

export interface StorageDeps {
  cache: MonitorCache;
  arm: (subscriptionId: string) => StorageManagementClient;
  /** The blob service client of an account's blob endpoint (built once per endpoint). */
  blobs: (blobEndpoint: string) => BlobServiceClient;
  settings: StorageSettings;
  now?: () => number;
  logCall?: UpstreamCallLog;
  log?: (line: string) => void;
}

/** Container usages read from the table at once (each one point read; counts start in the background). */
const USAGE_READS_IN_PARALLEL = 16;

const SOURCE = 'arm:storageAccounts';
const CALCULATING = { code: 'calculating', message: 'Counting its blobs for the first time; the next poll shows them.' } as const;

/** One container's usage as a poll sees it: a stored reading, or a count under way. */
type UsageSlot = { read: CacheRead<UsageReading> } | { calculating: true } | { noEndpoint: true };

const accountsDegraded = (accounts: readonly ListedAccount[]): Degraded[] => accounts.flatMap((account) => account.degraded);
/** A refused count is an answer (kept); anything else that failed is a degraded reading, retried soon. */
const isRefusal = (reading: UsageReading) => (REFUSALS as readonly string[]).includes(reading.problem?.code ?? '');
const usageDegradedParts = (reading: UsageReading): Degraded[] => (reading.degraded && !isRefusal(reading) ? [reading.degraded] : []);

export class StorageService implements ResourceOwner {
  private readonly now: () => number;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly deps: StorageDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The scope's storage accounts and their containers, from ARM. */
  fetchOverview(scope: Scope): Promise<ListedAccount[]> {
    const client = this.deps.arm(scope.subscriptionId);
    return listStorageAccounts(client, scope.resourceGroup, AbortSignal.timeout(this.deps.settings.upstreamTimeoutMs));
  }

  /** Counts one container through the account's blob endpoint; the database container also answers its databases. */
  fetchUsage(account: string, blobEndpoint: string, container: string): Promise<UsageReading> {
    const { settings, logCall } = this.deps;
    // Each page is one call: the deadline grows with the pages the bound allows.
    const pages = Math.ceil(settings.usageMaxBlobs / MAX_PAGE_SIZE);
    return countContainer(this.deps.blobs(blobEndpoint).getContainerClient(container), {
      maxBlobs: settings.usageMaxBlobs,
      databases: container === settings.databaseContainer,
      account,
      signal: AbortSignal.timeout(settings.upstreamTimeoutMs * pages),
      now: this.now,
      ...(logCall ? { logCall } : {}),
    });
  }

  async readOverview(scope: Scope): Promise<MonitorResponse<StorageOverview>> {
    const read = await this.deps.cache.read(storageOverviewKey(scope), () => this.fetchOverview(scope), {
      serveStaleOnError: isUpstreamFault,
      failureParts: (error) => {
        const part = faultPart(error, SOURCE);
        return part ? [part] : undefined;
      },
      degradedParts: accountsDegraded,
      writeBehind: true,
    });
    const accounts = read.value;
    const slots = accounts.flatMap((account) => account.containers.map((container) => ({ account, container })));
    const usages: UsageSlot[] = new Array<UsageSlot>(slots.length);
    await forEachLimited([...slots.keys()], USAGE_READS_IN_PARALLEL, async (i) => {
      const { account, container } = slots[i]!;
      usages[i] = account.blobEndpoint ? await this.readUsage(scope, account.name, account.blobEndpoint, container.name) : { noEndpoint: true };
    });

    let next = 0;
    const summaries: StorageAccountSummary[] = accounts.map(({ containers, degraded, ...account }) => {
      const refused: Degraded[] = [];
      const summarised = containers.map((container) => {
        const slot = usages[next++]!;
        if ('read' in slot && slot.read.value.degraded) refused.push(slot.read.value.degraded);
        return this.containerSummary(container, slot);
      });
      return { ...account, containers: summarised, degraded: [...degraded, ...refused] };
    });
    const databases = summaries.flatMap((account) => account.containers.flatMap((container) => container.databases ?? []));
    const degraded = [...degradedOf(read, SOURCE), ...summaries.flatMap((account) => account.degraded)];
    const answer: MonitorResponse<StorageOverview> = {
      data: { accounts: summaries, databases: { ready: databases.filter((db) => db.ready).length, total: databases.length } },
      cache: cacheOf(read, degraded),
      degraded,
    };
    return withReadingVersion(answer, answerVersion(read.version, usages));
  }

  /** True when some container of this answer is still being counted: the answer is worth re-reading at once. */
  static isCalculating(answer: MonitorResponse<StorageOverview>): boolean {
    return (answer.data?.accounts ?? []).some((account) => account.containers.some((container) => container.usageProblem?.code === CALCULATING.code));
  }

  /** How the refresh timer refreshes a key of this service (undefined: not one of its keys). */
  refresherFor(work: ParsedKey): ResourceRefresher | undefined {
    const { settings, cache } = this.deps;
    if (work.kind === 'storage') {
      return { minAgeSeconds: settings.ttlSeconds, fetch: () => this.fetchOverview(work.scope), degradedParts: (v) => accountsDegraded(v as ListedAccount[]) };
    }
    if (work.kind !== 'storage-usage') return undefined;
    return {
      minAgeSeconds: settings.usageTtlSeconds,
      degradedParts: (v) => usageDegradedParts(v as UsageReading),
      fetch: async () => {
        // The account's endpoint comes from the overview; a container it no longer lists is not counted again.
        const accounts = (await cache.peek<ListedAccount[]>(storageOverviewKey(work.scope)))?.value ?? [];
        const account = accounts.find((a) => a.name.toLowerCase() === work.account);
        const container = account?.containers.find((c) => c.name.toLowerCase() === work.container);
        if (!account?.blobEndpoint || !container) throw new Error(`${work.account}/${work.container} is no longer listed`);
        return this.fetchUsage(account.name, account.blobEndpoint, container.name);
      },
    };
  }

  /** Resolves once every count started in the background has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.deps.cache.idle();
  }

  /**
   * A container's stored usage, or "calculating" when there is none yet: a miss is noticed as the cache admits its
   * fill (admit runs only before a fill, never on a hit), the poll is answered at once and the fill goes on.
   */
  private async readUsage(scope: Scope, account: string, blobEndpoint: string, container: string): Promise<UsageSlot> {
    const key = containerUsageKey(scope, account, container);
    const fetcher = () => this.fetchUsage(account, blobEndpoint, container);
    const { usageTtlSeconds, ttlSeconds } = this.deps.settings;
    let slot = await this.readOrStartCount(key, fetcher, usageTtlSeconds);
    // A refusal (no role, a firewall) is re-checked at the overview's TTL: a granted role shows within one TTL.
    if ('read' in slot && isRefusal(slot.read.value) && slot.read.state === 'fresh' && slot.read.ageSeconds > ttlSeconds) {
      slot = await this.readOrStartCount(key, fetcher, ttlSeconds);
    }
    return slot;
  }

  private async readOrStartCount(key: string, fetcher: () => Promise<UsageReading>, ttlSeconds: number): Promise<UsageSlot> {
    let missed!: () => void;
    const miss = new Promise<{ calculating: true }>((resolve) => (missed = () => resolve({ calculating: true })));
    const options: ReadOptions<UsageReading> = {
      ttlSeconds,
      writeBehind: true,
      degradedParts: usageDegradedParts,
      admit: () => {
        missed();
        return Promise.resolve();
      },
    };
    const reading = this.deps.cache.read(key, fetcher, options);
    const first = await Promise.race([reading.then((read) => ({ read })), miss]);
    if ('calculating' in first) this.track(key, reading);
    return first;
  }

  private track(key: string, count: Promise<unknown>): void {
    const done: Promise<void> = count.then(
      () => undefined,
      (error: unknown) => this.deps.log?.(`storage count of ${key} failed: ${String(error)}`),
    );
    this.background.add(done);
    void done.finally(() => this.background.delete(done));
  }

  private containerSummary(container: ListedAccount['containers'][number], slot: UsageSlot): BlobContainerSummary {
    if ('calculating' in slot) return { ...container, usage: null, usageProblem: { ...CALCULATING } };
    if ('noEndpoint' in slot)
      return { ...container, usage: null, usageProblem: { code: 'noBlobEndpoint', message: 'ARM shows no blob endpoint for this account.' } };
    const { usage, problem, databases } = slot.read.value;
    return { ...container, usage, ...(problem ? { usageProblem: problem } : {}), ...(databases ? { databases } : {}) };
  }
}

/** What the answer says: the overview's version and each usage's (or that it is being counted); none when uncached. */
function answerVersion(overview: string | undefined, usages: readonly UsageSlot[]): string | undefined {
  if (overview === undefined) return undefined;
  const parts = usages.map((slot) => ('read' in slot ? (slot.read.version ?? slot.read.fetchedAt) : 'calculating' in slot ? 'calculating' : 'none'));
  return createHash('sha256')
    .update(JSON.stringify([overview, parts]))
    .digest('base64url')
    .slice(0, 22);
}
