// The Kubernetes API of one simulated cluster: authentication (client certificate verified against the cluster
// CA, or an Entra bearer token for the AKS server id), Azure RBAC deny rules for the Entra identity, discovery,
// the read paths the dashboard uses, List envelopes, selectors, limit/continue over a consistent snapshot, and
// errors as Kubernetes Status objects.
import type { Certificate, PeerCertificate } from 'node:tls';
import type { SimRequest, SimResponse } from './server.js';
import { discoveryDocument } from './discovery.js';
import { asTable, TABLE_KINDS, wantsTable } from './kubectlTables.js';
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
import { fieldSelectorMatcher, labelSelectorMatcher, SelectorError, type FieldValue } from './selectors.js';

export type TokenVerdict = 'valid' | 'expired' | 'invalid';

/** What a bearer token turned out to be: valid ones name the Entra identity (its object id). */
export interface TokenCheck {
  verdict: TokenVerdict;
  objectId?: string;
  /** A well-signed token for another resource (verdict 'invalid'): its audience. */
  wrongAudience?: string;
}

export interface KubernetesBackend {
  /** The cluster's data now, or as it was at an earlier resourceVersion (undefined once that is compacted). */
  renderContext(resourceVersion?: number): RenderContext | undefined;
  /** Entra (AAD) tokens for the AKS server id are accepted only on Entra-enabled clusters. */
  verifyBearer(token: string): TokenCheck;
  /** host:port clients reach the server at (discovery's serverAddressByClientCIDRs). */
  serverAddress(): string;
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
  /** Authenticated by an Entra token: Azure RBAC (the cluster's deny rules) applies. */
  entra?: boolean;
}

function authenticate(req: SimRequest, backend: KubernetesBackend): Principal | SimResponse {
  // Node answers null once the socket is gone and {} without a certificate; a subject may lack O or CN.
  const cert = req.socket.getPeerCertificate() as PeerCertificate | null;
  const presentedCert = cert !== null && Object.keys(cert).length > 0;
  if (cert !== null && presentedCert && req.socket.authorized) {
    const subject: Partial<Certificate> = cert.subject;
    const groups = ([] as string[]).concat(subject.O ?? []);
    return { name: String(subject.CN ?? ''), groups: [...groups, 'system:authenticated'] };
  }
  const authorization = req.headers.authorization;
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    const check = m ? backend.verifyBearer(m[1]!) : undefined;
    if (check?.verdict === 'valid') return { name: check.objectId ?? 'entra-user', groups: ['system:authenticated'], entra: true };
    return status(401, 'Unauthorized');
  }
  // A certificate the cluster CA did not sign, or one past its notAfter.
  if (presentedCert) return status(401, 'Unauthorized');
  return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export type Kind = 'nodes' | 'pods' | 'events' | 'jobs' | 'namespaces' | 'nodemetrics' | 'podmetrics';

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
/** The object each kind renders, as the simulator serves it. */
interface Rendered {
  nodes: ReturnType<typeof renderNode>;
  namespaces: ReturnType<typeof renderNamespace>;
  pods: ReturnType<typeof renderPod>;
  events: ReturnType<typeof renderEvent>;
  jobs: ReturnType<typeof renderJob>;
  nodemetrics: ReturnType<typeof renderNodeMetrics>;
  podmetrics: ReturnType<typeof renderPodMetrics>;
}

