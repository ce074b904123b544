// Azure Resource Manager for Microsoft.ContainerService/managedClusters, on the wire as the real
// @azure/arm-containerservice client expects it: paths, the api-versions AKS serves, JSON shapes, error bodies,
// paging with nextLink, long-running operations (202 + Azure-AsyncOperation + Location, Retry-After only when
// asked: AKS's own 202s come without one), bearer auth.
import { randomUUID } from 'node:crypto';
import type { SimCluster } from './cluster.js';
import type { AppliedInjection } from './injection.js';
import { certificateKubeconfig, entraUserKubeconfig } from './kubeconfig.js';
import { uidOf } from './kubernetesObjects.js';
import type { TokenCheck } from './kubernetes.js';
import { ConflictError, type Lifecycle, type OperationKind, type OperationRecord } from './lifecycle.js';
import type { SimRequest, SimResponse } from './server.js';

export interface ArmSubscription {
  subscriptionId: string;
  tenantId: string;
  displayName: string;
  /** Keyed by lower-cased name (ARM names are case-insensitive). */
  resourceGroups: Map<string, { name: string; location: string }>;
}

export interface ArmBackend {
  /** https://127.0.0.1:{port}, used for absolute nextLink and LRO URLs. */
  endpoint(): string;
  subscriptions(): ArmSubscription[];
  subscription(subscriptionId: string): ArmSubscription | undefined;
  /** Clusters of a subscription (and resource group), in fleet order. */
  clusters(subscriptionId: string, resourceGroup?: string): SimCluster[];
  lifecycle: Lifecycle;
  verifyToken(token: string): TokenCheck;
  tokenExpiresOn(): Date | undefined;
  pageSize(): number;
  /** Retry-After of 202s and InProgress status documents; undefined: none, as AKS's recorded answers. */
  lroRetryAfterSeconds(): number | undefined;
  /** An `error` InProgress status documents carry (AKS reports a retried step's failure before the end). */
  lroInProgressError(): { code: string; message: string } | undefined;
  /**
   * Other resource providers of a resource group (lowercased namespace, e.g. microsoft.storage): each answers the
   * path below …/providers/{namespace}/ and checks its own api-versions.
   */
  resourceProviders?: Record<string, ResourceProviderRoute>;
}

export type ResourceProviderRoute = (req: SimRequest, scope: { subscriptionId: string; resourceGroup: string }, segments: string[]) => SimResponse;

/**
 * The api-versions the simulator serves for managedClusters: those @azure/arm-containerservice knows
 * (KnownVersions) and 2025-03-01 (azure-cli's recordings). Anything else well-formed is refused as ARM refuses it.
 */
export const MANAGED_CLUSTERS_API_VERSIONS = ['2025-03-01', '2025-10-01', '2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01', '2026-06-01'];
/** The api-version of AKS's operation status URLs (what its Azure-AsyncOperation and Location headers carry). */
const OPERATIONS_API_VERSION = '2016-03-30';
/** Microsoft.Resources versions for /subscriptions and resource groups. */
const RESOURCES_API_VERSIONS = ['2016-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2021-04-01', '2022-01-01', '2022-09-01', '2022-12-01', '2024-03-01'];

const PROVIDER = 'microsoft.containerservice';

export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers, body: { error: { code, message } } };
}

/** A resource provider's answer to an api-version it does not serve for `type` (e.g. "storageAccounts"). */
export function noRegisteredProvider(apiVersion: string, type: string, supported: readonly string[]): SimResponse {
  return armError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location 'westeurope' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${supported.join(', ')}'.`,
  );
}

