// Development auth never runs in Azure: the config refuses it when the platform's own variables are set, and the
// entry point then registers routes that all answer 500 misconfigured instead of the app.
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { startFunctions } from '../../functions/startup.js';
import { ConfigError, loadConfig } from '../../shared/config.js';

const DEVELOPMENT = {
  TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  AUTH_MODE: 'development',
  DEV_PRINCIPAL_NAME: 'local-developer',
  DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate,Cluster.Admin',
  ALLOWED_SCOPES: '00000000-0000-0000-0000-000000000001/rg-elb-01',
};
/** What App Service / Functions set on a real site. */
const AZURE_SITE = { WEBSITE_INSTANCE_ID: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90', WEBSITE_SITE_NAME: 'func-aksdash-prod' };

let host: LocalHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('development auth in Azure', () => {
  it.each(Object.keys(AZURE_SITE))('is a configuration error when %s is set', (marker) => {
    const env = { ...DEVELOPMENT, [marker]: AZURE_SITE[marker as keyof typeof AZURE_SITE] };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/AUTH_MODE: development is refused in Azure/);
  });

  it('still loads locally, and appService auth still loads in Azure', () => {
    expect(loadConfig(DEVELOPMENT).auth.mode).toBe('development');
    expect(loadConfig({ ...DEVELOPMENT, ...AZURE_SITE, AUTH_MODE: 'appService' }).auth.mode).toBe('appService');
  });

  it('if the host starts anyway, every route answers 500 misconfigured: no anonymous reads, no deletes', async () => {
    const logged: string[] = [];
    const started = startFunctions({ ...DEVELOPMENT, ...AZURE_SITE }, (line) => logged.push(line));
    expect(started.problem?.setting).toBe('AUTH_MODE');
    expect(logged.join('\n')).toMatch(/configuration refused: Setting AUTH_MODE/);
    host = await startLocalHost({ definitions: started.definitions, port: 0, timers: false });
    const sub = '00000000-0000-0000-0000-000000000001';
    const calls: [string, string][] = [
      ['GET', '/api/me'],
      ['GET', '/api/health'],
      ['GET', `/api/monitor/aks?subscriptionId=${sub}&resourceGroup=rg-elb-01`],
      ['DELETE', `/api/clusters/elb-01-a?subscriptionId=${sub}&resourceGroup=rg-elb-01`],
      ['POST', '/api/clusters/elb-01-a/start'],
    ];
    for (const [method, path] of calls) {
      const response = await fetch(`${host.url}${path}`, { method, headers: { 'x-request-id': 'probe-1' } });
      expect(response.status, `${method} ${path}`).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error).toMatchObject({ code: 'misconfigured', requestId: 'probe-1' });
      expect(body.error.message).toContain('AUTH_MODE');
    }
  });
});
