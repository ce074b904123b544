// The ARM side of start / stop / delete: begin the long-running operation, read its id from ARM's answer, and turn
// ARM's refusal into a service failure. The service (service.ts) decides what follows.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { ClusterNotFound, OperationRefused, statusOf } from '../errors.js';
import { redactText } from '../observability/redaction.js';
import type { LifecycleAction } from './transitions.js';

type RawResponse = { headers?: { get?(name: string): string | undefined | null } | Record<string, string | undefined> };

function begin(
  client: ContainerServiceClient,
  action: LifecycleAction,
  resourceGroup: string,
  cluster: string,
  abortSignal: AbortSignal,
  onResponse: (raw: RawResponse) => void,
) {
  const clusters = client.managedClusters;
  const options = { abortSignal, onResponse };
  switch (action) {
    case 'start':
      return clusters.start(resourceGroup, cluster, options);
    case 'stop':
      return clusters.stop(resourceGroup, cluster, options);
    case 'delete':
      return clusters.delete(resourceGroup, cluster, options);
  }
}

/** The operation id: the last path segment of ARM's Azure-AsyncOperation URL. */
function operationIdOf(raw: RawResponse): string | undefined {
  const headers = raw.headers;
  const value =
    typeof headers?.get === 'function'
      ? headers.get('azure-asyncoperation')
      : (headers as Record<string, string | undefined> | undefined)?.['azure-asyncoperation'];
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value).pathname.split('/').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

/** ARM's refusal as a service failure: ARM's own reason for a 409, ClusterNotFound for a 404; anything else as thrown. */
function refusal(error: unknown, cluster: string): unknown {
  const status = statusOf(error);
  if (status === 404) return new ClusterNotFound(cluster);
  if (status === 409) {
    const reason = error instanceof Error && error.message ? redactText(error.message) : 'Another operation is in progress';
    return new OperationRefused(reason, { cause: error });
  }
  return error;
}

/**
 * Sends the action to ARM and resolves once ARM accepted it (its 202, without polling: the operation runs for minutes
 * and is followed through the transition), with the operation's id when ARM named one. Throws ARM's refusal as a
 * service failure (ClusterNotFound, OperationRefused) or what the call threw.
 */
export async function submitAction(
  client: ContainerServiceClient,
  resourceGroup: string,
  cluster: string,
  action: LifecycleAction,
  abortSignal: AbortSignal,
): Promise<{ armOperationId?: string }> {
  let armOperationId: string | undefined;
  const poller = begin(client, action, resourceGroup, cluster, abortSignal, (raw) => {
    armOperationId ??= operationIdOf(raw);
  });
  try {
    await poller.submitted();
  } catch (error) {
    throw refusal(error, cluster);
  }
  // ARM answers a delete of a resource that does not exist with 204: done at once, nothing was there.
  if (action === 'delete' && poller.isDone) throw new ClusterNotFound(cluster);
  return armOperationId ? { armOperationId } : {};
}
