// ARM clients (Microsoft.ContainerService). Real Azure or the simulated Azure, by configuration only:
// ARM_ENDPOINT, and TRUSTED_CA for the simulator's certificate authority.
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { ContainerServiceClient, type ContainerServiceClientOptionalParams } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config.js';
import { reportUpstreamCall, startUpstreamCall, type UpstreamCallLog } from '../observability/upstreamLog.js';

type PipelinePolicy = Parameters<ContainerServiceClient['pipeline']['addPolicy']>[0];
type PipelineRequest = Parameters<PipelinePolicy['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

/** How hard one ARM call may retry. The defaults keep a dashboard tick short. */
export interface ArmRetryBounds {
  /** Retries after the first try. */
  maxRetries: number;
  /** First back-off of the exponential schedule (5xx, 408, reset connections). */
  retryDelayInMs: number;
  /**
   * Longest wait before a retry. A 429/503 whose Retry-After asks for longer is not retried at all: it fails at
   * once with its status (the SDK's own policy would sleep for whatever the server says, uncapped).
   */
  maxRetryDelayInMs: number;
}

export const DEFAULT_ARM_RETRY_BOUNDS: ArmRetryBounds = { maxRetries: 2, retryDelayInMs: 400, maxRetryDelayInMs: 3_000 };

export interface ArmClientSettings {
  azure: Pick<Config['azure'], 'armEndpoint' | 'trustedCa'>;
  upstream: Config['upstream'];
}

/**
 * TRUSTED_CA is PEM text or the path of a PEM file. It is trusted in addition to the public roots, so setting it
 * never breaks a real Azure endpoint.
 */
export function resolveTrustedCa(trustedCa: string | undefined): string[] | undefined {
  if (!trustedCa) return undefined;
  const pem = trustedCa.includes('-----BEGIN CERTIFICATE-----') ? trustedCa : readFileSync(trustedCa, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('TRUSTED_CA: no PEM certificate found');
  return [...rootCertificates, pem];
}

/**
 * TLS options trusting `ca`, as one secure context built once. Given as `ca`, Node's HTTPS agent joins the whole list
 * (every public root and TRUSTED_CA, about 200 KB) into its pool key on every request, and parses it again for every
 * new connection: about half a millisecond of CPU per ARM call, paid 20 times by an uncached fleet tick of 20 scopes.
 */
export function trustingOnly(ca: string[]): NonNullable<ContainerServiceClientOptionalParams['tlsOptions']> {
  // The SDK hands these options to its https.Agent as they are; `secureContext` is an agent option its type leaves out.
  return { secureContext: createSecureContext({ ca }) } as NonNullable<ContainerServiceClientOptionalParams['tlsOptions']>;
}

/** The options every ARM client is built with: the endpoint, its token scope, the trusted CAs, no SDK retries. */
export function armClientOptions(settings: ArmClientSettings): ContainerServiceClientOptionalParams {
  const endpoint = settings.azure.armEndpoint.replace(/\/+$/, '');
  const ca = resolveTrustedCa(settings.azure.trustedCa);
  return {
    endpoint,
    credentials: { scopes: [`${endpoint}/.default`] },
    // The SDK's default retry policy is replaced below; 0 keeps it inert should it ever stay in the pipeline.
    retryOptions: { maxRetries: 0 },
    ...(ca ? { tlsOptions: trustingOnly(ca) } : {}),
  };
}

/** The policies every ARM client's pipeline gets: bounded retries, one deadline per call, one log line per attempt. */
export function hardenArmPipeline(
  pipeline: ContainerServiceClient['pipeline'],
  settings: ArmClientSettings,
  bounds: ArmRetryBounds,
  logCall?: UpstreamCallLog,
): void {
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.addPolicy(boundedRetryPolicy(bounds), { phase: 'Retry' });
  // First in line, so token acquisition and every retry count against the same deadline.
  pipeline.addPolicy(deadlinePolicy(settings.upstream.timeoutMs), { beforePolicies: ['bearerTokenAuthenticationPolicy'] });
  // After the retry policy: one line per attempt on the wire.
  if (logCall) pipeline.addPolicy(callLogPolicy(logCall), { afterPhase: 'Retry' });
}

export function createContainerServiceClient(
  settings: ArmClientSettings,
  credential: TokenCredential,
  subscriptionId: string,
  bounds: ArmRetryBounds = DEFAULT_ARM_RETRY_BOUNDS,
  logCall?: UpstreamCallLog,
): ContainerServiceClient {
  const client = new ContainerServiceClient(credential, subscriptionId, armClientOptions(settings));
  hardenArmPipeline(client.pipeline, settings, bounds, logCall);
  return client;
}

/** One client per subscription, built on first use (a client holds its connection pool: build it once). */
export function perSubscription<C>(build: (subscriptionId: string) => C): (subscriptionId: string) => C {
  const clients = new Map<string, C>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = build(subscriptionId);
      clients.set(key, client);
    }
    return client;
  };
}

