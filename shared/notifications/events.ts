// Where notifications come from, and their stable ids. Each source is a fact already stored exactly once: an audit
// entry (its row key), a transition that ended timedOut or Failed (the If-Match write that marked it, which one
// instance wins), or auto-stop's own warning (its id names the cluster and the stop it warns of). The id is derived
// from the fact, so a retried publish, or two instances publishing one fact, write the same rows, never two events.
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../audit/auditLog.js';
import { redactText } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { NotificationEvent, NotificationKind, Transition } from '../wire/index.js';

const LIFECYCLE_ACTIONS: ReadonlySet<string> = new Set(['start', 'stop', 'delete']);

/** A safe id (Table key characters only), the same for the same parts. */
export function stableEventId(source: string, ...parts: readonly string[]): string {
  return `${source}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;
}

/** What an id may be as it comes from another module (it becomes part of Table keys). */
export const EVENT_ID = /^[A-Za-z0-9._-]{1,100}$/;

function byWhom(actor: AuditEntry['actor']): string {
  if (actor.via === 'autoStop') return 'by auto-stop';
  if (actor.via === 'schedule') return `by a schedule of ${actor.name}`;
  return `by ${actor.name}`;
}

/**
 * The event an audit entry is, or undefined (schedule changes, skipped runs). A run of a schedule that was missed, or
 * failed, is schedule.*; an accepted stop by auto-stop is autostop.stopped; every other start, stop or delete is
 * action.* with its outcome.
 */
export function eventOfAuditEntry(entry: AuditEntry, rowKey: string): NotificationEvent | undefined {
  if (!LIFECYCLE_ACTIONS.has(entry.action)) return undefined;
  const { actor } = entry;
  let kind: NotificationKind;
  if (actor.via === 'schedule' && (entry.outcome === 'missed' || entry.outcome === 'failed'))
    kind = entry.outcome === 'missed' ? 'schedule.missed' : 'schedule.failed';
  else if (entry.outcome === 'accepted') kind = actor.via === 'autoStop' && entry.action === 'stop' ? 'autostop.stopped' : 'action.accepted';
  else if (entry.outcome === 'refused' || entry.outcome === 'failed') kind = entry.outcome === 'refused' ? 'action.refused' : 'action.failed';
  else return undefined;
  const what = kind.startsWith('schedule.')
    ? `scheduled ${entry.action} of ${entry.cluster} ${entry.outcome}`
    : `${entry.action} of ${entry.cluster} ${entry.outcome}`;
  const reason = entry.reason ? `: ${entry.reason}` : '';
  return {
    id: `audit-${rowKey}`,
    at: entry.at,
    kind,
    subscriptionId: entry.subscriptionId,
    resourceGroup: entry.resourceGroup,
    cluster: entry.cluster,
    action: entry.action,
    actor: { name: actor.name, via: actor.via },
    message: redactText(`${what} (${byWhom(actor)})${reason}`).slice(0, 500),
    requestId: entry.requestId,
  };
}

/** The event of a transition that ended timedOut or Failed (`at`: when that was found). */
export function eventOfEndedTransition(scope: Scope, transition: Transition, at: string): NotificationEvent | undefined {
  if (transition.status !== 'timedOut' && transition.status !== 'failed') return undefined;
  const kind: NotificationKind = transition.status === 'timedOut' ? 'transition.timedOut' : 'transition.failed';
  const message =
    transition.status === 'timedOut'
      ? `${transition.action} of ${transition.cluster} has not finished by its deadline (${transition.deadline}; started by ${transition.startedBy})`
      : `${transition.action} of ${transition.cluster} ended Failed (started by ${transition.startedBy})`;
  return {
    id: stableEventId(
      'transition',
      scope.subscriptionId.toLowerCase(),
      scope.resourceGroup.toLowerCase(),
      transition.cluster.toLowerCase(),
      transition.startedAt,
      transition.status,
    ),
    at,
    kind,
    subscriptionId: scope.subscriptionId,
    resourceGroup: scope.resourceGroup,
    cluster: transition.cluster,
    action: transition.action,
    message: redactText(message).slice(0, 500),
  };
}
