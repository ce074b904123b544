// A Kubernetes session: a KubeConfig built in memory from the kubeconfig ARM hands out, the API clients, and ONE
// keep-alive connection pool (an undici Agent) that every request of the session goes through.
//
// Why a KubeConfig subclass: client-node 2.x builds a new undici Agent in applySecurityAuthentication on every
// request (a TLS handshake per call). Overriding it to set our one Agent (and the bearer header) fixes that for the
// generated API clients, Metrics and Log alike, since they all call applySecurityAuthentication.
import { randomUUID, X509Certificate } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import type { TokenCredential } from '@azure/core-auth';
import type {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Metrics,
  ConfigurationOptions,
  ObservableMiddleware,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';
import { reportUpstreamCall, startUpstreamCall, type UpstreamCallLog } from '../observability/upstreamLog.js';
import type { SessionFactory, SessionKey } from './sessionPool.js';

/** The AKS AAD server application: the audience of Entra tokens for Entra-enabled clusters. */
export const AKS_ENTRA_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';
/** A bearer session ends this long before its token does, so no request goes out with an expiring token. */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** AKS's API-server load balancer drops idle connections after ~4–5 min; ours are dropped first. */
export const KEEP_ALIVE_IDLE_MS = 120_000;
const KEEP_ALIVE_MAX_MS = 180_000;
/** Whatever a caller asks for, sockets never stay idle as long as AKS's 4-minute cut. */
const KEEP_ALIVE_CEILING_MS = 239_000;
/** Sockets per session: enough for the warm-up fan-out (phase 2 runs up to 12 log reads at once). */
const MAX_CONNECTIONS = 16;

export interface KubeSession {
  /** API server URL. */
  readonly server: string;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly metrics: Metrics;
  /** Upper bound of one call (config.upstream.timeoutMs). */
  readonly timeoutMs: number;
  /** Epoch ms at which the credential stops being usable. */
  readonly expiresAt: number;
  /** Per-call options of the generated clients that make the request abortable by `signal`. */
  callOptions(signal: AbortSignal): ConfigurationOptions;
  /** Closes the connection pool: waits for in-flight requests up to timeoutMs, then destroys the sockets. */
  close(): Promise<void>;
}

export interface KubeSessionOptions {
  /** Kubeconfig YAML as ARM's listClusterUserCredential / listClusterAdminCredential return it. */
  kubeconfig: string;
  /** true: authenticate with the kubeconfig's client certificate; false: with an Entra token from `credential`. */
  admin: boolean;
  /** Needed when admin is false. */
  credential?: TokenCredential;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Idle keep-alive of the session's sockets; default KEEP_ALIVE_IDLE_MS (must stay below 4 min). */
  keepAliveIdleMs?: number;
  /** Told about every request of the session (one structured log line per upstream call). */
  logCall?: UpstreamCallLog;
  /** How the session's calls are named in those lines, e.g. "kubernetes:rg-elb-01/elb-01-a". */
  logTarget?: string;
}

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

type ClientNode = typeof import('@kubernetes/client-node');
type SessionKubeConfigClass = new (dispatcher: Dispatcher, bearer: string | undefined) => KubeConfig;

let clientNode: Promise<{ k8s: ClientNode; SessionKubeConfig: SessionKubeConfigClass }> | undefined;

/**
 * @kubernetes/client-node, loaded when the first session is made: it is most of the app's load time, and list reads,
 * lifecycle calls and health answers never need it (a cold instance answers them without paying for it).
 */
function loadClientNode() {
  return (clientNode ??= import('@kubernetes/client-node').then((k8s) => {
    /** Sets the session's dispatcher and bearer header on every request; nothing else of the kubeconfig's auth runs. */
    class SessionKubeConfig extends k8s.KubeConfig {
      constructor(
        private readonly dispatcher: Dispatcher,
        private readonly bearer: string | undefined,
      ) {
        super();
      }

      override applySecurityAuthentication(context: RequestContext): Promise<void> {
        if (this.bearer) context.setHeaderParam('Authorization', `Bearer ${this.bearer}`);
        context.setDispatcher(this.dispatcher);
        return Promise.resolve();
      }
    }
    return { k8s, SessionKubeConfig };
  }));
}

interface ParsedKubeconfig {
  server: string;
  caData?: string;
  tlsServerName?: string;
  certData?: string;
  keyData?: string;
  /** The user authenticates through an exec plugin (kubelogin on Entra clusters): we bring our own token. */
  exec: boolean;
}

/** Reads server, CA and client certificate out of the kubeconfig; drops exec, auth providers and file paths. */
function parseKubeconfig(k8s: ClientNode, yaml: string): ParsedKubeconfig {
  const source = new k8s.KubeConfig();
  try {
    source.loadFromString(yaml);
  } catch {
    // The parser's message quotes the input, which holds key material.
    throw new KubeconfigError('the kubeconfig from ARM could not be parsed');
  }
  const cluster = source.getCurrentCluster() ?? source.getClusters()[0];
  const user = source.getCurrentUser() ?? source.getUsers()[0];
  if (!cluster?.server) throw new KubeconfigError('the kubeconfig names no cluster server');
  if (!cluster.server.startsWith('https://')) throw new KubeconfigError('the kubeconfig cluster server is not https');
  if (cluster.caFile || user?.certFile || user?.keyFile) {
    throw new KubeconfigError('the kubeconfig refers to files; only inline data is accepted');
  }
  return {
    server: cluster.server.replace(/\/+$/, ''),
    caData: cluster.caData,
    tlsServerName: cluster.tlsServerName,
    certData: user?.certData,
    keyData: user?.keyData,
    exec: Boolean(user?.exec),
  };
}

function pem(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** notAfter of the (first) certificate of a PEM, epoch ms. */
export function certificateNotAfter(certPem: string): number {
  return new X509Certificate(certPem).validToDate.getTime();
}

function signalMiddleware(k8s: ClientNode, signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return new k8s.Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new k8s.Observable(Promise.resolve(context)),
  };
}

export async function createKubeSession(options: KubeSessionOptions): Promise<KubeSession> {
  const { k8s, SessionKubeConfig } = await loadClientNode();
  const parsed = parseKubeconfig(k8s, options.kubeconfig);
  const ca = parsed.caData ? pem(parsed.caData) : undefined;

  let cert: string | undefined;
  let key: string | undefined;
  let bearer: string | undefined;
  let expiresAt: number;
  const hasCertificate = Boolean(parsed.certData && parsed.keyData);
  // Admin: the client certificate. User: an Entra token (the kubeconfig's exec/kubelogin is dropped), except on a
  // cluster without Entra, whose user kubeconfig carries a client certificate and no exec.
  const useCertificate = options.admin || (hasCertificate && !parsed.exec);
  if (options.admin && !hasCertificate) throw new KubeconfigError('the admin kubeconfig carries no client certificate');
  if (useCertificate && parsed.certData && parsed.keyData) {
    cert = pem(parsed.certData);
    key = pem(parsed.keyData);
    try {
      expiresAt = certificateNotAfter(cert);
    } catch {
      throw new KubeconfigError('the kubeconfig client certificate could not be read');
    }
  } else {
    if (!options.credential) throw new Error('createKubeSession: a TokenCredential is required for user sessions');
    const token = await options.credential.getToken(AKS_ENTRA_SCOPE, {
      abortSignal: options.signal,
      requestOptions: { timeout: options.timeoutMs },
    });
    if (!token?.token) throw new Error('no Entra token for the AKS scope');
    bearer = token.token;
    expiresAt = token.expiresOnTimestamp - TOKEN_EXPIRY_MARGIN_MS;
  }

  const idle = Math.min(options.keepAliveIdleMs ?? KEEP_ALIVE_IDLE_MS, KEEP_ALIVE_CEILING_MS);
  const agent = new Agent({
    connect: {
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(parsed.tlsServerName ? { servername: parsed.tlsServerName } : {}),
      rejectUnauthorized: true,
      keepAlive: true,
      keepAliveInitialDelay: 30_000,
      timeout: Math.min(options.timeoutMs, 10_000),
    },
    connections: MAX_CONNECTIONS,
    keepAliveTimeout: idle,
    keepAliveMaxTimeout: Math.min(Math.max(idle, KEEP_ALIVE_MAX_MS), KEEP_ALIVE_CEILING_MS),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  const dispatcher = options.logCall ? agent.compose(callLogInterceptor(options.logCall, options.logTarget ?? 'kubernetes')) : agent;
  const kc = new SessionKubeConfig(dispatcher, bearer);
  // A unique user name per session: client-node caches credentials by user name.
  const userName = `session-${randomUUID()}`;
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server: parsed.server, caData: parsed.caData, skipTLSVerify: false }],
    users: [{ name: userName }],
    contexts: [{ name: 'session', cluster: 'cluster', user: userName }],
    currentContext: 'session',
  });

  let closing: Promise<void> | undefined;
  return {
    server: parsed.server,
    core: kc.makeApiClient(k8s.CoreV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    metrics: new k8s.Metrics(kc),
    timeoutMs: options.timeoutMs,
    expiresAt,
    callOptions: (signal) => ({ middleware: [signalMiddleware(k8s, signal)], middlewareMergeStrategy: 'append' }),
    close: () => (closing ??= closeAgent(agent, options.timeoutMs)),
  };
}

