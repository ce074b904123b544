// HTTP conditional requests for the monitor reads: an ETag that names the reading (not the bytes: `ageSeconds`
// changes every second while the reading stays the same), Cache-Control from the reading's freshness, and 304 for a
// poll that already holds it. A 304 carries no body, so the reading is never serialised for it.
import { createHash } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { readingVersionOf } from '../monitor/readingVersion.js';

/** The parts of a monitor answer that name what the viewer sees; everything else in it follows from these. */
export interface VersionedAnswer {
  data: unknown;
  cache: { state: string; ageSeconds: number; fetchedAt: string; generation: number | null };
  degraded: readonly unknown[];
  reason?: string;
  transition?: unknown;
}

export interface Freshness {
  /** Fresh for this long (the scope's TTL, or the short TTL while a transition is open). */
  ttlSeconds: number;
  swrSeconds: number;
}

/**
 * A weak ETag (the same content, not byte for byte the same body: `cache.ageSeconds` moves on) from what the reading
 * says (its content version, so a refresh of an unchanged fleet keeps the tag; without one, its fetchedAt and
 * generation) and what is shown next to it (degraded parts, a stopped cluster, an open transition). Undefined for an
 * answer Table Storage could not keep (`uncached`).
 */
export function answerEtag(answer: VersionedAnswer): string | undefined {
  if (answer.cache.state === 'uncached' || answer.cache.generation === null) return undefined;
  const version = readingVersionOf(answer);
  const reading = version ?? (answer.data === null ? 'no data' : `${answer.cache.fetchedAt}/${answer.cache.generation}`);
  const name = JSON.stringify([reading, answer.degraded, answer.reason ?? null, answer.transition ?? null]);
  return `W/"${createHash('sha256').update(name).digest('base64url').slice(0, 22)}"`;
}

/** `private`: a reading is only for the signed-in caller; max-age = the freshness left, then served while revalidated. */
export function answerCacheControl(answer: VersionedAnswer, freshness: Freshness): string {
  if (answer.cache.state === 'uncached') return 'no-store';
  const left = Math.max(0, Math.floor(freshness.ttlSeconds - answer.cache.ageSeconds));
  return `private, max-age=${left}, stale-while-revalidate=${Math.floor(freshness.swrSeconds)}`;
}

/** True when `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET), or is `*`. */
export function matchesIfNoneMatch(request: Pick<HttpRequest, 'headers'>, etag: string): boolean {
  const header = request.headers.get('if-none-match');
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

/** The handler result of a monitor read: 304 without a body when the caller holds this reading, else the answer. */
export function conditionalAnswer(request: Pick<HttpRequest, 'headers'>, answer: VersionedAnswer, freshness: Freshness) {
  const etag = answerEtag(answer);
  const headers: Record<string, string> = { 'cache-control': answerCacheControl(answer, freshness), ...(etag ? { etag } : {}) };
  if (etag && matchesIfNoneMatch(request, etag)) return { status: 304, headers };
  return { body: answer, headers };
}
