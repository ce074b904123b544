// The whole product on loopback: Azurite + the simulated Azure + the app on the local function host. `npm start`,
// the integration and end-to-end tests and the benchmarks all start it this way.
import { loadConfig, type Config, type Env } from '../shared/config.js';
import { createApp, type App, type AppOptions } from '../functions/app.js';
import { createTableClient } from '../shared/tables.js';
import { startAzurite, type AzuriteTables } from './azurite.js';
import { startLocalHost, type LocalHost } from './host.js';
import { startSimulatedAzure, type SimulatedAzure, type SimulatedAzureOptions, type SimWebhookReceiver } from './sim/index.js';
import { demoNotificationSettings } from './demoSettings.js';

export interface LocalStackOptions extends AppOptions {
  /** Function host port; 0 picks a free one. */
  port?: number;
  /** Use this Table Storage (e.g. the test run's Azurite) instead of starting one. */
  tablesConnectionString?: string;
  /** With tablesConnectionString: that Azurite's blob service, which keeps the simulated storage accounts' blobs. */
  blobEndpoint?: string;
  /** An already running simulated Azure (two hosts sharing one Azure), else one is started with simulator options. */
  sim?: SimulatedAzure;
  simulator?: SimulatedAzureOptions;
  /** App settings over the defaults (table names, TTLs, …). */
  env?: Env;
  /** false: timers are not scheduled (tests run them with host.runTimer). */
  timers?: boolean;
  staticDir?: string;
  hostLog?: (line: string) => void;
  /** Start the simulator's webhook receiver and deliver notifications to it (demoNotificationSettings; env still wins). */
  webhookReceiver?: boolean;
}

export interface LocalStack {
  url: string;
  config: Config;
  /** The Table Storage connection string the stack started or was given (what the config uses unless env overrides it). */
  ownTables: string;
  sim: SimulatedAzure;
  /** With webhookReceiver: the receiver the app delivers to. */
  receiver?: SimWebhookReceiver;
  app: App;
  host: LocalHost;
  close(): Promise<void>;
}

/**
 * What development auth may see of a simulated fleet: the first subscription's resource groups one by one, every
 * further subscription as a whole (`{subscriptionId}/*`), so the local stack shows both kinds of ALLOWED_SCOPES.
 */
function allowedScopesOf(sim: SimulatedAzure): string {
  const [first, ...others] = sim.subscriptionIds;
  const pairs = new Set(
    sim
      .clusters()
      .filter((c) => c.subscriptionId === first)
      .map((c) => `${c.subscriptionId}/${c.resourceGroup}`),
  );
  return [...pairs, ...others.map((subscriptionId) => `${subscriptionId}/*`)].join(',');
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  let azurite: AzuriteTables | undefined;
  let ownSim: SimulatedAzure | undefined;
  let app: App | undefined;
  let host: LocalHost | undefined;
  // Stops whatever has started, in reverse order: close(), and a start that fails half-way (no orphaned Azurite).
  const stop = async () => {
    await host?.close();
    await app?.close();
    await ownSim?.close();
    await azurite?.stop();
  };
  try {
    const tables = options.tablesConnectionString ?? (azurite = await startAzurite()).connectionString;
    const blobStore = options.blobEndpoint ?? azurite?.blobEndpoint;
    const sim = options.sim ?? (ownSim = await startSimulatedAzure({ ...(blobStore ? { blobStore } : {}), ...options.simulator }));
    const receiver = options.webhookReceiver ? await sim.startWebhookReceiver() : undefined;
    const config = loadConfig({
      AUTH_MODE: 'development',
      DEV_PRINCIPAL_NAME: 'local-developer',
      DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate,Cluster.Admin',
      ALLOWED_SCOPES: allowedScopesOf(sim),
      ...sim.appSettings(),
      TABLE_STORAGE_CONNECTION_STRING: tables,
      ...(receiver ? demoNotificationSettings(receiver) : {}),
      ...options.env,
    });
    // In Azure the Bicep template creates the tables; here the stack does (the inspector ring creates its own).
    // Unreachable Table Storage is not fatal: the app answers `uncached` until it is back.
    await createTableClient(config.tables, config.tables.cacheTable)
      .createTable()
      .catch(() => {});
    app = createApp(config, {
      now: options.now,
      log: options.log,
      outsideLog: options.outsideLog,
      ...(options.notify ? { notify: options.notify } : {}),
    });
    host = await startLocalHost({
      definitions: app.definitions,
      port: options.port ?? 0,
      timers: options.timers,
      staticDir: options.staticDir,
      log: options.hostLog,
    });
    return { url: host.url, config, ownTables: tables, sim, ...(receiver ? { receiver } : {}), app, host, close: stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
