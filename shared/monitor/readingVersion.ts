// What an answer's reading says (the cache's content version), carried beside the body and never serialised, so
// the request pipeline can name the reading in an ETag without the service knowing about HTTP.

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
