// GET /api/monitor/aks and /api/monitor/aks/{cluster}/{category}: the polling reads, served from the shared cache.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName, monitorCategory } from '../shared/http/validation.js';
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
        { auth: 'read', scopeFrom: 'query', params: { cluster: clusterName, category: monitorCategory } },
        async ({ scope, params }) => ({ body: await monitor.readCategory(scope, params.cluster, params.category) }),
      ),
    },
  ];
}
