// The demo fleet: what `npm start` shows and what most tests start from. Two look-alike resource groups
// (rg-elb-01, rg-elb-01-blue), one stopped cluster, and on elb-01-a every warm-up case the dashboard knows:
// done, running, failed, stale (node newer than its warm-up), and a warm-up whose node is gone.
import { createHash } from 'node:crypto';
import type { ClusterSpec, EventSpec, FleetSpec, JobSpec, NodeSpec, PodSpec } from './fleetSpec.js';

export const DEMO_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000001';
/** The second demo subscription (demoFleet(now, { secondSubscription: true })): a few small resource groups. */
export const DEMO_SECOND_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000002';
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-0000000000aa';
export const DEMO_LOCATION = 'westeurope';
/** Namespace of the database and its warm-up jobs in the demo clusters. */
export const DEMO_DB_NAMESPACE = 'db';
/** Label of the warm-up jobs (and their pods): the default WARMUP_LABEL_SELECTOR is app=warmup. */
export const DEMO_WARMUP_LABELS = { app: 'warmup' } as const;

type Warmup = 'done' | 'running' | 'failed' | 'stale' | 'none';

interface ClusterPlan {
  name: string;
  powerState: 'Running' | 'Stopped';
  kubernetesVersion: string;
  /** A short random-looking id, as in AKS node names (aks-{pool}-{id}-vmss00000N). */
  id: string;
  systemNodes: number;
  /** One entry per database node: the state of its warm-up. */
  dbNodes: Warmup[];
  /** A warm-up whose node was scaled away (the Job remains, its pod was garbage-collected). */
  goneNodeWarmup?: boolean;
  /** A crash-looping app pod and an unschedulable one, with their warning events. */
  troubledPods?: boolean;
}

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
        dbNodes: ['done', 'running', 'failed', 'stale'],
        goneNodeWarmup: true,
        troubledPods: true,
      },
      { name: 'elb-01-b', powerState: 'Stopped', kubernetesVersion: '1.31.2', id: '27182818', systemNodes: 1, dbNodes: ['done', 'done'] },
      { name: 'elb-01-c', powerState: 'Running', kubernetesVersion: '1.30.6', id: '14142135', systemNodes: 1, dbNodes: [] },
    ],
    'rg-elb-01-blue': [
      { name: 'elb-01-blue-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '16180339', systemNodes: 1, dbNodes: ['done', 'done'] },
    ],
  };
  const second: Record<string, ClusterPlan[]> = {
    'rg-payments-dev': [
      { name: 'pay-dev-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '57721566', systemNodes: 1, dbNodes: ['done'] },
      { name: 'pay-dev-b', powerState: 'Stopped', kubernetesVersion: '1.30.6', id: '69314718', systemNodes: 1, dbNodes: [] },
    ],
    'rg-payments-test': [{ name: 'pay-test-a', powerState: 'Running', kubernetesVersion: '1.31.2', id: '30102999', systemNodes: 2, dbNodes: [] }],
    'rg-data-dev': [{ name: 'data-dev-a', powerState: 'Stopped', kubernetesVersion: '1.29.9', id: '43429448', systemNodes: 1, dbNodes: ['done', 'done'] }],
  };
  const subscription = (subscriptionId: string, groups: Record<string, ClusterPlan[]>) => ({
    subscriptionId,
    tenantId: DEMO_TENANT_ID,
    resourceGroups: Object.entries(groups).map(([name, clusters]) => ({
      name,
      location: DEMO_LOCATION,
      clusters: clusters.map((plan) => buildCluster(plan, at)),
    })),
  });
  return {
    stateOrdering: 'target',
    subscriptions: [subscription(DEMO_SUBSCRIPTION_ID, plans), ...(options.secondSubscription ? [subscription(DEMO_SECOND_SUBSCRIPTION_ID, second)] : [])],
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
  const DAY = 24 * 60;
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
  plan.dbNodes.forEach((warmup, i) => {
    nodes.push({
      name: nodeName('db', i),
      pool: 'db',
      // A stale warm-up: the node was re-imaged (same name) after its warm-up finished.
      createdAt: warmup === 'stale' ? at(20) : at(30 * DAY + 60 + i * 11),
      capacity: { cpu: '8', memory: '65842580Ki', pods: '110' },
      allocatable: { cpu: '7820m', memory: '57611156Ki', pods: '110' },
      usage: { cpu: `${warmup === 'running' ? 3450 : 900 + i * 130}m`, memory: `${warmup === 'running' ? 41_000_000 : 18_000_000 + i * 1_200_000}Ki` },
      labels: { workload: 'database' },
      internalIp: `10.224.0.${ip++}`,
    });
  });

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

  // The database, one replica per db node, and its warm-ups.
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
    const warmup = plan.dbNodes[i]!;
    if (warmup === 'none') return;
    const jobName = `warmup-${node.name.replace(/^aks-/, '')}`;
    const podName = `${jobName}-${suffix(jobName, 5)}`;
    const labels = { ...DEMO_WARMUP_LABELS };
    if (warmup === 'done' || warmup === 'stale') {
      const started = warmup === 'stale' ? 2 * DAY + 30 : 29 * DAY;
      jobs.push({
        namespace: DEMO_DB_NAMESPACE,
        name: jobName,
        labels,
        status: 'complete',
        startedAt: at(started),
        finishedAt: at(started - 14),
        node: node.name,
      });
      pods.push({
        namespace: DEMO_DB_NAMESPACE,
        name: podName,
        node: node.name,
        phase: 'Succeeded',
        createdAt: at(started),
        finishedAt: at(started - 14),
        ownerJob: jobName,
        containers: ['warmup'],
        log: warmupLog(node.name, 'done'),
      });
      events.push({
        namespace: DEMO_DB_NAMESPACE,
        type: 'Normal',
        reason: 'Completed',
        message: 'Job completed',
        involvedObject: { kind: 'Job', name: jobName },
        lastAt: at(started - 14),
        source: 'job-controller',
      });
    } else if (warmup === 'running') {
      jobs.push({ namespace: DEMO_DB_NAMESPACE, name: jobName, labels, status: 'running', startedAt: at(6), node: node.name });
      pods.push({
        namespace: DEMO_DB_NAMESPACE,
        name: podName,
        node: node.name,
        phase: 'Running',
        createdAt: at(6),
        ownerJob: jobName,
        containers: ['warmup'],
        log: warmupLog(node.name, 'running'),
      });
      events.push(
        {
          namespace: DEMO_DB_NAMESPACE,
          type: 'Normal',
          reason: 'SuccessfulCreate',
          message: `Created pod: ${podName}`,
          involvedObject: { kind: 'Job', name: jobName },
          lastAt: at(6),
          source: 'job-controller',
        },
        {
          namespace: DEMO_DB_NAMESPACE,
          type: 'Normal',
          reason: 'Scheduled',
          message: `Successfully assigned ${DEMO_DB_NAMESPACE}/${podName} to ${node.name}`,
          involvedObject: { kind: 'Pod', name: podName },
          lastAt: at(6),
          source: 'default-scheduler',
        },
        {
          namespace: DEMO_DB_NAMESPACE,
          type: 'Normal',
          reason: 'Started',
          message: 'Started container warmup',
          involvedObject: { kind: 'Pod', name: podName },
          lastAt: at(6),
          source: 'kubelet',
        },
      );
    } else {
      // 'failed'
      jobs.push({
        namespace: DEMO_DB_NAMESPACE,
        name: jobName,
        labels,
        status: 'failed',
        startedAt: at(95),
        finishedAt: at(71),
        node: node.name,
        backoffLimit: 1,
        failedAttempts: 2,
      });
      for (const [attempt, minutesAgo] of [
        [1, 95],
        [2, 83],
      ] as const) {
        pods.push({
          namespace: DEMO_DB_NAMESPACE,
          name: `${jobName}-${suffix(`${jobName}${attempt}`, 5)}`,
          node: node.name,
          phase: 'Failed',
          createdAt: at(minutesAgo),
          finishedAt: at(minutesAgo - 12),
          exitCode: 3,
          ownerJob: jobName,
          containers: ['warmup'],
          log: warmupLog(node.name, 'failed'),
        });
      }
      events.push({
        namespace: DEMO_DB_NAMESPACE,
        type: 'Warning',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        involvedObject: { kind: 'Job', name: jobName },
        lastAt: at(71),
        source: 'job-controller',
      });
    }
  });
  if (plan.goneNodeWarmup) {
    const gone = nodeName('db', plan.dbNodes.length);
    const jobName = `warmup-${gone.replace(/^aks-/, '')}`;
    jobs.push({
      namespace: DEMO_DB_NAMESPACE,
      name: jobName,
      labels: { ...DEMO_WARMUP_LABELS },
      status: 'complete',
      startedAt: at(3 * DAY),
      finishedAt: at(3 * DAY - 13),
      node: gone,
    });
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
      ...(plan.dbNodes.length ? [{ name: 'db', mode: 'User' as const, vmSize: 'Standard_E8s_v5', count: plan.dbNodes.length, minCount: 1, maxCount: 6 }] : []),
    ],
    nodes,
    pods,
    jobs,
    events,
  };
}

function warmupLog(node: string, outcome: 'done' | 'running' | 'failed'): string[] {
  const lines = [
    `warmup: node ${node}`,
    'warmup: connecting to postgres on localhost:5432',
    'warmup: pg_prewarm orders (1/4)',
    'warmup: pg_prewarm order_items (2/4)',
  ];
  if (outcome === 'running') return [...lines, 'warmup: pg_prewarm customers (3/4)'];
  if (outcome === 'failed') return [...lines, 'warmup: ERROR: could not open relation "customers_archive": No such file or directory', 'warmup: exit 3'];
  return [...lines, 'warmup: pg_prewarm customers (3/4)', 'warmup: pg_prewarm products (4/4)', 'warmup: done in 812s'];
}