/**
 * Reports each request that goes through the session's Agent (API clients, Metrics and Log alike) when it ends:
 * status, wall time with the body, the path without its query.
 */
function callLogInterceptor(logCall: UpstreamCallLog, target: string): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const end = startUpstreamCall(target, String(opts.method), opts.path);
    let status = 0;
    let reported = false;
    const report = (error?: Error) => {
      if (reported) return;
      reported = true;
      reportUpstreamCall(logCall, end(status, error));
    };
    return dispatch(
      opts,
      new ObservedHandler(handler, {
        onStatus: (code) => {
          if (code >= 200) status = code;
        },
        onEnd: report,
      }),
    );
  };
}

/** Forwards every callback to the caller's handler, telling the observer the final status and the end. */
class ObservedHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly observer: { onStatus(code: number): void; onEnd(error?: Error): void },
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.inner.onRequestUpgrade?.(...args);
  }
  onResponseStarted(): void {
    this.inner.onResponseStarted?.();
  }
  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>): void {
    this.observer.onStatus(args[1]);
    this.inner.onResponseStart?.(...args);
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1]): void {
    this.observer.onEnd();
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.observer.onEnd(error);
    this.inner.onResponseError?.(controller, error);
  }
  onRequestSent(): void {
    this.inner.onRequestSent?.();
  }
  onBodySent(chunk: Buffer): void {
    this.inner.onBodySent?.(chunk);
  }
}

