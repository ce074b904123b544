// HTTP conditional requests for the monitor reads: an ETag that names the reading (not the bytes: `ageSeconds`
// changes every second while the reading stays the same), Cache-Control from the reading's freshness, and 304 for a
// poll that already holds it. A 304 carries no body, so the reading is never serialised for it.
import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config.js';
import { answerEtag, type VersionedAnswer } from '../readingVersion.js';

export interface Freshness {
  /** Fresh for this long (the scope's TTL, or the short TTL while a transition is open). */
  ttlSeconds: number;
  swrSeconds: number;
}

export type CacheSettings = Pick<Config['cache'], 'ttlSeconds' | 'swrSeconds' | 'transitionTtlSeconds'>;

const isOpen = (transition: unknown) => (transition as { status?: unknown } | undefined)?.status === 'open';

/** While a transition is open its answers live only for the short transition TTL, as the cache keeps them. */
export function freshnessOf(answer: Pick<VersionedAnswer, 'data' | 'transition'>, cache: CacheSettings): Freshness {
  const clusters = Array.isArray(answer.data) ? (answer.data as ({ transition?: unknown } | null)[]) : [];
  const open = isOpen(answer.transition) || clusters.some((c) => isOpen(c?.transition));
  return { ttlSeconds: open ? cache.transitionTtlSeconds : cache.ttlSeconds, swrSeconds: cache.swrSeconds };
}

/** How long an answer stays fresh from now, in whole seconds. */
export function freshnessLeft(answer: VersionedAnswer, freshness: Freshness): number {
  return Math.max(0, Math.floor(freshness.ttlSeconds - answer.cache.ageSeconds));
}

/** `private`: a reading is only for the signed-in caller; max-age = the freshness left, then served while revalidated. */
export function cacheControlOf(leftSeconds: number, swrSeconds: number): string {
  return `private, max-age=${leftSeconds}, stale-while-revalidate=${Math.floor(swrSeconds)}`;
}

export function answerCacheControl(answer: VersionedAnswer, freshness: Freshness): string {
  if (answer.cache.state === 'uncached') return 'no-store';
  return cacheControlOf(freshnessLeft(answer, freshness), freshness.swrSeconds);
}

/** True when `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET), or is `*`. */
export function matchesIfNoneMatch(request: Pick<HttpRequest, 'headers'>, etag: string): boolean {
  const header = request.headers.get('if-none-match');
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

/** A handler result: 304 without a body when the caller holds `etag`, else the body; both with their headers. */
export function conditionalResult<T>(request: Pick<HttpRequest, 'headers'>, body: T, etag: string | undefined, cacheControl: string) {
  const headers: Record<string, string> = { 'cache-control': cacheControl, ...(etag ? { etag } : {}) };
  if (etag && matchesIfNoneMatch(request, etag)) return { status: 304, headers };
  return { body, headers };
}

/** The handler result of a monitor read: 304 without a body when the caller holds this reading, else the answer. */
export function conditionalAnswer(request: Pick<HttpRequest, 'headers'>, answer: VersionedAnswer, freshness: Freshness) {
  return conditionalResult(request, answer, answerEtag(answer), answerCacheControl(answer, freshness));
}
