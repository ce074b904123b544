// GET /api/cost (one scope) and GET /api/cost/fleet (every scope the caller may see): what the clusters cost while
// running and what scheduled and automatic stops saved, as estimates. Polling reads: never captured by the inspector.
import type { CostService } from '../shared/cost/service.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { CostAnswer, CostFleetAnswer } from '../shared/wire/index.js';
import type { HttpFunctionDefinition } from './definition.js';

export function costFunctions(deps: { pipeline: HttpPipeline; cost: CostService }): HttpFunctionDefinition[] {
  const { pipeline, cost } = deps;
  return [
    {
      kind: 'http',
      name: 'cost',
      route: 'cost',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', scopeFrom: 'query' }, async ({ scope }) => ({ body: (await cost.scope(scope)) satisfies CostAnswer })),
    },
    {
      kind: 'http',
      name: 'costFleet',
      route: 'cost/fleet',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read' }, async () => ({ body: (await cost.fleet(pipeline.auth.allowedScopes)) satisfies CostFleetAnswer })),
    },
  ];
}
