// The Kubernetes API of one simulated cluster: authentication (client certificate verified against the cluster
// CA, or an Entra bearer token), the read paths the dashboard uses, List envelopes, selectors, limit/continue,
// and errors as Kubernetes Status objects.
import type { SimRequest, SimResponse } from './server.js';
import type { AppliedInjection } from './injection.js';
import {
  namespacesOf,
  renderEvent,
  renderJob,
  renderNamespace,
  renderNode,
  renderNodeMetrics,
  renderPod,
  renderPodMetrics,
  type RenderContext,
} from './kubernetesObjects.js';
import { fieldSelectorMatcher, labelSelectorMatcher, SelectorError } from './selectors.js';

export type TokenVerdict = 'valid' | 'expired' | 'invalid';

export interface KubernetesBackend {
  renderContext(): RenderContext;
  /** Entra (AAD) tokens are accepted only on Entra-enabled clusters. */
  verifyBearer(token: string): TokenVerdict;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function statusObject(code: number, message: string, details?: object) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[code] ?? 'Unknown',
    ...(details ? { details } : {}),
    code,
  };
}

function status(code: number, message: string, details?: object, headers?: Record<string, string>): SimResponse {
  return { status: code, headers, body: statusObject(code, message, details) };
}

/** An injected status, in the API server's shape. */
export function kubernetesInjectedAnswer(code: number, injection: AppliedInjection): SimResponse {
  const headers: Record<string, string> = {};
  if (injection.retryAfter !== undefined) headers['retry-after'] = String(injection.retryAfter);
  const body = injection.body ?? statusObject(code, code === 429 ? 'Too many requests, please try again later.' : `injected status ${code}`);
  return { status: code, headers, body };
}

interface Principal {
  name: string;
  groups: string[];
}

function authenticate(req: SimRequest, backend: KubernetesBackend): Principal | SimResponse {
  const cert = req.socket.getPeerCertificate();
  const presentedCert = Boolean(cert && Object.keys(cert).length > 0);
  if (presentedCert && req.socket.authorized) {
    const groups = ([] as string[]).concat(cert.subject?.O ?? []);
    return { name: String(cert.subject?.CN ?? ''), groups: [...groups, 'system:authenticated'] };
  }
  const authorization = req.headers.authorization;
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (m && backend.verifyBearer(m[1]!) === 'valid') return { name: 'entra-user', groups: ['system:authenticated'] };
    return status(401, 'Unauthorized');
  }
  // A certificate the cluster CA did not sign, or one past its notAfter.
  if (presentedCert) return status(401, 'Unauthorized');
  return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

type Kind = 'nodes' | 'pods' | 'events' | 'jobs' | 'namespaces' | 'nodemetrics' | 'podmetrics';

interface Route {
  kind: Kind;
  namespace?: string;
  name?: string;
  log?: boolean;
}

function route(path: string): Route | undefined {
  const p = path.replace(/\/+$/, '');
  let m: RegExpExecArray | null;
  if (p === '/api/v1/nodes') return { kind: 'nodes' };
  if ((m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(p))) return { kind: 'nodes', name: m[1] };
  if (p === '/api/v1/namespaces') return { kind: 'namespaces' };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p))) return { kind: 'namespaces', name: m[1] };
  if (p === '/api/v1/pods') return { kind: 'pods' };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p))) return { kind: 'pods', namespace: m[1] };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p))) return { kind: 'pods', namespace: m[1], name: m[2] };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p))) return { kind: 'pods', namespace: m[1], name: m[2], log: true };
  if (p === '/api/v1/events') return { kind: 'events' };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(p))) return { kind: 'events', namespace: m[1] };
  if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/events\/([^/]+)$/.exec(p))) return { kind: 'events', namespace: m[1], name: m[2] };
  if (p === '/apis/batch/v1/jobs') return { kind: 'jobs' };
  if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(p))) return { kind: 'jobs', namespace: m[1] };
  if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(p))) return { kind: 'jobs', namespace: m[1], name: m[2] };
  if (p === '/apis/metrics.k8s.io/v1beta1/nodes') return { kind: 'nodemetrics' };
  if ((m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/nodes\/([^/]+)$/.exec(p))) return { kind: 'nodemetrics', name: m[1] };
  if (p === '/apis/metrics.k8s.io/v1beta1/pods') return { kind: 'podmetrics' };
  if ((m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(p))) return { kind: 'podmetrics', namespace: m[1] };
  if ((m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p))) return { kind: 'podmetrics', namespace: m[1], name: m[2] };
  return undefined;
}

