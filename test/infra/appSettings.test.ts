// The Function App's settings in infra/ against what the code reads (shared/config.ts SETTINGS, read at test time so
// settings added later are covered), and the values against the config loader itself.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { PLATFORM_SETTINGS, SETTINGS, loadConfig } from '../../shared/config.js';
import { findObject, objectEntries, readBicep, stringLiteral, type BicepFile, type ObjectEntry } from './bicepText.js';
import { AZURE_HOST_SETTINGS, FLEX_CONSUMPTION_FORBIDDEN_SETTINGS } from './functionsSettings.js';

const infra = (path: string) => fileURLToPath(new URL(`../../infra/${path}`, import.meta.url));
const main = readBicep(infra('main.bicep'));
const functionApp = readBicep(infra('modules/functionApp.bicep'));
const storage = readBicep(infra('modules/storage.bicep'));

function varObject(file: BicepFile, name: string): ObjectEntry[] {
  const open = findObject(file, new RegExp(String.raw`^var ${name}\s*=`, 'm'));
  if (open === undefined) throw new Error(`${file.path}: no "var ${name} = {"`);
  return objectEntries(file, open);
}

const appSettings = varObject(main, 'appSettings');
const hostSettings = varObject(functionApp, 'hostSettings');
const settingNames: string[] = SETTINGS.map((s) => s.name);
const platformSettings: readonly string[] = PLATFORM_SETTINGS;

/** A value as deployed when it is a literal, a parameter's literal default, a literal var, or a member of a var object. */
function resolve(file: BicepFile, value: string): string | undefined {
  const literal = stringLiteral(value);
  if (literal !== undefined) return literal;
  const param = file.params.find((p) => p.name === value);
  if (param) return param.defaultLiteral;
  const variable = new RegExp(String.raw`^var ${value}\s*=\s*(.+)$`, 'm').exec(file.code);
  if (variable) return stringLiteral(variable[1]!.trim());
  const member = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*)$/.exec(value);
  if (member) return varObject(file, member[1]!).find((e) => e.key === member[2])?.literal;
  return undefined;
}

/** Representative deployed values of the settings whose value is an expression Azure computes at deployment. */
const DEPLOYMENT_SAMPLES: Record<string, string> = {
  TABLE_STORAGE_ENDPOINT: 'https://staksdashabc123.table.core.windows.net',
  ARM_ENDPOINT: 'https://management.azure.com',
  AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  K8S_USE_ADMIN_CREDENTIALS: 'false',
  ALLOWED_SCOPES: '00000000-0000-0000-0000-000000000001/rg-aks-prod,00000000-0000-0000-0000-000000000002/rg-aks-dev',
  INSPECTOR_PSEUDONYM_KEY: '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
  // Key Vault references, as the platform resolves them.
  NOTIFY_WEBHOOKS: '[{"name":"ops","url":"https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x","format":"teams"}]',
  NOTIFY_WEBHOOK_SECRET: 'a-signing-key-of-32-characters!!',
};

