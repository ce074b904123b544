/**
 * The simulated Azure: Azure Resource Manager (Microsoft.ContainerService/managedClusters) and one Kubernetes API
 * server per running cluster, over HTTPS on 127.0.0.1, speaking the real wire protocols, so the real
 * `@azure/arm-containerservice`, `@azure/identity` (static token) and `@kubernetes/client-node` talk to it.
 *
 *   const sim = await startSimulatedAzure({ durations: { start: 'manual' } });
 *   // point the app at it (TRUSTED_CA, ARM_ENDPOINT, AZURE_CREDENTIAL=static, STATIC_ACCESS_TOKEN):
 *   const config = loadConfig({ ...sim.appSettings(), TABLE_STORAGE_CONNECTION_STRING: '...' });
 *   ...
 *   await sim.close();
 *
 * Options (all optional) — see SimulatedAzureOptions:
 *   fleet                  FleetSpec (default demoFleet(): subscription DEMO_SUBSCRIPTION_ID, rg-elb-01 with elb-01-a
 *                          Running, elb-01-b Stopped, elb-01-c Running; rg-elb-01-blue with elb-01-blue-a Running)
 *   token                  the one bearer token ARM and the API servers accept (default: random)
 *   tokenLifetimeSeconds   the token is refused (401 ExpiredAuthenticationToken) after this (default 86400)
 *   durations              { start, stop, delete }: ms until an operation ends by itself, or 'manual'
 *                          (default start 5000, stop 3000, delete 3000)
 *   lroRetryAfterSeconds   Retry-After of 202s and InProgress status documents (default: none, as AKS's
 *                          recorded 202s; clients then poll at their own interval)
 *   lroInProgressError     an `error` InProgress status documents carry (default: none, as recorded)
 *   armPageSize            clusters per list page; more pages follow through nextLink (default 100)
 *   adminCertLifetimeSeconds  notAfter of the admin client certificate (default 2 years)
 *   idleTimeoutMs          keep-alive idle timeout of every server (default 240000, like AKS's load balancer)
 *   stateOrdering          'target' (default, real AKS: a start shows Running + Starting at once, a stop Stopped +
 *                          Stopping) or 'previous' (the power state flips at the end); overrides the fleet's
 *   apiServerOnStart       'samePort' (default) or 'newPort': a started cluster's API server moves to another port
 *   retailPrices           { prices, pageSize }: the Linux prices the Retail Prices API lists (default
 *                          DEFAULT_RETAIL_PRICES in retailPrices.ts) and its items per page (default 3: paged)
 *   blobStore              Azurite's blob service (http://127.0.0.1:{port}/devstoreaccount1) that keeps the storage
 *                          accounts' blobs (storage.ts); without it the blob front end answers 503
 *
 * SimulatedAzure:
 *   armEndpoint, caPem (the CA of the ARM certificate), token, tokenExpiresOnTimestamp, subscriptionIds
 *   retailPricesEndpoint, setRetailPrices(prices)   the Retail Prices API (target 'retailPrices' for injections;
 *                                       its requests are logged as server 'retailPrices')
 *   appSettings()                       the app settings that point the app at this simulator
 *   setToken(token, lifetimeSeconds?)   rotate the accepted token
 *   clusters()                          ClusterState of every live cluster
 *   cluster(ref)                        SimulatedCluster handle: state(), apiServerUrl, caPem, spec, update(fn),
 *                                       counters(), resetCounters()
 *   completeOperation(ref, outcome?)    end the open start/stop/delete now (Succeeded, or Failed/Canceled with
 *                                       an optional powerState); resolves once ARM reports the end state
 *   setOperationDurations(durations)    change durations for operations begun from now on
 *   setClusterState(ref, state)         set power/provisioning state directly (no operation), API server follows
 *   inject(spec) → Injection            latency, status (429 ± Retry-After, 500, 404...), hold until release(),
 *                                       drop; per target ('arm' | 'kubernetes' | ClusterRef | 'any'), method, path
 *   clearInjections()
 *   counters('arm' | 'blob' | ref)      requests by path, TCP connections, TLS handshakes full/resumed
 *   blobEndpoint                        https://127.0.0.1:{port}/ of the blob front end (accounts are path-style)
 *   setBlobAccess(account, access)      'allowed' | 'noRole' (403 AuthorizationPermissionMismatch) | 'firewall'
 *                                       (403 AuthorizationFailure) for the account's blob data plane
 *   fillBlobs()                         uploads every container's blobs to Azurite now (else on its first call)
 *   registry(name)                      the live RegistrySpec (change repositories, runs, access between reads)
 *   counters('registry')                every registry data-plane server's requests together
 *   resetCounters()
 *   requestLog(filter?), clearRequestLog()   method, path+query, status, time, duration, injection id
 *   startWebhookReceiver()              a webhook receiver (webhookReceiver.ts) with this simulator's certificate:
 *                                       records deliveries, answers ok / fail (500) / gone (410) / stall per path
 *   close()
 *
 * ARM: list (subscription, resource group; nextLink paging), get, start, stop, delete (LROs: 202 +
 * Azure-AsyncOperation + Location, Retry-After only with lroRetryAfterSeconds; status documents; 204 final GET),
 * listClusterUserCredential (Entra: exec/kubelogin kubeconfig; without Entra: client certificate),
 * listClusterAdminCredential (client certificate). Errors: 401 (missing/invalid/expired token, or another audience),
 * 404 ResourceNotFound / ResourceGroupNotFound / SubscriptionNotFound, 409 OperationNotAllowed (unwrapped
 * { code, details, message, subcode }, AKS's wording), 400 MissingApiVersionParameter / InvalidApiVersionParameter /
 * NoRegisteredProviderFound (an api-version not in MANAGED_CLUSTERS_API_VERSIONS).
 *
 * Storage (storage.ts): ARM lists a resource group's storageAccounts (primaryEndpoints.blob on the blob front end) and
 * an account's blobServices/default/containers; the blob front end checks the token (audience
 * https://storage.azure.com), answers the accounts' 403s, and forwards reads to Azurite.
 *
 * Container registries (registry.ts): ARM lists a resource group's registries (loginServer: the registry's own
 * data-plane server) and their runs (2019-06-01-preview); each data-plane server speaks ACR's token exchange
 * (/oauth2/exchange, /oauth2/token, 401 challenges) and /acr/v1/_catalog, /acr/v1/{repo}/_manifests with Link paging.
 *
 * Kubernetes (one HTTPS server per cluster, listening only while running, same port across stop/start unless
 * apiServerOnStart is 'newPort'):
 * client-certificate auth against the cluster CA, or a token for the AKS server id (tokenFor(AKS_ENTRA_SERVER_ID);
 * Entra clusters); the cluster's deniedDataActions answer 403 like Azure RBAC; 401 / 403 / 404 / 410 Status objects.
 * GET /version[/], /healthz; discovery (/api, /api/v1, /apis, /apis/{group}[/{version}]); meta.k8s.io Tables for
 * nodes and pods when asked (kubectl get); /api/v1/nodes[/{name}], /api/v1/namespaces, /api/v1/pods,
 * /api/v1/namespaces/{ns}/pods[/{name}[/log?tailLines=&container=]], /api/v1/events, /api/v1/namespaces/{ns}/events,
 * /apis/batch/v1/jobs, /apis/batch/v1/namespaces/{ns}/jobs[/{name}], /apis/metrics.k8s.io/v1beta1/nodes[/{name}],
 * /apis/metrics.k8s.io/v1beta1/[namespaces/{ns}/]pods. Lists: labelSelector, fieldSelector, limit/continue (a token
 * pages the snapshot it began on until cluster(ref).compact(); then 410 with a fresh token). See README.md here.
 */
