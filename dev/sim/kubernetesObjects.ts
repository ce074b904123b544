// Renders a cluster's fleet description as the Kubernetes API objects a real AKS API server returns
// (core/v1 Node, Pod, Event, Namespace; batch/v1 Job; metrics.k8s.io/v1beta1 NodeMetrics, PodMetrics).
import { createHash } from 'node:crypto';
import type { ClusterSpec, EventSpec, JobSpec, NodeSpec, PodSpec } from './fleetSpec.js';

export interface RenderContext {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  cluster: ClusterSpec;
  /** Bumped on every change of the cluster's data. */
  resourceVersion: string;
}

/** Stable uid per object, so repeated reads agree (clients use uids to match owners). */
export function uidOf(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function meta<E extends object>(ctx: RenderContext, kind: string, name: string, namespace: string | undefined, createdAt: string, extra: E = {} as E) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    uid: uidOf(ctx.subscriptionId, ctx.resourceGroup, ctx.cluster.name, kind, namespace ?? '', name),
    resourceVersion: ctx.resourceVersion,
    creationTimestamp: createdAt,
    ...extra,
  };
}

function nodeResourceGroup(ctx: RenderContext): string {
  return `MC_${ctx.resourceGroup}_${ctx.cluster.name}_${ctx.location}`;
}

function vmssOf(node: NodeSpec): { vmss: string; instance: string } {
  const m = /^(.*vmss)([0-9a-z]{6})$/.exec(node.name);
  return m ? { vmss: m[1]!, instance: String(parseInt(m[2]!, 36)) } : { vmss: `${node.name}-vmss`, instance: '0' };
}

export function renderNode(ctx: RenderContext, node: NodeSpec) {
  const pool = ctx.cluster.agentPools.find((p) => p.name === node.pool);
  const { vmss, instance } = vmssOf(node);
  const ready = node.ready ?? true;
  const allocatable = node.allocatable ?? node.capacity;
  const version = `v${ctx.cluster.kubernetesVersion}`;
  const heartbeat = new Date().toISOString();
  return {
    metadata: meta(ctx, 'Node', node.name, undefined, node.createdAt, {
      labels: {
        agentpool: node.pool,
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.azure.com/agentpool': node.pool,
        'kubernetes.azure.com/cluster': nodeResourceGroup(ctx),
        'kubernetes.azure.com/mode': (pool?.mode ?? 'User').toLowerCase(),
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node.kubernetes.io/instance-type': pool?.vmSize ?? 'Standard_D4s_v5',
        'topology.kubernetes.io/region': ctx.location,
        'topology.kubernetes.io/zone': '0',
        ...node.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    }),
    spec: {
      providerID: `azure:///subscriptions/${ctx.subscriptionId}/resourceGroups/${nodeResourceGroup(ctx).toLowerCase()}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}/virtualMachines/${instance}`,
      ...(node.unschedulable ? { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: heartbeat }] } : {}),
    },
    status: {
      capacity: { cpu: node.capacity.cpu, memory: node.capacity.memory, pods: node.capacity.pods ?? '110', 'ephemeral-storage': '129886128Ki' },
      allocatable: { cpu: allocatable.cpu, memory: allocatable.memory, pods: allocatable.pods ?? '110', 'ephemeral-storage': '119703055367' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
        ready
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
          : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' },
      ].map((c) => ({ ...c, lastHeartbeatTime: heartbeat, lastTransitionTime: node.createdAt })),
      addresses: [
        { type: 'InternalIP', address: node.internalIp ?? '10.224.0.4' },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: uidOf(node.name, 'boot'),
        containerRuntimeVersion: 'containerd://1.7.27-1',
        kernelVersion: '5.15.0-1089-azure',
        kubeProxyVersion: version,
        kubeletVersion: version,
        machineID: uidOf(node.name, 'machine').replaceAll('-', ''),
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.5 LTS',
        systemUUID: uidOf(node.name, 'system'),
      },
    },
  };
}

