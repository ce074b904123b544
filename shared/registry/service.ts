// The registry card: a scope's container registries (ARM), each one's repositories and newest tags (the registry's
// data plane, its repositories read in parallel) and the expected images (EXPECTED_IMAGES) as built, missing or
// building (ACR runs), as one reading under the scope's key with the normal TTL. A registry whose data plane or runs
// could not be read is a degraded part of that registry; the reading then never replaces a complete one.
import type { ContainerRegistryClient } from '@azure/container-registry';
import { registryOverviewKey, type MonitorCache, type ParsedKey } from '../cache/index.js';
import { forEachLimited } from '../concurrency.js';
import type { ExpectedImageRef } from '../config.js';
import { isUpstreamFault } from '../errors.js';
import { withReadingVersion } from '../readingVersion.js';
import type { ResourceOwner, ResourceRefresher } from '../monitor/refresh.js';
import { cacheOf, degradedOf, faultPart } from '../monitor/service.js';
import type { Scope } from '../scope.js';
import type { Degraded, MonitorResponse, RegistryOverview, RegistrySummary } from '../wire/index.js';
import type { RegistryArm } from './clients.js';
import { expectedImages, readRepositories } from './images.js';
import { listActiveRuns, listRegistries, type ActiveRun, type ListedRegistry } from './registries.js';

export interface RegistrySettings {
  ttlSeconds: number;
  upstreamTimeoutMs: number;
  expectedImages: readonly ExpectedImageRef[];
  tagsPerRepository: number;
}

export interface RegistryDeps {
  cache: MonitorCache;
  arm: (subscriptionId: string) => RegistryArm;
  /** The data-plane client of a login server (built once per login server). */
  registries: (loginServer: string) => ContainerRegistryClient;
  settings: RegistrySettings;
}

const SOURCE = 'arm:registries';
/** Registries read at once (each: its runs and its data plane, themselves in parallel). */
const REGISTRIES_IN_PARALLEL = 8;

const registriesDegraded = (registries: readonly RegistrySummary[]): Degraded[] => registries.flatMap((registry) => registry.degraded);

export class RegistryService implements ResourceOwner {
  constructor(private readonly deps: RegistryDeps) {}

  /** The scope's registries, each with its repositories, runs and expected images. */
  async fetchOverview(scope: Scope): Promise<RegistrySummary[]> {
    const { settings } = this.deps;
    const signal = AbortSignal.timeout(settings.upstreamTimeoutMs);
    const arm = this.deps.arm(scope.subscriptionId);
    const listed = await listRegistries(arm, scope.resourceGroup, signal);
    const summaries: RegistrySummary[] = new Array<RegistrySummary>(listed.length);
    await forEachLimited([...listed.keys()], REGISTRIES_IN_PARALLEL, async (i) => {
      const registry = listed[i]!;
      const [runs, repositories] = await Promise.all([
        listActiveRuns(arm, scope.resourceGroup, registry.name, signal),
        readRepositories(this.deps.registries(registry.loginServer), registry.name, signal),
      ]);
      summaries[i] = this.summary(registry, runs, repositories);
    });
    return summaries;
  }

  async readOverview(scope: Scope): Promise<MonitorResponse<RegistryOverview>> {
    const read = await this.deps.cache.read(registryOverviewKey(scope), () => this.fetchOverview(scope), {
      serveStaleOnError: isUpstreamFault,
      failureParts: (error) => {
        const part = faultPart(error, SOURCE);
        return part ? [part] : undefined;
      },
      degradedParts: registriesDegraded,
      writeBehind: true,
    });
    const degraded = [...degradedOf(read, SOURCE), ...registriesDegraded(read.value)];
    return withReadingVersion({ data: { registries: read.value }, cache: cacheOf(read, degraded), degraded }, read.version);
  }

  refresherFor(work: ParsedKey): ResourceRefresher | undefined {
    if (work.kind !== 'registry') return undefined;
    return {
      minAgeSeconds: this.deps.settings.ttlSeconds,
      fetch: () => this.fetchOverview(work.scope),
      degradedParts: (value) => registriesDegraded(value as RegistrySummary[]),
    };
  }

  private summary(registry: ListedRegistry, runs: ActiveRun[] | Degraded, repositories: Awaited<ReturnType<typeof readRepositories>>): RegistrySummary {
    const { expectedImages: expected, tagsPerRepository } = this.deps.settings;
    const degraded: Degraded[] = [];
    const active = Array.isArray(runs) ? runs : (degraded.push(runs), []);
    const read = Array.isArray(repositories) ? repositories : (degraded.push(repositories), undefined);
    // Without the data plane nothing can be said of the images: none is claimed built, missing or building.
    const images = read ? expectedImages(expected, read, active) : [];
    return {
      ...registry,
      repositories: (read ?? []).map((repository) => ({
        name: repository.name,
        tags: repository.tags.slice(0, tagsPerRepository),
        tagCount: repository.tags.length,
      })),
      expectedImages: images,
      built: { built: images.filter((image) => image.state === 'built').length, expected: expected.length },
      degraded,
    };
  }
}
