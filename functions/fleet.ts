// GET /api/monitor/fleet: every scope the caller may see with its clusters, and counts by state. One request per
// viewer tick; each scope is the same cached reading the scope view polls. The answer is named by an ETag over its
// scopes' tags: a poll that already holds it (If-None-Match) gets 304 and no body.
import { fleetEtagOf, type FleetResponse, type FleetService } from '../shared/fleet/service.js';
import { cacheControlOf, conditionalResult, freshnessLeft, freshnessOf, type CacheSettings } from '../shared/http/conditional.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { HttpFunctionDefinition } from './definition.js';

/** Fresh as long as its least fresh scope: max-age = the smallest freshness left (0 for a scope that failed). */
function fleetCacheControl(fleet: FleetResponse, etag: string | undefined, cache: CacheSettings): string {
  if (etag === undefined) return 'no-store';
  const left = fleet.scopes.map(({ clusters, cache: info, degraded }) =>
    info ? freshnessLeft({ data: clusters, cache: info, degraded }, freshnessOf({ data: clusters }, cache)) : 0,
  );
  return cacheControlOf(Math.min(Math.floor(cache.ttlSeconds), ...left), cache.swrSeconds);
}

export function fleetFunctions(deps: { pipeline: HttpPipeline; fleet: FleetService; cache: CacheSettings }): HttpFunctionDefinition[] {
  const { pipeline, fleet, cache } = deps;
  return [
    {
      kind: 'http',
      name: 'monitorFleet',
      route: 'monitor/fleet',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read' }, async ({ request }) => {
        const answer = await fleet.read(pipeline.auth.allowedScopes);
        const etag = fleetEtagOf(answer);
        return conditionalResult(request, answer, etag, fleetCacheControl(answer, etag, cache));
      }),
    },
  ];
}