import { randomBytes } from 'node:crypto';
import type { ArmSubscription } from './arm.js';
import { armInjectedAnswer, createArmHandler } from './arm.js';
import { createCertificateAuthority } from './certificates.js';
import { SimCluster, type ClusterEnvironment } from './cluster.js';
import { RequestLog, ServerCounters, type CountersSnapshot, type RequestLogEntry } from './counters.js';
import { demoFleet } from './demoFleet.js';
import {
  validateFleet,
  type ClusterRef,
  type ClusterSpec,
  type FleetSpec,
  type PowerStateCode,
  type ProvisioningState,
  type StateOrdering,
} from './fleetSpec.js';
import { InjectionRegistry, type Injection, type InjectionSpec } from './injection.js';
import type { TokenCheck } from './kubernetes.js';
import { AKS_ENTRA_SERVER_ID } from './kubeconfig.js';
import { mintStaticToken, readStaticToken, staticObjectId } from '../../shared/azure/staticToken.js';
import { Lifecycle, type OperationDuration, type OperationKind, type OperationOutcome } from './lifecycle.js';
import { SimServer, type SimServerOptions } from './server.js';
import { createRetailPricesHandler, DEFAULT_RETAIL_PRICES, retailPricesInjectedAnswer, type SimRetailPrice } from './retailPrices.js';
import { blobInjectedAnswer, createBlobFrontEnd, STORAGE_AUDIENCE, storageArmRoute, type BlobAccess, type StorageBackend } from './storage.js';
import { AZURITE_ACCOUNT_KEY } from '../azurite.js';
import { startWebhookReceiver, type SimWebhookReceiver } from './webhookReceiver.js';
import { createRegistryDataPlane, registryArmRoute, registryInjectedAnswer, type RegistryBackendEntry, type RegistrySpec } from './registry.js';

