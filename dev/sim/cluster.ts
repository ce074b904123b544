// One simulated AKS cluster at run time: its ARM state (provisioning and power state, open operation), its
// certificates, and its Kubernetes API server, which listens only while the cluster runs.
import { createServer } from 'node:net';
import { createCertificateAuthority, type CertificateAuthority, type KeyAndCertificate } from './certificates.js';
import { ServerCounters, type RequestLog } from './counters.js';
import type { ClusterSpec, PowerStateCode, ProvisioningState } from './fleetSpec.js';
import type { InjectionRegistry } from './injection.js';
import { createKubernetesHandler, kubernetesInjectedAnswer, type TokenCheck } from './kubernetes.js';
import type { RenderContext } from './kubernetesObjects.js';
import { SimServer } from './server.js';

export interface ClusterEnvironment {
  log: RequestLog;
  injections: InjectionRegistry;
  idleTimeoutMs: number;
  adminCertLifetimeSeconds: number;
  /** Checks a bearer token for the AKS server id audience. */
  verifyToken(token: string): TokenCheck;
}

/** Earlier versions of a cluster's data kept for continue tokens; older ones are compacted, as etcd's history is. */
const HISTORY_LIMIT = 50;

export interface ClusterOperation {
  id: string;
  kind: 'start' | 'stop' | 'delete';
  startedAt: Date;
}

export class SimCluster {
  provisioningState: ProvisioningState;
  powerState: PowerStateCode;
  /** The open start/stop/delete, if any. */
  operation?: ClusterOperation;
  deleted = false;
  readonly counters = new ServerCounters();
  private server?: SimServer;
  private resourceVersion = 1;
  /** The data as it was at earlier resourceVersions (what a continue token's snapshot reads). */
  private readonly history = new Map<number, ClusterSpec>();
  private reservedPort = 0;
  private retired = false;
  private ca!: CertificateAuthority;
  private serverCert!: KeyAndCertificate;
  private adminCert!: KeyAndCertificate;

  private constructor(
    readonly subscriptionId: string,
    readonly tenantId: string,
    readonly resourceGroup: string,
    readonly location: string,
    public spec: ClusterSpec,
    private readonly env: ClusterEnvironment,
  ) {
    this.provisioningState = spec.provisioningState ?? 'Succeeded';
    this.powerState = spec.powerState;
  }

  static async create(
    at: { subscriptionId: string; tenantId: string; resourceGroup: string; location: string },
    spec: ClusterSpec,
    env: ClusterEnvironment,
  ): Promise<SimCluster> {
    const cluster = new SimCluster(at.subscriptionId, at.tenantId, at.resourceGroup, at.location, structuredClone(spec), env);
    cluster.ca = await createCertificateAuthority('ca');
    cluster.serverCert = await cluster.ca.issue({
      subject: 'CN=apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', cluster.fqdn],
      ipAddresses: ['127.0.0.1'],
      lifetimeSeconds: 2 * 365 * 86_400,
    });
    cluster.adminCert = await cluster.ca.issue({
      subject: 'CN=masterclient, O=system:masters',
      usage: 'client',
      lifetimeSeconds: env.adminCertLifetimeSeconds,
    });
    if (cluster.powerState === 'Running') await cluster.startApiServer();
    else cluster.reservedPort = await reservePort();
    return cluster;
  }

  get name(): string {
    return this.spec.name;
  }

  get resourceId(): string {
    return `/subscriptions/${this.subscriptionId}/resourcegroups/${this.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${this.name}`;
  }

  get fqdn(): string {
    return `${this.name}-dns-${this.subscriptionId.slice(0, 8)}.hcp.${this.location}.azmk8s.io`;
  }

  /** https://127.0.0.1:{port}; the port is kept across stop/start, like the cluster's FQDN. */
  get apiServerUrl(): string {
    return `https://127.0.0.1:${this.reservedPort}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  get caPem(): string {
    return this.ca.certPem;
  }

  get adminCredential(): KeyAndCertificate {
    return this.adminCert;
  }

  /** Changes the served data and moves the resourceVersion on; lists begun before keep reading what they began on. */
  change(apply: (spec: ClusterSpec) => void): void {
    this.history.set(this.resourceVersion, structuredClone(this.spec));
    for (const rv of this.history.keys()) if (this.history.size > HISTORY_LIMIT) this.history.delete(rv);
    apply(this.spec);
    this.resourceVersion += 1;
  }

  /** Forgets every earlier version: continue tokens of them get 410 Expired (etcd compaction). */
  compact(): void {
    this.history.clear();
  }

  renderContext(resourceVersion = this.resourceVersion): RenderContext | undefined {
    const spec = resourceVersion === this.resourceVersion ? this.spec : this.history.get(resourceVersion);
    if (!spec) return undefined;
    return {
      subscriptionId: this.subscriptionId,
      resourceGroup: this.resourceGroup,
      location: this.location,
      cluster: spec,
      resourceVersion: String(resourceVersion),
    };
  }

  /** Listens on the cluster's port, or (newPort) on another one, as when AKS gives the API server a new address. */
  async startApiServer(options: { newPort?: boolean } = {}): Promise<void> {
    if (this.server || this.retired) return;
    const server = new SimServer({
      name: `${this.resourceGroup}/${this.name}`,
      identity: { kind: 'kubernetes', subscriptionId: this.subscriptionId, resourceGroup: this.resourceGroup, cluster: this.name },
      tls: { key: this.serverCert.keyPem, cert: this.serverCert.certPem, ca: this.ca.certPem, requestCert: true },
      counters: this.counters,
      log: this.env.log,
      injections: this.env.injections,
      idleTimeoutMs: this.env.idleTimeoutMs,
      handle: createKubernetesHandler({
        renderContext: (resourceVersion) => this.renderContext(resourceVersion),
        verifyBearer: (token) => (this.spec.aad === false ? { verdict: 'invalid' } : this.env.verifyToken(token)),
        serverAddress: () => new URL(this.apiServerUrl).host,
      }),
      injectedAnswer: kubernetesInjectedAnswer,
    });
    try {
      this.reservedPort = await server.listen(options.newPort ? 0 : this.reservedPort);
    } catch (err) {
      // Someone took the port while the cluster was stopped: take another (kubeconfigs fetched before go stale,
      // as they would if AKS moved the API server).
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      this.reservedPort = await server.listen(0);
    }
    // retire() may run while listen() awaits; the type checker keeps the narrowing from before the await.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (this.retired) {
      await server.close();
      return;
    }
    this.server = server;
  }

  /** Simulator shutdown: stop serving and never listen again (an operation ending late must not reopen it). */
  async retire(): Promise<void> {
    this.retired = true;
    await this.stopApiServer();
  }

  /** Stops listening and resets open connections: a stopped cluster's API server refuses connections. */
  async stopApiServer(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await server.close();
  }
}

/** A free loopback port, remembered for a stopped cluster so its kubeconfig has an address that refuses. */
function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
