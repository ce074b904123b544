// Notifications: GET /api/notifications (the feed, newest first, with what this caller has not seen), POST
// /api/notifications/read ("mark all read"), GET /api/notifications/deadletters (admins: deliveries given up on), and
// the timer that retries due webhook deliveries. The feed GET is a polling read: never captured by the inspector.
import { missingParameter } from '../shared/http/errors.js';
import { callerPseudonym } from '../shared/http/inspector.js';
import type { HttpPipeline } from '../shared/http/pipeline.js';
import { integerInRange, optional, resourceGroup, subscriptionId, type Schema } from '../shared/http/validation.js';
import type { NotificationService } from '../shared/notifications/service.js';
import { oneLineError } from '../shared/observability/redaction.js';
import type { NotificationFeed } from '../shared/wire/index.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from './definition.js';

/** The scope is optional here (both or neither): without it the feed covers every allowed scope. */
const FEED_QUERY = { subscriptionId: optional(subscriptionId), resourceGroup: optional(resourceGroup), limit: integerInRange(1, 200, 50) } satisfies Schema;

/** Without INSPECTOR_PSEUDONYM_KEY the reader id is still a hash of the provider and object id, the same on every instance. */
const UNKEYED_READER = 'aks-dashboard-notifications';

export function notificationFunctions(deps: {
  pipeline: HttpPipeline;
  notifications: NotificationService;
  pseudonymKey?: string;
  schedule: string;
}): Array<HttpFunctionDefinition | TimerFunctionDefinition> {
  const { pipeline, notifications } = deps;
  const readerOf = (caller: { provider: string; userId?: string; name: string }) => callerPseudonym(deps.pseudonymKey ?? UNKEYED_READER, caller);
  return [
    {
      kind: 'http',
      name: 'notifications',
      route: 'notifications',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'read', query: FEED_QUERY }, async ({ caller, query }) => {
        if ((query.subscriptionId === undefined) !== (query.resourceGroup === undefined)) {
          throw missingParameter(
            query.subscriptionId === undefined ? 'subscriptionId' : 'resourceGroup',
            'both subscriptionId and resourceGroup, or neither (every allowed scope)',
          );
        }
        const scopes =
          query.subscriptionId && query.resourceGroup
            ? [pipeline.auth.allowedScope({ subscriptionId: query.subscriptionId, resourceGroup: query.resourceGroup })]
            : pipeline.auth.allowedScopes;
        return { body: (await notifications.read(scopes, readerOf(caller), query.limit)) satisfies NotificationFeed };
      }),
    },
    {
      kind: 'http',
      name: 'notificationsRead',
      route: 'notifications/read',
      methods: ['POST'],
      handler: pipeline.wrap({ auth: 'read' }, async ({ caller }) => ({ body: await notifications.markRead(readerOf(caller)) })),
    },
    {
      kind: 'http',
      name: 'notificationDeadLetters',
      route: 'notifications/deadletters',
      methods: ['GET'],
      handler: pipeline.wrap({ auth: 'admin', query: { limit: integerInRange(1, 200, 50) } }, async ({ query }) => ({
        body: await notifications.deadLetters(query.limit),
      })),
    },
    {
      kind: 'timer',
      name: 'notificationSweep',
      schedule: deps.schedule,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const result = await notifications.sweep().catch((error: unknown) => {
          context.warn(`notifications sweep failed: ${oneLineError(error)}`);
          return undefined;
        });
        if (result && (result.due || result.removed)) context.log(`notifications: ${JSON.stringify(result)}`);
      },
    },
  ];
}
