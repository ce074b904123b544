// ARM's resource group list of a subscription (GET /subscriptions/{sub}/resourcegroups), sent through a
// ContainerServiceClient's own pipeline: its credential, TLS trust, bounded retries, deadline and call log. No
// installed SDK lists resource groups (@azure/arm-resources would); this is the one call the app needs of it.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { createDefaultHttpClient, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

const RESOURCES_API_VERSION = '2021-04-01';
/** Pages followed at most (ARM pages hold up to 1,000 resource groups; a subscription holds at most 980). */
const MAX_PAGES = 20;

let httpClient: ReturnType<typeof createDefaultHttpClient> | undefined;

/** The names of the subscription's resource groups, as ARM spells them, sorted; ARM's failures as RestErrors. */
export async function listResourceGroupNames(
  client: ContainerServiceClient,
  armEndpoint: string,
  subscriptionId: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  httpClient ??= createDefaultHttpClient();
  const origin = new URL(armEndpoint).origin;
  const names: string[] = [];
  let url: string | undefined =
    `${armEndpoint.replace(/\/+$/, '')}/subscriptions/${encodeURIComponent(subscriptionId)}/resourcegroups?api-version=${RESOURCES_API_VERSION}`;
  for (let pages = 0; url !== undefined && pages < MAX_PAGES; pages++) {
    const request = createPipelineRequest({ url, method: 'GET', abortSignal });
    const response = await client.pipeline.sendRequest(httpClient, request);
    if (response.status !== 200) {
      throw new RestError(`ARM answered ${response.status} to the resource group list`, { statusCode: response.status, request, response });
    }
    const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: Array<{ name?: unknown }>; nextLink?: unknown };
    for (const group of body.value ?? []) if (typeof group.name === 'string') names.push(group.name);
    // A next page is asked of ARM itself only: the bearer token goes nowhere else.
    url = typeof body.nextLink === 'string' && URL.canParse(body.nextLink) && new URL(body.nextLink).origin === origin ? body.nextLink : undefined;
  }
  return names.sort((a, b) => a.localeCompare(b));
}
