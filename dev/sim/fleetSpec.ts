import type { RegistrySpec } from './registry.js';
import type { StorageAccountSpec } from './storage.js';
export type { BlobAccess, BlobContainerSpec, BlobSpec, StorageAccountSpec } from './storage.js';
export type { RegistryAccess, RegistryRunSpec, RegistrySpec, RegistryTagSpec, RepositorySpec } from './registry.js';

// The fleet description: what the simulated Azure holds. Plain data (JSON-able), so a test can take the demo
// fleet, change a field, and start a simulator with it. Times are ISO strings; the demo builds them from "now".

export type PowerStateCode = 'Running' | 'Stopped';
/** provisioningState values AKS reports that the simulator produces. */
export type ProvisioningState = 'Succeeded' | 'Failed' | 'Starting' | 'Stopping' | 'Deleting' | 'Canceled';

/**
 * When a start or stop shows its target power state. target (real AKS, the default): as the operation begins, so
 * a start reads Running + Starting while the API server is not up yet, a stop Stopped + Stopping. previous: only
 * at the end (the power state of before until then).
 */
export type StateOrdering = 'previous' | 'target';

export interface FleetSpec {
  subscriptions: SubscriptionSpec[];
  /** Default 'target'. */
  stateOrdering?: StateOrdering;
  /**
   * Where a cluster's API server listens after a start: 'samePort' (default) or 'newPort' (AKS may give the API
   * server a new address: kubeconfigs fetched before the start then point at an address that refuses).
   */
  apiServerOnStart?: 'samePort' | 'newPort';
}

export interface SubscriptionSpec {
  /** A GUID. */
  subscriptionId: string;
  /** Entra tenant (a GUID); shows in aadProfile and in kubeconfigs. */
  tenantId: string;
  /** What ARM's subscription list calls it (default "Simulated subscription"). */
  displayName?: string;
  resourceGroups: ResourceGroupSpec[];
}

export interface ResourceGroupSpec {
  name: string;
  location: string;
  clusters: ClusterSpec[];
  /** Microsoft.Storage accounts; their blobs are kept in Azurite (SimulatedAzureOptions.blobStore). */
  storageAccounts?: StorageAccountSpec[];
  /** Microsoft.ContainerRegistry registries; each gets its own data-plane server (registry.ts). */
  registries?: RegistrySpec[];
}

export interface ClusterSpec {
  name: string;
  /** Power state at start of the simulator. Running clusters get a listening API server. */
  powerState: PowerStateCode;
  /** Default Succeeded. */
  provisioningState?: 'Succeeded' | 'Failed';
  /** e.g. "1.31.2" */
  kubernetesVersion: string;
  /** Entra ID integration (default true): user credentials are an exec/kubelogin kubeconfig, Entra bearer tokens are accepted. */
  aad?: boolean;
  /** listClusterAdminCredential is refused (400) when true, as on AKS. Default false. */
  disableLocalAccounts?: boolean;
  tags?: Record<string, string>;
  /**
   * Azure RBAC: data actions (of Microsoft.ContainerService/managedClusters/…) the Entra identity lacks on this
   * cluster, e.g. ["pods/read"] (also denies pods/log), ["metrics.k8s.io/nodes/read"], ["batch/jobs/read"]. Its
   * reads of them answer 403 Forbidden; client-certificate (admin) callers are not subject to them.
   */
  deniedDataActions?: string[];
  agentPools: AgentPoolSpec[];
  nodes: NodeSpec[];
  pods: PodSpec[];
  jobs: JobSpec[];
  events: EventSpec[];
}

export interface AgentPoolSpec {
  name: string;
  mode: 'System' | 'User';
  vmSize: string;
  count: number;
  /** With both set, the pool is autoscaled. */
  minCount?: number;
  maxCount?: number;
}