const SELECTABLE_FIELDS: { [K in Kind]: Record<string, (item: Rendered[K]) => FieldValue> } = {
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

type Item = { metadata: { name: string; namespace?: string; creationTimestamp: string; labels?: Record<string, string> } };

/** An object's storage key, as etcd orders a list: "namespace/name" (or "name"), compared byte by byte. */
const keyOf = (item: Item) => (item.metadata.namespace ? `${item.metadata.namespace}/${item.metadata.name}` : item.metadata.name);

function items(ctx: RenderContext, kind: Kind, namespace: string | undefined): Item[] {
  const c = ctx.cluster;
  const inNs = <T extends { namespace: string }>(xs: T[]) => (namespace ? xs.filter((x) => x.namespace === namespace) : xs);
  const byKey = (a: Item, b: Item) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
  switch (kind) {
    case 'nodes':
      return c.nodes.map((n) => renderNode(ctx, n)).sort(byKey);
    case 'namespaces':
      return namespacesOf(c)
        .map((n) => renderNamespace(ctx, n))
        .sort(byKey);
    case 'pods':
      return inNs(c.pods)
        .map((p) => renderPod(ctx, p))
        .sort(byKey);
    case 'events':
      return inNs(c.events)
        .map((e) => renderEvent(ctx, e))
        .sort(byKey);
    case 'jobs':
      return inNs(c.jobs)
        .map((j) => renderJob(ctx, j))
        .sort(byKey);
    case 'nodemetrics':
      return c.nodes.map((n) => renderNodeMetrics(ctx, n)).sort(byKey);
    case 'podmetrics':
      return inNs(c.pods)
        .filter((p) => p.phase === 'Running')
        .map((p) => renderPodMetrics(ctx, p))
        .sort(byKey);
  }
}

function notFound(kind: Kind, name: string): SimResponse {
  const { resource, group } = KINDS[kind];
  return status(404, `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });
}

/** A continue token as the API server writes it: base64url JSON of the snapshot's resourceVersion and the next key. */
interface ContinueToken {
  v: 'meta.k8s.io/v1';
  /** -1: continue at the latest resourceVersion (the token a 410 hands out). */
  rv: number;
  /** The next object's key, suffixed with a NUL byte so the previous one is excluded. */
  start: string;
}

const encodeContinue = (rv: number, start: string) =>
  Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64url');

function decodeContinue(token: string): ContinueToken | undefined {
  try {
    // A client may send anything: every field is checked before the token is trusted.
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { [K in keyof ContinueToken]?: unknown };
    const { v, rv, start } = parsed;
    return v === 'meta.k8s.io/v1' && typeof rv === 'number' && Number.isInteger(rv) && typeof start === 'string' ? { v, rv, start } : undefined;
  } catch {
    return undefined;
  }
}

/** The apiserver's wording when a continue token's snapshot was compacted; the Status carries a token to go on with. */
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function list(backend: KubernetesBackend, kind: Kind, namespace: string | undefined, query: URLSearchParams, table: boolean): SimResponse {
  const { apiVersion, kind: itemKind } = KINDS[kind];
  let ctx = backend.renderContext()!;
  let start = '';
  const token = query.get('continue');
  if (token) {
    const parsed = decodeContinue(token);
    if (!parsed) return status(400, 'continue key is not valid: illegal base64 data');
    start = parsed.start;
    // A later page reads the snapshot of the first one, as etcd does until compaction removes it.
    const snapshot = parsed.rv === -1 ? ctx : backend.renderContext(parsed.rv);
    if (!snapshot) {
      const expired = statusObject(410, INCONSISTENT_CONTINUE);
      return { status: 410, body: { ...expired, metadata: { continue: encodeContinue(-1, start) } } };
    }
    ctx = snapshot;
  }
  const matchLabels = labelSelectorMatcher(query.get('labelSelector'));
  // items() rendered this kind, so its field readers apply to every item listed.
  const matchFields = fieldSelectorMatcher<Item>(query.get('fieldSelector'), {
    'metadata.name': (i) => i.metadata.name,
    'metadata.namespace': (i) => i.metadata.namespace,
    ...(SELECTABLE_FIELDS[kind] as Record<string, (item: Item) => FieldValue>),
  });
  const keyIn = (item: Item) => (namespace ? item.metadata.name : keyOf(item));
  const all = items(ctx, kind, namespace).filter((i) => matchLabels(i.metadata.labels) && matchFields(i) && keyIn(i) >= start);
  const limit = Number(query.get('limit') ?? 0);
  const page = limit > 0 ? all.slice(0, limit) : all;
  const more = page.length < all.length;
  const metadata = {
    resourceVersion: ctx.resourceVersion,
    ...(more ? { continue: encodeContinue(Number(ctx.resourceVersion), `${keyIn(page.at(-1)!)}\u0000`), remainingItemCount: all.length - page.length } : {}),
  };
  const printer = table ? TABLE_KINDS[kind] : undefined;
  if (printer) return { status: 200, body: asTable(printer, page, metadata) };
  return { status: 200, body: { kind: `${itemKind}List`, apiVersion, metadata, items: page } };
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

/**
 * The Azure data action a read needs (Microsoft.ContainerService/managedClusters/…): "pods/read",
 * "batch/jobs/read"; AKS authorizes pods/log as pods/read.
 */
export function dataActionOf(kind: Kind): string {
  const { resource, group } = KINDS[kind];
  return `${group ? `${group}/` : ''}${resource}/read`;
}

/** The 403 of AKS's Azure RBAC webhook when the Entra identity lacks the data action. */
function forbidden(principal: Principal, r: Route): SimResponse {
  const { resource, group } = KINDS[r.kind];
  const verb = r.name ? 'get' : 'list';
  const what = `${resource}${group ? `.${group}` : ''}${r.name ? ` "${r.name}"` : ''}`;
  const where = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  return status(
    403,
    `${what} is forbidden: User "${principal.name}" cannot ${verb} resource "${resource}${r.log ? '/log' : ''}" in API group "${group}" ${where}: User does not have access to the resource in Azure. Update role assignment to allow access.`,
    { ...(r.name ? { name: r.name } : {}), ...(group ? { group } : {}), kind: resource },
  );
}

export function createKubernetesHandler(backend: KubernetesBackend): (req: SimRequest) => SimResponse {
  return (req) => {
    // The API server routes "/version/" and "/api/" like "/version" and "/api" (client-node and Python send the slash).
    const path = req.url.pathname.length > 1 ? req.url.pathname.replace(/\/+$/, '') : req.url.pathname;
    const principal = authenticate(req, backend);
    if ('status' in principal) return principal;
    const ctx = backend.renderContext()!;

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
    const discovery = r ? undefined : discoveryDocument(path, backend.serverAddress());
    if (principal.name === 'system:anonymous') {
      const what = r
        ? `cannot ${r.name ? 'get' : 'list'} resource "${KINDS[r.kind].resource}" in API group "${KINDS[r.kind].group}"`
        : `cannot get path "${path}"`;
      return status(
        403,
        `${r ? `${KINDS[r.kind].resource} is forbidden: ` : 'forbidden: '}User "system:anonymous" ${what}${r?.namespace ? ` in the namespace "${r.namespace}"` : r ? ' at the cluster scope' : ''}`,
      );
    }
    if (discovery && req.method === 'GET') return { status: 200, body: discovery };
    if (!r)
      return status(404, 'the server could not find the requested resource', {
        causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
      });
    if (req.method !== 'GET') return status(405, `the server does not allow this method on the requested resource`);
    if (principal.entra && ctx.cluster.deniedDataActions?.includes(dataActionOf(r.kind))) return forbidden(principal, r);
    if (req.url.searchParams.get('watch') === 'true' || req.url.searchParams.get('watch') === '1') {
      return status(400, 'watch is not supported by the simulated API server');
    }
    const table = wantsTable(req.headers.accept);
    try {
      // A missing namespace answers like a missing object (pods "x" not found) and lists as empty, as etcd does.
      if (r.log) return podLog(ctx, r.namespace!, r.name!, req.url.searchParams);
      if (r.name) {
        const item = items(ctx, r.kind, r.namespace).find((i) => i.metadata.name === r.name);
        if (!item) return notFound(r.kind, r.name);
        const printer = table ? TABLE_KINDS[r.kind] : undefined;
        if (printer) return { status: 200, body: asTable(printer, [item], { resourceVersion: ctx.resourceVersion }) };
        return { status: 200, body: { kind: KINDS[r.kind].kind, apiVersion: KINDS[r.kind].apiVersion, ...item } };
      }
      return list(backend, r.kind, r.namespace, req.url.searchParams, table);
    } catch (err) {
      if (err instanceof SelectorError) return status(400, err.message);
      throw err;
    }
  };
}
