// The data-plane half of the registry card: the repositories of a registry (catalog) and, read in parallel, each
// one's manifests newest first with their tags, time and digest; then what the expected images are. A registry that
// refuses (401/403: no AcrPull, a firewall) is a degraded part naming the fix; the ARM half stands.
import type { ContainerRegistryClient } from '@azure/container-registry';
import type { ExpectedImageRef } from '../config.js';
import { forEachLimited } from '../concurrency.js';
import { describeFailure, statusOf, upstreamFailure } from '../errors.js';
import type { Degraded, ExpectedImage, RegistryTag } from '../wire/index.js';
import type { ActiveRun } from './registries.js';

/** Repositories whose manifests are read at once (a usual registry in one round). */
const REPOSITORIES_IN_PARALLEL = 32;
/** Catalog and manifest pages (100 each) read at most: a registry of thousands is summarised by its newest. */
const PAGE_SIZE = 100;
const MAX_CATALOG_PAGES = 10;
const MAX_MANIFEST_PAGES = 5;

export interface RepositoryReading {
  name: string;
  /** Every tag read, newest first. */
  tags: RegistryTag[];
}

/** What the registry answered instead of its repositories, as a part that says what to do. */
function refusal(error: unknown, registry: string): Degraded {
  const status = statusOf(error);
  const source = `acr:${registry}`;
  if (status === 401) {
    return { source, status, message: `The app's identity lacks AcrPull on the registry ${registry}: grant it on the registry or its resource group.` };
  }
  if (status === 403) {
    return {
      source,
      status,
      message: `The registry ${registry} refuses the app: its firewall or disabled public network access (allow the Function App's outbound addresses), or on an ABAC registry the role Container Registry Repository Catalog Lister.`,
    };
  }
  if (!upstreamFailure(error)) throw error; // our own bug: not the registry's
  const failure = describeFailure(error);
  return { source, status: status ?? failure.status, message: failure.message };
}

/** The registry's repositories with their tags, or the part that could not be read. */
export async function readRepositories(client: ContainerRegistryClient, registry: string, signal: AbortSignal): Promise<RepositoryReading[] | Degraded> {
  const names: string[] = [];
  try {
    let pages = 0;
    for await (const page of client.listRepositoryNames({ abortSignal: signal }).byPage({ maxPageSize: PAGE_SIZE })) {
      names.push(...page);
      if (++pages >= MAX_CATALOG_PAGES) break;
    }
  } catch (error) {
    if (signal.aborted && statusOf(error) === undefined) throw error;
    return refusal(error, registry);
  }
  const repositories: RepositoryReading[] = names.sort().map((name) => ({ name, tags: [] }));
  let failed: Degraded | undefined;
  await forEachLimited(repositories, REPOSITORIES_IN_PARALLEL, async (repository) => {
    try {
      let pages = 0;
      const manifests = client.getRepository(repository.name).listManifestProperties({ order: 'LastUpdatedOnDescending', abortSignal: signal });
      for await (const page of manifests.byPage({ maxPageSize: PAGE_SIZE })) {
        for (const manifest of page) {
          const updatedAt = manifest.lastUpdatedOn.toISOString();
          for (const tag of manifest.tags) repository.tags.push({ name: tag, digest: manifest.digest, updatedAt });
        }
        if (++pages >= MAX_MANIFEST_PAGES) break;
      }
    } catch (error) {
      if (signal.aborted && statusOf(error) === undefined) throw error;
      failed ??= refusal(error, registry);
    }
  });
  return failed ?? repositories;
}

/** Each expected image: built when its tag is there, building when an active run pushes it, else missing. */
export function expectedImages(expected: readonly ExpectedImageRef[], repositories: readonly RepositoryReading[], runs: readonly ActiveRun[]): ExpectedImage[] {
  return expected.map(({ repository, tag }) => {
    const image = `${repository}:${tag}`;
    const found = repositories.find((r) => r.name === repository)?.tags.find((t) => t.name === tag);
    if (found) return { image, state: 'built', updatedAt: found.updatedAt, digest: found.digest };
    const run = runs.find((r) => r.images.includes(image));
    if (run) return { image, state: 'building', run: { id: run.id, status: run.status, startedAt: run.startedAt } };
    return { image, state: 'missing' };
  });
}
