// The ARM half of the storage card: a scope's storage accounts (list by resource group) and each account's blob
// containers, read in parallel. One account whose containers cannot be listed is a degraded part of that account;
// the others stand.
import type { StorageManagementClient } from '@azure/arm-storage';
import { forEachLimited } from '../concurrency.js';
import { describeFailure } from '../errors.js';
import type { BlobContainerSummary, Degraded, StorageAccountSummary } from '../wire/index.js';

/** A blob container as ARM lists it (its usage is a reading of its own). */
export type ListedContainer = Pick<BlobContainerSummary, 'name' | 'publicAccess' | 'lastModifiedAt'>;

/** A storage account as ARM lists it, with its containers: the overview reading, stored under the scope's key. */
export type ListedAccount = Omit<StorageAccountSummary, 'containers'> & { containers: ListedContainer[] };

/** Accounts whose containers are listed at once. */
const ACCOUNTS_IN_PARALLEL = 8;

const iso = (value: Date | string | undefined | null): string | null => (value ? new Date(value).toISOString() : null);

/** The part an account's failed container listing shows as. */
function listingFailure(account: string, error: unknown): Degraded {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const { message } = describeFailure(error);
  return {
    source: `arm:blobContainers:${account}`,
    status: typeof status === 'number' ? status : 502,
    message:
      status === 403
        ? `The app's identity may not list the containers of ${account} (Microsoft.Storage/storageAccounts/blobServices/containers/read)`
        : message,
  };
}

export async function listStorageAccounts(client: StorageManagementClient, resourceGroup: string, signal: AbortSignal): Promise<ListedAccount[]> {
  const accounts: ListedAccount[] = [];
  for await (const account of client.storageAccounts.listByResourceGroup(resourceGroup, { abortSignal: signal })) {
    if (!account.name) continue;
    // The public setting is absent on accounts created before it existed: Azure treats those as Enabled.
    const publicNetworkAccess = account.publicNetworkAccess ?? 'Enabled';
    accounts.push({
      name: account.name,
      location: account.location,
      sku: account.sku?.name ?? 'unknown',
      kind: account.kind ?? 'unknown',
      hierarchicalNamespace: account.isHnsEnabled ?? false,
      publicNetworkAccess,
      allowBlobPublicAccess: account.allowBlobPublicAccess ?? false,
      minimumTlsVersion: account.minimumTlsVersion ?? null,
      blobEndpoint: account.primaryEndpoints?.blob ?? null,
      containers: [],
      degraded: [],
    });
  }
  accounts.sort((a, b) => a.name.localeCompare(b.name));
  await forEachLimited(accounts, ACCOUNTS_IN_PARALLEL, async (account) => {
    try {
      for await (const container of client.blobContainers.list(resourceGroup, account.name, { abortSignal: signal })) {
        if (!container.name || container.deleted) continue;
        account.containers.push({ name: container.name, publicAccess: container.publicAccess ?? 'None', lastModifiedAt: iso(container.lastModifiedTime) });
      }
      account.containers.sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      if (signal.aborted) throw error; // the whole reading ran out of time: not one account's fault
      account.degraded.push(listingFailure(account.name, error));
    }
  });
  return accounts;
}