export function renderPod(ctx: RenderContext, pod: PodSpec) {
  const containers = pod.containers ?? ['main'];
  const image = pod.image ?? 'mcr.microsoft.com/azurelinux/base/core:3.0';
  const node = ctx.cluster.nodes.find((n) => n.name === pod.node);
  const ownerJob = pod.ownerJob ? ctx.cluster.jobs.find((j) => j.namespace === pod.namespace && j.name === pod.ownerJob) : undefined;
  const jobUid = ownerJob ? uidOf(ctx.subscriptionId, ctx.resourceGroup, ctx.cluster.name, 'Job', ownerJob.namespace, ownerJob.name) : undefined;
  const labels = {
    ...(ownerJob ? ownerJob.labels : {}),
    ...(ownerJob
      ? { 'batch.kubernetes.io/job-name': ownerJob.name, 'job-name': ownerJob.name, 'batch.kubernetes.io/controller-uid': jobUid!, 'controller-uid': jobUid! }
      : {}),
    ...pod.labels,
  };
  const startedAt = pod.createdAt;
  const running = pod.phase === 'Running';
  const ready = running && !pod.waitingReason;
  const state = (() => {
    if (pod.phase === 'Pending') return { waiting: { reason: 'ContainerCreating' } };
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
      const exitCode = pod.exitCode ?? (pod.phase === 'Succeeded' ? 0 : 1);
      return {
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt,
          finishedAt: pod.finishedAt ?? startedAt,
          containerID: `containerd://${uidOf(pod.name, 'c').replaceAll('-', '')}`,
        },
      };
    }
    if (pod.waitingReason)
      return {
        waiting: {
          reason: pod.waitingReason,
          message: `back-off 5m0s restarting failed container=${containers[0]} pod=${pod.name}_${pod.namespace}(${uidOf(pod.name)})`,
        },
      };
    return { running: { startedAt } };
  })();
  return {
    metadata: meta(ctx, 'Pod', pod.name, pod.namespace, pod.createdAt, {
      labels,
      ...(ownerJob
        ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: ownerJob.name, uid: jobUid, controller: true, blockOwnerDeletion: true }] }
        : {}),
    }),
    spec: {
      ...(pod.node ? { nodeName: pod.node } : {}),
      containers: containers.map((name) => ({ name, image, resources: { requests: { cpu: '100m', memory: '128Mi' } } })),
      restartPolicy: ownerJob ? 'Never' : 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
    },
    status: {
      phase: pod.phase,
      ...(pod.node ? { hostIP: node?.internalIp ?? '10.224.0.4', podIP: `10.244.${containers.length}.${(pod.name.length * 7) % 250}` } : {}),
      startTime: startedAt,
      conditions: [
        { type: 'PodScheduled', status: pod.node ? 'True' : 'False', lastTransitionTime: startedAt, ...(pod.node ? {} : { reason: 'Unschedulable' }) },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: startedAt },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: startedAt },
      ],
      ...(pod.node
        ? {
            containerStatuses: containers.map((name) => ({
              name,
              image,
              imageID: `${image}@sha256:${createHash('sha256').update(image).digest('hex')}`,
              ready,
              started: running,
              restartCount: pod.restarts ?? 0,
              state,
              lastState: pod.restarts ? { terminated: { exitCode: 1, reason: 'Error', startedAt, finishedAt: startedAt } } : {},
            })),
          }
        : {}),
    },
  };
}

interface RenderedJobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready: number;
  terminating: number;
  uncountedTerminatedPods: object;
  conditions?: { type: string; status: string; lastProbeTime: string; lastTransitionTime: string; reason?: string; message?: string }[];
}

/** Kubernetes' message for each reason a Job fails. */
const FAILURE_MESSAGES: Record<string, string> = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
};

