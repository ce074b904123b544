// The composition root: builds every client once from the validated config and hands them to the function
// factories. functions/index.ts registers the result with the Functions host; dev/ and the tests mount the same.
import { AuditLog } from '../shared/audit/auditLog.js';
import { auditRetention } from '../shared/audit/retention.js';
import { createBusyCheck } from '../shared/autostop/busy.js';
import { AutoStopService } from '../shared/autostop/service.js';
import { AutoStopStore } from '../shared/autostop/store.js';
import { createArmClientFactory, DEFAULT_ARM_RETRY_BOUNDS, getKubeconfig, resolveTrustedCa } from '../shared/azure/arm.js';
import { createAzureCredential } from '../shared/azure/credentials.js';
import { PriceBook } from '../shared/cost/prices.js';
import { createRetailPricesClient } from '../shared/cost/retailPrices.js';
import { CostService } from '../shared/cost/service.js';
import { createMonitorCache, type MonitorCache } from '../shared/cache/index.js';
import { ALL_RESOURCE_GROUPS, type Config } from '../shared/config.js';
import { FleetService } from '../shared/fleet/service.js';
import { createTableCaptureStore } from '../shared/http/inspector.js';
import { createHttpPipeline } from '../shared/http/pipeline.js';
import { redactText } from '../shared/observability/redaction.js';
import { formatUpstreamCall, type UpstreamCallLog } from '../shared/observability/upstreamLog.js';
import { currentInvocation } from '../shared/observability/requestId.js';
import { createSessionFactory, SessionPool, type KubeSession } from '../shared/k8s/index.js';
import { LifecycleService } from '../shared/lifecycle/service.js';
import { TransitionStore } from '../shared/lifecycle/transitions.js';
import { createMetricsReporter } from '../shared/monitor/metrics.js';
import { ResourceGroups } from '../shared/monitor/resourceGroups.js';
import { MonitorService } from '../shared/monitor/service.js';
import type { Scope } from '../shared/scope.js';
import { createTableClient } from '../shared/tables.js';
import { auditFunctions } from './audit.js';
import { autoStopFunctions, autoStopTimerFunctions } from './autostop.js';
import { costFunctions } from './cost.js';
import type { FunctionDefinition } from './definition.js';
import { fleetFunctions } from './fleet.js';
import { healthFunctions } from './health.js';
import { inspectorFunctions } from './inspector.js';
import { lifecycleFunctions } from './lifecycle.js';
import { meFunctions } from './me.js';
import { monitorFunctions } from './monitor.js';
import { refreshFunctions } from './refresh.js';
import { scheduleFunctions, schedulesTimerFunctions } from './schedules.js';
import { ScheduleService } from '../shared/schedules/service.js';
import { ScheduleStore } from '../shared/schedules/store.js';
import { createBlobClientFactory, createStorageArmFactory } from '../shared/storage/clients.js';
import { StorageService } from '../shared/storage/service.js';
import { createSubscriptionClient, SubscriptionService } from '../shared/subscriptions/service.js';
import { subscriptionFunctions } from './subscriptions.js';
import { storageFunctions } from './storage.js';
import { createRegistryArmFactory, createRegistryClientFactory } from '../shared/registry/clients.js';
import { RegistryService } from '../shared/registry/service.js';
import { registryFunctions } from './registry.js';
import type { NotificationEvent } from '../shared/wire/index.js';
import { stableEventId } from '../shared/notifications/events.js';
import { NotificationService } from '../shared/notifications/service.js';
import { notificationFunctions } from './notifications.js';

export type LogSink = (level: 'info' | 'warn' | 'error', line: string) => void;

const consoleSink: LogSink = (level, line) => (level === 'info' ? console.log(line) : console[level](line));

/**
 * The default sink: a line written while a request or timer runs goes to that invocation's logger (correlated in
 * Azure; the local host prints it), any other line to `outside` (default: the console).
 */
export function invocationLogSink(outside: LogSink = consoleSink): LogSink {
  return (level, line) => {
    const invocation = currentInvocation();
    if (!invocation) outside(level, line);
    else if (level === 'info') invocation.log(line);
    else invocation[level](line);
  };
}

export interface AppOptions {
  /** The clock of the cache, transitions and sessions (tests move it). */
  now?: () => number;
  /** Where every line goes, request lines included; default: the console, and request lines to their invocation. */
  log?: LogSink;
  /** Where lines written outside any invocation go when `log` is not given (default: the console; `npm start` quiets it). */
  outsideLog?: LogSink;
  /** Where auto-stop hands its warnings and stops (the notifications); default: nowhere. */
  notify?: (event: NotificationEvent) => unknown;
}

export interface App {
  definitions: FunctionDefinition[];
  /** The services behind the functions, for tests and benchmarks that look inside. */
  services: {
    cache: MonitorCache;
    sessions: SessionPool<KubeSession>;
    monitor: MonitorService;
    transitions: TransitionStore;
    lifecycle: LifecycleService;
    audit: AuditLog;
    fleet: FleetService;
    schedules: ScheduleStore;
    cost: CostService;
    storage: StorageService;
    registry: RegistryService;
    autostop: AutoStopService;
    notifications: NotificationService;
    subscriptions: SubscriptionService;
  };
  /**
   * Waits for background cache work, then releases pooled connections (process exit, tests), all within a deadline
   * (default DRAIN_DEADLINE_MS): the host's shutdown must not hang on an upstream that never answers.
   */
  close(options?: { deadlineMs?: number }): Promise<{ finished: boolean }>;
}