/** A resource provider's 404 for a resource the scope's resource group does not have (`type` as "Microsoft.Storage/storageAccounts"). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): SimResponse {
  return armError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found.`);
}

/** An injected status, in ARM's shape (429 as ARM throttling says it). */
export function armInjectedAnswer(status: number, injection: AppliedInjection): SimResponse {
  const headers: Record<string, string> = {};
  if (injection.retryAfter !== undefined) headers['retry-after'] = String(injection.retryAfter);
  if (injection.body !== undefined) return { status, headers, body: injection.body };
  const [code, message] =
    status === 429
      ? ['SubscriptionRequestsThrottled', `Number of requests exceeded the limit. Please try again after '${injection.retryAfter ?? 'some'}' seconds.`]
      : status === 404
        ? ['ResourceNotFound', 'The Resource was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix']
        : status === 503
          ? ['ServiceUnavailable', 'The service is temporarily unavailable.']
          : status >= 500
            ? [
                'InternalServerError',
                'Encountered internal server error. Diagnostic information: timestamp, subscription id, tracking id, request correlation id.',
              ]
            : ['BadRequest', `Injected status ${status}.`];
  return armError(status, code, message, headers);
}

function authenticate(req: SimRequest, backend: ArmBackend, tenantHint: string): SimResponse | undefined {
  const challenge = (description: string) => ({
    'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${tenantHint}", error="invalid_token", error_description="${description}"`,
  });
  const header = req.headers.authorization;
  if (!header) {
    return armError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      challenge("The authentication failed because of missing 'Authorization' header."),
    );
  }
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m)
    return armError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is not in the Bearer format.",
      challenge('The access token is missing or malformed.'),
    );
  const { verdict, wrongAudience } = backend.verifyToken(m[1]!);
  if (wrongAudience !== undefined) {
    return armError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${wrongAudience}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
      challenge('The access token has been obtained for wrong audience or resource.'),
    );
  }
  if (verdict === 'expired') {
    return armError(
      401,
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${backend.tokenExpiresOn()?.toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
      challenge('The access token has expired.'),
    );
  }
  if (verdict === 'invalid') return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'));
  return undefined;
}

export function renderManagedCluster(c: SimCluster) {
  const { spec } = c;
  const aad = spec.aad !== false;
  const poolProvisioning = c.provisioningState;
  return {
    id: c.resourceId,
    location: c.location,
    name: c.name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    ...(spec.tags ? { tags: spec.tags } : {}),
    sku: { name: 'Base', tier: 'Free' },
    kind: 'Base',
    identity: { type: 'SystemAssigned', principalId: uidOf(c.resourceId, 'principal'), tenantId: c.tenantId },
    properties: {
      provisioningState: c.provisioningState,
      powerState: { code: c.powerState },
      kubernetesVersion: spec.kubernetesVersion,
      currentKubernetesVersion: spec.kubernetesVersion,
      dnsPrefix: `${c.name}-dns`,
      fqdn: c.fqdn,
      azurePortalFQDN: c.fqdn.replace('.hcp.', '-portal.hcp.'),
      agentPoolProfiles: spec.agentPools.map((p) => ({
        name: p.name,
        count: p.count,
        vmSize: p.vmSize,
        osDiskSizeGB: 128,
        osDiskType: 'Managed',
        kubeletDiskType: 'OS',
        maxPods: 110,
        type: 'VirtualMachineScaleSets',
        ...(p.minCount !== undefined && p.maxCount !== undefined
          ? { enableAutoScaling: true, minCount: p.minCount, maxCount: p.maxCount }
          : { enableAutoScaling: false }),
        provisioningState: poolProvisioning,
        powerState: { code: c.powerState },
        orchestratorVersion: spec.kubernetesVersion,
        currentOrchestratorVersion: spec.kubernetesVersion,
        mode: p.mode,
        osType: 'Linux',
        osSKU: 'Ubuntu',
        nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202501.12.0',
        enableFIPS: false,
      })),
      nodeResourceGroup: `MC_${c.resourceGroup}_${c.name}_${c.location}`,
      enableRBAC: true,
      ...(aad ? { aadProfile: { managed: true, enableAzureRBAC: true, tenantID: c.tenantId } } : {}),
      disableLocalAccounts: spec.disableLocalAccounts ?? false,
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        podCidr: '10.244.0.0/16',
        serviceCidr: '10.0.0.0/16',
        podCidrs: ['10.244.0.0/16'],
        serviceCidrs: ['10.0.0.0/16'],
        ipFamilies: ['IPv4'],
        dnsServiceIP: '10.0.0.10',
        outboundType: 'loadBalancer',
        loadBalancerSku: 'standard',
      },
      maxAgentPools: 100,
      supportPlan: 'KubernetesOfficial',
    },
  };
}