export {
  demoFleet,
  DEMO_SUBSCRIPTION_ID,
  DEMO_SECOND_SUBSCRIPTION_ID,
  DEMO_SUBSCRIPTION_NAMES,
  DEMO_TENANT_ID,
  DEMO_LOCATION,
  DEMO_DB_NAMESPACE,
  DEMO_WARMUP_LABELS,
} from './demoFleet.js';
export { AKS_ENTRA_SERVER_ID } from './kubeconfig.js';
export type * from './fleetSpec.js';
export type { CountersSnapshot, RequestLogEntry } from './counters.js';
export type { Injection, InjectionSpec, InjectionTarget } from './injection.js';
export type { OperationDuration, OperationKind, OperationOutcome } from './lifecycle.js';
export { DEFAULT_RETAIL_PRICES, type SimRetailPrice } from './retailPrices.js';
export type { ReceivedDelivery, ReceiverBehaviour, SimWebhookReceiver } from './webhookReceiver.js';

export interface SimulatedAzureOptions {
  fleet?: FleetSpec;
  token?: string;
  tokenLifetimeSeconds?: number;
  durations?: Partial<Record<OperationKind, OperationDuration>>;
  lroRetryAfterSeconds?: number;
  lroInProgressError?: { code: string; message: string };
  armPageSize?: number;
  adminCertLifetimeSeconds?: number;
  idleTimeoutMs?: number;
  requestLogCapacity?: number;
  /** Overrides the fleet's stateOrdering (default 'target'). */
  stateOrdering?: StateOrdering;
  /** Overrides the fleet's apiServerOnStart (default 'samePort'). */
  apiServerOnStart?: FleetSpec['apiServerOnStart'];
  /** The Retail Prices API's Linux prices (default DEFAULT_RETAIL_PRICES) and items per page (default 3). */
  retailPrices?: { prices?: readonly SimRetailPrice[]; pageSize?: number };
  /** Azurite's blob service (http://127.0.0.1:{port}/devstoreaccount1): where the storage accounts' blobs are kept. */
  blobStore?: string;
}

