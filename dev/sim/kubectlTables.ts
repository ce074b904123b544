// Server-side printing: what the API server answers a client that asks for a meta.k8s.io/v1 Table (kubectl's
// `get` does: Accept: application/json;as=Table;v=v1;g=meta.k8s.io), for the kinds with their own printer columns
// here (nodes, pods). Other kinds answer their List, which kubectl prints as NAME and AGE.

import type { renderNode, renderPod } from './kubernetesObjects.js';

type Node = ReturnType<typeof renderNode>;
type Pod = ReturnType<typeof renderPod>;
type Listed = { metadata: { creationTimestamp: string } };

export interface TableKind {
  columns: { name: string; type: string; format: string; description: string; priority: number }[];
  /** The row of one listed object; the list's kind chose this printer, so the object is of the printer's kind. */
  cells(item: Listed, now: number): unknown[];
}

const column = (name: string, description: string, priority = 0, type = 'string', format = '') => ({ name, type, format, description, priority });
const NAME = column('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
const AGE = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** Kubernetes' short duration (k8s.io/apimachinery/pkg/util/duration.HumanDuration). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(s / 3600);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const age = (item: Listed, now: number) => humanDuration(now - Date.parse(item.metadata.creationTimestamp));

const nodes: TableKind = {
  columns: [
    NAME,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    column('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells(item, now) {
    const node = item as Node;
    const ready = node.status.conditions.find((c) => c.type === 'Ready')?.status === 'True';
    const status = [ready ? 'Ready' : 'NotReady', ...(node.spec.unschedulable ? ['SchedulingDisabled'] : [])].join(',');
    const labels: Record<string, string | undefined> = node.metadata.labels;
    const roles = Object.keys(labels)
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length));
    if (labels['kubernetes.io/role']) roles.push(labels['kubernetes.io/role']);
    const address = (type: string) => node.status.addresses.find((a) => a.type === type)?.address ?? '<none>';
    const info = node.status.nodeInfo;
    return [
      node.metadata.name,
      status,
      roles.sort().join(',') || '<none>',
      age(node, now),
      info.kubeletVersion,
      address('InternalIP'),
      address('ExternalIP'),
      info.osImage,
      info.kernelVersion,
      info.containerRuntimeVersion,
    ];
  },
};

const pods: TableKind = {
  columns: [
    NAME,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    column('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    column('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(item, now) {
    const pod = item as Pod;
    const statuses = pod.status.containerStatuses ?? [];
    const ready = statuses.filter((c) => c.ready).length;
    const restarts = statuses.reduce((n, c) => n + c.restartCount, 0);
    const state = statuses.map((c) => c.state).find((s) => s.waiting || s.terminated);
    const reason = state?.waiting?.reason ?? state?.terminated?.reason;
    const status = reason ?? pod.status.phase;
    return [
      pod.metadata.name,
      `${ready}/${pod.spec.containers.length}`,
      status,
      restarts,
      age(pod, now),
      pod.status.podIP ?? '<none>',
      pod.spec.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
  },
};

export const TABLE_KINDS: Record<string, TableKind | undefined> = { nodes, pods };

/** Whether the client asked for a Table (kubectl's Accept lists it first, with a plain-JSON fallback). */
export function wantsTable(accept: string | undefined): boolean {
  return Boolean(accept && /as=Table;v=v1;g=meta\.k8s\.io/.test(accept));
}

/** A List (or one object) as a Table, each row carrying the object's metadata (includeObject=Metadata). */
export function asTable(kind: TableKind, items: Listed[], listMetadata: object, now = Date.now()) {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: kind.columns,
    rows: items.map((item) => ({
      cells: kind.cells(item, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}
