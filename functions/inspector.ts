// GET /api/inspector?limit=: the newest captured calls of every instance (bodies already redacted and truncated), and
// how many requests this instance refused uncaptured (a flood of them cannot push real calls out unseen).
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
        body: { items: await captures.list(query.limit), rejected: pipeline.rejected() } satisfies InspectorPage,
      })),
    },
  ];
}
