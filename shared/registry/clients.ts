// The registry card's clients, built once by the composition root: per subscription the ARM registry client and a
// rest-level context of the same package for the runs (its v12 SDK has no runs client: the runs list lives only in
// api-version 2019-06-01-preview), both with the AKS client's endpoint, trust, retries, deadline and call lines; and
// one data-plane client per login server, signed in with the app's credential through ACR's own token exchange
// (an Entra token for ARM's audience → ACR refresh token → access token per scope). No admin user, no password.
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { createContainerRegistryManagement, type ContainerRegistryManagementContext } from '@azure/arm-containerregistry/api';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerRegistryClient } from '@azure/container-registry';
import { armClientOptions, hardenArmPipeline, perSubscription, type ArmClientSettings, type ArmRetryBounds } from '../azure/arm.js';
import { dataPlaneAgent, dataPlanePolicy } from '../azure/dataPlane.js';
import type { UpstreamCallLog } from '../observability/upstreamLog.js';

export interface RegistryArm {
  client: ContainerRegistryManagementClient;
  /** For the calls the client lacks (runs), through the same authenticated pipeline. */
  context: ContainerRegistryManagementContext;
}

export function createRegistryArmFactory(
  settings: ArmClientSettings,
  credential: TokenCredential,
  bounds: ArmRetryBounds,
  logCall?: UpstreamCallLog,
): (subscriptionId: string) => RegistryArm {
  return perSubscription((subscriptionId) => {
    const client = new ContainerRegistryManagementClient(credential, subscriptionId, armClientOptions(settings));
    hardenArmPipeline(client.pipeline, settings, bounds, logCall);
    const context = createContainerRegistryManagement(credential, subscriptionId, armClientOptions(settings));
    hardenArmPipeline(context.pipeline, settings, bounds, logCall);
    return { client, context };
  });
}

/**
 * One data-plane client per login server, sharing one keep-alive agent that trusts TRUSTED_CA. The Entra token is
 * asked for ARM's audience (ARM_ENDPOINT: the public cloud's, a sovereign cloud's, or the simulator's), as ACR expects.
 */
export function createRegistryClientFactory(
  settings: ArmClientSettings,
  credential: TokenCredential,
  logCall?: UpstreamCallLog,
): (loginServer: string) => ContainerRegistryClient {
  const agent = dataPlaneAgent(settings);
  const audience = settings.azure.armEndpoint.replace(/\/+$/, '');
  const clients = new Map<string, ContainerRegistryClient>();
  return (loginServer) => {
    let client = clients.get(loginServer);
    if (!client) {
      client = new ContainerRegistryClient(`https://${loginServer}`, credential, {
        audience,
        agent,
        retryOptions: { maxRetries: 1 },
        additionalPolicies: [{ policy: dataPlanePolicy(`acr:${loginServer}`, settings.upstream.timeoutMs, logCall), position: 'perRetry' }],
      });
      clients.set(loginServer, client);
    }
    return client;
  };
}
