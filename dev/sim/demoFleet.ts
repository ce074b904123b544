// The demo fleet: what `npm start` shows and what most tests start from. Two look-alike resource groups
// (rg-elb-01, rg-elb-01-blue), one stopped cluster, and on elb-01-a the BLAST databases in every warm-up case the
// dashboard knows — core_nt ready 3/3, refseq_protein loading 1/3 (its pods print their progress), pdbaa failed (a
// shard hit its backoff limit), swissprot stale (two source versions, a node re-created after its warm-up, a node
// gone) — and a job history: BLAST searches (succeeded, running, failed with events, suspended) and database preparation.
import { createHash } from 'node:crypto';
import type { ClusterSpec, EventSpec, FleetSpec, JobSpec, NodeSpec, PodSpec } from './fleetSpec.js';
import { demoRegistries, demoStorageAccounts } from './demoResources.js';

export const DEMO_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000001';
/** The second demo subscription (demoFleet(now, { secondSubscription: true })): a few small resource groups. */
export const DEMO_SECOND_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000002';
/** The display names ARM's subscription list gives the two demo subscriptions. */
export const DEMO_SUBSCRIPTION_NAMES = ['ELB Research', 'ELB Production'] as const;
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-0000000000aa';
export const DEMO_LOCATION = 'westeurope';
/** Namespace of the database and its warm-up jobs in the demo clusters. */
export const DEMO_DB_NAMESPACE = 'db';
/** Label of the warm-up jobs (and their pods): the default WARMUP_LABEL_SELECTOR is app=elb-db-warmup. */
export const DEMO_WARMUP_LABELS = { app: 'elb-db-warmup' } as const;
/** Namespace of the BLAST search and database preparation jobs. */
export const DEMO_BLAST_NAMESPACE = 'default';

/** One warm-up job: a database shard copied onto a node (index into the db nodes; 'gone': a node scaled away). */
interface WarmupPlan {
  db: string;
  shard: number;
  node: number | 'gone';
  state: 'done' | 'running' | 'failed';
  sourceVersion: string;
  /** Minutes ago it started, and how long it ran (done, failed). */
  started: number;
  took?: number;
  /** Running: what its pod prints last (percent, seconds left). */
  progress?: [number, number];
}

/** A job of the history: a BLAST search batch or a database preparation. */
interface HistoryPlan {
  name: string;
  app: 'blast' | 'elb-prepare-db';
  state: 'complete' | 'running' | 'failed' | 'suspended';
  started: number;
  took?: number;
}

interface ClusterPlan {
  name: string;
  powerState: 'Running' | 'Stopped';
  kubernetesVersion: string;
  /** A short random-looking id, as in AKS node names (aks-{pool}-{id}-vmss00000N). */
  id: string;
  systemNodes: number;
  /** Database nodes. */
  dbNodes: number;
  /** A db node re-imaged (same name) 20 minutes ago: the warm-ups that completed on it before are stale. */
  recreatedDbNode?: number;
  /** Warm-up jobs; default: core_nt, one shard per db node, all done. */
  warmups?: WarmupPlan[];
  history?: HistoryPlan[];
  /** A crash-looping app pod and an unschedulable one, with their warning events. */
  troubledPods?: boolean;
}

const DAY = 24 * 60;
const CORE_NT = '2026-11-02';
const RELEASE = '2026-12-01';

/** elb-01-a: each database in another state, spread over four db nodes and one that is gone. */
const ELB_01_A_WARMUPS: WarmupPlan[] = [
  ...[0, 1, 2].map((i): WarmupPlan => ({ db: 'core_nt', shard: i, node: i, state: 'done', sourceVersion: CORE_NT, started: 29 * DAY, took: 39 + i * 3 })),
  { db: 'refseq_protein', shard: 0, node: 0, state: 'done', sourceVersion: RELEASE, started: 95, took: 52 },
  { db: 'refseq_protein', shard: 1, node: 1, state: 'running', sourceVersion: RELEASE, started: 30, progress: [62, 540] },
  { db: 'refseq_protein', shard: 2, node: 1, state: 'running', sourceVersion: RELEASE, started: 30, progress: [35, 1260] },
  { db: 'pdbaa', shard: 0, node: 2, state: 'done', sourceVersion: RELEASE, started: 95, took: 12 },
  { db: 'pdbaa', shard: 1, node: 2, state: 'failed', sourceVersion: RELEASE, started: 95, took: 24 },
  { db: 'swissprot', shard: 0, node: 0, state: 'done', sourceVersion: CORE_NT, started: 10 * DAY, took: 8 },
  { db: 'swissprot', shard: 1, node: 3, state: 'done', sourceVersion: RELEASE, started: 2 * DAY + 30, took: 14 },
  { db: 'swissprot', shard: 2, node: 'gone', state: 'done', sourceVersion: CORE_NT, started: 3 * DAY, took: 13 },
];

