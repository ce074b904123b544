// Simulated Azure Container Registry: the ARM side (Microsoft.ContainerRegistry registries listed by resource group,
// and their runs at api-version 2019-06-01-preview) and one data-plane HTTPS server per registry speaking ACR's
// protocol, so the real @azure/container-registry client works against it: a call without a fitting access token
// gets 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; POST /oauth2/exchange trades the simulator's
// Entra token (an ARM audience) for a refresh token; POST /oauth2/token trades that for an access token of the scope;
// GET /acr/v1/_catalog and /acr/v1/{repo}/_manifests page with `Link`.
import { createHash, randomBytes } from 'node:crypto';
import { mintStaticToken, readStaticToken } from '../../shared/azure/staticToken.js';
import { armError, noRegisteredProvider, resourceNotFound } from './arm.js';
import type { AppliedInjection } from './injection.js';
import type { TokenCheck } from './kubernetes.js';
import type { SimRequest, SimResponse } from './server.js';

/** What the app's identity may do with a registry: pull (AcrPull), nothing (no role), or not reach it (firewall). */
export type RegistryAccess = 'allowed' | 'noPull' | 'firewall';

export interface RegistryTagSpec {
  name: string;
  /** ISO time of the tag's last update. */
  updatedAt: string;
}

export interface RepositorySpec {
  /** e.g. "ncbi/elb" */
  name: string;
  tags: RegistryTagSpec[];
}

export interface RegistryRunSpec {
  runId: string;
  status: 'Queued' | 'Started' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled';
  startedAt?: string;
  /** The images the run pushes: "repo:tag". */
  outputImages?: string[];
}

export interface RegistrySpec {
  /** 5–50 letters and digits, as Azure names them. */
  name: string;
  sku?: 'Basic' | 'Standard' | 'Premium';
  adminUserEnabled?: boolean;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  /** Default allowed. */
  access?: RegistryAccess;
  repositories: RepositorySpec[];
  runs?: RegistryRunSpec[];
}

export const REGISTRY_API_VERSIONS = ['2023-07-01', '2025-04-01', '2025-11-01'];
/** The runs API lives only in this preview version (the ARM SDK has no runs client). */
export const REGISTRY_RUNS_API_VERSIONS = ['2019-04-01', '2019-06-01-preview'];

export interface RegistryBackendEntry {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  spec: RegistrySpec;
  /** host:port of its data-plane server. */
  loginServer(): string;
}

