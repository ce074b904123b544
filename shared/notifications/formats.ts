// What each kind of receiver is sent: the event itself (generic), Slack's incoming-webhook `{ text, blocks }`, or a
// Teams message carrying an Adaptive Card (Power Automate "Workflows", which replaced Teams' incoming webhooks).
import type { WebhookFormat } from '../config.js';
import type { NotificationEvent, NotificationKind } from '../wire/index.js';

const TITLES: Record<NotificationKind, string> = {
  'action.accepted': 'Action accepted',
  'action.refused': 'Action refused',
  'action.failed': 'Action failed',
  'transition.timedOut': 'Operation timed out',
  'transition.failed': 'Operation failed',
  'autostop.warning': 'Auto-stop soon',
  'autostop.stopped': 'Stopped by auto-stop',
  'schedule.missed': 'Scheduled run missed',
  'schedule.failed': 'Scheduled run failed',
};

const PROBLEMS: ReadonlySet<NotificationKind> = new Set([
  'action.refused',
  'action.failed',
  'transition.timedOut',
  'transition.failed',
  'schedule.missed',
  'schedule.failed',
]);

export function titleOf(event: NotificationEvent): string {
  return `${TITLES[event.kind]}: ${event.cluster}`;
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slack(event: NotificationEvent): unknown {
  return {
    text: `${titleOf(event)}: ${event.message}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(titleOf(event))}*\n${slackEscape(event.message)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`${event.subscriptionId}/${event.resourceGroup} · ${event.kind} · ${event.at}`) }] },
    ],
  };
}

function teams(event: NotificationEvent): unknown {
  const facts = [
    { title: 'Cluster', value: event.cluster },
    { title: 'Scope', value: `${event.subscriptionId}/${event.resourceGroup}` },
    { title: 'Event', value: event.kind },
    { title: 'At', value: event.at },
    ...(event.actor ? [{ title: 'By', value: `${event.actor.name} (${event.actor.via})` }] : []),
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: titleOf(event),
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
              ...(PROBLEMS.has(event.kind) ? { color: 'Attention' } : {}),
            },
            { type: 'TextBlock', text: event.message, wrap: true },
            { type: 'FactSet', facts },
          ],
        },
      },
    ],
  };
}

/** The body sent to a receiver of this format (JSON text: what is signed is exactly what is sent). */
export function payloadFor(format: WebhookFormat, event: NotificationEvent): string {
  return JSON.stringify(format === 'slack' ? slack(event) : format === 'teams' ? teams(event) : event);
}
