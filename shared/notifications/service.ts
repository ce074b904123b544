// Notifications (docs/architecture.md §12): what happened to a cluster, in the in-app feed and to webhook receivers.
// `publish` is the one way in: the audit trail's and the transitions' observers call it, and auto-stop calls it for
// its warning. It never throws into its caller and never holds it up: the feed row and the outbox rows are written in
// the background (tracked, so shutdown and tests can wait for them), then each receiver is sent to at once; what
// fails is logged and left to the sweep.
import type { TableClient } from '@azure/data-tables';
import type { AuditEntry } from '../audit/auditLog.js';
import type { Config } from '../config.js';
import { oneLineError } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import { writesCreatingTable } from '../tables.js';
import type { NotificationEvent, NotificationFeed, Transition } from '../wire/index.js';
import { NOTIFICATION_KINDS } from '../wire/index.js';
import type { Resolver } from './addressGuard.js';
import { WebhookDelivery, type SweepResult } from './delivery.js';
import { EVENT_ID, eventOfAuditEntry, eventOfEndedTransition, stableEventId } from './events.js';
import { FeedStore } from './feed.js';
import { OutboxStore, type DeadLetter } from './outbox.js';
export { stableEventId };
export type { DeadLetter, SweepResult };

const DAY_MS = 86_400_000;
/** Retention runs at most this often per instance (it scans the table). */
const RETENTION_EVERY_MS = 3_600_000;

export interface NotificationDeps {
  table: TableClient;
  settings: Config['notify'];
  /** Trusted CAs for deliveries (the public roots plus TRUSTED_CA), or undefined for the public roots. */
  ca?: string[];
  now: () => number;
  log: (level: 'info' | 'warn' | 'error', line: string) => void;
  /** DNS for the SSRF guard (tests give names their own answers); default the system resolver. */
  resolve?: Resolver;
}

export class NotificationService {
  private readonly feed: FeedStore;
  private readonly outbox: OutboxStore;
  private readonly delivery: WebhookDelivery;
  private readonly pending = new Set<Promise<void>>();
  private lastRetentionAt = -Infinity;

  constructor(private readonly deps: NotificationDeps) {
    const withTable = writesCreatingTable(deps.table);
    this.feed = new FeedStore(deps.table, withTable, deps.now);
    this.outbox = new OutboxStore(deps.table, withTable, deps.now);
    const { settings } = deps;
    this.delivery = new WebhookDelivery({
      outbox: this.outbox,
      receivers: settings.webhooks,
      ...(settings.webhookSecret ? { secret: settings.webhookSecret } : {}),
      guard: { allowedHosts: settings.allowedHosts, allowLoopback: settings.allowLoopbackForTests, ...(deps.resolve ? { resolve: deps.resolve } : {}) },
      ...(deps.ca ? { ca: deps.ca } : {}),
      maxAttempts: settings.maxAttempts,
      now: deps.now,
      log: deps.log,
    });
  }

  /** Records the event in the feed and the outbox and sends it, in the background. Never throws, never waits. */
  publish(event: NotificationEvent): void {
    if (!EVENT_ID.test(event.id) || !NOTIFICATION_KINDS.includes(event.kind)) {
      this.deps.log('error', 'notification refused: its id or kind is not valid');
      return;
    }
    const work = this.record(event).catch((error: unknown) =>
      this.deps.log('error', `notification ${event.id} (${event.kind}) not stored: ${oneLineError(error)}`),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** The AuditLog observer: lifecycle entries become action.*, autostop.stopped or schedule.* events. */
  readonly onAuditEntry = (entry: AuditEntry, rowKey: string): void => {
    const event = eventOfAuditEntry(entry, rowKey);
    if (event) this.publish(event);
  };

  /** The TransitionStore observer: a transition that ended timedOut or Failed. */
  readonly onTransitionEnded = (scope: Scope, transition: Transition, at: string): void => {
    const event = eventOfEndedTransition(scope, transition, at);
    if (event) this.publish(event);
  };

  /** The scopes' feed for one reader (a pseudonymous id), newest first. */
  async read(scopes: readonly Scope[], reader: string, limit: number): Promise<NotificationFeed> {
    const page = await this.feed.read(scopes, reader, limit, this.deps.settings.feedRetentionDays * DAY_MS);
    return { data: page.events, unread: page.unread, seenUntil: page.seenUntil };
  }

  /** "Mark all read" for one reader. */
  async markRead(reader: string): Promise<{ seenUntil: string }> {
    return { seenUntil: await this.feed.markRead(reader) };
  }

  async deadLetters(limit: number): Promise<{ data: DeadLetter[] }> {
    return { data: await this.outbox.deadLetters(limit) };
  }

  /** The timer: retries what is due, and (hourly per instance) removes what is past the retention. */
  async sweep(): Promise<SweepResult & { removed: number }> {
    const result = await this.delivery.sweep();
    let removed = 0;
    const now = this.deps.now();
    if (now - this.lastRetentionAt >= RETENTION_EVERY_MS) {
      this.lastRetentionAt = now;
      const cutoff = now - this.deps.settings.feedRetentionDays * DAY_MS;
      removed = (await this.feed.removeOlderThan(cutoff)) + (await this.outbox.removeSettledBefore(cutoff));
    }
    return { ...result, removed };
  }

  /** Resolves once every publish started so far has been stored and its first deliveries settled. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async record(event: NotificationEvent): Promise<void> {
    const receivers = this.delivery.receiversFor(event.kind);
    const [feed, outbox] = await Promise.allSettled([this.feed.add(event), this.outbox.enqueue(event, receivers)]);
    if (outbox.status === 'fulfilled') await this.delivery.deliverNow(outbox.value);
    for (const part of [feed, outbox]) if (part.status === 'rejected') throw part.reason;
  }
}
