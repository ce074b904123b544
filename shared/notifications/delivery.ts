// Webhook delivery: one signed POST per claimed outbox row, to the address the SSRF guard checked (pinned), within
// 5 s. A 2xx delivers it; 410 Gone or a refused address is permanent (dead at once); anything else is retried with
// exponential backoff until NOTIFY_MAX_ATTEMPTS, then dead. Receivers never wait on each other: a publish sends to each
// at once, and a sweep runs each receiver's due rows in its own lane (lanes in parallel, bounded), a lane stopping at
// its first failure so a stalled receiver costs one timeout per sweep, not one per row.
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { WebhookReceiver } from '../config.js';
import { forEachLimited } from '../concurrency.js';
import { oneLineError } from '../observability/redaction.js';
import type { NotificationEvent, NotificationKind } from '../wire/index.js';
import { ReceiverRefused, vetReceiver, type AddressGuardOptions, type VettedTarget } from './addressGuard.js';
import { payloadFor } from './formats.js';
import type { OutboxRow, OutboxStore, Settlement } from './outbox.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';

export const DELIVERY_TIMEOUT_MS = 5_000;
/** Receivers delivered to at once by one sweep. */
const SWEEP_LANES = 8;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 6 * 3_600_000;

/** After attempt n (1-based): 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then every 6 h: about a day over 8 attempts. */
export function retryDelayMs(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 4 ** Math.max(0, attempt - 1));
}

class DeliveryTimeout extends Error {
  constructor() {
    super(`no answer within ${DELIVERY_TIMEOUT_MS} ms`);
    this.name = 'DeliveryTimeout';
  }
}

/** POSTs the body to the vetted address; resolves with the status once the answer's head arrives. */
export function postPinned(
  target: VettedTarget,
  body: string,
  headers: Record<string, string>,
  options: { ca?: string[]; timeoutMs: number },
): Promise<number> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise<number>((resolve, reject) => {
    const request = https.request(
      {
        host: target.host,
        port: target.url.port || 443,
        path: `${target.url.pathname}${target.url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false, // one connection per delivery, to the pinned address: nothing pooled by host name
        lookup: pinned,
        ...(isIP(target.host) ? {} : { servername: target.host }),
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        clearTimeout(timer);
        response.on('error', () => {}); // the status is all we read
        response.resume();
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    const timer = setTimeout(() => request.destroy(new DeliveryTimeout()), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

/** A failure as the row and the log keep it: a code or a short reason, never the URL. */
function failureText(error: unknown): string {
  if (error instanceof ReceiverRefused) return error.message;
  if (error instanceof DeliveryTimeout) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : oneLineError(error).slice(0, 120);
}

export interface DeliveryDeps {
  outbox: OutboxStore;
  receivers: readonly WebhookReceiver[];
  /** NOTIFY_WEBHOOK_SECRET; without it nothing is sent (config refuses receivers without one). */
  secret?: string;
  guard: AddressGuardOptions;
  /** Trusted CAs (the public roots plus TRUSTED_CA), or undefined for the public roots. */
  ca?: string[];
  maxAttempts: number;
  now: () => number;
  log: (level: 'info' | 'warn', line: string) => void;
  timeoutMs?: number;
}

export interface SweepResult {
  due: number;
  delivered: number;
  retried: number;
  dead: number;
  /** Rows another instance claimed first. */
  lost: number;
}

export class WebhookDelivery {
  private readonly byName: Map<string, WebhookReceiver>;

  constructor(private readonly deps: DeliveryDeps) {
    this.byName = new Map(deps.receivers.map((r) => [r.name, r]));
  }

  /** The receivers that take this kind. */
  receiversFor(kind: NotificationKind): string[] {
    if (!this.deps.secret) return [];
    return this.deps.receivers.filter((r) => !r.kinds || r.kinds.includes(kind)).map((r) => r.name);
  }

  /** Claims and sends the rows a publish just created, all at once (one per receiver). */
  async deliverNow(rows: readonly OutboxRow[]): Promise<void> {
    await Promise.all(rows.map((row) => this.claimAndSend(row)));
  }

  /** The due rows, each receiver in its own lane; a lane stops at its receiver's first failure (the rest wait). */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { due: 0, delivered: 0, retried: 0, dead: 0, lost: 0 };
    const due = await this.deps.outbox.due();
    result.due = due.length;
    const lanes = new Map<string, OutboxRow[]>();
    for (const row of due) lanes.set(row.receiver, [...(lanes.get(row.receiver) ?? []), row]);
    await forEachLimited([...lanes.values()], SWEEP_LANES, async (rows) => {
      for (const row of rows) {
        const outcome = await this.claimAndSend(row);
        if (outcome === 'lost') result.lost++;
        else if (outcome === 'pending') result.retried++;
        else result[outcome]++;
        if (outcome === 'pending') return;
      }
    });
    return result;
  }

  /** One attempt; never throws (a Table failure is logged and the row stays due for a later sweep). */
  private async claimAndSend(row: OutboxRow): Promise<'delivered' | 'pending' | 'dead' | 'lost'> {
    try {
      const claimed = await this.deps.outbox.claim(row);
      if (!claimed) return 'lost';
      const settlement = await this.send(claimed);
      const kept = await this.deps.outbox.settle(claimed, settlement);
      const detail = settlement.state === 'delivered' ? `${settlement.status}` : settlement.error;
      this.deps.log(
        settlement.state === 'delivered' ? 'info' : 'warn',
        `webhook ${claimed.receiver} ${claimed.eventId} attempt ${claimed.attempts}: ${settlement.state} (${detail})`,
      );
      return kept ? settlement.state : 'lost';
    } catch (error) {
      this.deps.log('warn', `webhook ${row.receiver} ${row.eventId}: not settled, retried by a later sweep: ${oneLineError(error)}`);
      return 'pending';
    }
  }

  private async send(row: OutboxRow): Promise<Settlement> {
    const receiver = this.byName.get(row.receiver);
    if (!receiver || !this.deps.secret) return { state: 'dead', error: 'receiver no longer configured' };
    const event = JSON.parse(row.event) as NotificationEvent;
    const body = payloadFor(receiver.format, event);
    const retry = (status: number | undefined, error: string): Settlement =>
      row.attempts >= this.deps.maxAttempts
        ? { state: 'dead', ...(status !== undefined ? { status } : {}), error: `${error}; gave up after ${row.attempts} attempts` }
        : { state: 'pending', ...(status !== undefined ? { status } : {}), error, retryAt: this.deps.now() + retryDelayMs(row.attempts) };
    try {
      const target = await vetReceiver(receiver.url, this.deps.guard);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'aks-dashboard-webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(this.deps.secret, Math.floor(this.deps.now() / 1000), body),
        [EVENT_ID_HEADER]: event.id,
      };
      const status = await postPinned(target, body, headers, {
        ...(this.deps.ca ? { ca: this.deps.ca } : {}),
        timeoutMs: this.deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      });
      if (status >= 200 && status < 300) return { state: 'delivered', status };
      if (status === 410) return { state: 'dead', status, error: 'the receiver answered 410 Gone' };
      return retry(status, `answered ${status}`);
    } catch (error) {
      if (error instanceof ReceiverRefused) return { state: 'dead', error: error.message };
      return retry(undefined, failureText(error));
    }
  }
}
