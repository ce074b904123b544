// One kubeconfig for every demo cluster (a context per cluster, named after it), built from the admin credentials
// the simulated ARM hands out, so any Kubernetes client (kubectl, python3-kubernetes) can look at what the
// dashboard shows: `KUBECONFIG=<file> kubectl --context elb-01-a-admin get pods -A`. It holds client keys: the file
// is 0600 in a private 0700 folder, and only its path is printed.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import type { Config } from '../shared/config.js';
import { createContainerServiceClient, getKubeconfig } from '../shared/azure/arm.js';
import { createAzureCredential } from '../shared/azure/credentials.js';
import type { SimulatedAzure } from './sim/index.js';

interface Kubeconfig {
  clusters: object[];
  contexts: object[];
  users: object[];
  'current-context': string;
}

/**
 * Writes the merged admin kubeconfig of the simulator's clusters into `folder` (default: a new private temp folder,
 * which the caller removes); returns its path.
 */
export async function writeDemoKubeconfig(sim: SimulatedAzure, config: Config, folder?: string): Promise<string> {
  const credential = createAzureCredential(config.azure);
  const merged: Kubeconfig & Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [],
    contexts: [],
    users: [],
    'current-context': '',
  };
  for (const cluster of sim.clusters()) {
    const arm = createContainerServiceClient(config, credential, cluster.subscriptionId);
    const one = load(await getKubeconfig(arm, cluster.resourceGroup, cluster.name, true)) as Kubeconfig;
    merged.clusters.push(...one.clusters);
    merged.contexts.push(...one.contexts);
    merged.users.push(...one.users);
    merged['current-context'] ||= one['current-context'];
  }
  const path = join(folder ?? (await mkdtemp(join(tmpdir(), 'aks-dashboard-demo-'))), 'kubeconfig');
  await writeFile(path, dump(merged), { mode: 0o600 });
  return path;
}
