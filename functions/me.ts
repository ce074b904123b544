// GET /api/me: who the dashboard is talking for, what they may do, and the scopes they may ask about.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { Me } from '../shared/wire/index.js';
import type { HttpFunctionDefinition } from './definition.js';

export function meFunctions(deps: { pipeline: HttpPipeline }): HttpFunctionDefinition[] {
  const { pipeline } = deps;
  return [
    {
      kind: 'http',
      name: 'me',
      route: 'me',
      methods: ['GET'],
      // signedIn, not read: a caller without roles still learns who they are and that they lack a role.
      handler: pipeline.wrap({ auth: 'signedIn' }, ({ caller }) => ({
        body: {
          name: caller.name,
          provider: caller.provider,
          roles: caller.roles,
          permissions: caller.permissions,
          scopes: pipeline.auth.allowedScopes,
        } satisfies Me,
      })),
    },
  ];
}