export interface ClusterState {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  resourceId: string;
  provisioningState: ProvisioningState;
  powerState: PowerStateCode;
  /** The open start/stop/delete. */
  operation?: { id: string; kind: OperationKind; startedAt: Date };
  /** Where the cluster's API server is (or will be, once started). */
  apiServerUrl: string;
  /** Whether the API server accepts connections now. */
  listening: boolean;
}

export interface SimulatedCluster {
  readonly ref: Required<ClusterRef>;
  readonly resourceId: string;
  readonly apiServerUrl: string;
  /** PEM of the cluster CA (the API server's certificate and the admin client certificate chain to it). */
  readonly caPem: string;
  /** The cluster's data as the API server serves it. Read freely; change it through update(). */
  readonly spec: ClusterSpec;
  state(): ClusterState;
  /**
   * Changes the served data (e.g. a pod turns Failed) and moves the list resourceVersion on. Continue tokens
   * handed out before keep paging the data as it was, until compact().
   */
  update(change: (spec: ClusterSpec) => void): void;
  /** Drops the data's history: continue tokens of earlier versions answer 410 Expired (with a token to go on). */
  compact(): void;
  counters(): CountersSnapshot;
  resetCounters(): void;
}

export interface SimulatedAzure {
  /** https://127.0.0.1:{port} */
  readonly armEndpoint: string;
  /** PEM of the CA that signed the ARM server certificate: the app's TRUSTED_CA. */
  readonly caPem: string;
  /**
   * The static secret (STATIC_ACCESS_TOKEN): it signs the per-audience tokens, and ARM accepts it as a bearer
   * token itself. The API servers only accept tokenFor(AKS_ENTRA_SERVER_ID).
   */
  readonly token: string;
  /** Epoch ms after which the token is refused. */
  readonly tokenExpiresOnTimestamp: number;
  readonly subscriptionIds: string[];
  /** https://127.0.0.1:{port} of the Retail Prices API (same CA as ARM). */
  readonly retailPricesEndpoint: string;
  /** Replaces the Linux prices the Retail Prices API lists. */
  setRetailPrices(prices: readonly SimRetailPrice[]): void;
  /**
   * ARM_ENDPOINT, AZURE_CREDENTIAL=static, STATIC_ACCESS_TOKEN, STATIC_ACCESS_TOKEN_LIFETIME_SECONDS (the time
   * left on the token), TRUSTED_CA (PEM text): merge into the app's environment.
   */
  appSettings(): Record<string, string>;
  setToken(token: string, lifetimeSeconds?: number): void;
  /** A bearer token for an audience (AKS_ENTRA_SERVER_ID for the API servers), as the static credential mints it. */
  tokenFor(audience: string): string;
  clusters(): ClusterState[];
  cluster(ref: ClusterRef): SimulatedCluster;
  completeOperation(ref: ClusterRef, outcome?: OperationOutcome): Promise<void>;
  setOperationDurations(durations: Partial<Record<OperationKind, OperationDuration>>): void;
  setClusterState(ref: ClusterRef, state: { powerState?: PowerStateCode; provisioningState?: 'Succeeded' | 'Failed' }): Promise<void>;
  inject(spec: InjectionSpec): Injection;
  clearInjections(): void;
  /** https://127.0.0.1:{port}/ of the blob front end. */
  readonly blobEndpoint: string;
  setBlobAccess(account: string, access: BlobAccess): void;
  /** Uploads every container's blobs to Azurite now (else each container is filled on its first call). */
  fillBlobs(): Promise<void>;
  /** The live spec of a registry: what its ARM entry, runs and data plane answer from now on. */
  registry(name: string): RegistrySpec;
  counters(target: 'arm' | 'blob' | 'registry' | ClusterRef): CountersSnapshot;
  resetCounters(): void;
  requestLog(filter?: (entry: RequestLogEntry) => boolean): RequestLogEntry[];
  clearRequestLog(): void;
  /** A webhook receiver on loopback, trusted through TRUSTED_CA like ARM (reach it as https://localhost:{port}); closed with the simulator. */
  startWebhookReceiver(): Promise<SimWebhookReceiver>;
  close(): Promise<void>;
}

