// The storage card's clients, built once by the composition root: one ARM storage client per subscription (the same
// endpoint, trust, retries, deadline and call lines as the AKS client) and one blob service client per account's blob
// endpoint, signed in with the app's credential (in Azure its managed identity: Storage Blob Data Reader; against the
// simulator the static token for https://storage.azure.com). No account key or SAS is ever used or logged.
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { armClientOptions, hardenArmPipeline, perSubscription, type ArmClientSettings, type ArmRetryBounds } from '../azure/arm.js';
import { dataPlaneAgent } from '../azure/dataPlane.js';
import type { UpstreamCallLog } from '../observability/upstreamLog.js';

export function createStorageArmFactory(
  settings: ArmClientSettings,
  credential: TokenCredential,
  bounds: ArmRetryBounds,
  logCall?: UpstreamCallLog,
): (subscriptionId: string) => StorageManagementClient {
  return perSubscription((subscriptionId) => {
    const client = new StorageManagementClient(credential, subscriptionId, armClientOptions(settings));
    hardenArmPipeline(client.pipeline, settings, bounds, logCall);
    return client;
  });
}

/** One blob service client per blob endpoint, sharing one keep-alive agent that trusts TRUSTED_CA. */
export function createBlobClientFactory(settings: Pick<ArmClientSettings, 'azure'>, credential: TokenCredential): (blobEndpoint: string) => BlobServiceClient {
  const agent = dataPlaneAgent(settings);
  const clients = new Map<string, BlobServiceClient>();
  return (blobEndpoint) => {
    let client = clients.get(blobEndpoint);
    if (!client) {
      // `agent` is a core-rest-pipeline option the storage SDK passes on but does not declare. One retry: a poll
      // never waits on a count, and the next count retries anyway.
      const options = { retryOptions: { maxTries: 2 }, agent } as StoragePipelineOptions;
      client = new BlobServiceClient(blobEndpoint, credential, options);
      clients.set(blobEndpoint, client);
    }
    return client;
  };
}
