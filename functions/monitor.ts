// GET /api/monitor/aks and /api/monitor/aks/{cluster}/{category}: the polling reads, served from the shared cache.
// Every answer names its reading with an ETag; a poll that already holds it (If-None-Match) gets 304 and no body.
// Pods come in pages: `?continue=` (pods only) reads a later page directly, uncached.
import { conditionalAnswer, freshnessOf, type CacheSettings } from '../shared/http/conditional.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { invalidParameter } from '../shared/http/errors.js';
import { clusterName, continueToken, monitorCategory } from '../shared/http/validation.js';
import type { MonitorService } from '../shared/monitor/service.js';
import type { HttpFunctionDefinition } from './definition.js';

export function monitorFunctions(deps: { pipeline: HttpPipeline; monitor: MonitorService; cache: CacheSettings }): HttpFunctionDefinition[] {
  const { pipeline, monitor, cache } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorClusters',
      route: 'monitor/aks',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope, request }) => {
        const answer = await monitor.readClusterList(scope);
        return conditionalAnswer(request, answer, freshnessOf(answer, cache));
      }),
    },
    {
      kind: 'http',
      name: 'monitorCluster',
      route: 'monitor/aks/{cluster}/{category}',
      methods: ['GET'],
      handler: pipeline.wrap(
        {
          auth: 'read',
          scopeFrom: 'query',
          params: { cluster: clusterName, category: monitorCategory },
          query: { continue: continueToken },
        },
        async ({ scope, params, query, request }) => {
          if (query.continue === undefined) {
            const answer = await monitor.readCategory(scope, params.cluster, params.category);
            return conditionalAnswer(request, answer, freshnessOf(answer, cache));
          }
          if (params.category !== 'pods') throw invalidParameter('continue', 'no continue token: only pods are paged');
          // A later page is read once, uncached: nothing to revalidate.
          return { body: await monitor.readPodsPage(scope, params.cluster, query.continue) };
        },
      ),
    },
  ];
}