const ELB_01_A_HISTORY: HistoryPlan[] = [
  { name: 'elb-prepare-db-core-nt', app: 'elb-prepare-db', state: 'complete', started: 30 * DAY, took: 47 },
  { name: 'elb-prepare-db-swissprot', app: 'elb-prepare-db', state: 'complete', started: 2 * DAY + 45, took: 6 },
  { name: 'elb-prepare-db-refseq-protein', app: 'elb-prepare-db', state: 'complete', started: 2 * 60, took: 21 },
  { name: 'blast-core-nt-batch-000', app: 'blast', state: 'complete', started: 3 * 60, took: 18 },
  { name: 'blast-core-nt-batch-001', app: 'blast', state: 'complete', started: 3 * 60, took: 21 },
  { name: 'blast-core-nt-batch-002', app: 'blast', state: 'complete', started: 170, took: 19 },
  { name: 'blast-pdbaa-batch-000', app: 'blast', state: 'failed', started: 65, took: 13 },
  { name: 'blast-core-nt-batch-003', app: 'blast', state: 'running', started: 12 },
  { name: 'blast-swissprot-batch-000', app: 'blast', state: 'suspended', started: 40 },
];

/** Builds the demo fleet with timestamps relative to `now`; `secondSubscription` adds a subscription for the fleet view. */
export function demoFleet(now: Date = new Date(), options: { secondSubscription?: boolean } = {}): FleetSpec {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  const plans: Record<string, ClusterPlan[]> = {
    'rg-elb-01': [
      {
        name: 'elb-01-a',
        powerState: 'Running',
        kubernetesVersion: '1.31.2',
        id: '31415926',
        systemNodes: 2,
        dbNodes: 4,
        recreatedDbNode: 3,
        warmups: ELB_01_A_WARMUPS,
        history: ELB_01_A_HISTORY,
        troubledPods: true,
      },
      { name: 'elb-01-b', powerState: 'Stopped', kubernetesVersion: '1.31.2', id: '27182818', systemNodes: 1, dbNodes: 2 },
      {
        name: 'elb-01-c',
        powerState: 'Running',
        kubernetesVersion: '1.30.6',
        id: '14142135',
        systemNodes: 1,
        dbNodes: 0,
        history: [
          { name: 'blast-swissprot-batch-000', app: 'blast', state: 'complete', started: 5 * 60, took: 4 },
          { name: 'blast-swissprot-batch-001', app: 'blast', state: 'complete', started: 5 * 60, took: 5 },
        ],
      },
    ],
    'rg-elb-01-blue': [{ name: 'elb-01-blue-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '16180339', systemNodes: 1, dbNodes: 2 }],
  };
  const second: Record<string, ClusterPlan[]> = {
    'rg-payments-dev': [
      { name: 'pay-dev-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '57721566', systemNodes: 1, dbNodes: 1 },
      { name: 'pay-dev-b', powerState: 'Stopped', kubernetesVersion: '1.30.6', id: '69314718', systemNodes: 1, dbNodes: 0 },
    ],
    'rg-payments-test': [{ name: 'pay-test-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '30102999', systemNodes: 2, dbNodes: 0 }],
    'rg-data-dev': [{ name: 'data-dev-a', powerState: 'Stopped', kubernetesVersion: '1.29.9', id: '43429448', systemNodes: 1, dbNodes: 2 }],
  };
  const subscription = (subscriptionId: string, displayName: string, groups: Record<string, ClusterPlan[]>) => ({
    subscriptionId,
    tenantId: DEMO_TENANT_ID,
    displayName,
    resourceGroups: Object.entries(groups).map(([name, clusters]) => ({
      name,
      location: DEMO_LOCATION,
      clusters: clusters.map((plan) => buildCluster(plan, at)),
      // The workload resource groups of the first subscription also hold their storage accounts and registries.
      ...(subscriptionId === DEMO_SUBSCRIPTION_ID ? { storageAccounts: demoStorageAccounts(name), registries: demoRegistries(name, now) } : {}),
    })),
  });
  return {
    stateOrdering: 'target',
    subscriptions: [
      subscription(DEMO_SUBSCRIPTION_ID, DEMO_SUBSCRIPTION_NAMES[0], plans),
      ...(options.secondSubscription ? [subscription(DEMO_SECOND_SUBSCRIPTION_ID, DEMO_SUBSCRIPTION_NAMES[1], second)] : []),
    ],
  };
}

/** A stable random-looking name suffix, as Kubernetes controllers generate them. */
function suffix(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (const byte of digest) {
    if (out.length >= length) break;
    out += alphabet.charAt(byte % alphabet.length);
  }
  return out;
}

function buildCluster(plan: ClusterPlan, at: (minutesAgo: number) => string): ClusterSpec {
  const nodes: NodeSpec[] = [];
  const pods: PodSpec[] = [];
  const jobs: JobSpec[] = [];
  const events: EventSpec[] = [];
  const nodeName = (pool: string, i: number) => `aks-${pool}-${plan.id}-vmss${String(i).padStart(6, '0')}`;
  let ip = 4;

  for (let i = 0; i < plan.systemNodes; i++) {
    nodes.push({
      name: nodeName('system', i),
      pool: 'system',
      createdAt: at(30 * DAY + i * 7),
      capacity: { cpu: '4', memory: '16374584Ki', pods: '110' },
      allocatable: { cpu: '3860m', memory: '12880184Ki', pods: '110' },
      usage: { cpu: `${180 + i * 45}m`, memory: `${2_400_000 + i * 310_000}Ki` },
      internalIp: `10.224.0.${ip++}`,
    });
  }
  const warmups =
    plan.warmups ??
    Array.from({ length: plan.dbNodes }, (_, i): WarmupPlan => ({
      db: 'core_nt',
      shard: i,
      node: i,
      state: 'done',
      sourceVersion: CORE_NT,
      started: 29 * DAY,
      took: 40 + i,
    }));
  for (let i = 0; i < plan.dbNodes; i++) {
    const copying = warmups.some((w) => w.node === i && w.state === 'running');
    nodes.push({
      name: nodeName('db', i),
      pool: 'db',
      // A stale warm-up: the node was re-imaged (same name) after its warm-up finished.
      createdAt: plan.recreatedDbNode === i ? at(20) : at(30 * DAY + 60 + i * 11),
      capacity: { cpu: '8', memory: '65842580Ki', pods: '110' },
      allocatable: { cpu: '7820m', memory: '57611156Ki', pods: '110' },
      usage: { cpu: `${copying ? 3450 : 900 + i * 130}m`, memory: `${copying ? 41_000_000 : 18_000_000 + i * 1_200_000}Ki` },
      labels: { workload: 'database' },
      internalIp: `10.224.0.${ip++}`,
    });
  }

  // Daemon pods on every node, and the usual kube-system deployments on the system nodes.
  for (const node of nodes) {
    pods.push({
      namespace: 'kube-system',
      name: `kube-proxy-${suffix(node.name, 5)}`,
      node: node.name,
      phase: 'Running',
      createdAt: node.createdAt,
      labels: { component: 'kube-proxy', tier: 'node' },
      containers: ['kube-proxy'],
      image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v' + plan.kubernetesVersion,
      log: ['I0101 00:00:00.000000       1 server.go:484] "Version info" version="v' + plan.kubernetesVersion + '"'],
    });
  }
  const system0 = nodes[0]!.name;
  const system1 = (nodes[1] ?? nodes[0]!).name;
  pods.push(
    {
      namespace: 'kube-system',
      name: `coredns-${suffix(plan.id, 10)}-${suffix(plan.id + 'a', 5)}`,
      node: system0,
      phase: 'Running',
      createdAt: at(30 * DAY),
      labels: { 'k8s-app': 'kube-dns' },
      containers: ['coredns'],
      image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-5',
    },
    {
      namespace: 'kube-system',
      name: `coredns-${suffix(plan.id, 10)}-${suffix(plan.id + 'b', 5)}`,
      node: system1,
      phase: 'Running',
      createdAt: at(30 * DAY),
      labels: { 'k8s-app': 'kube-dns' },
      containers: ['coredns'],
      image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-5',
    },
    {
      namespace: 'kube-system',
      name: `metrics-server-${suffix(plan.id + 'm', 10)}-${suffix(plan.id + 'm', 5)}`,
      node: system0,
      phase: 'Running',
      createdAt: at(30 * DAY),
      labels: { 'k8s-app': 'metrics-server' },
      containers: ['metrics-server', 'metrics-server-vpa'],
      image: 'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2',
    },
    {
      namespace: 'kube-system',
      name: `konnectivity-agent-${suffix(plan.id + 'k', 10)}-${suffix(plan.id + 'k', 5)}`,
      node: system1,
      phase: 'Running',
      createdAt: at(30 * DAY),
      labels: { app: 'konnectivity-agent' },
      containers: ['konnectivity-agent'],
      image: 'mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3',
    },
  );

  // The database, one replica per db node.
  const dbNodes = nodes.filter((n) => n.pool === 'db');
  dbNodes.forEach((node, i) => {
    pods.push({
      namespace: DEMO_DB_NAMESPACE,
      name: `postgres-${i}`,
      node: node.name,
      phase: 'Running',
      createdAt: node.createdAt,
      labels: { app: 'postgres', 'statefulset.kubernetes.io/pod-name': `postgres-${i}` },
      containers: ['postgres'],
      image: 'postgres:16.6',
      log: ['LOG:  database system is ready to accept connections', `LOG:  checkpoint complete: wrote ${40 + i} buffers`],
    });
  });

  // The BLAST databases' warm-ups: one job per shard, pinned to its node, named warm-<db>-<NN>.
  for (const warmup of warmups) {
    const node = warmup.node === 'gone' ? nodeName('db', plan.dbNodes) : dbNodes[warmup.node]!.name;
    const shard = String(warmup.shard).padStart(2, '0');
    const jobName = `warm-${warmup.db.replaceAll('_', '-')}-${shard}`;
    const job: JobSpec = {
      namespace: DEMO_DB_NAMESPACE,
      name: jobName,
      labels: { ...DEMO_WARMUP_LABELS, db: warmup.db, shard },
      annotations: { 'elb.dashboard/source-version': warmup.sourceVersion },
      status: warmup.state === 'done' ? 'complete' : warmup.state,
      startedAt: at(warmup.started),
      ...(warmup.took !== undefined ? { finishedAt: at(warmup.started - warmup.took) } : {}),
      node,
      backoffLimit: 1,
      activeDeadlineSeconds: 3600,
      container: 'warmup',
      image: 'elbacr.azurecr.io/elb-db-warmup:1.4.0',
      ...(warmup.state === 'failed' ? { failedAttempts: 2 } : {}),
    };
    jobs.push(job);
    // The pod of a job whose node is gone was garbage-collected with the node.
    if (warmup.node === 'gone') continue;
    const log = warmupLog(warmup, node);
    const attempts: [string, number, number | undefined][] =
      warmup.state === 'failed'
        ? [
            [`${jobName}-${suffix(`${jobName}1`, 5)}`, warmup.started, warmup.started - 12],
            [`${jobName}-${suffix(`${jobName}2`, 5)}`, warmup.started - 12, warmup.started - (warmup.took ?? 24)],
          ]
        : [[`${jobName}-${suffix(jobName, 5)}`, warmup.started, warmup.took !== undefined ? warmup.started - warmup.took : undefined]];
    for (const [podName, startedAgo, finishedAgo] of attempts) {
      pods.push({
        namespace: DEMO_DB_NAMESPACE,
        name: podName,
        node,
        phase: warmup.state === 'done' ? 'Succeeded' : warmup.state === 'failed' ? 'Failed' : 'Running',
        createdAt: at(startedAgo),
        ...(finishedAgo !== undefined ? { finishedAt: at(finishedAgo) } : {}),
        ...(warmup.state === 'failed' ? { exitCode: 3 } : {}),
        ownerJob: jobName,
        containers: ['warmup'],
        image: job.image!,
        log,
      });
    }
    events.push(...jobEvents(job, attempts[attempts.length - 1]![0], node, at));
  }
  if (warmups.some((w) => w.node === 'gone')) {
    const gone = nodeName('db', plan.dbNodes);
    events.push({
      namespace: 'default',
      type: 'Normal',
      reason: 'RemovingNode',
      message: `Node ${gone} event: Removing Node ${gone} from Controller`,
      involvedObject: { kind: 'Node', name: gone },
      lastAt: at(2 * DAY),
      source: 'node-controller',
    });
  }

  // The job history: BLAST search batches and database preparations (their finished pods are cleaned up).
  for (const entry of plan.history ?? []) {
    const job: JobSpec = {
      namespace: DEMO_BLAST_NAMESPACE,
      name: entry.name,
      labels: { app: entry.app },
      status: entry.state,
      startedAt: at(entry.started),
      ...(entry.took !== undefined ? { finishedAt: at(entry.started - entry.took) } : {}),
      backoffLimit: entry.app === 'blast' ? 1 : 2,
      container: entry.app,
      image: entry.app === 'blast' ? 'elbacr.azurecr.io/ncbi/elb:1.3.1' : 'elbacr.azurecr.io/elb-prepare-db:1.4.0',
      ...(entry.state === 'failed' ? { failedAttempts: 2 } : {}),
    };
    jobs.push(job);
    if (entry.state === 'running' || entry.state === 'failed') {
      const attempts = entry.state === 'failed' ? [1, 2] : [1];
      const searchNode = (dbNodes[0] ?? nodes[0]!).name;
      for (const attempt of attempts) {
        const startedAgo = entry.started - (attempt - 1) * 6;
        pods.push({
          namespace: DEMO_BLAST_NAMESPACE,
          name: `${entry.name}-${suffix(`${entry.name}${attempt}`, 5)}`,
          node: searchNode,
          phase: entry.state === 'failed' ? 'Failed' : 'Running',
          createdAt: at(startedAgo),
          ...(entry.state === 'failed' ? { finishedAt: at(startedAgo - 1), exitCode: 2 } : {}),
          ownerJob: entry.name,
          containers: [entry.app],
          image: job.image!,
          log: blastLog(entry),
        });
      }
      events.push(...jobEvents(job, `${entry.name}-${suffix(`${entry.name}${attempts.length}`, 5)}`, searchNode, at));
    }
  }

  if (plan.troubledPods) {
    const crashing = `report-worker-${suffix(plan.id + 'r', 10)}-${suffix(plan.id + 'r', 5)}`;
    const pending = `batch-import-${suffix(plan.id + 'b', 10)}-${suffix(plan.id + 'b', 5)}`;
    const crashNode = (dbNodes[2] ?? nodes[0]!).name;
    pods.push(
      {
        namespace: DEMO_DB_NAMESPACE,
        name: `orders-api-${suffix(plan.id + 'o', 10)}-${suffix(plan.id + 'o1', 5)}`,
        node: (dbNodes[0] ?? nodes[0]!).name,
        phase: 'Running',
        createdAt: at(3 * DAY),
        labels: { app: 'orders-api' },
        containers: ['api'],
        image: 'contoso.azurecr.io/orders-api:2.14.1',
        log: ['GET /healthz 200 1ms', 'GET /orders?limit=50 200 23ms'],
      },
      {
        namespace: DEMO_DB_NAMESPACE,
        name: crashing,
        node: crashNode,
        phase: 'Running',
        waitingReason: 'CrashLoopBackOff',
        restarts: 14,
        createdAt: at(2 * 60),
        labels: { app: 'report-worker' },
        containers: ['worker'],
        image: 'contoso.azurecr.io/report-worker:0.9.0',
        log: ['starting report worker', 'connecting to postgres-0.postgres.db.svc:5432', 'FATAL: password authentication failed for user "reports"'],
      },
      {
        namespace: 'default',
        name: pending,
        phase: 'Pending',
        createdAt: at(15),
        labels: { app: 'batch-import' },
        containers: ['import'],
        image: 'contoso.azurecr.io/batch-import:1.2.0',
      },
    );
    events.push(
      {
        namespace: DEMO_DB_NAMESPACE,
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container worker in pod ${crashing}_${DEMO_DB_NAMESPACE}`,
        involvedObject: { kind: 'Pod', name: crashing },
        count: 57,
        firstAt: at(2 * 60),
        lastAt: at(1),
        source: 'kubelet',
      },
      {
        namespace: 'default',
        type: 'Warning',
        reason: 'FailedScheduling',
        message: `0/${nodes.length} nodes are available: ${nodes.length} Insufficient memory. preemption: 0/${nodes.length} nodes are available: ${nodes.length} No preemption victims found for incoming pod.`,
        involvedObject: { kind: 'Pod', name: pending },
        count: 4,
        firstAt: at(15),
        lastAt: at(2),
        source: 'default-scheduler',
      },
      {
        namespace: 'default',
        type: 'Normal',
        reason: 'RegisteredNode',
        message: `Node ${dbNodes[3]?.name ?? nodes[0]!.name} event: Registered Node ${dbNodes[3]?.name ?? nodes[0]!.name} in Controller`,
        involvedObject: { kind: 'Node', name: dbNodes[3]?.name ?? nodes[0]!.name },
        lastAt: at(20),
        source: 'node-controller',
      },
    );
  }

  return {
    name: plan.name,
    powerState: plan.powerState,
    kubernetesVersion: plan.kubernetesVersion,
    aad: true,
    tags: { environment: 'demo', owner: 'platform-team' },
    agentPools: [
      { name: 'system', mode: 'System', vmSize: 'Standard_D4s_v5', count: plan.systemNodes },
      ...(plan.dbNodes ? [{ name: 'db', mode: 'User' as const, vmSize: 'Standard_E8s_v5', count: plan.dbNodes, minCount: 1, maxCount: 6 }] : []),
    ],
    nodes,
    pods,
    jobs,
    events,
  };
}

/** What a job's controller and the kubelet report: completion, a running pod's start, a backoff limit reached. */
function jobEvents(job: JobSpec, podName: string, node: string, at: (minutesAgo: number) => string): EventSpec[] {
  const involvedObject = { kind: 'Job', name: job.name };
  const created: EventSpec = {
    namespace: job.namespace,
    type: 'Normal',
    reason: 'SuccessfulCreate',
    message: `Created pod: ${podName}`,
    involvedObject,
    lastAt: job.startedAt,
    source: 'job-controller',
  };
  switch (job.status) {
    case 'complete':
      return [
        {
          namespace: job.namespace,
          type: 'Normal',
          reason: 'Completed',
          message: 'Job completed',
          involvedObject,
          lastAt: job.finishedAt ?? at(0),
          source: 'job-controller',
        },
      ];
    case 'running':
      return [
        created,
        {
          namespace: job.namespace,
          type: 'Normal',
          reason: 'Scheduled',
          message: `Successfully assigned ${job.namespace}/${podName} to ${node}`,
          involvedObject: { kind: 'Pod', name: podName },
          lastAt: job.startedAt,
          source: 'default-scheduler',
        },
        {
          namespace: job.namespace,
          type: 'Normal',
          reason: 'Started',
          message: `Started container ${job.container ?? 'main'}`,
          involvedObject: { kind: 'Pod', name: podName },
          lastAt: job.startedAt,
          source: 'kubelet',
        },
      ];
    case 'failed':
      return [
        created,
        {
          namespace: job.namespace,
          type: 'Warning',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          involvedObject,
          lastAt: job.finishedAt ?? at(0),
          source: 'job-controller',
        },
      ];
    case 'suspended':
      return [];
  }
}

/** A warm-up pod's log: the progress lines in the one format the dashboard reads (`progress 42% eta 300s`). */
function warmupLog(warmup: WarmupPlan, node: string): string[] {
  const shard = String(warmup.shard).padStart(2, '0');
  const lines = [
    `elb-db-warmup: ${warmup.db} shard ${shard} (source ${warmup.sourceVersion}) onto ${node}:/blast/db`,
    `elb-db-warmup: copying ${warmup.db}.${shard}.* from blast-db/${warmup.db}/${warmup.sourceVersion}/`,
    'progress 10% eta 1800s',
  ];
  if (warmup.state === 'running') {
    const [percent, eta] = warmup.progress ?? [50, 900];
    return [...lines, `progress ${percent}% eta ${eta}s`];
  }
  if (warmup.state === 'failed') return [...lines, 'elb-db-warmup: ERROR: write /blast/db/pdbaa.01.pin: no space left on device', 'elb-db-warmup: exit 3'];
  return [...lines, 'progress 100% eta 0s', `elb-db-warmup: ${warmup.db} shard ${shard} ready in ${(warmup.took ?? 0) * 60}s`];
}

function blastLog(entry: HistoryPlan): string[] {
  const db = entry.name
    .replace(/^blast-/, '')
    .replace(/-batch-\d+$/, '')
    .replaceAll('-', '_');
  const start = [`elb: ${entry.name}: blastn -db ${db} -query batch.fa -outfmt 11 -num_threads 8`];
  if (entry.state === 'failed') return [...start, `BLAST Database error: No alias or index file found for protein database [${db}] in search path [/blast/db]`];
  return [...start, 'elb: 1,024 queries, 412 done'];
}
