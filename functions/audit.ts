// GET /api/audit: a scope's audit trail (optionally one cluster's), newest first, paged with a continuation token.
// Read-only: nothing in the API updates or deletes an entry.
import { AUDIT_CURSOR, type AuditLog } from '../shared/audit/auditLog.js';
import { invalidParameter } from '../shared/http/errors.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { clusterName, integerInRange, type Validator } from '../shared/http/validation.js';
import type { HttpFunctionDefinition } from './definition.js';

const optionalCluster: Validator<string | undefined> = (raw, field) => (raw === undefined ? undefined : clusterName(raw, field));

const auditCursor: Validator<string | undefined> = (raw, field) => {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !AUDIT_CURSOR.test(raw)) throw invalidParameter(field, 'the continuationToken of the previous page');
  return raw;
};

export function auditFunctions(deps: { pipeline: HttpPipeline; audit: AuditLog }): HttpFunctionDefinition[] {
  const { pipeline, audit } = deps;
  return [
    {
      kind: 'http',
      name: 'audit',
      route: 'audit',
      methods: ['GET'],
      handler: pipeline.wrap(
        { auth: 'read', scopeFrom: 'query', query: { cluster: optionalCluster, limit: integerInRange(1, 200, 50), continuationToken: auditCursor } },
        async ({ scope, query }) => ({
          body: await audit.list(scope, { cluster: query.cluster, limit: query.limit, after: query.continuationToken }),
        }),
      ),
    },
  ];
}
