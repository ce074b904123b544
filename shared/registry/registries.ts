// The ARM half of the registry card: a scope's container registries (list by resource group) and each registry's
// runs, read through the registry client's own authenticated pipeline (the runs API is not in its SDK).
import { describeFailure } from '../errors.js';
import type { Degraded, RegistrySummary } from '../wire/index.js';
import type { RegistryArm } from './clients.js';

/** The runs list's api-version: the only one that has it. */
export const RUNS_API_VERSION = '2019-06-01-preview';
/** Runs of a registry read (newest first, as ACR lists them): the images being built are among the latest. */
const RUNS_READ = 50;

/** A registry as ARM lists it: the summary's own fields, without what its repositories and runs add. */
export type ListedRegistry = Pick<RegistrySummary, 'name' | 'location' | 'loginServer' | 'sku' | 'adminUserEnabled' | 'publicNetworkAccess'>;

/** A run that is pushing images now. */
export interface ActiveRun {
  id: string;
  status: string;
  startedAt: string | null;
  /** "repo:tag" */
  images: string[];
}

const ACTIVE = new Set(['Queued', 'Started', 'Running']);

export async function listRegistries(arm: RegistryArm, resourceGroup: string, signal: AbortSignal): Promise<ListedRegistry[]> {
  const registries: ListedRegistry[] = [];
  for await (const registry of arm.client.registries.listByResourceGroup(resourceGroup, { abortSignal: signal })) {
    if (!registry.name || !registry.loginServer) continue;
    registries.push({
      name: registry.name,
      location: registry.location,
      loginServer: registry.loginServer,
      sku: registry.sku.name,
      adminUserEnabled: registry.adminUserEnabled ?? false,
      publicNetworkAccess: registry.publicNetworkAccess ?? 'Enabled',
    });
  }
  return registries.sort((a, b) => a.name.localeCompare(b.name));
}

/** The rest-level client's `path(…).get(…)`, as far as the runs call uses it (its own typing is a resource map). */
type RestPath = (
  template: string,
  ...parameters: string[]
) => {
  get(options: { abortSignal: AbortSignal; queryParameters: Record<string, string | number> }): Promise<{ status: string; body: unknown }>;
};

interface RunsPage {
  value?: Array<{
    name?: string;
    properties?: { runId?: string; status?: string; startTime?: string; createTime?: string; outputImages?: Array<{ repository?: string; tag?: string }> };
  }>;
}

/** The registry's queued or running runs and the images they push; a failure is a degraded part, not the card's. */
export async function listActiveRuns(arm: RegistryArm, resourceGroup: string, registry: string, signal: AbortSignal): Promise<ActiveRun[] | Degraded> {
  try {
    const path = arm.context.path.bind(arm.context) as RestPath;
    const response = await path(
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}/runs',
      arm.context.subscriptionId,
      resourceGroup,
      registry,
    ).get({ abortSignal: signal, queryParameters: { 'api-version': RUNS_API_VERSION, $top: RUNS_READ } });
    if (response.status !== '200') {
      const message = (response.body as { error?: { message?: string } } | undefined)?.error?.message ?? `ARM answered ${response.status}`;
      return { source: `arm:registries/runs:${registry}`, status: Number(response.status), message };
    }
    return ((response.body as RunsPage).value ?? []).flatMap((run) => {
      const p = run.properties ?? {};
      if (!p.status || !ACTIVE.has(p.status)) return [];
      const images = (p.outputImages ?? []).flatMap((image) => (image.repository && image.tag ? [`${image.repository}:${image.tag}`] : []));
      return [{ id: p.runId ?? run.name ?? 'unknown', status: p.status, startedAt: p.startTime ?? p.createTime ?? null, images }];
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    return { source: `arm:registries/runs:${registry}`, status: typeof status === 'number' ? status : 502, message: describeFailure(error).message };
  }
}
