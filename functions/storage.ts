// GET /api/monitor/storage: the storage card of a scope, served from the shared cache like the cluster list (ETag and
// 304 included). A container counted for the first time says "calculating": that answer is fresh for no time at all.
import { conditionalAnswer, type CacheSettings } from '../shared/http/conditional.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { StorageService } from '../shared/storage/service.js';
import type { HttpFunctionDefinition } from './definition.js';

export function storageFunctions(deps: { pipeline: HttpPipeline; storage: StorageService; cache: CacheSettings }): HttpFunctionDefinition[] {
  const { pipeline, storage, cache } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorStorage',
      route: 'monitor/storage',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope, request }) => {
        const answer = await storage.readOverview(scope);
        const ttlSeconds = StorageService.isCalculating(answer) ? 0 : cache.ttlSeconds;
        return conditionalAnswer(request, answer, { ttlSeconds, swrSeconds: cache.swrSeconds });
      }),
    },
  ];
}