function subscriptionBody(sub: ArmSubscription) {
  return {
    id: `/subscriptions/${sub.subscriptionId}`,
    subscriptionId: sub.subscriptionId,
    tenantId: sub.tenantId,
    displayName: sub.displayName,
    state: 'Enabled',
  };
}

function resourceGroupBody(sub: ArmSubscription, rg: { name: string; location: string }) {
  return {
    id: `/subscriptions/${sub.subscriptionId}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: rg.location,
    properties: { provisioningState: 'Succeeded' },
  };
}

function operationUrls(backend: ArmBackend, record: OperationRecord) {
  const base = `${backend.endpoint()}/subscriptions/${record.cluster.subscriptionId}/providers/Microsoft.ContainerService/locations/${record.cluster.location}`;
  return {
    asyncOperation: `${base}/operations/${record.id}?api-version=${OPERATIONS_API_VERSION}`,
    location: `${base}/operationresults/${record.id}?api-version=${OPERATIONS_API_VERSION}`,
  };
}

function retryAfter(backend: ArmBackend): Record<string, string> {
  const seconds = backend.lroRetryAfterSeconds();
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

function accepted(backend: ArmBackend, record: OperationRecord): SimResponse {
  const urls = operationUrls(backend, record);
  return {
    status: 202,
    headers: { 'azure-asyncoperation': urls.asyncOperation, location: urls.location, ...retryAfter(backend) },
  };
}

function operationStatusDocument(backend: ArmBackend, record: OperationRecord) {
  const error = record.error ?? (record.status === 'InProgress' ? backend.lroInProgressError() : undefined);
  return {
    name: record.id,
    status: record.status,
    startTime: record.startTime.toISOString(),
    ...(record.endTime ? { endTime: record.endTime.toISOString() } : {}),
    ...(error ? { error } : {}),
  };
}

function page(backend: ArmBackend, req: SimRequest, all: unknown[]): SimResponse {
  const size = backend.pageSize();
  const skip = Number(req.url.searchParams.get('$skipToken') ?? 0) || 0;
  const value = all.slice(skip, skip + size);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (skip + size < all.length) {
    const next = new URL(req.url.pathname, backend.endpoint());
    next.searchParams.set('api-version', req.url.searchParams.get('api-version')!);
    next.searchParams.set('$skipToken', String(skip + size));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

function notFoundCluster(rg: string, name: string): SimResponse {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function createArmHandler(backend: ArmBackend): (req: SimRequest) => SimResponse {
  return (req) => {
    const response = route(req, backend);
    response.headers = {
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': String(req.headers['x-ms-correlation-request-id'] ?? randomUUID()),
      'cache-control': 'no-cache',
      ...(req.method === 'GET' ? { 'x-ms-ratelimit-remaining-subscription-reads': '249' } : { 'x-ms-ratelimit-remaining-subscription-writes': '199' }),
      ...response.headers,
    };
    return response;
  };
}

function route(req: SimRequest, backend: ArmBackend): SimResponse {
  const segments = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const lower = segments.map((s) => s.toLowerCase());
  const subscriptionId = lower[0] === 'subscriptions' ? segments[1] : undefined;
  const sub = subscriptionId ? backend.subscription(subscriptionId) : undefined;

  const denied = authenticate(req, backend, sub?.tenantId ?? 'common');
  if (denied) return denied;

  const apiVersion = req.url.searchParams.get('api-version');
  if (!apiVersion) {
    return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${RESOURCES_API_VERSIONS.toReversed().join(',')}'.`,
    );
  }
  const otherProvider = lower[2] === 'resourcegroups' && lower[4] === 'providers' ? backend.resourceProviders?.[lower[5] ?? ''] : undefined;
  const unsupported = otherProvider ? undefined : unsupportedApiVersion(lower, apiVersion, sub?.resourceGroups.get(lower[3] ?? '')?.location);
  if (unsupported) return unsupported;

  // GET /subscriptions: every subscription the identity may see, paged like ARM's other lists.
  if (lower.length === 1 && lower[0] === 'subscriptions' && req.method === 'GET') {
    return page(backend, req, backend.subscriptions().map(subscriptionBody));
  }
  if (!subscriptionId || lower[0] !== 'subscriptions') return armError(404, 'InvalidResourceType', 'The resource type could not be found.');
  if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);

  // GET /subscriptions/{sub}
  if (lower.length === 2 && req.method === 'GET') {
    return { status: 200, body: subscriptionBody(sub) };
  }

  // /subscriptions/{sub}/providers/Microsoft.ContainerService/...
  if (lower[2] === 'providers' && lower[3] === PROVIDER) {
    if (lower.length === 5 && lower[4] === 'managedclusters' && req.method === 'GET') {
      return page(backend, req, backend.clusters(sub.subscriptionId).map(renderManagedCluster));
    }
    if (lower.length === 8 && lower[4] === 'locations' && req.method === 'GET' && (lower[6] === 'operations' || lower[6] === 'operationresults')) {
      const record = backend.lifecycle.get(segments[7]!);
      if (!record || record.cluster.subscriptionId.toLowerCase() !== sub.subscriptionId.toLowerCase()) {
        return armError(404, 'NotFound', `Operation ${segments[7]} was not found.`);
      }
      if (lower[6] === 'operations') {
        const headers = record.status === 'InProgress' ? retryAfter(backend) : {};
        return { status: 200, headers, body: operationStatusDocument(backend, record) };
      }
      // operationresults: 202 while running (Location again), 204 once done.
      if (record.status === 'InProgress') {
        return { status: 202, headers: { location: operationUrls(backend, record).location, ...retryAfter(backend) } };
      }
      if (record.status === 'Succeeded') return { status: 204 };
      return armError(400, record.error?.code ?? 'OperationFailed', record.error?.message ?? 'The operation failed.');
    }
    return armError(
      404,
      'InvalidResourceType',
      `The resource type '${segments.slice(4).join('/')}' could not be found in the namespace 'Microsoft.ContainerService' for api version '${apiVersion}'.`,
    );
  }

  // GET /subscriptions/{sub}/resourcegroups: every resource group of the subscription, paged like ARM's lists.
  if (lower.length === 3 && lower[2] === 'resourcegroups' && req.method === 'GET') {
    return page(
      backend,
      req,
      [...sub.resourceGroups.values()].map((rg) => resourceGroupBody(sub, rg)),
    );
  }
  if (lower[2] !== 'resourcegroups' || lower.length < 4) return armError(404, 'InvalidResourceType', 'The resource type could not be found.');
  const rg = sub.resourceGroups.get(lower[3]!);
  if (!rg) return armError(404, 'ResourceGroupNotFound', `Resource group '${segments[3]}' could not be found.`);

  // GET /subscriptions/{sub}/resourceGroups/{rg}
  if (lower.length === 4 && req.method === 'GET') return { status: 200, body: resourceGroupBody(sub, rg) };
  if (otherProvider && lower.length > 6) return otherProvider(req, { subscriptionId: sub.subscriptionId, resourceGroup: rg.name }, segments.slice(6));
  if (lower[4] !== 'providers' || lower[5] !== PROVIDER || lower[6] !== 'managedclusters') {
    return armError(404, 'InvalidResourceType', 'The resource type could not be found.');
  }
  if (lower.length === 7 && req.method === 'GET') {
    return page(backend, req, backend.clusters(sub.subscriptionId, rg.name).map(renderManagedCluster));
  }
  const name = segments[7];
  if (!name) return armError(404, 'InvalidResourceType', 'The resource type could not be found.');
  const cluster = backend.clusters(sub.subscriptionId, rg.name).find((c) => c.name.toLowerCase() === name.toLowerCase());
  const action = lower[8];

  if (lower.length === 8) {
    if (req.method === 'GET') return cluster ? { status: 200, body: renderManagedCluster(cluster) } : notFoundCluster(rg.name, name);
    if (req.method === 'DELETE') {
      // ARM answers 204 for a resource that does not exist.
      if (!cluster) return { status: 204 };
      return beginOperation(backend, cluster, 'delete');
    }
    return armError(405, 'MethodNotAllowed', `The simulator does not support ${req.method} on managed clusters.`);
  }
  if (lower.length === 9 && req.method === 'POST') {
    if (action === 'start' || action === 'stop') {
      if (!cluster) return notFoundCluster(rg.name, name);
      return beginOperation(backend, cluster, action);
    }
    if (action === 'listclusterusercredential' || action === 'listclusteradmincredential') {
      if (!cluster) return notFoundCluster(rg.name, name);
      return credentials(cluster, action === 'listclusteradmincredential', sub.tenantId);
    }
  }
  return armError(404, 'InvalidResourceType', `The resource type could not be found for ${req.method} ${segments.slice(6).join('/')}.`);
}