export interface NodeSpec {
  /** e.g. "aks-user-12345678-vmss000001" */
  name: string;
  /** Agent pool name. */
  pool: string;
  createdAt: string;
  /** Default true. */
  ready?: boolean;
  unschedulable?: boolean;
  /** Kubernetes quantities, e.g. { cpu: '4', memory: '16393232Ki', pods: '110' }. */
  capacity: { cpu: string; memory: string; pods?: string };
  /** Default: capacity. */
  allocatable?: { cpu: string; memory: string; pods?: string };
  /** What metrics.k8s.io reports, e.g. { cpu: '523m', memory: '3021340Ki' }. */
  usage: { cpu: string; memory: string };
  labels?: Record<string, string>;
  /** InternalIP, e.g. "10.224.0.4". */
  internalIp?: string;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodSpec {
  namespace: string;
  name: string;
  /** spec.nodeName; absent for an unscheduled pod. */
  node?: string;
  phase: PodPhase;
  createdAt: string;
  labels?: Record<string, string>;
  /** Container names (default ["main"]). */
  containers?: string[];
  image?: string;
  restarts?: number;
  /** Waiting reason of a Running-phase pod whose container is not ready (e.g. CrashLoopBackOff). */
  waitingReason?: string;
  /** Exit code of a terminated container (Succeeded: 0, Failed: default 1). */
  exitCode?: number;
  finishedAt?: string;
  /** Name of the Job that owns the pod (ownerReferences + job-name labels). */
  ownerJob?: string;
  /** Lines served by pods/{name}/log (tailLines applies). */
  log?: string[];
}

export interface JobSpec {
  namespace: string;
  name: string;
  /** Labels of the Job and of its pod template (e.g. { app: 'elb-db-warmup', db: 'core_nt', shard: '00' }). */
  labels?: Record<string, string>;
  /** Annotations of the Job (e.g. { 'elb.dashboard/source-version': '2026-12-01' }). */
  annotations?: Record<string, string>;
  /** suspended: spec.suspend, never started (no startTime), Suspended=True. */
  status: 'complete' | 'running' | 'failed' | 'suspended';
  /** status.startTime (and the creation time, unless createdAt says otherwise). */
  startedAt: string;
  /** metadata.creationTimestamp; default startedAt. */
  createdAt?: string;
  /** Completion (complete) or failure time (failed). */
  finishedAt?: string;
  /** Node the job is pinned to, by `pin`. */
  node?: string;
  /** How the pod template pins `node`: nodeSelector kubernetes.io/hostname (default), nodeName, or a required node affinity. */
  pin?: 'nodeSelector' | 'nodeName' | 'affinity';
  /** spec.completions and parallelism (default 1). */
  completions?: number;
  /** Pods already succeeded (running jobs; default 0): status.succeeded, the rest active. */
  succeededPods?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  /** Failed pod attempts (failed jobs; default backoffLimit + 1). */
  failedAttempts?: number;
  /** The Failed condition's reason (failed jobs; default BackoffLimitExceeded; DeadlineExceeded has its own default message). */
  failureReason?: string;
  /** The Failed condition's message (failed jobs; default Kubernetes' text for the reason). */
  failureMessage?: string;
  /** Container name and image of the pod template (default "main", Azure Linux base). */
  container?: string;
  image?: string;
}

export interface EventSpec {
  namespace: string;
  /** Default: "{involvedObject.name}.{hash}". */
  name?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace?: string };
  count?: number;
  firstAt?: string;
  lastAt: string;
  /** Reporting component, e.g. "kubelet", "job-controller". */
  source?: string;
}

/** Names a cluster. subscriptionId may be left out when the resource group and name are unique in the fleet. */
export interface ClusterRef {
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
}

/** Checks that a fleet is usable, so a typo fails at start and not as a confusing 404 later. */
export function validateFleet(fleet: FleetSpec): void {
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const seen = new Set<string>();
  for (const sub of fleet.subscriptions) {
    if (!guid.test(sub.subscriptionId)) throw new Error(`fleet: subscriptionId "${sub.subscriptionId}" is not a GUID`);
    if (!guid.test(sub.tenantId)) throw new Error(`fleet: tenantId "${sub.tenantId}" is not a GUID`);
    for (const rg of sub.resourceGroups) {
      for (const cluster of rg.clusters) {
        const key = `${sub.subscriptionId}/${rg.name}/${cluster.name}`.toLowerCase();
        if (seen.has(key)) throw new Error(`fleet: cluster ${key} appears twice`);
        seen.add(key);
        const pools = new Set(cluster.agentPools.map((p) => p.name));
        for (const node of cluster.nodes) {
          if (!pools.has(node.pool)) throw new Error(`fleet: node ${node.name} of ${key} names unknown pool ${node.pool}`);
        }
        const unique = (kind: string, names: string[]) => {
          const dup = names.find((n, i) => names.indexOf(n) !== i);
          if (dup) throw new Error(`fleet: ${kind} ${dup} appears twice in ${key}`);
        };
        unique(
          'node',
          cluster.nodes.map((n) => n.name),
        );
        unique(
          'pod',
          cluster.pods.map((p) => `${p.namespace}/${p.name}`),
        );
        unique(
          'job',
          cluster.jobs.map((j) => `${j.namespace}/${j.name}`),
        );
      }
    }
  }
}
