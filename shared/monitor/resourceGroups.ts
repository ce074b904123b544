// Which resource groups a `{subscriptionId}/*` scope admits: those the subscription's resource group list shows, read
// through the cache (one reading per subscription, monitor:rgs:{sub}), as a cluster is admitted once the cluster list
// shows it. A name ARM does not have is refused before anything is written for it, so readers cannot multiply rows.
// Pairs named in ALLOWED_SCOPES are the operator's own and need no such check (nor the right to list groups).
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { listResourceGroupNames } from '../azure/resourceGroups.js';
import { resourceGroupListKey, type MonitorCache } from '../cache/index.js';
import { ALL_RESOURCE_GROUPS } from '../config.js';
import { isUpstreamFault, ResourceGroupNotFound } from '../errors.js';
import { oneLineError } from '../observability/redaction.js';
import type { Scope } from '../scope.js';

export interface ResourceGroupsDeps {
  cache: MonitorCache;
  arm: (subscriptionId: string) => ContainerServiceClient;
  armEndpoint: string;
  allowedScopes: readonly Scope[];
  upstreamTimeoutMs: number;
  log?: (line: string) => void;
}

const pairKey = (scope: Scope) => `${scope.subscriptionId.toLowerCase()}/${scope.resourceGroup.toLowerCase()}`;

export class ResourceGroups {
  private readonly pairs: Set<string>;
  private readonly wholeSubscriptions: Set<string>;

  constructor(private readonly deps: ResourceGroupsDeps) {
    const pairs = deps.allowedScopes.filter((s) => s.resourceGroup !== ALL_RESOURCE_GROUPS);
    this.pairs = new Set(pairs.map(pairKey));
    this.wholeSubscriptions = new Set(deps.allowedScopes.filter((s) => s.resourceGroup === ALL_RESOURCE_GROUPS).map((s) => s.subscriptionId.toLowerCase()));
  }

  /** The subscription's resource groups, through the cache (one ARM listing per TTL, refreshed by its readers). */
  async names(subscriptionId: string): Promise<string[]> {
    const { cache, arm, armEndpoint, upstreamTimeoutMs } = this.deps;
    const fetcher = () => listResourceGroupNames(arm(subscriptionId), armEndpoint, subscriptionId, AbortSignal.timeout(upstreamTimeoutMs));
    return (await cache.read(resourceGroupListKey(subscriptionId), fetcher, { serveStaleOnError: isUpstreamFault })).value;
  }

  /**
   * Resolves when the scope may be read and written for: a pair of ALLOWED_SCOPES, or a resource group the
   * subscription's list shows. Throws ResourceGroupNotFound only when the list was read and lacks it; a list that
   * cannot be read (ARM down, a role without the right to list groups) refuses nothing: what ARM says next decides.
   */
  async admit(scope: Scope): Promise<void> {
    if (this.pairs.has(pairKey(scope)) || !this.wholeSubscriptions.has(scope.subscriptionId.toLowerCase())) return;
    let names: string[];
    try {
      names = await this.names(scope.subscriptionId);
    } catch (error) {
      this.deps.log?.(`resource groups of ${scope.subscriptionId} not listed (admitting ${scope.resourceGroup}): ${oneLineError(error)}`);
      return;
    }
    const wanted = scope.resourceGroup.toLowerCase();
    if (!names.some((name) => name.toLowerCase() === wanted)) throw new ResourceGroupNotFound(scope.resourceGroup);
  }
}
