// The signature on every webhook delivery: HMAC-SHA256 over `{timestamp}.{body}` with NOTIFY_WEBHOOK_SECRET, sent as
// `X-Dashboard-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is signed with the body, so a receiver that checks
// it is recent (e.g. within 5 minutes) refuses a replayed delivery; the event id (X-Dashboard-Event-Id, and `id` in
// the generic body) lets it drop a retried one it already has. The README shows how a receiver verifies it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-dashboard-signature';
export const EVENT_ID_HEADER = 'x-dashboard-event-id';

/** The header value for a body sent at `unixSeconds`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/**
 * What a receiver does: parse the header, recompute the HMAC over the exact body bytes received, compare in constant
 * time, and refuse a timestamp further than `toleranceSeconds` from its own clock.
 */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map((header ?? '').split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const expected = Buffer.from(signatureHeader(secret, t, body).slice(`t=${t},v1=`.length), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
