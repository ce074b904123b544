// GET /api/monitor/aks and /api/monitor/aks/{cluster}/{category}: the polling reads, served from the shared cache.
// Pods come in pages: `?continue=` (pods only) reads a later page directly, uncached.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { invalidParameter } from '../shared/http/errors.js';
import { clusterName, continueToken, monitorCategory } from '../shared/http/validation.js';
import type { MonitorService } from '../shared/monitor/service.js';
import type { HttpFunctionDefinition } from './definition.js';

export function monitorFunctions(deps: { pipeline: HttpPipeline; monitor: MonitorService }): HttpFunctionDefinition[] {
  const { pipeline, monitor } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorClusters',
      route: 'monitor/aks',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope }) => ({
        body: await monitor.readClusterList(scope),
      })),
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
        async ({ scope, params, query }) => {
          if (query.continue === undefined) return { body: await monitor.readCategory(scope, params.cluster, params.category) };
          if (params.category !== 'pods') throw invalidParameter('continue', 'no continue token: only pods are paged');
          return { body: await monitor.readPodsPage(scope, params.cluster, query.continue) };
        },
      ),
    },
  ];
}
