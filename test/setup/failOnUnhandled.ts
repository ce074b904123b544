// Every test file runs with this: an unhandled promise rejection or an uncaught exception fails the test during
// which it surfaced (and the file, if it surfaced between tests). On Azure Functions either ends the Node worker.
import { afterAll, afterEach } from 'vitest';

const surfaced: { kind: string; error: unknown }[] = [];

process.on('unhandledRejection', (error) => surfaced.push({ kind: 'unhandled rejection', error }));
process.on('uncaughtException', (error) => surfaced.push({ kind: 'uncaught exception', error }));

/** Throws if anything surfaced since the last check. */
export function failOnSurfaced(): void {
  if (surfaced.length === 0) return;
  const found = surfaced.splice(0);
  const lines = found.map(({ kind, error }) => `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  throw new Error(`${found.length} unhandled error(s) (each would end the Functions worker):\n${lines.join('\n')}`);
}

afterEach(async () => {
  // A rejection becomes "unhandled" only after the microtask queue drains: let it surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  failOnSurfaced();
});
afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  failOnSurfaced();
});
