// Debian's python3-kubernetes client (.ci/run installs it with apt-get) reads a demo cluster through every path the
// dashboard uses, and deserializes each answer into its own models. It lives under Debian's system interpreter,
// which may not be the first python3 on PATH. Without it the suite is skipped, loudly.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AKS_ENTRA_SERVER_ID,
  DEMO_DB_NAMESPACE,
  DEMO_SUBSCRIPTION_ID,
  DEMO_WARMUP_LABELS,
  startSimulatedAzure,
  type SimulatedAzure,
} from '../../dev/sim/index.js';
import { createContainerServiceClient, getKubeconfig } from '../../shared/azure/arm.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { configFor } from '../sim/support.js';
import { kubeconfigFile, runChild } from './support.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./read_cluster.py', import.meta.url));
const RG = 'rg-elb-01';
const CLUSTER = 'elb-01-a';

const probe = await runChild(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)']).catch(() => undefined);
const clientVersion = probe?.code === 0 ? probe.stdout.trim() : undefined;
const SKIP_REASON = `Debian's python3-kubernetes is missing under ${PYTHON}: install it (apt-get install -y python3-kubernetes, as .ci/run does) to run this suite`;
if (!clientVersion) console.warn(`test/clients/python.test.ts SKIPPED: ${SKIP_REASON}`);

describe.skipIf(!clientVersion)(
  clientVersion ? `python3-kubernetes ${clientVersion} against a demo cluster` : `python3-kubernetes (SKIPPED: ${SKIP_REASON})`,
  () => {
    let sim: SimulatedAzure;
    let kubeconfig: Awaited<ReturnType<typeof kubeconfigFile>>;
    let report: any;

    beforeAll(async () => {
      sim = await startSimulatedAzure();
      const config = configFor(sim);
      const arm = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID);
      kubeconfig = await kubeconfigFile(await getKubeconfig(arm, RG, CLUSTER, true));
      const logPod = spec().pods.find((p) => p.log && p.phase === 'Running')!;
      const input = JSON.stringify({
        kubeconfig: kubeconfig.path,
        namespace: DEMO_DB_NAMESPACE,
        logPod: [logPod.namespace, logPod.name],
        jobSelector: Object.entries(DEMO_WARMUP_LABELS)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
        bearer: sim.tokenFor(AKS_ENTRA_SERVER_ID),
      });
      const run = await runChild(PYTHON, [SCRIPT], { input });
      if (run.code !== 0) throw new Error(`read_cluster.py exited ${run.code}:\n${run.stderr}`);
      report = JSON.parse(run.stdout);
    });

    afterAll(async () => {
      await kubeconfig?.remove();
      await sim?.close();
    });

    const spec = () => sim.cluster({ resourceGroup: RG, name: CLUSTER }).spec;

    it('VersionApi.get_code() (GET /version/)', () => {
      expect(report.version).toBe(`v${spec().kubernetesVersion}`);
    });

    it('nodes: list and read', () => {
      expect(report.nodes.sort()).toEqual(
        spec()
          .nodes.map((n) => n.name)
          .sort(),
      );
      expect(report.readNode).toEqual({ name: report.nodes[0], kubelet: `v${spec().kubernetesVersion}` });
    });

    it('pods with limit/continue across every page: the same pods as one list', () => {
      expect(report.pods).toEqual(report.allPods);
      expect(report.pods).toHaveLength(spec().pods.length);
      expect(report.podPages).toBe(Math.ceil(spec().pods.length / 4));
      expect(report.namespacedPods.sort()).toEqual(
        spec()
          .pods.filter((p) => p.namespace === DEMO_DB_NAMESPACE)
          .map((p) => p.name)
          .sort(),
      );
    });

    it('pod log with tail_lines', () => {
      const pod = spec().pods.find((p) => p.log && p.phase === 'Running')!;
      expect(report.log).toBe(pod.log!.slice(-2).join('\n') + '\n');
    });

    it('events, jobs by label selector, node metrics through CustomObjectsApi', () => {
      expect(report.events).toEqual({ count: spec().events.length, types: ['Normal', 'Warning'] });
      expect(report.jobs).toEqual(
        spec()
          .jobs.filter((j) => j.labels?.app === DEMO_WARMUP_LABELS.app)
          .map((j) => j.name)
          .sort(),
      );
      expect(report.nodeMetrics).toEqual(
        spec()
          .nodes.map((n) => n.name)
          .sort(),
      );
    });

    it('404 and 401 come as Status objects', () => {
      expect(report.notFound).toEqual({
        status: 404,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'pods "no-such-pod" not found',
          reason: 'NotFound',
          details: { name: 'no-such-pod', kind: 'pods' },
          code: 404,
        },
      });
      expect(report.unauthorized).toEqual({
        status: 401,
        body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
      });
      expect(report.bearerNodes).toBe(spec().nodes.length);
    });
  },
);
