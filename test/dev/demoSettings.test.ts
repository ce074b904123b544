// `npm start` uses its own Azurite and simulated Azure even when the shell exports settings that point at real
// resources; they apply only with --use-shell-env, and the banner says where the demo points either way.
import { afterEach, describe, expect, it } from 'vitest';
import { demoSettings, describeTargets, USE_SHELL_ENV_FLAG } from '../../dev/demoSettings.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { loadConfig } from '../../shared/config.js';
import { tablesConnectionString } from '../setup/tables.js';

/** A shell left over from work on a real subscription. */
const REAL_SHELL = {
  PATH: '/usr/bin',
  TABLE_STORAGE_CONNECTION_STRING:
    'DefaultEndpointsProtocol=https;AccountName=stprodaks;AccountKey=c2VjcmV0LWtleS1vZi1wcm9kdWN0aW9uLWFjY291bnQ=;EndpointSuffix=core.windows.net',
  ARM_ENDPOINT: 'https://management.azure.com',
  AZURE_CREDENTIAL: 'default',
  AUTH_MODE: 'appService',
};

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('npm start and the shell environment', () => {
  it("ignores the shell's app settings without the flag, and says so", () => {
    const settings = demoSettings(REAL_SHELL, []);
    expect(settings.env).toEqual({});
    expect(settings.ignored.sort()).toEqual(['ARM_ENDPOINT', 'AUTH_MODE', 'AZURE_CREDENTIAL', 'TABLE_STORAGE_CONNECTION_STRING']);
  });

  it('keeps the demo on its own Table Storage and simulated ARM, and names them on start', async () => {
    stack = await startLocalStack({ tablesConnectionString: tablesConnectionString(), env: demoSettings(REAL_SHELL, []).env, timers: false, log: () => {} });
    expect(stack.config.azure.armEndpoint).toBe(stack.sim.armEndpoint);
    expect(stack.config.tables.connectionString).toBe(tablesConnectionString());
    const banner = describeTargets(stack.config, { tables: stack.ownTables, armEndpoint: stack.sim.armEndpoint }).join('\n');
    expect(banner).toContain(`simulated Azure at ${stack.sim.armEndpoint}`);
    expect(banner).toMatch(/Table Storage\s+own Azurite at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
    expect(banner).not.toContain('FROM THE SHELL');
  });

  it('applies them with the flag, and the banner says they come from the shell, without the account key', () => {
    const settings = demoSettings(REAL_SHELL, [USE_SHELL_ENV_FLAG]);
    expect(settings).toEqual({
      env: {
        TABLE_STORAGE_CONNECTION_STRING: REAL_SHELL.TABLE_STORAGE_CONNECTION_STRING,
        ARM_ENDPOINT: REAL_SHELL.ARM_ENDPOINT,
        AZURE_CREDENTIAL: 'default',
        AUTH_MODE: 'appService',
      },
      ignored: [],
    });
    const config = loadConfig({ ...settings.env });
    const banner = describeTargets(config, { tables: 'UseDevelopmentStorage=true', armEndpoint: 'https://127.0.0.1:1' }).join('\n');
    expect(banner).toContain('FROM THE SHELL: https://management.azure.com');
    expect(banner).toContain('FROM THE SHELL: account stprodaks');
    expect(banner).not.toContain('AccountKey');
  });
});
