// What can be checked of the Bicep without its compiler: every parameter is used, every module and loaded file
// exists, modules get exactly the parameters they declare, referenced outputs exist, scopes fit, the azd parameter
// file matches main.bicep, and API versions are released ones.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isReferenced, readBicep, type BicepFile } from './bicepText.js';

const infraDir = fileURLToPath(new URL('../../infra/', import.meta.url));

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(path);
    return entry.name.endsWith('.bicep') ? [path] : [];
  });
}

const files: BicepFile[] = bicepFiles(infraDir).map(readBicep);
const byPath = new Map(files.map((f) => [f.path, f]));
const main = byPath.get(join(infraDir, 'main.bicep'))!;
const name = (f: BicepFile) => relative(infraDir, f.path);

/** The module file a `module` statement deploys. */
function moduleFile(from: BicepFile, path: string): BicepFile | undefined {
  return byPath.get(join(dirname(from.path), path));
}

describe('infra/ Bicep structure', () => {
  it('has main.bicep and its modules', () => {
    expect(main).toBeDefined();
    expect(main.targetScope).toBe('subscription');
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [name(f), f] as const))('%s: every parameter is used', (_, file) => {
    const unused = file.params.filter((p) => !isReferenced(file, p.name, new RegExp(String.raw`^param\s+${p.name}\b`)));
    expect(unused.map((p) => p.name)).toEqual([]);
  });

  it.each(files.map((f) => [name(f), f] as const))('%s: every variable is used', (_, file) => {
    const vars = [...file.code.matchAll(/^var\s+([A-Za-z_]\w*)\s*=/gm)].map((m) => m[1]!);
    const unused = vars.filter((v) => !isReferenced(file, v, new RegExp(String.raw`^var\s+${v}\b`)));
    expect(unused).toEqual([]);
  });

  it('deploys every module file, and only files that exist', () => {
    const deployed = new Set<string>();
    for (const file of files) {
      for (const module of file.modules) {
        const target = moduleFile(file, module.path);
        expect(target, `${name(file)}: module ${module.symbol} '${module.path}'`).toBeDefined();
        deployed.add(target!.path);
      }
    }
    const orphans = files.filter((f) => f !== main && !deployed.has(f.path)).map(name);
    expect(orphans).toEqual([]);
  });

  it('passes each module exactly the parameters it declares, all required ones included', () => {
    for (const file of files) {
      for (const module of file.modules) {
        const target = moduleFile(file, module.path)!;
        const declared = target.params.map((p) => p.name);
        expect(module.params.filter((p) => !declared.includes(p)), `${name(file)} → ${module.path}: unknown`).toEqual([]);
        const required = target.params.filter((p) => !p.hasDefault).map((p) => p.name);
        expect(required.filter((p) => !module.params.includes(p)), `${name(file)} → ${module.path}: missing`).toEqual([]);
      }
    }
  });

  it('reads only outputs the modules declare', () => {
    for (const file of files) {
      for (const m of file.expr.matchAll(/\b([A-Za-z_]\w*)(?:\[[^\]]*\])?\.outputs\.([A-Za-z_]\w*)/g)) {
        const module = file.modules.find((mod) => mod.symbol === m[1]);
        expect(module, `${name(file)}: ${m[0]} is not a module`).toBeDefined();
        expect(moduleFile(file, module!.path)!.outputs, `${name(file)}: ${m[0]}`).toContain(m[2]);
      }
    }
  });

  it('gives resource-group modules a scope from a subscription-scope file, and subscription modules none or another subscription', () => {
    for (const file of files.filter((f) => f.targetScope === 'subscription')) {
      for (const module of file.modules) {
        const target = moduleFile(file, module.path)!;
        if (target.targetScope === 'resourceGroup') expect(module.hasScope, `${name(file)} → ${module.path}`).toBe(true);
        else if (module.hasScope) expect(file.code, `${name(file)} → ${module.path}`).toMatch(new RegExp(String.raw`module ${module.symbol} [^\n]*\n[^\n]*\n[^\n]*\n\s*scope: subscription\(`));
      }
    }
  });

  it('loads only JSON files that exist and parse', () => {
    for (const file of files) {
      for (const m of file.code.matchAll(/loadJsonContent\('([^']+)'\)/g)) {
        const path = join(dirname(file.path), m[1]!);
        expect(existsSync(path), `${name(file)}: ${m[1]}`).toBe(true);
        expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow();
      }
    }
  });

  it('uses released API versions, and the Graph extension wherever Graph resources are declared', () => {
    const config = JSON.parse(readFileSync(join(infraDir, 'bicepconfig.json'), 'utf8')) as { extensions?: Record<string, string> };
    for (const file of files) {
      for (const resource of file.resources) {
        const isGraph = resource.type.startsWith('Microsoft.Graph/') || (file.extensions.length > 0 && !resource.type.includes('.'));
        if (isGraph) expect(resource.apiVersion, `${name(file)}: ${resource.symbol}`).toBe('v1.0');
        else expect(resource.apiVersion, `${name(file)}: ${resource.symbol}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      const usesGraph = file.resources.some((r) => r.type.startsWith('Microsoft.Graph/'));
      expect(file.extensions.length > 0, `${name(file)}: extension declaration`).toBe(usesGraph);
      for (const extension of file.extensions) {
        expect(config.extensions?.[extension], `bicepconfig.json alias ${extension}`).toMatch(/^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+$/);
      }
    }
  });

  it('has an azd parameter file matching main.bicep', () => {
    const file = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    const given = Object.keys(file.parameters);
    const declared = main.params.map((p) => p.name);
    expect(given.filter((p) => !declared.includes(p))).toEqual([]);
    const required = main.params.filter((p) => !p.hasDefault).map((p) => p.name);
    expect(required.filter((p) => !given.includes(p))).toEqual([]);
    expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
  });
});

describe('infra/ security posture', () => {
  const text = (path: string) => byPath.get(join(infraDir, path))!.code;

  it('disables shared keys and public blob access on storage', () => {
    const storage = text('modules/storage.bicep');
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/allowBlobPublicAccess: false/);
    expect(storage).toMatch(/minimumTlsVersion: 'TLS1_2'/);
  });

  it('runs the API on Flex Consumption with HTTPS only, TLS 1.2, no FTP and no basic publishing credentials', () => {
    const api = text('modules/functionApp.bicep');
    expect(api).toMatch(/tier: 'FlexConsumption'\s+name: 'FC1'/);
    expect(api).toMatch(/httpsOnly: true/);
    expect(api).toMatch(/minTlsVersion: '1\.2'/);
    expect(api).toMatch(/ftpsState: 'Disabled'/);
    expect(api).toMatch(/name: 'node'\s+version: nodeVersion/);
    expect(api).toMatch(/type: 'blobContainer'/);
    expect([...api.matchAll(/basicPublishingCredentialsPolicies@[^']+' = \{\s+parent: functionApp\s+name: '(\w+)'\s+properties: \{\s+allow: false/g)].map((m) => m[1]).sort()).toEqual(['ftp', 'scm']);
    expect(main.code).toMatch(/param nodeVersion string = '24'/);
  });

  it('limits CORS, and post-login redirects, to the SPA origins', () => {
    expect(text('modules/functionApp.bicep')).toMatch(/cors: \{\s+allowedOrigins: allowedOrigins\s+supportCredentials: true/);
    expect(main.code).toMatch(/^var webOrigins = concat\(\[web\.outputs\.origin\], empty\(customOrigin\) \? \[\] : \[customOrigin\]\)$/m);
    expect(main.modules.find((m) => m.symbol === 'api')!.body).toMatch(/^\s*allowedOrigins: webOrigins$/m);
    expect(main.modules.find((m) => m.symbol === 'apiAuth')!.body).toMatch(/^\s*webOrigins: webOrigins$/m);
    expect(text('modules/functionAuth.bicep')).toMatch(/allowedExternalRedirectUrls: webOrigins/);
  });

  it('requires sign-in with Entra ID, 401 for anonymous calls, and no client secret', () => {
    const auth = text('modules/functionAuth.bicep');
    expect(auth).toMatch(/name: 'authsettingsV2'/);
    expect(auth).toMatch(/requireAuthentication: true/);
    expect(auth).toMatch(/unauthenticatedClientAction: 'Return401'/);
    expect(auth).toMatch(/clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'/);
    const entra = text('modules/entraApp.bicep');
    expect(entra).toMatch(/federatedIdentityCredentials@v1\.0/);
    expect(entra).toMatch(/subject: managedIdentityPrincipalId/);
    expect(entra).not.toMatch(/passwordCredentials/);
    expect(entra).toMatch(/appRoleAssignmentRequired: true/);
  });

  it('accepts as custom web origin only https://host[:port], failing the deployment otherwise', () => {
    expect(main.code).toMatch(/^var customWebOriginValid = empty\(customWebOrigin\) \|\| \(startsWith\(customWebOrigin, 'https:\/\/'\) && length\(customWebOrigin\) > 8 && !contains\(substring\(customWebOrigin, 8\), '\/'\) && !contains\(customWebOrigin, '\*'\)\)$/m);
    expect(main.code).toMatch(/^var customOrigin = customWebOriginValid \? customWebOrigin : json\('customWebOrigin must be https:\/\/host\[:port\] without a path, got: \$\{customWebOrigin\}'\)$/m);
    // customWebOrigin reaches nothing but through the check.
    expect(main.code.split('\n').filter((line) => /\bcustomWebOrigin\b/.test(line) && !/^(param|var customWebOriginValid|var customOrigin) /.test(line.trim()) && !line.trim().startsWith('@description'))).toEqual([]);
  });

  it('turns off local auth on Application Insights and Log Analytics, and grants the identity metric publishing instead', () => {
    expect(text('modules/monitoring.bicep')).toMatch(/DisableLocalAuth: true/);
    expect(text('modules/monitoring.bicep')).toMatch(/features: \{\s+disableLocalAuth: true\s+\}/);
    expect(text('modules/appAccess.bicep')).toMatch(/monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'/);
  });

  it('grants the identity exactly blob and table data contributor on storage: no owner, no queues (no queue or blob trigger)', () => {
    const access = text('modules/appAccess.bicep');
    const roles = [...access.matchAll(/^\s+(\w+): '([0-9a-f-]{36})'$/gm)].map((m) => `${m[1]}=${m[2]}`).sort();
    expect(roles).toEqual([
      'storageBlobDataContributor=ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      'storageTableDataContributor=0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    ]);
  });
});
