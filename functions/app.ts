// The composition root: builds every client once from the validated config and hands them to the function
// factories. functions/index.ts registers the result with the Functions host; dev/ and the tests mount the same.
import { createArmClientFactory, DEFAULT_ARM_RETRY_BOUNDS, getKubeconfig } from '../shared/azure/arm.js';
import { createAzureCredential } from '../shared/azure/credentials.js';
import { createMonitorCache, type MonitorCache } from '../shared/cache/index.js';
import type { Config } from '../shared/config.js';
import { createTableCaptureStore } from '../shared/http/inspector.js';
import { createHttpPipeline } from '../shared/http/pipeline.js';
import { formatUpstreamCall, type UpstreamCallLog } from '../shared/http/upstreamLog.js';
import { createSessionFactory, SessionPool, type KubeSession } from '../shared/k8s/index.js';
import { LifecycleService } from '../shared/lifecycle/actions.js';
import { TransitionStore } from '../shared/lifecycle/transitions.js';
import { MonitorService } from '../shared/monitor/service.js';
import { createTableClient } from '../shared/tables.js';
import type { FunctionDefinition } from './definition.js';
import { healthFunctions } from './health.js';
import { inspectorFunctions } from './inspector.js';
import { lifecycleFunctions } from './lifecycle.js';
import { meFunctions } from './me.js';
import { monitorFunctions } from './monitor.js';
import { refreshFunctions } from './refresh.js';

export interface AppOptions {
  /** The clock of the cache, transitions and sessions (tests move it). */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', line: string) => void;
}

export interface App {
  definitions: FunctionDefinition[];
  /** The services behind the functions, for tests and benchmarks that look inside. */
  services: { cache: MonitorCache; sessions: SessionPool<KubeSession>; monitor: MonitorService; transitions: TransitionStore; lifecycle: LifecycleService };
  /** Releases pooled connections (process exit, tests). */
  close(): Promise<void>;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((level, line) => (level === 'info' ? console.log(line) : console[level](line)));
  const credential = createAzureCredential(config.azure, now);
  const cacheTable = createTableClient(config.tables, config.tables.cacheTable, credential);
  const inspectorTable = createTableClient(config.tables, config.tables.inspectorTable, credential);
  // One structured line per upstream call (ARM, Kubernetes), stamped with the request id.
  const logCall: UpstreamCallLog = (call) => log('info', formatUpstreamCall(call));
  const arm = createArmClientFactory(config, credential, DEFAULT_ARM_RETRY_BOUNDS, logCall);

  const cache = createMonitorCache({
    table: cacheTable,
    ttlSeconds: config.cache.ttlSeconds,
    swrSeconds: config.cache.swrSeconds,
    now,
    log: (entry) => entry.level !== 'debug' && log(entry.level, `cache ${entry.event} ${entry.key ?? ''} ${entry.detail ?? ''}`),
  });
  const transitions = new TransitionStore(cacheTable, { deadlineSeconds: config.cache.transitionDeadlineSeconds, now, log: (line) => log('warn', line) });
  const sessions = new SessionPool<KubeSession>({
    factory: createSessionFactory({
      getKubeconfig: (key, signal) => getKubeconfig(arm(key.subscriptionId), key.resourceGroup, key.cluster, key.admin, { abortSignal: signal }),
      credential,
      timeoutMs: config.upstream.timeoutMs,
      logCall,
    }),
    ttlSeconds: config.k8s.sessionTtlSeconds,
    maxEntries: config.k8s.sessionMaxEntries,
    now,
    log: (message) => log('warn', `sessions ${message}`),
  });
  const monitor = new MonitorService({
    cache,
    transitions,
    arm,
    sessions,
    now,
    settings: {
      transitionTtlSeconds: config.cache.transitionTtlSeconds,
      upstreamTimeoutMs: config.upstream.timeoutMs,
      warmupLabelSelector: config.k8s.warmupLabelSelector,
      useAdminCredentials: config.k8s.useAdminCredentials,
    },
  });
  const lifecycle = new LifecycleService({ cache, transitions, arm, upstreamTimeoutMs: config.upstream.timeoutMs, log: (line) => log('error', `lifecycle ${line}`) });
  const captures = createTableCaptureStore(inspectorTable, { capacity: config.inspector.capacity, now });
  const pipeline = createHttpPipeline({ config, captures, log, now });

  const definitions: FunctionDefinition[] = [
    ...healthFunctions({
      pipeline,
      probes: [
        { name: 'tableStorage', check: async (abortSignal) => void (await cacheTable.createTable({ abortSignal })) },
        ...config.auth.allowedScopes.slice(0, 1).map((scope) => ({
          name: 'arm',
          check: async (abortSignal: AbortSignal) => void (await arm(scope.subscriptionId).managedClusters.listByResourceGroup(scope.resourceGroup, { abortSignal }).next()),
        })),
      ],
    }),
    ...meFunctions({ pipeline }),
    ...inspectorFunctions({ pipeline, captures }),
    ...monitorFunctions({ pipeline, monitor, cache: config.cache }),
    ...lifecycleFunctions({ pipeline, lifecycle }),
    ...refreshFunctions({
      schedule: config.refresh.schedule,
      cache,
      monitor,
      transitions,
      concurrency: config.refresh.concurrency,
      budgetMs: config.refresh.budgetSeconds * 1000,
      now,
    }),
  ];
  return {
    definitions,
    services: { cache, sessions, monitor, transitions, lifecycle },
    close: async () => {
      await cache.idle();
      await sessions.drain();
    },
  };
}
