// API discovery (/api, /api/v1, /apis, /apis/{group}[/{version}]) for the resources the simulated API server
// serves, in the legacy (unaggregated) JSON shapes every client falls back to: kubectl needs it before any
// `get`, `logs` or `top`.

export interface DiscoveredResource {
  group: string;
  version: string;
  /** Plural resource name, e.g. "pods"; a subresource as "pods/log". */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

/** What the simulator serves (read verbs only: the dashboard never writes through Kubernetes). */
export const RESOURCES: DiscoveredResource[] = [
  { group: '', version: 'v1', name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'] },
  { group: '', version: 'v1', name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'] },
  { group: '', version: 'v1', name: 'pods/log', singularName: '', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', name: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: 'batch', version: 'v1', name: 'jobs', singularName: 'job', kind: 'Job', namespaced: true },
  { group: 'metrics.k8s.io', version: 'v1beta1', name: 'nodes', singularName: '', kind: 'NodeMetrics', namespaced: false },
  { group: 'metrics.k8s.io', version: 'v1beta1', name: 'pods', singularName: '', kind: 'PodMetrics', namespaced: true },
];

const READ_VERBS = ['get', 'list'];

function groupVersions(group: string): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))];
}

function apiGroup(name: string) {
  const versions = groupVersions(name).map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions, preferredVersion: versions[0] };
}

/** The discovery document for a path, or undefined when the path is not a discovery path. */
export function discoveryDocument(path: string, serverAddress: string): object | undefined {
  if (path === '/api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (path === '/apis') {
    const names = [...new Set(RESOURCES.map((r) => r.group).filter(Boolean))];
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: names.map(apiGroup) };
  }
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group && groupVersions(group[1]!).length > 0) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group[1]!) };
  const m = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
  if (!m) return undefined;
  const groupVersion = m[1]!;
  const [g, v] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const resources = RESOURCES.filter((r) => r.group === g && r.version === v);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map((r) => ({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.name.includes('/') ? ['get'] : READ_VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
  };
}
