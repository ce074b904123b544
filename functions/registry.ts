// GET /api/monitor/acr: the container registry card of a scope, served from the shared cache like the cluster list
// (ETag and 304 included).
import { conditionalAnswer, type CacheSettings } from '../shared/http/conditional.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { RegistryService } from '../shared/registry/service.js';
import type { HttpFunctionDefinition } from './definition.js';

export function registryFunctions(deps: { pipeline: HttpPipeline; registry: RegistryService; cache: CacheSettings }): HttpFunctionDefinition[] {
  const { pipeline, registry, cache } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorRegistries',
      route: 'monitor/acr',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope, request }) => {
        const answer = await registry.readOverview(scope);
        return conditionalAnswer(request, answer, { ttlSeconds: cache.ttlSeconds, swrSeconds: cache.swrSeconds });
      }),
    },
  ];
}
