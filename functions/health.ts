// GET /api/health: what is reachable (Table Storage, ARM). 200 when every probe answers, 503 otherwise.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { HttpFunctionDefinition } from './definition.js';

/** One dependency the health endpoint checks: resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3_000;

async function runProbe(probe: HealthProbe): Promise<[string, 'ok' | 'unreachable']> {
  try {
    await probe.check(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    return [probe.name, 'ok'];
  } catch {
    return [probe.name, 'unreachable'];
  }
}

export function healthFunctions(deps: { pipeline: HttpPipeline; probes: readonly HealthProbe[] }): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      // Public: it says only what is reachable, and load balancers and deploy checks call it without signing in.
      handler: deps.pipeline.wrap({ auth: 'none' }, async () => {
        const results = Object.fromEntries(await Promise.all(deps.probes.map(runProbe)));
        const healthy = Object.values(results).every((state) => state === 'ok');
        return { status: healthy ? 200 : 503, body: results };
      }),
    },
  ];
}
