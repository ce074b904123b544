// The real local stack for the measures: one Azurite (each stack gets its own tables), the simulated Azure with
// the injected latency, and as many app instances (local function hosts) as a measure needs, each with its
// settings. Everything listens on 127.0.0.1 and is closed at the end.
import { startAzurite, type AzuriteTables } from '../../dev/azurite.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { DEMO_SUBSCRIPTION_ID, startSimulatedAzure, type SimulatedAzure, type SimulatedAzureOptions } from '../../dev/sim/index.js';
import type { Env } from '../../shared/config.js';
import type { BenchOptions } from '../options.js';

export interface BenchEnvironment {
  readonly options: BenchOptions;
  readonly azurite: AzuriteTables;
  /** The demo fleet, with the injected latency. */
  readonly sim: SimulatedAzure;
  /** Another simulated Azure (a measure's own fleet or operation durations), with the same injected latency. */
  startSim(options: SimulatedAzureOptions): Promise<SimulatedAzure>;
  /** An app instance on its own tables; `name` keeps the tables of two stacks apart. */
  startStack(name: string, env?: Env, sim?: SimulatedAzure): Promise<LocalStack>;
  close(): Promise<void>;
}

/** Every ARM call and every Kubernetes call waits this long before it is answered. */
export function injectLatency(sim: SimulatedAzure, options: Pick<BenchOptions, 'armLatencyMs' | 'k8sLatencyMs'>): void {
  if (options.armLatencyMs > 0) sim.inject({ target: 'arm', path: () => true, latencyMs: options.armLatencyMs });
  if (options.k8sLatencyMs > 0) sim.inject({ target: 'kubernetes', path: () => true, latencyMs: options.k8sLatencyMs });
}

export async function startBenchEnvironment(options: BenchOptions): Promise<BenchEnvironment> {
  const azurite = await startAzurite();
  const sims: SimulatedAzure[] = [];
  const stacks: LocalStack[] = [];
  const startSim = async (simOptions: SimulatedAzureOptions) => {
    const sim = await startSimulatedAzure({ requestLogCapacity: 50_000, blobStore: azurite.blobEndpoint, ...simOptions });
    sims.push(sim);
    injectLatency(sim, options);
    return sim;
  };
  try {
    const sim = await startSim({});
    return {
      options,
      azurite,
      sim,
      startSim,
      async startStack(name, env = {}, onSim = sim) {
        const table = name.toLowerCase().replace(/[^a-z0-9]/g, '');
        const stack = await startLocalStack({
          tablesConnectionString: azurite.connectionString,
          sim: onSim,
          timers: false,
          log: () => {},
          hostLog: () => {},
          env: { CACHE_TABLE_NAME: `bench${table}cache`, INSPECTOR_TABLE_NAME: `bench${table}inspector`, ...env },
        });
        stacks.push(stack);
        return stack;
      },
      async close() {
        for (const stack of stacks.splice(0)) await stack.close().catch(() => {});
        for (const s of sims.splice(0)) await s.close().catch(() => {});
        await azurite.stop();
      },
    };
  } catch (error) {
    for (const s of sims) await s.close().catch(() => {});
    await azurite.stop();
    throw error;
  }
}

export const DEMO_SCOPE = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: 'rg-elb-01' } as const;
export const RUNNING_CLUSTERS = ['elb-01-a', 'elb-01-c'] as const;