export async function startSimulatedAzure(options: SimulatedAzureOptions = {}): Promise<SimulatedAzure> {
  const fleet = options.fleet ?? demoFleet();
  validateFleet(fleet);
  let token = options.token ?? randomBytes(24).toString('base64url');
  let tokenExpiresOn = Date.now() + (options.tokenLifetimeSeconds ?? 86_400) * 1000;
  let armEndpoint = '';
  // Tokens are audience-bound JWTs signed with `token` (shared/azure/staticToken.ts); the bare secret itself stands
  // for an ARM token (hand-made requests). An ARM token at an API server is refused, as AKS refuses it.
  const armAudiences = () =>
    new Set([armEndpoint, `${armEndpoint}/`, 'https://management.azure.com', 'https://management.azure.com/', 'https://management.core.windows.net/']);
  const verifyFor = (presented: string, audiences: Set<string>, acceptSecret: boolean): TokenCheck => {
    const claims = readStaticToken(token, presented);
    if (!(claims && audiences.has(claims.aud)) && !(acceptSecret && presented === token)) {
      return claims ? { verdict: 'invalid', wrongAudience: claims.aud } : { verdict: 'invalid' };
    }
    return Date.now() >= tokenExpiresOn ? { verdict: 'expired' } : { verdict: 'valid', objectId: staticObjectId(token) };
  };
  const verifyArmToken = (presented: string): TokenCheck => verifyFor(presented, armAudiences(), true);
  const verifyKubernetesToken = (presented: string): TokenCheck => verifyFor(presented, new Set([AKS_ENTRA_SERVER_ID]), false);

  const log = new RequestLog(options.requestLogCapacity);
  const injections = new InjectionRegistry();
  const idleTimeoutMs = options.idleTimeoutMs ?? 240_000;
  const env: ClusterEnvironment = {
    log,
    injections,
    idleTimeoutMs,
    adminCertLifetimeSeconds: options.adminCertLifetimeSeconds ?? 2 * 365 * 86_400,
    verifyToken: verifyKubernetesToken,
  };

  const subscriptions = new Map<string, ArmSubscription>();
  let clusters: SimCluster[] = [];
  for (const sub of fleet.subscriptions) {
    const resourceGroups = new Map(sub.resourceGroups.map((rg) => [rg.name.toLowerCase(), { name: rg.name, location: rg.location }]));
    subscriptions.set(sub.subscriptionId.toLowerCase(), {
      subscriptionId: sub.subscriptionId,
      tenantId: sub.tenantId,
      displayName: sub.displayName ?? 'Simulated subscription',
      resourceGroups,
    });
  }
  const created = await Promise.allSettled(
    fleet.subscriptions.flatMap((sub) =>
      sub.resourceGroups.flatMap((rg) =>
        rg.clusters.map((spec) =>
          SimCluster.create({ subscriptionId: sub.subscriptionId, tenantId: sub.tenantId, resourceGroup: rg.name, location: rg.location }, spec, env),
        ),
      ),
    ),
  );
  clusters = created.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = created.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(clusters.map((c) => c.retire()));
    throw failed.reason;
  }

  const lifecycle = new Lifecycle(
    { start: 5_000, stop: 3_000, delete: 3_000, ...options.durations },
    (gone) => {
      clusters = clusters.filter((c) => c !== gone);
    },
    { stateOrdering: options.stateOrdering ?? fleet.stateOrdering, apiServerOnStart: options.apiServerOnStart ?? fleet.apiServerOnStart },
  );

  const armCa = await createCertificateAuthority('Simulated Azure Root CA');
  const armCert = await armCa.issue({
    subject: 'CN=management.azure.local',
    usage: 'server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    lifetimeSeconds: 365 * 86_400,
  });
  /** A server on the ARM certificate, sharing the request log, the injections and the idle timeout. */
  const armCertServer = (server: Omit<SimServerOptions, 'tls' | 'log' | 'injections' | 'idleTimeoutMs'>) =>
    new SimServer({ ...server, tls: { key: armCert.keyPem, cert: armCert.certPem }, log, injections, idleTimeoutMs });
  const armCounters = new ServerCounters();
  const { lroRetryAfterSeconds, lroInProgressError } = options;

  // Storage accounts: ARM lists them; the blob front end serves their data plane from Azurite.
  const storageAccounts = fleet.subscriptions.flatMap((sub) =>
    sub.resourceGroups.flatMap((rg) =>
      (rg.storageAccounts ?? []).map((spec) => ({
        subscriptionId: sub.subscriptionId,
        resourceGroup: rg.name,
        location: rg.location,
        spec: structuredClone(spec),
      })),
    ),
  );
  let blobEndpoint = '';
  const storage: StorageBackend = {
    accounts: (subscriptionId, resourceGroup) =>
      storageAccounts.filter(
        (a) =>
          a.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
          (resourceGroup === undefined || a.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
      ),
    blobEndpoint: () => blobEndpoint,
  };
  const findAccount = (name: string) => storageAccounts.find((a) => a.spec.name.toLowerCase() === name.toLowerCase());
  const blobFrontEnd = options.blobStore
    ? createBlobFrontEnd({
        store: options.blobStore.replace(/\/+$/, ''),
        accountKey: AZURITE_ACCOUNT_KEY,
        namespace: randomBytes(8).toString('hex'),
        tenantId: fleet.subscriptions[0]?.tenantId ?? 'common',
        account: findAccount,
        verifyToken: (presented) => verifyFor(presented, new Set([STORAGE_AUDIENCE, `${STORAGE_AUDIENCE}/`]), false),
      })
    : undefined;
  const blobCounters = new ServerCounters();

  // Container registries: ARM lists them; each has its own data-plane server (its loginServer).
  const registryCounters = new ServerCounters();
  const registries: Array<RegistryBackendEntry & { server: SimServer }> = [];
  for (const sub of fleet.subscriptions) {
    for (const rg of sub.resourceGroups) {
      for (const spec of rg.registries ?? []) {
        let port = 0;
        const entry: RegistryBackendEntry = {
          subscriptionId: sub.subscriptionId,
          resourceGroup: rg.name,
          location: rg.location,
          spec: structuredClone(spec),
          loginServer: () => `127.0.0.1:${port}`,
        };
        const server = armCertServer({
          name: `registry:${spec.name}`,
          identity: { kind: 'registry' },
          counters: registryCounters,
          handle: createRegistryDataPlane({ entry, verifyEntraToken: (presented) => verifyFor(presented, armAudiences(), false) }),
          injectedAnswer: registryInjectedAnswer,
        });
        registries.push(Object.assign(entry, { server }));
        port = await server.listen(0);
      }
    }
  }
  const registriesOf = (subscriptionId: string, resourceGroup: string) =>
    registries.filter((r) => r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && r.resourceGroup.toLowerCase() === resourceGroup.toLowerCase());
  const armPageSize = Math.max(1, options.armPageSize ?? 100);
  const arm = armCertServer({
    name: 'arm',
    identity: { kind: 'arm' },
    counters: armCounters,
    handle: createArmHandler({
      endpoint: () => armEndpoint,
      subscriptions: () => [...subscriptions.values()],
      subscription: (id) => subscriptions.get(id.toLowerCase()),
      clusters: (subscriptionId, resourceGroup) =>
        clusters.filter(
          (c) =>
            c.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
            (resourceGroup === undefined || c.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
        ),
      lifecycle,
      verifyToken: verifyArmToken,
      tokenExpiresOn: () => new Date(tokenExpiresOn),
      pageSize: () => armPageSize,
      lroRetryAfterSeconds: () => lroRetryAfterSeconds,
      lroInProgressError: () => lroInProgressError,
      resourceProviders: {
        'microsoft.storage': (req, scope, segments) => storageArmRoute(req, storage, scope, segments),
        'microsoft.containerregistry': (req, scope, segments) => registryArmRoute(req, registriesOf, scope, segments),
      },
    }),
    injectedAnswer: armInjectedAnswer,
  });
  const blob = armCertServer({
    name: 'blob',
    identity: { kind: 'blob' },
    counters: blobCounters,
    handle: (req) =>
      blobFrontEnd ? blobFrontEnd.handle(req) : { status: 503, body: 'The simulated blob service has no store (SimulatedAzureOptions.blobStore).' },
    injectedAnswer: blobInjectedAnswer,
  });
  try {
    armEndpoint = `https://127.0.0.1:${await arm.listen(0)}`;
    blobEndpoint = `https://127.0.0.1:${await blob.listen(0)}/`;
  } catch (err) {
    await Promise.all([arm.close(), blob.close(), ...registries.map((r) => r.server.close()), ...clusters.map((c) => c.retire())]);
    throw err;
  }

  let retailPrices = options.retailPrices?.prices ?? DEFAULT_RETAIL_PRICES;
  let retailPricesEndpoint = '';
  const retailPricesServer = armCertServer({
    name: 'retailPrices',
    identity: { kind: 'retailPrices' },
    counters: new ServerCounters(),
    handle: createRetailPricesHandler({
      endpoint: () => retailPricesEndpoint,
      prices: () => retailPrices,
      pageSize: () => Math.max(1, options.retailPrices?.pageSize ?? 3),
    }),
    injectedAnswer: retailPricesInjectedAnswer,
  });
  try {
    retailPricesEndpoint = `https://127.0.0.1:${await retailPricesServer.listen(0)}`;
  } catch (err) {
    await Promise.all([arm.close(), blob.close(), ...registries.map((r) => r.server.close()), ...clusters.map((c) => c.retire())]);
    throw err;
  }

  const receivers: SimWebhookReceiver[] = [];

  function find(ref: ClusterRef): SimCluster {
    const matches = clusters.filter(
      (c) =>
        c.resourceGroup.toLowerCase() === ref.resourceGroup.toLowerCase() &&
        c.name.toLowerCase() === ref.name.toLowerCase() &&
        (!ref.subscriptionId || c.subscriptionId.toLowerCase() === ref.subscriptionId.toLowerCase()),
    );
    if (matches.length !== 1) {
      throw new Error(`simulated Azure: ${matches.length ? 'ambiguous' : 'no'} cluster ${ref.subscriptionId ?? '*'}/${ref.resourceGroup}/${ref.name}`);
    }
    return matches[0]!;
  }

  function stateOf(c: SimCluster): ClusterState {
    return {
      subscriptionId: c.subscriptionId,
      resourceGroup: c.resourceGroup,
      name: c.name,
      resourceId: c.resourceId,
      provisioningState: c.provisioningState,
      powerState: c.powerState,
      ...(c.operation ? { operation: { ...c.operation } } : {}),
      apiServerUrl: c.apiServerUrl,
      listening: c.listening,
    };
  }

  function handle(c: SimCluster): SimulatedCluster {
    return {
      ref: { subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name },
      resourceId: c.resourceId,
      get apiServerUrl() {
        return c.apiServerUrl;
      },
      caPem: c.caPem,
      get spec() {
        return c.spec;
      },
      state: () => stateOf(c),
      update: (change) => c.change(change),
      compact: () => c.compact(),
      counters: () => c.counters.snapshot(),
      resetCounters: () => c.counters.reset(),
    };
  }

  let closed = false;
  return {
    get armEndpoint() {
      return armEndpoint;
    },
    caPem: armCa.certPem,
    get token() {
      return token;
    },
    get tokenExpiresOnTimestamp() {
      return tokenExpiresOn;
    },
    subscriptionIds: fleet.subscriptions.map((s) => s.subscriptionId),
    retailPricesEndpoint,
    setRetailPrices(prices) {
      retailPrices = prices;
    },
    appSettings: () => ({
      ARM_ENDPOINT: armEndpoint,
      AZURE_CREDENTIAL: 'static',
      STATIC_ACCESS_TOKEN: token,
      STATIC_ACCESS_TOKEN_LIFETIME_SECONDS: String(Math.max(1, Math.min(86_400, Math.floor((tokenExpiresOn - Date.now()) / 1000)))),
      TRUSTED_CA: armCa.certPem,
      RETAIL_PRICES_ENDPOINT: retailPricesEndpoint,
    }),
    tokenFor: (audience) => mintStaticToken(token, audience, tokenExpiresOn),
    setToken(next, lifetimeSeconds = 86_400) {
      token = next;
      tokenExpiresOn = Date.now() + lifetimeSeconds * 1000;
    },
    clusters: () => clusters.map(stateOf),
    cluster: (ref) => handle(find(ref)),
    completeOperation: (ref, outcome) => lifecycle.complete(find(ref), outcome),
    setOperationDurations: (durations) => lifecycle.setDurations(durations),
    async setClusterState(ref, state) {
      const c = find(ref);
      if (c.operation) throw new Error(`simulated Azure: ${c.name} has an operation in progress; complete it first`);
      if (state.powerState === 'Running') await c.startApiServer();
      if (state.powerState === 'Stopped') await c.stopApiServer();
      if (state.powerState) c.powerState = state.powerState;
      if (state.provisioningState) c.provisioningState = state.provisioningState;
    },
    inject: (spec) => injections.add(spec),
    clearInjections: () => injections.clear(),
    get blobEndpoint() {
      return blobEndpoint;
    },
    setBlobAccess(account, access) {
      const found = findAccount(account);
      if (!found) throw new Error(`simulated Azure: no storage account ${account}`);
      found.spec.blobAccess = access;
    },
    async fillBlobs() {
      if (!blobFrontEnd) throw new Error('simulated Azure: no blob store (SimulatedAzureOptions.blobStore)');
      await Promise.all(storageAccounts.flatMap((a) => a.spec.containers.map((c) => blobFrontEnd.fill(a.spec, c))));
    },
    registry(name) {
      const found = registries.find((r) => r.spec.name.toLowerCase() === name.toLowerCase());
      if (!found) throw new Error(`simulated Azure: no registry ${name}`);
      return found.spec;
    },
    counters: (target) =>
      target === 'arm'
        ? armCounters.snapshot()
        : target === 'blob'
          ? blobCounters.snapshot()
          : target === 'registry'
            ? registryCounters.snapshot()
            : find(target).counters.snapshot(),
    resetCounters() {
      armCounters.reset();
      blobCounters.reset();
      registryCounters.reset();
      for (const c of clusters) c.counters.reset();
    },
    requestLog: (filter) => log.list(filter),
    clearRequestLog: () => log.clear(),
    async startWebhookReceiver() {
      const receiver = await startWebhookReceiver({ key: armCert.keyPem, cert: armCert.certPem });
      receivers.push(receiver);
      return receiver;
    },
    async close() {
      if (closed) return;
      closed = true;
      lifecycle.dispose();
      injections.clear();
      await Promise.all([
        ...receivers.map((r) => r.close()),
        arm.close(),
        retailPricesServer.close(),
        blob.close(),
        ...registries.map((r) => r.server.close()),
        ...clusters.map((c) => c.retire()),
      ]);
    },
  };
}