export function renderJob(ctx: RenderContext, job: JobSpec) {
  const uid = uidOf(ctx.subscriptionId, ctx.resourceGroup, ctx.cluster.name, 'Job', job.namespace, job.name);
  const backoffLimit = job.backoffLimit ?? 2;
  const completions = job.completions ?? 1;
  const selectorLabels = { 'batch.kubernetes.io/controller-uid': uid };
  const condition = (type: string, reason?: string, message?: string) => ({
    type,
    status: 'True',
    lastProbeTime: job.finishedAt ?? job.startedAt,
    lastTransitionTime: job.finishedAt ?? job.startedAt,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  const counters = { ready: 0, terminating: 0, uncountedTerminatedPods: {} };
  const failureReason = job.failureReason ?? 'BackoffLimitExceeded';
  const failureMessage = job.failureMessage ?? FAILURE_MESSAGES[failureReason] ?? failureReason;
  const status: RenderedJobStatus = (() => {
    switch (job.status) {
      case 'complete':
        return {
          startTime: job.startedAt,
          completionTime: job.finishedAt ?? job.startedAt,
          succeeded: completions,
          ...counters,
          conditions: [
            condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
            condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
          ],
        };
      case 'running': {
        const succeeded = job.succeededPods ?? 0;
        return { startTime: job.startedAt, active: completions - succeeded, ...(succeeded ? { succeeded } : {}), ...counters, ready: completions - succeeded };
      }
      case 'suspended':
        // A suspended Job never started (or had its startTime cleared when suspended).
        return { ...counters, conditions: [condition('Suspended', 'JobSuspended', 'Job suspended')] };
      case 'failed':
        return {
          startTime: job.startedAt,
          failed: job.failedAttempts ?? backoffLimit + 1,
          ...counters,
          conditions: [condition('FailureTarget', failureReason, failureMessage), condition('Failed', failureReason, failureMessage)],
        };
    }
  })();
  const pin = (() => {
    if (!job.node) return {};
    switch (job.pin ?? 'nodeSelector') {
      case 'nodeName':
        return { nodeName: job.node };
      case 'affinity':
        return {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [job.node] }] }],
              },
            },
          },
        };
      case 'nodeSelector':
        return { nodeSelector: { 'kubernetes.io/hostname': job.node } };
    }
  })();
  return {
    metadata: meta(ctx, 'Job', job.name, job.namespace, job.createdAt ?? job.startedAt, {
      labels: { ...job.labels },
      ...(job.annotations ? { annotations: { ...job.annotations } } : {}),
    }),
    spec: {
      parallelism: completions,
      completions,
      backoffLimit,
      ...(job.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: job.activeDeadlineSeconds } : {}),
      completionMode: 'NonIndexed',
      suspend: job.status === 'suspended',
      selector: { matchLabels: selectorLabels },
      template: {
        metadata: { labels: { ...job.labels, ...selectorLabels, 'batch.kubernetes.io/job-name': job.name, 'job-name': job.name } },
        spec: {
          ...pin,
          containers: [{ name: job.container ?? 'main', image: job.image ?? 'mcr.microsoft.com/azurelinux/base/core:3.0' }],
          restartPolicy: 'Never',
        },
      },
    },
    status,
  };
}

export function renderEvent(ctx: RenderContext, event: EventSpec) {
  const involvedNamespace = event.involvedObject.namespace ?? (event.involvedObject.kind === 'Node' ? undefined : event.namespace);
  const name = event.name ?? `${event.involvedObject.name}.${createHash('sha1').update(`${event.reason}/${event.lastAt}`).digest('hex').slice(0, 16)}`;
  const apiVersion = event.involvedObject.kind === 'Job' ? 'batch/v1' : 'v1';
  return {
    metadata: meta(ctx, 'Event', name, event.namespace, event.firstAt ?? event.lastAt),
    involvedObject: {
      kind: event.involvedObject.kind,
      ...(involvedNamespace ? { namespace: involvedNamespace } : {}),
      name: event.involvedObject.name,
      uid: uidOf(ctx.subscriptionId, ctx.resourceGroup, ctx.cluster.name, event.involvedObject.kind, involvedNamespace ?? '', event.involvedObject.name),
      apiVersion,
    },
    reason: event.reason,
    message: event.message,
    source: { component: event.source ?? 'kubelet' },
    firstTimestamp: event.firstAt ?? event.lastAt,
    lastTimestamp: event.lastAt,
    count: event.count ?? 1,
    type: event.type,
    eventTime: null,
    reportingComponent: event.source ?? 'kubelet',
    reportingInstance: '',
  };
}

export function renderNodeMetrics(ctx: RenderContext, node: NodeSpec) {
  return {
    metadata: { name: node.name, creationTimestamp: new Date().toISOString(), labels: renderNode(ctx, node).metadata.labels },
    timestamp: new Date(Date.now() - 10_000).toISOString(),
    window: '20.05s',
    usage: { ...node.usage },
  };
}

export function renderPodMetrics(ctx: RenderContext, pod: PodSpec) {
  const containers = pod.containers ?? ['main'];
  return {
    metadata: { name: pod.name, namespace: pod.namespace, creationTimestamp: new Date().toISOString(), labels: renderPod(ctx, pod).metadata.labels },
    timestamp: new Date(Date.now() - 10_000).toISOString(),
    window: '18.5s',
    containers: containers.map((name) => ({ name, usage: { cpu: '3m', memory: '24Mi' } })),
  };
}

export function namespacesOf(cluster: ClusterSpec): string[] {
  const names = new Set(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  for (const x of [...cluster.pods, ...cluster.jobs, ...cluster.events]) names.add(x.namespace);
  return [...names].sort();
}

export function renderNamespace(ctx: RenderContext, name: string) {
  const createdAt = ctx.cluster.nodes.map((n) => n.createdAt).sort()[0] ?? new Date(0).toISOString();
  return {
    metadata: meta(ctx, 'Namespace', name, undefined, createdAt, { labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}
