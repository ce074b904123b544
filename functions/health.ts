// GET /api/health: what is reachable (Table Storage, ARM). 200 when every probe answers, 503 otherwise.
import type { HttpPipeline } from '../shared/http/pipeline.js';
import type { HealthReport } from '../shared/wire/index.js';
import type { HttpFunctionDefinition } from './definition.js';

/** One dependency the health endpoint checks: resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3_000;
/** Health is public: without this, every anonymous call would cost an ARM call and a Table call. */
const RESULT_TTL_MS = 5_000;

async function runProbe(probe: HealthProbe): Promise<[string, 'ok' | 'unreachable']> {
  try {
    await probe.check(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    return [probe.name, 'ok'];
  } catch {
    return [probe.name, 'unreachable'];
  }
}

type HealthResult = HealthReport;

/** Probes at most once per RESULT_TTL_MS per instance; concurrent callers share the probe in flight. */
function sharedProbes(probes: readonly HealthProbe[], now: () => number): () => Promise<HealthResult> {
  let last: { at: number; result: Promise<HealthResult> } | undefined;
  return () => {
    if (!last || now() - last.at >= RESULT_TTL_MS) {
      last = { at: now(), result: Promise.all(probes.map(runProbe)).then((entries) => Object.fromEntries(entries)) };
    }
    return last.result;
  };
}

export function healthFunctions(deps: { pipeline: HttpPipeline; probes: readonly HealthProbe[]; now?: () => number }): HttpFunctionDefinition[] {
  const check = sharedProbes(deps.probes, deps.now ?? Date.now);
  return [
    {
      kind: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      // Public: it says only what is reachable, and load balancers and deploy checks call it without signing in.
      handler: deps.pipeline.wrap({ auth: 'none' }, async () => {
        const results = await check();
        const healthy = Object.values(results).every((state) => state === 'ok');
        return { status: healthy ? 200 : 503, body: results };
      }),
    },
  ];
}
