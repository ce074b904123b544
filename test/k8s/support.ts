// Real sessions against the simulated Azure: the demo fleet at a fixed time, credentials from ARM through the real
// SDK, the API servers over HTTPS through one session pool.
import { startSimulatedAzure, demoFleet, type SimulatedAzure } from '../../dev/sim/index.js';
import { loadConfig } from '../../shared/config.js';
import { createArmClientFactory, getKubeconfig } from '../../shared/azure/arm.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { createSessionFactory, type KubeSession } from '../../shared/k8s/session.js';
import { SessionPool } from '../../shared/k8s/sessionPool.js';

export interface SimulatedSessions {
  sim: SimulatedAzure;
  pool: SessionPool<KubeSession>;
  close: () => Promise<void>;
}

/** The demo fleet as it stands at `now` (its operations finish only when the test says) and a pool of sessions to it. */
export async function startSimulatedSessions(now: Date): Promise<SimulatedSessions> {
  const sim = await startSimulatedAzure({ fleet: demoFleet(now), durations: { start: 'manual', stop: 'manual', delete: 'manual' } });
  const config = loadConfig({ ...sim.appSettings(), TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', UPSTREAM_TIMEOUT_MS: '5000' });
  const credential = createAzureCredential(config.azure);
  const arm = createArmClientFactory(config, credential);
  const pool = new SessionPool<KubeSession>({
    ttlSeconds: 300,
    maxEntries: 8,
    factory: createSessionFactory({
      getKubeconfig: (key, signal) => getKubeconfig(arm(key.subscriptionId), key.resourceGroup, key.cluster, key.admin, { abortSignal: signal }),
      credential,
      timeoutMs: 5000,
    }),
  });
  const close = async () => {
    await pool.drain();
    await sim.close();
  };
  return { sim, pool, close };
}