/** One client per subscription, built on first use (a client holds its connection pool: build it once). */
export function createArmClientFactory(
  settings: ArmClientSettings,
  credential: TokenCredential,
  bounds: ArmRetryBounds = DEFAULT_ARM_RETRY_BOUNDS,
  logCall?: UpstreamCallLog,
): (subscriptionId: string) => ContainerServiceClient {
  return perSubscription((subscriptionId) => createContainerServiceClient(settings, credential, subscriptionId, bounds, logCall));
}

/**
 * The kubeconfig YAML of a cluster from listClusterUserCredential (admin = false) or listClusterAdminCredential.
 * It is a secret: never log it.
 */
export async function getKubeconfig(
  client: ContainerServiceClient,
  resourceGroup: string,
  cluster: string,
  admin: boolean,
  options: { abortSignal?: AbortSignal } = {},
): Promise<string> {
  const result = admin
    ? await client.managedClusters.listClusterAdminCredentials(resourceGroup, cluster, options)
    : await client.managedClusters.listClusterUserCredentials(resourceGroup, cluster, options);
  const value = result.kubeconfigs?.[0]?.value;
  if (!value) throw new Error(`ARM returned no kubeconfig for ${resourceGroup}/${cluster}`);
  return new TextDecoder().decode(value);
}

// --- pipeline policies ---------------------------------------------------------------------------------------

const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Milliseconds a 429/503 asks us to wait (retry-after-ms, x-ms-retry-after-ms, Retry-After seconds or date). */
export function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = response.headers.get(name);
    if (raw !== undefined && /^\d+$/.test(raw.trim())) return Number(raw);
  }
  const raw = response.headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function exponentialDelay(attempt: number, bounds: ArmRetryBounds): number {
  const base = Math.min(bounds.maxRetryDelayInMs, bounds.retryDelayInMs * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** How long to wait before retrying, or undefined when this outcome is final. */
function retryDelay(response: PipelineResponse | undefined, error: unknown, attempt: number, bounds: ArmRetryBounds): number | undefined {
  if (response) {
    const { status } = response;
    if (status === 429 || status === 503) {
      const hinted = retryAfterMs(response);
      if (hinted !== undefined) return hinted <= bounds.maxRetryDelayInMs ? hinted : undefined;
      // A 429 without Retry-After is not retried (as in the SDK); a bare 503 is an ordinary server error.
      if (status === 429) return undefined;
    }
    if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return exponentialDelay(attempt, bounds);
    return undefined;
  }
  const code = (error as { code?: string } | undefined)?.code;
  return code && TRANSIENT_NETWORK_CODES.has(code) ? exponentialDelay(attempt, bounds) : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function boundedRetryPolicy(bounds: ArmRetryBounds): PipelinePolicy {
  return {
    name: 'boundedArmRetryPolicy',
    async sendRequest(request: PipelineRequest, next) {
      for (let attempt = 0; ; attempt++) {
        let response: PipelineResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        const wait = attempt < bounds.maxRetries && !request.abortSignal?.aborted ? retryDelay(response, error, attempt, bounds) : undefined;
        if (wait === undefined) {
          if (response) return response;
          throw error;
        }
        await sleep(wait, request.abortSignal as AbortSignal | undefined);
      }
    },
  };
}

/** Bounds one ARM call, retries included, by UPSTREAM_TIMEOUT_MS, also when the caller passed no abort signal. */
export function deadlinePolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'armDeadlinePolicy',
    sendRequest(request: PipelineRequest, next) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const callers = request.abortSignal as AbortSignal | undefined;
      request.abortSignal = callers ? AbortSignal.any([callers, deadline]) : deadline;
      return next(request);
    },
  };
}

/** Reports every ARM request (target "arm", path without the query: no api-version noise, nothing secret). */
export function callLogPolicy(logCall: UpstreamCallLog): PipelinePolicy {
  return {
    name: 'armCallLogPolicy',
    async sendRequest(request: PipelineRequest, next) {
      const end = startUpstreamCall('arm', request.method, request.url);
      try {
        const response = await next(request);
        reportUpstreamCall(logCall, end(response.status));
        return response;
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        reportUpstreamCall(logCall, end(typeof status === 'number' ? status : 0, error));
        throw error;
      }
    },
  };
}