describe('Function App settings in infra/', () => {
  it('sets every setting shared/config.ts reads, except the ones the platform sets', () => {
    const set = new Set(appSettings.map((e) => e.key));
    const missing = settingNames.filter((name) => !platformSettings.includes(name) && !set.has(name));
    expect(missing, 'add them to `var appSettings` in infra/main.bicep').toEqual([]);
  });

  it('sets nothing the config module does not know, and nothing the platform owns', () => {
    const unknown = appSettings.map((e) => e.key).filter((key) => !settingNames.includes(key));
    expect(unknown).toEqual([]);
    expect(appSettings.map((e) => e.key).filter((key) => platformSettings.includes(key))).toEqual([]);
    expect(new Set(appSettings.map((e) => e.key)).size).toBe(appSettings.length);
  });

  it('adds only known host and platform settings, none of which shadows an app setting', () => {
    const keys = hostSettings.map((e) => e.key);
    expect(keys.filter((key) => !AZURE_HOST_SETTINGS.includes(key))).toEqual([]);
    expect(keys.filter((key) => settingNames.includes(key))).toEqual([]);
  });

  it('carries no setting Flex Consumption rejects (runtime, content share, storage connection string)', () => {
    const keys = [...appSettings, ...hostSettings].map((e) => e.key);
    expect(keys.filter((key) => FLEX_CONSUMPTION_FORBIDDEN_SETTINGS.includes(key))).toEqual([]);
  });

  it('reaches storage by identity: credential, client id and the blob, queue and table URIs', () => {
    const byKey = new Map(hostSettings.map((e) => [e.key, e]));
    expect(byKey.get('AzureWebJobsStorage__credential')?.literal).toBe('managedidentity');
    expect(byKey.get('AzureWebJobsStorage__clientId')?.value).toBe('identityClientId');
    for (const service of ['blob', 'queue', 'table']) {
      expect(byKey.get(`AzureWebJobsStorage__${service}ServiceUri`)?.value).toBe(`storage.properties.primaryEndpoints.${service}`);
    }
    expect(byKey.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.value).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    expect(byKey.get('OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID')?.value).toBe('identityClientId');
  });

  it('deploys both blocks: main passes appSettings to the Function App, which merges them with the host settings', () => {
    const api = main.modules.find((m) => m.path === 'modules/functionApp.bicep');
    expect(api?.body).toMatch(/^\s*appSettings: appSettings$/m);
    expect(functionApp.code).toMatch(/name: 'appsettings'\s+properties: union\(appSettings, hostSettings\)/);
  });

  it('runs in Azure mode: identity for ARM and tables, App Service Authentication, no simulator settings', () => {
    const byKey = new Map(appSettings.map((e) => [e.key, e]));
    expect(byKey.get('AZURE_CREDENTIAL')?.literal).toBe('managedIdentity');
    expect(byKey.get('AUTH_MODE')?.literal).toBe('appService');
    expect(byKey.get('TABLE_STORAGE_CONNECTION_STRING')?.literal).toBe('');
    expect(byKey.get('TRUSTED_CA')?.literal).toBe('');
    expect(byKey.get('STATIC_ACCESS_TOKEN')?.literal).toBe('');
    expect(byKey.get('AZURE_CLIENT_ID')?.value).toBe('identity.outputs.clientId');
    expect(byKey.get('ALLOWED_SCOPES')?.value).toMatch(/^join\(map\(monitoredScopes, /);
  });

  it('holds values the config loader accepts, and creates the tables it names', () => {
    const env: Record<string, string> = {};
    const unresolved: string[] = [];
    for (const entry of appSettings) {
      const value = resolve(main, entry.value) ?? DEPLOYMENT_SAMPLES[entry.key];
      if (value === undefined) unresolved.push(`${entry.key}: ${entry.value}`);
      else env[entry.key] = value;
    }
    expect(unresolved, 'give these expressions a sample in DEPLOYMENT_SAMPLES').toEqual([]);
    const config = loadConfig(env);
    expect(config.auth.mode).toBe('appService');
    expect(config.azure.credential).toBe('managedIdentity');
    expect(config.tables.connectionString).toBeUndefined();
    expect(config.auth.roles).toEqual({ read: 'Dashboard.Read', operate: 'Cluster.Operate', admin: 'Cluster.Admin' });

    const tablesPassed = main.modules.find((m) => m.path === 'modules/storage.bicep')?.body ?? '';
    const tableList = /tableNames: \[([^\]]*)\]/.exec(tablesPassed)?.[1]?.split('\n').map((s) => s.trim()).filter(Boolean);
    const byKey = new Map(appSettings.map((e) => [e.key, e.value]));
    const tableSettings = settingNames.filter((name) => name.endsWith('_TABLE_NAME'));
    expect(tableList?.sort()).toEqual(tableSettings.map((name) => byKey.get(name)).sort());
    for (const table of [config.tables.cacheTable, config.tables.inspectorTable]) {
      expect(table).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/); // Azure table name rules
    }
    expect(storage.code).toMatch(/for tableName in tableNames:/);
  });
});
