// What an answer's reading says (the cache's content version), carried beside the body and never serialised, and the
// weak ETag that names an answer by it, so routes and the fleet service can name readings without knowing about HTTP.
import { createHash } from 'node:crypto';

const READING_VERSION = Symbol('readingVersion');

/** Attaches the reading's content version to an answer as a hidden property (JSON and test equality skip it). */
export function withReadingVersion<T extends object>(answer: T, version: string | undefined): T {
  if (version !== undefined) Object.defineProperty(answer, READING_VERSION, { value: version, enumerable: false });
  return answer;
}

/** The content version attached by withReadingVersion, if any. */
export function readingVersionOf(answer: object): string | undefined {
  return (answer as { [READING_VERSION]?: string })[READING_VERSION];
}

/** The parts of a monitor answer that name what the viewer sees; everything else in it follows from these. */
export interface VersionedAnswer {
  data: unknown;
  cache: { state: string; ageSeconds: number; fetchedAt: string; generation: number | null };
  degraded: readonly unknown[];
  reason?: string;
  transition?: unknown;
}

/** A short weak ETag naming a value (hashed, so it says nothing of what it names). */
export function weakEtagOf(name: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(name)).digest('base64url').slice(0, 22)}"`;
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
  // The usual answer, a reading and nothing beside it: its version is already a hash of what it says.
  if (version !== undefined && answer.degraded.length === 0 && answer.reason === undefined && answer.transition === undefined) return `W/"${version}"`;
  const reading = version ?? (answer.data === null ? 'no data' : `${answer.cache.fetchedAt}/${answer.cache.generation}`);
  return weakEtagOf([reading, answer.degraded, answer.reason ?? null, answer.transition ?? null]);
}