export const digestOf = (repository: string, tag: string) => `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;

function registryId(entry: RegistryBackendEntry): string {
  return `/subscriptions/${entry.subscriptionId}/resourceGroups/${entry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${entry.spec.name}`;
}

function renderRegistry(entry: RegistryBackendEntry) {
  const { spec } = entry;
  const sku = spec.sku ?? 'Standard';
  return {
    id: registryId(entry),
    name: spec.name,
    type: 'Microsoft.ContainerRegistry/registries',
    location: entry.location,
    tags: {},
    sku: { name: sku, tier: sku },
    properties: {
      loginServer: entry.loginServer(),
      creationDate: '2025-01-20T08:00:00.0000000Z',
      provisioningState: 'Succeeded',
      adminUserEnabled: spec.adminUserEnabled ?? false,
      publicNetworkAccess: spec.publicNetworkAccess ?? 'Enabled',
      networkRuleBypassOptions: 'AzureServices',
      zoneRedundancy: 'Disabled',
      anonymousPullEnabled: false,
      dataEndpointEnabled: false,
    },
  };
}

function renderRun(entry: RegistryBackendEntry, run: RegistryRunSpec) {
  const started = run.startedAt ?? '2025-03-01T12:00:00Z';
  const done = run.status === 'Succeeded' || run.status === 'Failed' || run.status === 'Canceled';
  return {
    id: `${registryId(entry)}/runs/${run.runId}`,
    name: run.runId,
    type: 'Microsoft.ContainerRegistry/registries/runs',
    properties: {
      runId: run.runId,
      status: run.status,
      lastUpdatedTime: started,
      runType: 'QuickBuild',
      createTime: started,
      ...(run.status !== 'Queued' ? { startTime: started } : {}),
      ...(done ? { finishTime: started } : {}),
      outputImages: (run.outputImages ?? []).map((image) => {
        const [repository, tag] = image.split(':');
        return { registry: entry.loginServer(), repository, tag, ...(done ? { digest: digestOf(repository!, tag!) } : {}) };
      }),
      platform: { os: 'linux', architecture: 'amd64' },
      agentConfiguration: { cpu: 2 },
      provisioningState: 'Succeeded',
      isArchiveEnabled: false,
    },
  };
}

/** ARM requests below …/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/. */
export function registryArmRoute(
  req: SimRequest,
  registries: (subscriptionId: string, resourceGroup: string) => RegistryBackendEntry[],
  scope: { subscriptionId: string; resourceGroup: string },
  segments: string[],
): SimResponse {
  const lower = segments.map((s) => s.toLowerCase());
  const apiVersion = req.url.searchParams.get('api-version') ?? '';
  const runs = lower.length === 3 && lower[2] === 'runs';
  const versions = runs ? REGISTRY_RUNS_API_VERSIONS : REGISTRY_API_VERSIONS;
  if (!versions.includes(apiVersion)) {
    return noRegisteredProvider(apiVersion, runs ? 'registries/runs' : 'registries', versions);
  }
  if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', `The simulator does not support ${req.method} on registries.`);
  const found = registries(scope.subscriptionId, scope.resourceGroup);
  if (lower.length === 1 && lower[0] === 'registries') return { status: 200, body: { value: found.map(renderRegistry) } };
  const entry = found.find((r) => r.spec.name.toLowerCase() === lower[1]);
  if (!entry) {
    return resourceNotFound('Microsoft.ContainerRegistry/registries', segments[1]!, scope.resourceGroup);
  }
  if (lower.length === 2) return { status: 200, body: renderRegistry(entry) };
  if (runs) return { status: 200, body: { value: (entry.spec.runs ?? []).map((run) => renderRun(entry, run)) } };
  return armError(
    404,
    'InvalidResourceType',
    `The resource type '${segments.slice(2).join('/')}' could not be found in the namespace 'Microsoft.ContainerRegistry'.`,
  );
}

// --- the data plane -----------------------------------------------------------------------------------------------

/** ACR's error body: { errors: [{ code, message, detail }] }. */
function acrError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'docker-distribution-api-version': 'registry/2.0', ...headers }, body: { errors: [{ code, message, detail: null }] } };
}

const UNAUTHORIZED = 'authentication required, visit https://aka.ms/acr/authorization for more information.';

/** An injected status, in ACR's shape. */
export function registryInjectedAnswer(status: number, injection: AppliedInjection): SimResponse {
  if (injection.body !== undefined) return { status, body: injection.body };
  const [code, message] =
    status === 401
      ? ['UNAUTHORIZED', UNAUTHORIZED]
      : status === 403
        ? ['DENIED', 'requested access to the resource is denied']
        : ['UNKNOWN', `Injected status ${status}.`];
  return acrError(status, code, message);
}

const PAGE_SIZE = 100;

/** One page of `all` after `last` (ACR's n/last paging), with the Link header to the next. */
function paged<T>(req: SimRequest, all: T[], key: (item: T) => string): { items: T[]; headers: Record<string, string> } {
  const n = Math.max(1, Math.min(1000, Number(req.url.searchParams.get('n') ?? PAGE_SIZE) || PAGE_SIZE));
  const last = req.url.searchParams.get('last');
  const start = last === null ? 0 : all.findIndex((item) => key(item) === last) + 1;
  const items = all.slice(start, start + n);
  if (start + n >= all.length || items.length === 0) return { items, headers: {} };
  const next = new URLSearchParams(req.url.searchParams);
  next.set('last', key(items[items.length - 1]!));
  next.set('n', String(n));
  return { items, headers: { link: `<${req.url.pathname}?${next.toString()}>; rel="next"` } };
}

export interface RegistryDataPlaneOptions {
  entry: RegistryBackendEntry;
  /** The simulator's Entra token check for the ARM audiences ACR accepts. */
  verifyEntraToken(token: string): TokenCheck;
}

/** The data-plane handler of one registry. */
export function createRegistryDataPlane(options: RegistryDataPlaneOptions): (req: SimRequest) => SimResponse {
  const { entry } = options;
  // The registry's own signing secret: its refresh and access tokens mean nothing anywhere else.
  const secret = randomBytes(24).toString('base64url');
  const host = () => entry.loginServer();
  const lifetimeMs = 3 * 3600_000;

  const challenge = (scope: string) =>
    acrError(401, 'UNAUTHORIZED', UNAUTHORIZED, { 'www-authenticate': `Bearer realm="https://${host()}/oauth2/token",service="${host()}",scope="${scope}"` });

  /** The scopes the access token grants, if it is one of this registry's. */
  const grantedScope = (req: SimRequest): string | undefined => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const claims = bearer ? readStaticToken(secret, bearer[1]!) : undefined;
    const prefix = `access|${host()}|`;
    if (!claims || !claims.aud.startsWith(prefix) || claims.exp * 1000 <= Date.now()) return undefined;
    return claims.aud.slice(prefix.length);
  };

  return (req) => {
    const access = entry.spec.access ?? 'allowed';
    if (access === 'firewall') {
      return acrError(403, 'DENIED', `client with IP '127.0.0.1' is not allowed access, refer https://aka.ms/acr/firewall to grant access`);
    }
    const path = req.url.pathname;
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (req.method === 'POST' && path === '/oauth2/exchange') {
      if (form.get('grant_type') !== 'access_token' || form.get('service') !== host())
        return acrError(400, 'BAD_REQUEST', 'grant_type access_token and this service expected');
      const check = options.verifyEntraToken(form.get('access_token') ?? '');
      if (check.verdict !== 'valid') return acrError(401, 'UNAUTHORIZED', UNAUTHORIZED);
      return { status: 200, body: { refresh_token: mintStaticToken(secret, `refresh|${host()}`, Date.now() + lifetimeMs) } };
    }
    if (req.method === 'POST' && path === '/oauth2/token') {
      const refresh = readStaticToken(secret, form.get('refresh_token') ?? '');
      const scope = form.get('scope') ?? '';
      if (form.get('grant_type') !== 'refresh_token' || !refresh || refresh.aud !== `refresh|${host()}` || !scope) {
        return acrError(401, 'UNAUTHORIZED', UNAUTHORIZED);
      }
      // Without AcrPull the identity gets no access token for any scope.
      if (access === 'noPull') return acrError(401, 'UNAUTHORIZED', UNAUTHORIZED);
      return { status: 200, body: { access_token: mintStaticToken(secret, `access|${host()}|${scope}`, Date.now() + lifetimeMs) } };
    }
    if (req.method !== 'GET') return acrError(405, 'UNSUPPORTED', 'The simulator serves reads only.');

    if (path === '/acr/v1/_catalog') {
      if (grantedScope(req) !== 'registry:catalog:*') return challenge('registry:catalog:*');
      const names = entry.spec.repositories.map((r) => r.name).sort();
      const page = paged(req, names, (name) => name);
      return { status: 200, headers: page.headers, body: { repositories: page.items } };
    }
    const manifests = /^\/acr\/v1\/(.+)\/_manifests$/.exec(path);
    if (manifests) {
      const name = decodeURIComponent(manifests[1]!);
      const scope = `repository:${name}:metadata_read`;
      if (grantedScope(req) !== scope) return challenge(scope);
      const repository = entry.spec.repositories.find((r) => r.name === name);
      if (!repository) return acrError(404, 'NAME_UNKNOWN', `repository ${name} is not found`);
      // One manifest per tag, newest first (orderby=timedesc), as the dashboard asks.
      const all = [...repository.tags].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || a.name.localeCompare(b.name));
      if (req.url.searchParams.get('orderby') === 'timeasc') all.reverse();
      const page = paged(req, all, (tag) => digestOf(name, tag.name));
      return {
        status: 200,
        headers: page.headers,
        body: {
          registry: host(),
          imageName: name,
          manifests: page.items.map((tag) => ({
            digest: digestOf(name, tag.name),
            imageSize: 52_428_800,
            createdTime: tag.updatedAt,
            lastUpdateTime: tag.updatedAt,
            architecture: 'amd64',
            os: 'linux',
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            tags: [tag.name],
            changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
          })),
        },
      };
    }
    return acrError(404, 'NAME_UNKNOWN', `${path} is not served by the simulator`);
  };
}