async function closeAgent(agent: Agent, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = agent.close().then(() => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
    timer.unref();
  });
  const closed = await Promise.race([graceful, late]);
  clearTimeout(timer);
  if (!closed) await agent.destroy();
}

export interface SessionFactoryOptions {
  /** Kubeconfig YAML of the cluster: listClusterAdminCredential when key.admin, else listClusterUserCredential. */
  getKubeconfig: (key: SessionKey, signal: AbortSignal) => Promise<string>;
  credential: TokenCredential;
  /** config.upstream.timeoutMs. */
  timeoutMs: number;
  keepAliveIdleMs?: number;
  /** One structured line per Kubernetes call, named "kubernetes:{resourceGroup}/{cluster}". */
  logCall?: UpstreamCallLog;
}

/** The production factory of the SessionPool. */
export function createSessionFactory(options: SessionFactoryOptions): SessionFactory<KubeSession> {
  return async (key, signal) => {
    const kubeconfig = await options.getKubeconfig(key, signal);
    const session = await createKubeSession({
      kubeconfig,
      admin: key.admin,
      credential: options.credential,
      timeoutMs: options.timeoutMs,
      signal,
      keepAliveIdleMs: options.keepAliveIdleMs,
      logCall: options.logCall,
      logTarget: `kubernetes:${key.resourceGroup}/${key.cluster}`,
    });
    return { session, expiresAt: session.expiresAt };
  };
}
