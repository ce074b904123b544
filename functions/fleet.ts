// GET /api/monitor/fleet: every scope the caller may see with its clusters, and counts by state. One request per
// viewer tick; each scope is the same cached reading the scope view polls.
import type { FleetService } from '../shared/fleet/fleet.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { HttpFunctionDefinition } from './definition.js';

export function fleetFunctions(deps: { pipeline: HttpPipeline; fleet: FleetService }): HttpFunctionDefinition[] {
  const { pipeline, fleet } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorFleet',
      route: 'monitor/fleet',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read' }, async () => ({ body: await fleet.read(pipeline.auth.allowedScopes) })),
    },
  ];
}