const KINDS: Record<Kind, { apiVersion: string; kind: string; resource: string; group: string }> = {
  nodes: { apiVersion: 'v1', kind: 'Node', resource: 'nodes', group: '' },
  namespaces: { apiVersion: 'v1', kind: 'Namespace', resource: 'namespaces', group: '' },
  pods: { apiVersion: 'v1', kind: 'Pod', resource: 'pods', group: '' },
  events: { apiVersion: 'v1', kind: 'Event', resource: 'events', group: '' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job', resource: 'jobs', group: 'batch' },
  nodemetrics: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', resource: 'nodes', group: 'metrics.k8s.io' },
  podmetrics: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', resource: 'pods', group: 'metrics.k8s.io' },
};

/** Fields the API server lets a fieldSelector use, per kind. */
const SELECTABLE_FIELDS: Record<Kind, Record<string, (item: any) => unknown>> = {
  nodes: { 'spec.unschedulable': (i) => Boolean(i.spec.unschedulable) },
  namespaces: { 'status.phase': (i) => i.status.phase },
  pods: {
    'spec.nodeName': (i) => i.spec.nodeName,
    'spec.restartPolicy': (i) => i.spec.restartPolicy,
    'spec.schedulerName': (i) => i.spec.schedulerName,
    'spec.serviceAccountName': (i) => i.spec.serviceAccountName,
    'status.phase': (i) => i.status.phase,
    'status.podIP': (i) => i.status.podIP,
  },
  events: {
    'involvedObject.kind': (i) => i.involvedObject.kind,
    'involvedObject.namespace': (i) => i.involvedObject.namespace,
    'involvedObject.name': (i) => i.involvedObject.name,
    'involvedObject.uid': (i) => i.involvedObject.uid,
    'involvedObject.apiVersion': (i) => i.involvedObject.apiVersion,
    reason: (i) => i.reason,
    reportingComponent: (i) => i.reportingComponent,
    source: (i) => i.source.component,
    type: (i) => i.type,
  },
  jobs: { 'status.successful': (i) => i.status.succeeded ?? 0 },
  nodemetrics: {},
  podmetrics: {},
};

function items(ctx: RenderContext, kind: Kind, namespace: string | undefined): { metadata: { name: string; namespace?: string } }[] {
  const c = ctx.cluster;
  const inNs = <T extends { namespace: string }>(xs: T[]) => (namespace ? xs.filter((x) => x.namespace === namespace) : xs);
  const byKey = (a: { metadata: { name: string; namespace?: string } }, b: { metadata: { name: string; namespace?: string } }) =>
    `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`);
  switch (kind) {
    case 'nodes': return c.nodes.map((n) => renderNode(ctx, n)).sort(byKey);
    case 'namespaces': return namespacesOf(c).map((n) => renderNamespace(ctx, n));
    case 'pods': return inNs(c.pods).map((p) => renderPod(ctx, p)).sort(byKey);
    case 'events': return inNs(c.events).map((e) => renderEvent(ctx, e)).sort(byKey);
    case 'jobs': return inNs(c.jobs).map((j) => renderJob(ctx, j)).sort(byKey);
    case 'nodemetrics': return c.nodes.map((n) => renderNodeMetrics(ctx, n)).sort(byKey);
    case 'podmetrics': return inNs(c.pods).filter((p) => p.phase === 'Running').map((p) => renderPodMetrics(ctx, p)).sort(byKey);
  }
}