/** How long shutdown waits for background refreshes and open sessions before letting the process go. */
export const DRAIN_DEADLINE_MS = 10_000;

/** Resolves false once `ms` has passed (the timer does not keep the process alive); `clear` stops it. */
function deadlineAfter(ms: number): { passed: Promise<false>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const passed = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  return { passed, clear: () => clearTimeout(timer) };
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const now = options.now ?? Date.now;
  const sink = options.log ?? invocationLogSink(options.outsideLog);
  // Every line the services write (cache, transitions, sessions, lifecycle, upstream calls) is redacted once, here.
  const log: NonNullable<AppOptions['log']> = (level, line) => sink(level, redactText(line));
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
    degradedTtlSeconds: config.cache.degradedTtlSeconds,
    reuseWindowMs: config.cache.reuseMs,
    now,
    log: (entry) => entry.level !== 'debug' && log(entry.level, `cache ${entry.event} ${entry.key ?? ''} ${entry.detail ?? ''}`),
  });
  // Notifications hear of what the audit trail and the transitions store (their observers), and auto-stop's warnings.
  const notifications = new NotificationService({
    table: createTableClient(config.tables, config.tables.notifyTable, credential),
    settings: config.notify,
    ca: resolveTrustedCa(config.azure.trustedCa),
    now,
    log,
  });
  const transitions = new TransitionStore(cacheTable, {
    deadlineSeconds: config.cache.transitionDeadlineSeconds,
    now,
    log: (line) => log('warn', line),
    onEnded: notifications.onTransitionEnded,
  });
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
  const resourceGroups = new ResourceGroups({
    cache,
    arm,
    armEndpoint: config.azure.armEndpoint,
    allowedScopes: config.auth.allowedScopes,
    upstreamTimeoutMs: config.upstream.timeoutMs,
    log: (line) => log('warn', line),
  });
  const monitor = new MonitorService({
    cache,
    transitions,
    arm,
    sessions,
    resourceGroups,
    now,
    settings: {
      transitionTtlSeconds: config.cache.transitionTtlSeconds,
      upstreamTimeoutMs: config.upstream.timeoutMs,
      warmupLabelSelector: config.k8s.warmupLabelSelector,
      useAdminCredentials: config.k8s.useAdminCredentials,
    },
  });
  const audit = new AuditLog(createTableClient(config.tables, config.tables.auditTable, credential), {
    now,
    log: (line) => log('info', line),
    observe: notifications.onAuditEntry,
  });
  const lifecycle = new LifecycleService({
    cache,
    transitions,
    arm,
    audit,
    upstreamTimeoutMs: config.upstream.timeoutMs,
    log: (line) => log('error', `lifecycle ${line}`),
  });
  const storage = new StorageService({
    cache,
    arm: createStorageArmFactory(config, credential, DEFAULT_ARM_RETRY_BOUNDS, logCall),
    blobs: createBlobClientFactory(config, credential),
    settings: { ttlSeconds: config.cache.ttlSeconds, upstreamTimeoutMs: config.upstream.timeoutMs, ...config.storage },
    now,
    logCall,
    log: (line) => log('warn', line),
  });
  const registry = new RegistryService({
    cache,
    arm: createRegistryArmFactory(config, credential, DEFAULT_ARM_RETRY_BOUNDS, logCall),
    registries: createRegistryClientFactory(config, credential, logCall),
    settings: { ttlSeconds: config.cache.ttlSeconds, upstreamTimeoutMs: config.upstream.timeoutMs, ...config.registry },
  });
  const subscriptions = new SubscriptionService({
    cache,
    client: createSubscriptionClient(config, credential, DEFAULT_ARM_RETRY_BOUNDS, logCall),
    settings: { ttlSeconds: config.cache.subscriptionNamesTtlSeconds, upstreamTimeoutMs: config.upstream.timeoutMs },
  });
  const fleet = new FleetService({ cache, monitor, arm, upstreamTimeoutMs: config.upstream.timeoutMs, subscriptions });
  const schedules = new ScheduleStore(createTableClient(config.tables, config.tables.schedulesTable, credential));
  const retailPrices = createRetailPricesClient({
    endpoint: config.azure.retailPricesEndpoint,
    ca: resolveTrustedCa(config.azure.trustedCa),
    timeoutMs: config.upstream.timeoutMs,
    logCall,
  });
  const prices = new PriceBook({
    table: createTableClient(config.tables, config.tables.pricesTable, credential),
    retail: retailPrices,
    now,
    log: (line) => log('warn', line),
  });
  const cost = new CostService({ monitor, fleet, audit, prices, now });
  const captures = createTableCaptureStore(inspectorTable, { capacity: config.inspector.capacity });
  // Without a sink of the caller's (Azure), request lines go through each invocation's own logger, so Application
  // Insights ties them to their invocation; the pipeline redacts them either way, so they skip `log`'s second pass.
  const pipeline = createHttpPipeline({ config, captures, now, ...(options.log ? { log: options.log } : {}) });
  // Timers check today's scopes when they act, as the routes do: a schedule or an auto-stop row outside them does nothing.
  const scopeAllowed = (scope: Scope): boolean => {
    try {
      pipeline.auth.allowedScope(scope);
      return true;
    } catch {
      return false;
    }
  };
  const scheduleService = new ScheduleService({
    store: schedules,
    monitor,
    lifecycle,
    audit,
    now,
    caps: { perCluster: config.schedules.maxPerCluster, perScope: config.schedules.maxPerScope },
    scopeAllowed,
  });
  const autostop = new AutoStopService({
    store: new AutoStopStore(createTableClient(config.tables, config.tables.autostopTable, credential)),
    monitor,
    busy: createBusyCheck({
      sessions,
      selectors: config.autostop.busySelectors,
      upstreamTimeoutMs: config.upstream.timeoutMs,
      useAdminCredentials: config.k8s.useAdminCredentials,
    }),
    lifecycle,
    audit,
    now,
    allowed: scopeAllowed,
    // Its warning goes to the notifications here; its stop reaches them through the audit trail (autostop.stopped),
    // so it is not published twice. Ids become the notifications' stable, key-safe form.
    notify: (event: NotificationEvent) => {
      options.notify?.(event);
      if (event.kind === 'autostop.warning') notifications.publish({ ...event, id: stableEventId('autostop', event.id) });
    },
  });

  const definitions: FunctionDefinition[] = [
    ...healthFunctions({
      pipeline,
      probes: [
        {
          name: 'tableStorage',
          check: async (abortSignal) => {
            await cacheTable.createTable({ abortSignal });
          },
        },
        ...config.auth.allowedScopes.slice(0, 1).map((scope) => ({
          name: 'arm',
          check: async (abortSignal: AbortSignal) => {
            const clusters = arm(scope.subscriptionId).managedClusters;
            const listing =
              scope.resourceGroup === ALL_RESOURCE_GROUPS ? clusters.list({ abortSignal }) : clusters.listByResourceGroup(scope.resourceGroup, { abortSignal });
            await listing.next();
          },
        })),
      ],
    }),
    ...meFunctions({ pipeline }),
    ...inspectorFunctions({ pipeline, captures }),
    ...monitorFunctions({ pipeline, monitor, cache: config.cache }),
    ...fleetFunctions({ pipeline, fleet, cache: config.cache }),
    ...subscriptionFunctions({ pipeline, subscriptions, cache: config.cache, ttlSeconds: config.cache.subscriptionNamesTtlSeconds }),
    ...storageFunctions({ pipeline, storage, cache: config.cache }),
    ...registryFunctions({ pipeline, registry, cache: config.cache }),
    ...lifecycleFunctions({ pipeline, lifecycle }),
    ...auditFunctions({ pipeline, audit }),
    ...costFunctions({ pipeline, cost }),
    ...notificationFunctions({ pipeline, notifications, pseudonymKey: config.inspector.pseudonymKey, schedule: config.notify.schedule }),
    ...scheduleFunctions({ pipeline, schedules: scheduleService, now }),
    ...autoStopFunctions({ pipeline, autostop }),
    ...autoStopTimerFunctions({ schedule: config.autostop.schedule, autostop }),
    ...schedulesTimerFunctions({
      schedules: scheduleService,
      outbox: () => audit.flushOutbox(),
      retention: auditRetention(audit, { retentionDays: config.audit.retentionDays, now }),
    }),
    ...refreshFunctions({
      schedule: config.refresh.schedule,
      cache,
      monitor,
      resources: [storage, registry, subscriptions],
      transitions,
      concurrency: config.refresh.concurrency,
      budgetMs: config.refresh.budgetSeconds * 1000,
      now,
      metrics: createMetricsReporter({ cache, sessions }),
    }),
  ];
  return {
    definitions,
    services: { cache, sessions, monitor, transitions, lifecycle, audit, fleet, schedules, cost, storage, registry, autostop, notifications, subscriptions },
    close: async ({ deadlineMs = DRAIN_DEADLINE_MS } = {}) => {
      const deadline = deadlineAfter(deadlineMs);
      try {
        const idle = await Promise.race([Promise.all([storage.idle(), cache.idle(), notifications.idle()]).then(() => true), deadline.passed]);
        const drained = await Promise.race([sessions.drain().then(() => true), deadline.passed]);
        void retailPrices.close().catch(() => {}); // idle keep-alive sockets only: nothing to wait for
        if (!idle || !drained) {
          const left = [idle ? '' : 'background cache work', drained ? '' : 'sessions'].filter(Boolean).join(' and ');
          log('warn', `shutdown: the drain deadline of ${deadlineMs} ms passed with ${left} still running`);
        }
        return { finished: idle && drained };
      } finally {
        deadline.clear();
      }
    },
  };
}
