// The webhook outbox: one row per (event, receiver) in partition `outbox`, RowKey `{event id}:{receiver}` (a repeated
// publish finds its row and sends nothing twice). A row is `pending` until delivered, then `delivered` (the delivery
// log), or `dead` after the last attempt or a permanent refusal; delivered and dead rows go with the feed retention.
//
// Claiming: `nextAttemptAt` is both the retry time and the lease. A sender claims a due row by an If-Match write that
// moves nextAttemptAt a lease ahead and counts the attempt: of two instances that read the same due row, one write
// wins, the other gets 412 and leaves it. A sender that dies mid-delivery leaves the row due again once the lease
// passes (at least once). The lease is far longer than a delivery's timeout, so a live sender always settles first.
import { odata, type TableClient } from '@azure/data-tables';
import { isConflict, isLostRace, isNotFound } from '../errors.js';
import type { TableWrite } from '../tables.js';
import type { NotificationEvent } from '../wire/index.js';

const PARTITION = 'outbox';
/** How long a claim holds a row: well past the 5 s delivery timeout. */
export const CLAIM_LEASE_MS = 60_000;
/** Rows one sweep takes at most. */
const SWEEP_BATCH = 500;

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
  event: string;
  eventId: string;
  kind: string;
  receiver: string;
  state: OutboxState;
  attempts: number;
  /** ISO: due from then (also the claim's lease). */
  nextAttemptAt: string;
  createdAt: string;
  lastStatus?: number;
  lastError?: string;
  settledAt?: string;
}

/** A dead delivery as the admin route shows it: the receiver by name, never its URL. */
export interface DeadLetter {
  eventId: string;
  kind: string;
  at: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  receiver: string;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  deadAt?: string;
}

export type Settlement = { state: 'delivered'; status: number } | { state: 'pending' | 'dead'; status?: number; error: string; retryAt?: number };

const iso = (ms: number) => new Date(ms).toISOString();

export class OutboxStore {
  constructor(
    private readonly table: TableClient,
    private readonly withTable: TableWrite,
    private readonly now: () => number,
  ) {}

  /** One pending row per receiver, due now; returns the rows this call created (not those already there). */
  async enqueue(event: NotificationEvent, receivers: readonly string[]): Promise<OutboxRow[]> {
    const created = await Promise.all(
      receivers.map(async (receiver) => {
        const now = iso(this.now());
        const row: Omit<OutboxRow, 'etag'> = {
          partitionKey: PARTITION,
          rowKey: `${event.id}:${receiver}`,
          event: JSON.stringify(event),
          eventId: event.id,
          kind: event.kind,
          receiver,
          state: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
        };
        try {
          const response = await this.withTable(() => this.table.createEntity(row));
          return { ...row, etag: response.etag! };
        } catch (error) {
          if (isConflict(error)) return undefined; // published before: that publish delivers it
          throw error;
        }
      }),
    );
    return created.filter((row): row is OutboxRow => row !== undefined);
  }

  /** Pending rows due now (their lease, if any, has passed), oldest first. */
  async due(): Promise<OutboxRow[]> {
    const filter = odata`PartitionKey eq ${PARTITION} and state eq ${'pending'} and nextAttemptAt le ${iso(this.now())}`;
    const rows: OutboxRow[] = [];
    try {
      for await (const row of this.table.listEntities<OutboxRow>({ queryOptions: { filter } })) {
        rows.push(row);
        if (rows.length >= SWEEP_BATCH) break;
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Claims a row read by enqueue or due (If-Match): the claimed row, or undefined when another sender got it first. */
  async claim(row: OutboxRow): Promise<OutboxRow | undefined> {
    const change = { partitionKey: PARTITION, rowKey: row.rowKey, attempts: row.attempts + 1, nextAttemptAt: iso(this.now() + CLAIM_LEASE_MS) };
    try {
      const response = await this.table.updateEntity(change, 'Merge', { etag: row.etag });
      return { ...row, ...change, etag: response.etag! };
    } catch (error) {
      if (isLostRace(error)) return undefined;
      throw error;
    }
  }

  /** Records what came of a claimed attempt (If-Match the claim: a row re-claimed after a lost lease is left to its new sender). */
  async settle(row: OutboxRow, settlement: Settlement): Promise<boolean> {
    const now = this.now();
    const change: { partitionKey: string; rowKey: string } & Record<string, unknown> = { partitionKey: PARTITION, rowKey: row.rowKey, state: settlement.state };
    if (settlement.status !== undefined) change.lastStatus = settlement.status;
    if (settlement.state === 'pending') change.nextAttemptAt = iso(settlement.retryAt ?? now);
    else change.settledAt = iso(now);
    if (settlement.state !== 'delivered') change.lastError = settlement.error.slice(0, 200);
    try {
      await this.table.updateEntity(change, 'Merge', { etag: row.etag });
      return true;
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const filter = odata`PartitionKey eq ${PARTITION} and state eq ${'dead'}`;
    const found: DeadLetter[] = [];
    try {
      for await (const row of this.table.listEntities<OutboxRow>({ queryOptions: { filter } })) {
        const event = JSON.parse(row.event) as NotificationEvent;
        found.push({
          eventId: row.eventId,
          kind: row.kind,
          at: event.at,
          subscriptionId: event.subscriptionId,
          resourceGroup: event.resourceGroup,
          cluster: event.cluster,
          receiver: row.receiver,
          attempts: row.attempts,
          ...(row.lastStatus !== undefined ? { lastStatus: row.lastStatus } : {}),
          ...(row.lastError ? { lastError: row.lastError } : {}),
          ...(row.settledAt ? { deadAt: row.settledAt } : {}),
        });
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return found.sort((a, b) => (b.deadAt ?? '').localeCompare(a.deadAt ?? '')).slice(0, limit);
  }

  /** Removes delivered and dead rows settled before the cutoff; returns how many went. */
  async removeSettledBefore(cutoffMs: number): Promise<number> {
    const filter = odata`PartitionKey eq ${PARTITION} and state ne ${'pending'} and settledAt lt ${iso(cutoffMs)}`;
    const old: string[] = [];
    try {
      for await (const row of this.table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) old.push(row.rowKey!);
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    for (let i = 0; i < old.length; i += 100) {
      await this.table.submitTransaction(old.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: PARTITION, rowKey }]));
    }
    return old.length;
  }
}