function notFound(kind: Kind, name: string): SimResponse {
  const { resource, group } = KINDS[kind];
  return status(404, `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });
}

function list(ctx: RenderContext, kind: Kind, namespace: string | undefined, query: URLSearchParams): SimResponse {
  const { apiVersion, kind: itemKind } = KINDS[kind];
  const matchLabels = labelSelectorMatcher(query.get('labelSelector'));
  const matchFields = fieldSelectorMatcher(query.get('fieldSelector'), {
    'metadata.name': (i) => i.metadata.name,
    'metadata.namespace': (i) => i.metadata.namespace,
    ...SELECTABLE_FIELDS[kind],
  });
  const all = items(ctx, kind, namespace).filter((i: any) => matchLabels(i.metadata.labels) && matchFields(i));
  let offset = 0;
  const token = query.get('continue');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { offset: number; rv: string };
      offset = parsed.offset;
      if (parsed.rv !== ctx.resourceVersion) {
        // The cluster changed between pages; a real API server answers 410 once its snapshot is compacted.
        return status(410, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
    } catch {
      return status(400, 'continue key is not valid: illegal base64 data');
    }
  }
  const limit = Number(query.get('limit') ?? 0);
  const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
  const next = offset + page.length;
  const more = limit > 0 && next < all.length;
  return {
    status: 200,
    body: {
      kind: `${itemKind}List`,
      apiVersion,
      metadata: {
        resourceVersion: ctx.resourceVersion,
        ...(more
          ? { continue: Buffer.from(JSON.stringify({ offset: next, rv: ctx.resourceVersion })).toString('base64url'), remainingItemCount: all.length - next }
          : {}),
      },
      items: page,
    },
  };
}

function podLog(ctx: RenderContext, namespace: string, name: string, query: URLSearchParams): SimResponse {
  const pod = ctx.cluster.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) return notFound('pods', name);
  const containers = pod.containers ?? ['main'];
  const container = query.get('container');
  if (!container && containers.length > 1) {
    return status(400, `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  }
  if (container && !containers.includes(container)) {
    return status(400, `container ${container} is not valid for pod ${name}`);
  }
  if (pod.phase === 'Pending' || !pod.node) {
    return status(400, `container "${container ?? containers[0]}" in pod "${name}" is waiting to start: ContainerCreating`);
  }
  const lines = pod.log ?? [];
  const tail = query.get('tailLines');
  const n = tail === null ? lines.length : Math.max(0, Number(tail));
  const selected = n >= lines.length ? lines : lines.slice(lines.length - n);
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: selected.map((l) => `${l}\n`).join('') };
}

export function createKubernetesHandler(backend: KubernetesBackend): (req: SimRequest) => SimResponse {
  return (req) => {
    const path = req.url.pathname;
    const principal = authenticate(req, backend);
    if ('status' in principal) return principal;
    const ctx = backend.renderContext();

    if (PUBLIC_PATHS.has(path)) {
      if (path !== '/version') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
      const [major, minor] = ctx.cluster.kubernetesVersion.split('.');
      return {
        status: 200,
        body: {
          major,
          minor,
          gitVersion: `v${ctx.cluster.kubernetesVersion}`,
          gitCommit: '0000000000000000000000000000000000000000',
          gitTreeState: 'clean',
          buildDate: '2025-01-01T00:00:00Z',
          goVersion: 'go1.23.4',
          compiler: 'gc',
          platform: 'linux/amd64',
        },
      };
    }

    const r = route(path);
    if (principal.name === 'system:anonymous') {
      const what = r ? `cannot ${r.name ? 'get' : 'list'} resource "${KINDS[r.kind].resource}" in API group "${KINDS[r.kind].group}"` : `cannot get path "${path}"`;
      return status(403, `${r ? `${KINDS[r.kind].resource} is forbidden: ` : 'forbidden: '}User "system:anonymous" ${what}${r?.namespace ? ` in the namespace "${r.namespace}"` : r ? ' at the cluster scope' : ''}`);
    }
    if (!r) return status(404, 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
    if (req.method !== 'GET') return status(405, `the server does not allow this method on the requested resource`);
    if (req.url.searchParams.get('watch') === 'true' || req.url.searchParams.get('watch') === '1') {
      return status(400, 'watch is not supported by the simulated API server');
    }
    if (r.namespace && !namespacesOf(ctx.cluster).includes(r.namespace) && r.name) {
      return status(404, `namespaces "${r.namespace}" not found`, { name: r.namespace, kind: 'namespaces' });
    }
    try {
      if (r.log) return podLog(ctx, r.namespace!, r.name!, req.url.searchParams);
      if (r.name) {
        const item = items(ctx, r.kind, r.namespace).find((i) => i.metadata.name === r.name);
        if (!item) return notFound(r.kind, r.name);
        return { status: 200, body: { kind: KINDS[r.kind].kind, apiVersion: KINDS[r.kind].apiVersion, ...item } };
      }
      return list(ctx, r.kind, r.namespace, req.url.searchParams);
    } catch (err) {
      if (err instanceof SelectorError) return status(400, err.message);
      throw err;
    }
  };
}