/** ARM's 400 for a well-formed api-version the resource type does not serve. */
function unsupportedApiVersion(lower: string[], apiVersion: string, location: string | undefined): SimResponse | undefined {
  const provider = lower[2] === 'providers' ? lower[3] : lower[4] === 'providers' ? lower[5] : undefined;
  if (provider !== PROVIDER) {
    if (RESOURCES_API_VERSIONS.includes(apiVersion)) return undefined;
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${RESOURCES_API_VERSIONS.toReversed().join(',')}'.`,
    );
  }
  const operations = lower[4] === 'locations';
  if (MANAGED_CLUSTERS_API_VERSIONS.includes(apiVersion) || (operations && apiVersion === OPERATIONS_API_VERSION)) return undefined;
  const type = operations ? `locations/${lower[6] ?? 'operations'}` : 'managedClusters';
  return armError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location ?? lower[5] ?? 'global'}' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${MANAGED_CLUSTERS_API_VERSIONS.join(', ')}'. The supported locations are 'westeurope, northeurope, eastus, westus2'.`,
  );
}

function beginOperation(backend: ArmBackend, cluster: SimCluster, kind: OperationKind): SimResponse {
  try {
    return accepted(backend, backend.lifecycle.begin(cluster, kind));
  } catch (err) {
    // AKS sends this 409 unwrapped (no "error" envelope), with details and subcode.
    if (err instanceof ConflictError) return { status: 409, body: { code: 'OperationNotAllowed', details: null, message: err.message, subcode: '' } };
    throw err;
  }
}

function credentials(cluster: SimCluster, admin: boolean, tenantId: string): SimResponse {
  const common = { clusterName: cluster.name, resourceGroup: cluster.resourceGroup, server: cluster.apiServerUrl, caPem: cluster.caPem };
  const entra = cluster.spec.aad !== false;
  if (admin && cluster.spec.disableLocalAccounts) {
    return armError(400, 'BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.');
  }
  const cert = cluster.adminCredential;
  const yaml =
    !admin && entra
      ? entraUserKubeconfig({ ...common, tenantId })
      : certificateKubeconfig({ ...common, role: admin ? 'clusterAdmin' : 'clusterUser', certPem: cert.certPem, keyPem: cert.keyPem });
  return {
    status: 200,
    body: { kubeconfigs: [{ name: admin ? 'clusterAdmin' : 'clusterUser', value: Buffer.from(yaml).toString('base64') }] },
  };
}
