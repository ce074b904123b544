// The fleet overview: every scope the caller may see, each read through the monitor cache (the same one cached
// reading per scope that the scope view polls), all at once, so a fleet tick costs about one scope read. A failing
// scope degrades alone. Subscription-wide scopes ({subscriptionId}/*) are expanded to their resource groups with
// ARM's list-by-subscription, cached under the subscription's own key (monitor:aks:{sub}:*), and then read per
// resource group like any other scope, so purges and transitions keep working per resource group.
// The subscriptions' display names (shared/subscriptions: one cached reading for the app) are read beside the scopes,
// in parallel; names that cannot be read leave the ids standing, and a degraded part says so.
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { clusterListKey, type MonitorCache } from '../cache/index.js';
import { ALL_RESOURCE_GROUPS } from '../config.js';
import { describeFailure } from '../errors.js';
import { answerEtag, weakEtagOf } from '../readingVersion.js';
import type { Degraded } from '../k8s/index.js';
import type { Scope } from '../scope.js';
import type { MonitorService } from '../monitor/service.js';
import { SUBSCRIPTIONS_SOURCE, SubscriptionService } from '../subscriptions/service.js';
import type { SubscriptionSummary } from '../wire/index.js';
import { fleetStateOf, type FleetState, type FleetScope, type FleetResponse } from '../wire/index.js';
export { fleetStateOf, type FleetState, type FleetScope, type FleetResponse };

/** The resource group of an ARM resource id (its spelling in ARM). */
function resourceGroupOf(id: string | undefined): string | undefined {
  return /\/resourceGroups\/([^/]+)\//i.exec(id ?? '')?.[1];
}

/** The fleet answer's ETag, carried beside it as a hidden property (JSON and test equality skip it). */
const FLEET_ETAG = Symbol('fleetEtag');

/**
 * The weak ETag of a fleet answer: one name over each scope's own tag (its reading's content version, so its
 * clusters and their transitions, and its degraded parts) and the fleet's degraded parts. Undefined while a scope's
 * reading could not be kept in Table Storage (it has no tag of its own).
 */
export function fleetEtagOf(fleet: FleetResponse): string | undefined {
  return (fleet as { [FLEET_ETAG]?: string })[FLEET_ETAG];
}

function degradedOfError(source: string, error: unknown): Degraded {
  const failure = describeFailure(error);
  return failure.status === 500 ? { source, status: 500, message: 'could not be read' } : { source, ...failure };
}

export interface FleetDeps {
  cache: MonitorCache;
  monitor: MonitorService;
  arm: (subscriptionId: string) => ContainerServiceClient;
  upstreamTimeoutMs: number;
  /** The subscriptions' display names; without it every scope is named by its subscription id. */
  subscriptions?: SubscriptionService;
}

export class FleetService {
  constructor(private readonly deps: FleetDeps) {}

  /** The resource groups of a subscription that hold AKS clusters, through the cache (one ARM listing per TTL). */
  async resourceGroupsOf(subscriptionId: string): Promise<string[]> {
    const key = clusterListKey({ subscriptionId, resourceGroup: ALL_RESOURCE_GROUPS });
    const read = await this.deps.cache.read(key, () => this.listResourceGroups(subscriptionId));
    return read.value;
  }

  /** ARM's list-by-subscription (the SDK follows nextLink), grouped by resource group. */
  async listResourceGroups(subscriptionId: string): Promise<string[]> {
    const groups = new Map<string, string>();
    const abortSignal = AbortSignal.timeout(this.deps.upstreamTimeoutMs);
    for await (const cluster of this.deps.arm(subscriptionId).managedClusters.list({ abortSignal })) {
      const group = resourceGroupOf(cluster.id);
      if (group && !groups.has(group.toLowerCase())) groups.set(group.toLowerCase(), group);
    }
    return [...groups.values()].sort((a, b) => a.localeCompare(b));
  }

  /** Every allowed scope, subscription-wide entries expanded; each scope read in parallel, failing alone. */
  async read(allowed: readonly Scope[]): Promise<FleetResponse> {
    const named = this.subscriptionNames(allowed);
    const degraded: Degraded[] = [];
    const expanded = await Promise.all(
      allowed.map(async (scope): Promise<Scope[]> => {
        if (scope.resourceGroup !== ALL_RESOURCE_GROUPS) return [scope];
        try {
          return (await this.resourceGroupsOf(scope.subscriptionId)).map((resourceGroup) => ({ subscriptionId: scope.subscriptionId, resourceGroup }));
        } catch (error) {
          degraded.push(degradedOfError(`arm:managedClusters:${scope.subscriptionId}/*`, error));
          return [];
        }
      }),
    );
    const seen = new Set<string>();
    const scopes = expanded.flat().filter((scope) => {
      const key = clusterListKey(scope);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const [tagged, names] = await Promise.all([Promise.all(scopes.map((scope) => this.readScope(scope))), named]);
    degraded.push(...names.degraded);
    const nameOf = new Map(names.subscriptions.map((sub) => [sub.subscriptionId.toLowerCase(), sub.displayName]));
    const read: FleetScope[] = tagged.map(({ scope }) => ({ ...scope, subscriptionName: nameOf.get(scope.subscriptionId.toLowerCase()) ?? null }));
    const totals: FleetResponse['totals'] = { running: 0, stopped: 0, transitioning: 0, failed: 0, clusters: 0, scopes: read.length };
    for (const scope of read) {
      for (const cluster of scope.clusters) {
        totals[fleetStateOf(cluster)]++;
        totals.clusters++;
      }
    }
    const fleet: FleetResponse = { scopes: read, totals, subscriptions: names.subscriptions, degraded };
    const tags = tagged.map(({ scope, tag }) => [scope.subscriptionId, scope.resourceGroup, tag]);
    if (tagged.every(({ tag }) => tag !== undefined)) {
      Object.defineProperty(fleet, FLEET_ETAG, { value: weakEtagOf([tags, names.subscriptions, degraded]), enumerable: false });
    }
    return fleet;
  }

  /** The allowed subscriptions by name; a failure to read them names none and says why. */
  private async subscriptionNames(allowed: readonly Scope[]): Promise<{ subscriptions: SubscriptionSummary[]; degraded: Degraded[] }> {
    if (!this.deps.subscriptions) return { subscriptions: SubscriptionService.byIdOnly(allowed), degraded: [] };
    try {
      const answer = await this.deps.subscriptions.read(allowed);
      return { subscriptions: answer.data ?? [], degraded: answer.degraded };
    } catch (error) {
      return { subscriptions: SubscriptionService.byIdOnly(allowed), degraded: [degradedOfError(SUBSCRIPTIONS_SOURCE, error)] };
    }
  }

  /** One scope's cluster list and its tag (a scope that failed is named by its failure). */
  private async readScope(scope: Scope): Promise<{ scope: Omit<FleetScope, 'subscriptionName'>; tag: string | undefined }> {
    const base = { subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup };
    try {
      const list = await this.deps.monitor.readClusterList(scope);
      const clusters = list.data ?? [];
      const read = { ...base, clusters, cache: list.cache, degraded: list.degraded, transitionCount: clusters.filter((c) => c.transition).length };
      return { scope: read, tag: answerEtag(list) };
    } catch (error) {
      const degraded = [degradedOfError('arm:managedClusters', error)];
      return { scope: { ...base, clusters: [], cache: null, degraded, transitionCount: 0 }, tag: weakEtagOf(['failed', degraded]) };
    }
  }
}
