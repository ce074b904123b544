// What `npm start` takes from the shell. The demo runs against its own Azurite and simulated Azure: a shell that
// happens to export TABLE_STORAGE_CONNECTION_STRING or ARM_ENDPOINT must not point it at real resources. App
// settings from the shell apply only with the explicit flag, and the start banner says where everything points.
import { SETTINGS, type Config, type Env } from '../shared/config.js';

/** `npm start -- --use-shell-env`: the shell's app settings apply, over the demo's own. */
export const USE_SHELL_ENV_FLAG = '--use-shell-env';

export interface DemoSettings {
  /** App settings to apply over the demo stack's own. */
  env: Env;
  /** Settings set in the shell and not applied (no flag). */
  ignored: string[];
}

export function demoSettings(shell: Env, argv: readonly string[]): DemoSettings {
  const names: string[] = SETTINGS.map((s) => s.name);
  const inShell = names.filter((name) => shell[name] !== undefined && shell[name] !== '');
  if (argv.includes(USE_SHELL_ENV_FLAG)) {
    return { env: Object.fromEntries(inShell.map((name) => [name, shell[name]])), ignored: [] };
  }
  return { env: {}, ignored: inShell };
}

/** The paths of the demo's webhook receivers on the simulator's receiver, one per payload format. */
export const DEMO_WEBHOOK_PATHS = { generic: '/hooks/generic', slack: '/hooks/slack', teams: '/hooks/teams' } as const;

/**
 * Notification settings that deliver to the simulator's webhook receiver (https://localhost:{port}): one receiver per
 * format, a signing key that is no secret (it is printed here), and the loopback escape the receiver needs. The
 * escape is refused in Azure (shared/config.ts), so these settings cannot leak into a deployment.
 */
export function demoNotificationSettings(receiver: { url(path: string): string }): Env {
  return {
    NOTIFY_WEBHOOKS: JSON.stringify(Object.entries(DEMO_WEBHOOK_PATHS).map(([format, path]) => ({ name: `demo-${format}`, url: receiver.url(path), format }))),
    NOTIFY_WEBHOOK_SECRET: DEMO_WEBHOOK_SECRET,
    NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'true',
  };
}

/** The demo's signing key: local only, so it may be known. */
export const DEMO_WEBHOOK_SECRET = 'local-demo-signing-key';

/** Where a Table Storage connection points, without its key. */
function tablesTarget(tables: Config['tables']): string {
  const endpoint = /(?:^|;)\s*TableEndpoint=([^;]+)/i.exec(tables.connectionString ?? '')?.[1];
  const account = /(?:^|;)\s*AccountName=([^;]+)/i.exec(tables.connectionString ?? '')?.[1];
  return endpoint ?? tables.endpoint ?? (account ? `account ${account}` : 'the development storage emulator');
}

/** The banner lines that say what the demo reads and writes. */
export function describeTargets(config: Config, own: { tables: string; armEndpoint: string }): string[] {
  const tables =
    config.tables.connectionString === own.tables ? `own Azurite at ${tablesTarget(config.tables)}` : `FROM THE SHELL: ${tablesTarget(config.tables)}`;
  const arm = config.azure.armEndpoint === own.armEndpoint ? `simulated Azure at ${own.armEndpoint}` : `FROM THE SHELL: ${config.azure.armEndpoint}`;
  return [`Table Storage     ${tables}`, `ARM               ${arm}`];
}
