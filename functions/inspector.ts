// GET /api/inspector?limit=: the newest captured calls of every instance (bodies already redacted and truncated), and
// the requests this instance refused uncaptured: counted (a flood of them cannot push real calls out unseen) and the
// last 100 listed by id, method, path, status and code, so the request id of an error can be found.
import type { CaptureStore } from '../shared/http/inspector.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { integerInRange } from '../shared/http/validation.js';
import type { InspectorPage } from '../shared/wire/index.js';
import type { HttpFunctionDefinition } from './definition.js';

export function inspectorFunctions(deps: { pipeline: HttpPipeline; captures: CaptureStore }): HttpFunctionDefinition[] {
  const { pipeline, captures } = deps;
  return [
    {
      kind: 'http',
      name: 'inspector',
      route: 'inspector',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', query: { limit: integerInRange(1, 200, 50) } }, async ({ query }) => ({
        body: { items: await captures.list(query.limit), rejected: pipeline.rejected(), refused: pipeline.refused() } satisfies InspectorPage,
      })),
    },
  ];
}
