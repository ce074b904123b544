// Subscription display names: ARM's subscription list (every subscription the app's identity can see, with its name,
// state and tenant) as one cached reading for the whole app (monitor:subs:*:*), kept SUBSCRIPTION_NAMES_TTL_SECONDS:
// one ARM call per TTL whatever the number of viewers, and the refresh timer keeps it fresh while it is read. Answers
// name only the allowed subscriptions; one the list does not show keeps its id, and a degraded part says why.
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import { armClientOptions, hardenArmPipeline, type ArmClientSettings, type ArmRetryBounds } from '../azure/arm.js';
import { subscriptionListKey, type MonitorCache, type ParsedKey } from '../cache/index.js';
import { isUpstreamFault } from '../errors.js';
import type { ResourceOwner, ResourceRefresher } from '../monitor/refresh.js';
import { cacheOf, degradedOf, faultPart } from '../monitor/service.js';
import type { UpstreamCallLog } from '../observability/upstreamLog.js';
import { withReadingVersion } from '../readingVersion.js';
import type { Scope } from '../scope.js';
import type { Degraded, SubscriptionSummary, SubscriptionsResponse } from '../wire/index.js';

export const SUBSCRIPTIONS_SOURCE = 'arm:subscriptions';

/** The subscriptions client, with the AKS client's endpoint, trust, retries, deadline and call lines. */
export function createSubscriptionClient(
  settings: ArmClientSettings,
  credential: TokenCredential,
  bounds: ArmRetryBounds,
  logCall?: UpstreamCallLog,
): SubscriptionClient {
  const client = new SubscriptionClient(credential, armClientOptions(settings));
  hardenArmPipeline(client.pipeline, settings, bounds, logCall);
  return client;
}

export interface SubscriptionDeps {
  cache: MonitorCache;
  client: SubscriptionClient;
  settings: { ttlSeconds: number; upstreamTimeoutMs: number };
}

/** What an answer names when the list does not show a subscription: its id alone. */
const unnamed = (subscriptionId: string): SubscriptionSummary => ({ subscriptionId, displayName: null, state: null, tenantId: null });

function notListed(subscriptionId: string): Degraded {
  return {
    source: SUBSCRIPTIONS_SOURCE,
    status: 404,
    message: `subscription ${subscriptionId} is not among those the app's identity can list (it needs a role on it): shown by its id`,
  };
}

/** The subscriptions of ALLOWED_SCOPES, once each, in their order. */
export function allowedSubscriptionIds(allowed: readonly Scope[]): string[] {
  const ids = new Map<string, string>();
  for (const { subscriptionId } of allowed) if (!ids.has(subscriptionId.toLowerCase())) ids.set(subscriptionId.toLowerCase(), subscriptionId);
  return [...ids.values()];
}

export class SubscriptionService implements ResourceOwner {
  constructor(private readonly deps: SubscriptionDeps) {}

  /** ARM's subscription list (the SDK follows nextLink). */
  async fetchList(): Promise<SubscriptionSummary[]> {
    const listed: SubscriptionSummary[] = [];
    const abortSignal = AbortSignal.timeout(this.deps.settings.upstreamTimeoutMs);
    for await (const sub of this.deps.client.subscriptions.list({ abortSignal })) {
      if (!sub.subscriptionId) continue;
      listed.push({ subscriptionId: sub.subscriptionId, displayName: sub.displayName ?? null, state: sub.state ?? null, tenantId: sub.tenantId ?? null });
    }
    return listed;
  }

  /**
   * The allowed subscriptions by name, through the cache. Throws only when nothing is stored and ARM fails; a stored
   * list is served over an ARM fault (degraded).
   */
  async read(allowed: readonly Scope[]): Promise<SubscriptionsResponse> {
    const read = await this.deps.cache.read(subscriptionListKey(), () => this.fetchList(), {
      ttlSeconds: this.deps.settings.ttlSeconds,
      serveStaleOnError: isUpstreamFault,
      failureParts: (error) => {
        const part = faultPart(error, SUBSCRIPTIONS_SOURCE);
        return part ? [part] : undefined;
      },
      writeBehind: true,
    });
    const byId = new Map(read.value.map((sub) => [sub.subscriptionId.toLowerCase(), sub]));
    const ids = allowedSubscriptionIds(allowed);
    const data = ids.map((id) => byId.get(id.toLowerCase()) ?? unnamed(id));
    const degraded = [...degradedOf(read, SUBSCRIPTIONS_SOURCE), ...ids.filter((id) => !byId.has(id.toLowerCase())).map(notListed)];
    return withReadingVersion({ data, cache: cacheOf(read, degraded), degraded }, read.version);
  }

  /** The allowed subscriptions unnamed, for an answer whose names could not be read at all. */
  static byIdOnly(allowed: readonly Scope[]): SubscriptionSummary[] {
    return allowedSubscriptionIds(allowed).map(unnamed);
  }

  refresherFor(work: ParsedKey): ResourceRefresher | undefined {
    if (work.kind !== 'subscriptions') return undefined;
    return { minAgeSeconds: this.deps.settings.ttlSeconds, fetch: () => this.fetchList() };
  }
}
