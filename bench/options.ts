// What `npm run bench` measures with: flags (and env) → one options object, echoed into results.json as inputs.
//   --quick                 a smoke run of a few seconds (few samples, short windows)
//   --arm-latency-ms=80     latency injected into every ARM call        (env BENCH_ARM_LATENCY_MS)
//   --k8s-latency-ms=20     latency injected into every Kubernetes call  (env BENCH_K8S_LATENCY_MS)
//   --only=P1,P4            run only these measures (P6 comes with P4)   (env BENCH_ONLY)
//   --out=bench/results.json
export const MEASURE_IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P10', 'P11', 'P12', 'P13'] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];

export interface BenchOptions {
  quick: boolean;
  armLatencyMs: number;
  k8sLatencyMs: number;
  only: Set<MeasureId>;
  out: string;
  p1: { samples: number; warmup: number };
  p2: { trials: number };
  /** The storage and registry cards: fresh hits (interleaved with the cluster list's), uncached reads (trials). */
  p11: { samples: number; warmup: number; trials: number; blobsPerContainer: number; repositories: number };
  /** Warm-up ticks run until `quietTicks` in a row open no connection (at most maxWarmupTicks). */
  p3: { maxWarmupTicks: number; quietTicks: number; ticks: number };
  /** Time scaled down by timeScale: TTL 30 s → ttlSeconds, pool TTL 300 s → sessionTtlSeconds, 5 min → 300/timeScale s. */
  p4: {
    viewers: number[];
    timeScale: number;
    ttlSeconds: number;
    swrSeconds: number;
    sessionTtlSeconds: number;
    pollMs: number;
    settleSeconds: number;
    windowSeconds: number;
    /** P6's comparison: the same polling with one-shot sessions. */
    oneShotViewers: number;
    oneShotWindowSeconds: number;
  };
  /** Fast-poll 10 s and transition TTL 5 s, scaled by timeScale (the TTL setting has a floor of 1 s). */
  p5: { timeScale: number; pollMs: number; transitionTtlSeconds: number; clusters: number; rounds: number };
  p7: { connections: number; seconds: number; warmupSeconds: number };
  /** A viewer-hour, time scaled down by timeScale: TTL 30 s → ttlSeconds, poll 10 s → pollMs. */
  p8: { timeScale: number; ttlSeconds: number; swrSeconds: number; pollMs: number; settleSeconds: number; windowSeconds: number };
  p9: { trials: number };
  /** Webhook fan-out: trials per condition (stall, no stall), receivers besides the stalled one. */
  p13: { trials: number; receivers: number };
  /** The fleet: scopes × clusters, uncached/cached tick samples, and P4's scaled clock for the viewer windows. */
  p10: {
    scopes: number;
    clustersPerScope: number;
    samples: number;
    viewers: number[];
    ttlSeconds: number;
    swrSeconds: number;
    pollMs: number;
    settleSeconds: number;
    windowSeconds: number;
  };
  /** Idle auto-stop: scopes × (running + stopped) clusters with auto-stop on, steady runs (one a minute). */
  p12: { scopes: number; running: number; stopped: number; minutes: number };
}

function flag(argv: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const inline = argv.find((a) => a.startsWith(prefix));
  if (inline) return inline.slice(prefix.length);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[i + 1] : undefined;
}

function number(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a number ≥ 0, got "${raw}"`);
  return value;
}

export const USAGE = `usage: npm run bench [-- --quick] [--arm-latency-ms=80] [--k8s-latency-ms=20] [--only=P1,P4] [--out=bench/results.json]`;

export function parseOptions(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  const known = ['--quick', '--help', '--arm-latency-ms', '--k8s-latency-ms', '--only', '--out'];
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.some((k) => arg === k || arg.startsWith(`${k}=`))) throw new Error(`unknown flag ${arg}\n${USAGE}`);
  }
  const quick = argv.includes('--quick');
  const onlyRaw = flag(argv, 'only') ?? env.BENCH_ONLY;
  const only = new Set<MeasureId>(
    onlyRaw
      ? onlyRaw.split(',').map((s) => {
          const id = s.trim().toUpperCase();
          if (!(MEASURE_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown measure ${s}`);
          return id as MeasureId;
        })
      : MEASURE_IDS,
  );
  if (only.has('P6')) only.add('P4'); // P6 counts the credential calls of P4's steady polling
  return {
    quick,
    armLatencyMs: number(flag(argv, 'arm-latency-ms') ?? env.BENCH_ARM_LATENCY_MS, 80, 'arm latency'),
    k8sLatencyMs: number(flag(argv, 'k8s-latency-ms') ?? env.BENCH_K8S_LATENCY_MS, 20, 'kubernetes latency'),
    only,
    out: flag(argv, 'out') ?? 'bench/results.json',
    p1: quick ? { samples: 100, warmup: 30 } : { samples: 1500, warmup: 300 },
    p2: { trials: quick ? 3 : 20 },
    p11: quick
      ? { samples: 100, warmup: 30, trials: 2, blobsPerContainer: 300, repositories: 20 }
      : { samples: 1000, warmup: 200, trials: 5, blobsPerContainer: 3000, repositories: 20 },
    p3: quick ? { maxWarmupTicks: 4, quietTicks: 2, ticks: 2 } : { maxWarmupTicks: 25, quietTicks: 4, ticks: 10 },
    // --quick runs the same code on a shorter clock (TTL 1 s, poll 250 ms) and two viewer counts: a smoke run.
    p4: quick
      ? {
          viewers: [1, 10],
          timeScale: 30,
          ttlSeconds: 1,
          swrSeconds: 10,
          sessionTtlSeconds: 10,
          pollMs: 250,
          settleSeconds: 0.5,
          windowSeconds: 2,
          oneShotViewers: 10,
          oneShotWindowSeconds: 2,
        }
      : {
          viewers: [1, 10, 100, 300],
          timeScale: 10,
          ttlSeconds: 3,
          swrSeconds: 30,
          sessionTtlSeconds: 30,
          pollMs: 500,
          settleSeconds: 3,
          windowSeconds: 24,
          oneShotViewers: 10,
          oneShotWindowSeconds: 12,
        },
    p5: { timeScale: 5, pollMs: 2_000, transitionTtlSeconds: 1, clusters: quick ? 2 : 10, rounds: quick ? 1 : 2 },
    p7: { connections: 50, seconds: quick ? 1 : 8, warmupSeconds: quick ? 0 : 1 },
    p8: { timeScale: 10, ttlSeconds: 3, swrSeconds: 30, pollMs: 1_000, settleSeconds: quick ? 1 : 3, windowSeconds: quick ? 3 : 30 },
    p9: { trials: quick ? 1 : 5 },
    p13: { trials: quick ? 3 : 30, receivers: 4 },
    p10: quick
      ? { scopes: 20, clustersPerScope: 5, samples: 10, viewers: [1, 10], ttlSeconds: 1, swrSeconds: 10, pollMs: 250, settleSeconds: 0.5, windowSeconds: 3 }
      : { scopes: 20, clustersPerScope: 5, samples: 60, viewers: [1, 100], ttlSeconds: 3, swrSeconds: 30, pollMs: 500, settleSeconds: 3, windowSeconds: 24 },
    p12: { scopes: 20, running: 4, stopped: 1, minutes: quick ? 2 : 10 },
  };
}
