// GET /api/monitor/subscriptions: the allowed subscriptions by display name (ARM's subscription list, one cached
// reading for the app, kept SUBSCRIPTION_NAMES_TTL_SECONDS), ETag and 304 included. The fleet answer carries the same.
import { conditionalAnswer, type CacheSettings } from '../shared/http/conditional.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { SubscriptionService } from '../shared/subscriptions/service.js';
import type { HttpFunctionDefinition } from './definition.js';

export function subscriptionFunctions(deps: {
  pipeline: HttpPipeline;
  subscriptions: SubscriptionService;
  cache: CacheSettings;
  ttlSeconds: number;
}): HttpFunctionDefinition[] {
  const { pipeline, subscriptions, cache, ttlSeconds } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorSubscriptions',
      route: 'monitor/subscriptions',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read' }, async ({ request }) => {
        const answer = await subscriptions.read(pipeline.auth.allowedScopes);
        return conditionalAnswer(request, answer, { ttlSeconds, swrSeconds: cache.swrSeconds });
      }),
    },
  ];
}
