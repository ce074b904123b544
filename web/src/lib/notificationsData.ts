// GET /api/notifications: the caller's feed, newest first, with what they have not seen. DOM-free.
import {
  NOTIFICATION_KINDS,
  type NotificationEvent as WireEvent,
  type NotificationFeed as WireFeed,
  type NotificationKind,
} from '../../../shared/wire/index.js';
import { isObject, listOf, num, str, toEpochMs } from './json.js';

export type { NotificationKind } from '../../../shared/wire/index.js';

export interface Notification {
  id: string;
  at: number;
  kind: NotificationKind;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  message: string;
  actor?: string;
  requestId?: string;
}

export interface NotificationFeed {
  items: Notification[];
  unread: number;
  seenUntil?: number;
}

function normalizeNotification(v: unknown): Notification | undefined {
  if (!isObject<WireEvent>(v)) return undefined;
  const id = str(v.id);
  const at = toEpochMs(v.at);
  const kind = NOTIFICATION_KINDS.find((k) => k === v.kind);
  const message = str(v.message);
  if (!id || at === undefined || !kind || !message) return undefined;
  const actor = isObject<NonNullable<WireEvent['actor']>>(v.actor) ? str(v.actor.name) : undefined;
  return {
    id,
    at,
    kind,
    subscriptionId: str(v.subscriptionId) ?? '',
    resourceGroup: str(v.resourceGroup) ?? '',
    cluster: str(v.cluster) ?? '',
    message,
    actor,
    requestId: str(v.requestId),
  };
}

export function normalizeNotifications(v: unknown): NotificationFeed {
  const o = isObject<WireFeed>(v) ? v : {};
  const items = listOf(o.data, normalizeNotification);
  return { items, unread: Math.max(0, Math.min(num(o.unread) ?? 0, 999)), seenUntil: toEpochMs(o.seenUntil) };
}

/** Whether an item arrived after the caller's last "mark all read". */
export const isUnread = (n: Notification, seenUntil: number | undefined) => seenUntil === undefined || n.at > seenUntil;

/** The kinds that need attention (a failure, a refusal, a warning), for the feed's marker. */
export const isAlarming = (kind: NotificationKind) => /refused|failed|timedOut|warning|missed/.test(kind);
