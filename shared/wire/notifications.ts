// Notifications: what happened to a cluster, for the in-app feed (GET /api/notifications) and outbound webhooks.
import type { AuditActor } from './operations.js';

export type NotificationKind =
  | 'action.accepted'
  | 'action.refused'
  | 'action.failed'
  | 'transition.timedOut'
  | 'transition.failed'
  | 'autostop.warning'
  | 'autostop.stopped'
  | 'schedule.missed'
  | 'schedule.failed';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'action.accepted',
  'action.refused',
  'action.failed',
  'transition.timedOut',
  'transition.failed',
  'autostop.warning',
  'autostop.stopped',
  'schedule.missed',
  'schedule.failed',
];

export interface NotificationEvent {
  /** Unique and stable: a receiver de-duplicates on it (deliveries are at least once). */
  id: string;
  at: string;
  kind: NotificationKind;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  /** start | stop | delete, where an action is concerned. */
  action?: string;
  /** Who acted (a person's name, a schedule, auto-stop); never an object id. */
  actor?: Pick<AuditActor, 'name' | 'via'>;
  /** One plain sentence: "stop of elb-01-a accepted (by schedule 'nightly stop')". */
  message: string;
  requestId?: string;
}

/** GET /api/notifications: newest first, with what this caller has not seen yet. */
export interface NotificationFeed {
  data: NotificationEvent[];
  unread: number;
  /** This caller's last "mark all read". */
  seenUntil: string | null;
}
