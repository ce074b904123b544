// The machine's kubectl against a demo cluster with the admin kubeconfig ARM hands out: discovery, server-side
// printing, logs, metrics. Run as a child process without blocking the event loop (the simulator answers from this
// process). Without a working kubectl the suite is skipped, loudly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DB_NAMESPACE, DEMO_SUBSCRIPTION_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';
import { createContainerServiceClient, getKubeconfig } from '../../shared/azure/arm.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeDemoKubeconfig } from '../../dev/demoKubeconfig.js';
import { configFor } from '../sim/support.js';
import { kubeconfigFile, runChild } from './support.js';

const KUBECTL = '/usr/bin/kubectl';
const RG = 'rg-elb-01';
const CLUSTER = 'elb-01-a';

const probe = await runChild(KUBECTL, ['version', '--client', '-o', 'json']).catch(() => undefined);
const clientVersion = (() => {
  try {
    return probe?.code === 0 ? (JSON.parse(probe.stdout).clientVersion.gitVersion as string) : undefined;
  } catch {
    return undefined;
  }
})();
const SKIP_REASON = `no working kubectl at ${KUBECTL} (kubectl version --client failed): install one to run this suite`;
if (!clientVersion) console.warn(`test/clients/kubectl.test.ts SKIPPED: ${SKIP_REASON}`);

describe.skipIf(!clientVersion)(clientVersion ? `kubectl ${clientVersion} against a demo cluster` : `kubectl (SKIPPED: ${SKIP_REASON})`, () => {
  let sim: SimulatedAzure;
  let kubeconfig: Awaited<ReturnType<typeof kubeconfigFile>>;

  beforeAll(async () => {
    sim = await startSimulatedAzure();
    const config = configFor(sim);
    const arm = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID);
    kubeconfig = await kubeconfigFile(await getKubeconfig(arm, RG, CLUSTER, true));
  });

  afterAll(async () => {
    await kubeconfig?.remove();
    await sim?.close();
  });

  const spec = () => sim.cluster({ resourceGroup: RG, name: CLUSTER }).spec;
  /** kubectl with only the demo kubeconfig (no user config, no cache shared with other runs). */
  async function kubectl(...args: string[]): Promise<string> {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: kubeconfig.path, KUBECACHEDIR: `${kubeconfig.path}.cache` };
    const run = await runChild(KUBECTL, ['--request-timeout=20s', ...args], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return run.stdout;
  }
  /** kubectl's table output as rows of cells (columns are two or more spaces apart). */
  const table = async (...args: string[]) =>
    (await kubectl(...args))
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/));

  it('kubectl get nodes: the server-side table, every node Ready', async () => {
    const [header, ...rows] = await table('get', 'nodes');
    expect(header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(rows.map((r) => r[0]).sort()).toEqual(
      spec()
        .nodes.map((n) => n.name)
        .sort(),
    );
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['Ready']));
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set([`v${spec().kubernetesVersion}`]));
  });

  it('kubectl get pods -A: every pod, with namespace, readiness and status', async () => {
    const [header, ...rows] = await table('get', 'pods', '-A');
    expect(header).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(rows.map((r) => `${r[0]}/${r[1]}`).sort()).toEqual(
      spec()
        .pods.map((p) => `${p.namespace}/${p.name}`)
        .sort(),
    );
    expect(rows.find((r) => r[3] === 'CrashLoopBackOff')?.[4]).toBe('14');
  });

  it('kubectl logs --tail', async () => {
    const pod = spec().pods.find((p) => p.log && p.phase === 'Running' && p.namespace === DEMO_DB_NAMESPACE)!;
    expect(await kubectl('logs', '-n', pod.namespace, pod.name, '--tail=2')).toBe(
      pod
        .log!.slice(-2)
        .map((l) => `${l}\n`)
        .join(''),
    );
  });

  it('kubectl top nodes (metrics.k8s.io found through discovery)', async () => {
    const [header, ...rows] = await table('top', 'nodes');
    expect(header).toEqual(['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%']);
    expect(rows.map((r) => r[0]).sort()).toEqual(
      spec()
        .nodes.map((n) => n.name)
        .sort(),
    );
    for (const row of rows) expect(row[2]).toMatch(/^\d+%$/);
  });

  it('the kubeconfig `npm start` writes: one context per demo cluster; running ones answer', async () => {
    const path = await writeDemoKubeconfig(sim, configFor(sim));
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: path, KUBECACHEDIR: `${path}.cache` };
      const contexts = await runChild(KUBECTL, ['config', 'get-contexts', '-o', 'name'], { env });
      expect(contexts.stdout.trim().split('\n').sort()).toEqual(
        sim
          .clusters()
          .map((c) => `${c.name}-admin`)
          .sort(),
      );
      for (const cluster of sim.clusters().filter((c) => c.powerState === 'Running')) {
        const nodes = await runChild(KUBECTL, ['--context', `${cluster.name}-admin`, 'get', 'nodes', '-o', 'name'], { env });
        expect(nodes.code).toBe(0);
        expect(nodes.stdout.trim().split('\n')).toHaveLength(sim.cluster(cluster).spec.nodes.length);
      }
    } finally {
      await rm(dirname(path), { recursive: true, force: true });
    }
  });
});
