import type { HttpFunctionDefinition } from './definition.js';
import { randomUUID } from 'node:crypto';

/** One dependency the health endpoint checks: resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3_000;

async function runProbe(probe: HealthProbe): Promise<[string, string]> {
  try {
    await probe.check(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    return [probe.name, 'ok'];
  } catch {
    return [probe.name, 'unreachable'];
  }
}

/** GET /api/health: what is reachable. 200 when every probe answers, 503 otherwise. */
export function healthFunctions(deps: { probes: readonly HealthProbe[] }): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      handler: async () => {
        const results = Object.fromEntries(await Promise.all(deps.probes.map(runProbe)));
        const healthy = Object.values(results).every((state) => state === 'ok');
        return { status: healthy ? 200 : 503, jsonBody: results, headers: { 'x-request-id': randomUUID() } };
      },
    },
  ];
}
