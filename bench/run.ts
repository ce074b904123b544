// `npm run bench`: the measures of what the product exists for (issues 8 and 17), each a comparison of two things
// measured in this run, on the real local stack (Azurite, the simulated Azure with injected latency, the local
// function host). Prints one table and writes bench/results.json. Timing never fails the run; errors do.
import { MEASURE_IDS, parseOptions, USAGE, type MeasureId } from './options.js';
import { startBenchEnvironment, type BenchEnvironment } from './lib/environment.js';
import { formatTable, machine, writeResults, type MeasureOutcome } from './lib/report.js';
import { measureCacheHit } from './measures/p1CacheHit.js';
import { measureWarmupFanout } from './measures/p2WarmupFanout.js';
import { measureTickHandshakes } from './measures/p3Handshakes.js';
import { measureViewers } from './measures/p4Viewers.js';
import { measureFlipToVisible } from './measures/p5FlipToVisible.js';
import { measureThroughput } from './measures/p7Throughput.js';
import { measureConditional } from './measures/p8Conditional.js';
import { measureColdStart } from './measures/p9ColdStart.js';
import { measureFleet } from './measures/p10Fleet.js';
import { measureCards } from './measures/p11Cards.js';
import { measureAutoStop } from './measures/p12AutoStop.js';
import { measureWebhookFanout } from './measures/p13WebhookFanout.js';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const started = performance.now();
const m = machine();
console.error(
  `bench${options.quick ? ' --quick' : ''}: ${m.cpus} × ${m.model}, Node ${m.node}; injected latency ARM ${options.armLatencyMs} ms, Kubernetes ${options.k8sLatencyMs} ms`,
);

const steps: { ids: MeasureId[]; run: (env: BenchEnvironment) => Promise<MeasureOutcome | MeasureOutcome[]> }[] = [
  { ids: ['P1'], run: measureCacheHit },
  { ids: ['P2'], run: measureWarmupFanout },
  { ids: ['P3'], run: measureTickHandshakes },
  { ids: ['P4', 'P6'], run: measureViewers },
  { ids: ['P5'], run: measureFlipToVisible },
  { ids: ['P7'], run: measureThroughput },
  { ids: ['P8'], run: measureConditional },
  { ids: ['P9'], run: measureColdStart },
  { ids: ['P10'], run: measureFleet },
  { ids: ['P11'], run: measureCards },
  { ids: ['P12'], run: measureAutoStop },
  { ids: ['P13'], run: measureWebhookFanout },
];

const outcomes: MeasureOutcome[] = [];
const env = await startBenchEnvironment(options);
try {
  for (const step of steps) {
    if (!step.ids.some((id) => options.only.has(id))) continue;
    const t = performance.now();
    const result = await step.run(env);
    const list = (Array.isArray(result) ? result : [result]).filter((o) => options.only.has(o.id));
    outcomes.push(...list);
    console.error(`  ${step.ids.join('+')} done in ${((performance.now() - t) / 1000).toFixed(1)} s: ${list.map((o) => `${o.id} ${o.result}`).join('; ')}`);
  }
} finally {
  await env.close();
}

outcomes.sort((a, b) => MEASURE_IDS.indexOf(a.id) - MEASURE_IDS.indexOf(b.id)); // P10 after P9, not after P1
const seconds = (performance.now() - started) / 1000;
console.log(
  `\n${m.cpus} × ${m.model}, Node ${m.node}; injected latency: ARM ${options.armLatencyMs} ms, Kubernetes ${options.k8sLatencyMs} ms per call; ${seconds.toFixed(0)} s${options.quick ? ' (--quick)' : ''}\n`,
);
if (options.quick) console.log('--quick is a smoke run: short windows and few samples; read the numbers of a full run.\n');
console.log(formatTable(outcomes));
const notes = outcomes.flatMap((o) => o.notes.map((n) => `${o.id}: ${n}`));
if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
await writeResults(options.out, options, outcomes, seconds);
console.log(`\nwrote ${options.out}`);
