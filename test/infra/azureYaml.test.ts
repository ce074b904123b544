// azure.yaml: the two services azd deploys, the paths they name, the resources they land on, and the predeploy hook
// that tells the SPA where its API is (run here for real, its output read by the SPA's own config loader).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';
import { readBicep } from './bicepText.js';

interface HookCommand {
  shell?: string;
  run?: string;
}
interface Service {
  project?: string;
  language?: string;
  host?: string;
  dist?: string;
  remoteBuild?: boolean;
  hooks?: Record<string, { posix?: HookCommand; windows?: HookCommand }>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const azureYaml = loadYaml(readFileSync(join(root, 'azure.yaml'), 'utf8')) as {
  name?: string;
  infra?: { provider?: string; path?: string; module?: string };
  services?: Record<string, Service>;
};
const services = azureYaml.services ?? {};
const main = readBicep(join(root, 'infra/main.bicep'));
const writeWebConfig = join(root, 'infra/hooks/writeWebConfig.mjs');

/** The SPA's own config loader. Imported by a computed path: it is browser code (DOM types) outside tsconfig's lib. */
type LoadRuntimeConfig = (doc: { baseURI: string; querySelector(selector: string): unknown }, fetchFn: typeof fetch) => Promise<{ apiBase: string }>;
async function spaConfigLoader(): Promise<LoadRuntimeConfig> {
  const path = '../../web/src/runtimeConfig.js';
  return ((await import(path)) as { loadRuntimeConfig: LoadRuntimeConfig }).loadRuntimeConfig;
}

describe('azure.yaml', () => {
  it('points azd at infra/main.bicep', () => {
    expect(azureYaml.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const infra = azureYaml.infra ?? {};
    expect(existsSync(join(root, infra.path ?? 'infra', `${infra.module ?? 'main'}.bicep`))).toBe(true);
    expect(infra.provider ?? 'bicep').toBe('bicep');
  });

  it('deploys exactly the api (Function App) and the web (Static Web App)', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'web']);
    expect(services.api?.host).toBe('function');
    expect(services.web?.host).toBe('staticwebapp');
    for (const service of Object.values(services)) expect(['js', 'ts']).toContain(service.language);
  });

  it('builds the api here into the bundle package.json main names, and ships only what runs', () => {
    const project = resolve(root, services.api?.project ?? '.');
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { main?: string; scripts?: Record<string, string> };
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(pkg.scripts?.build).toBe('tsx scripts/bundle.ts'); // entry functions/index.ts → dist/functions/index.js
    expect(services.api?.remoteBuild).toBe(false);
    expect(existsSync(join(project, 'functions/index.ts'))).toBe(true);
    expect(existsSync(join(project, 'host.json'))).toBe(true);
    // .funcignore leaves dist/, host.json and package.json.
    const ignored = readFileSync(join(project, '.funcignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const path of ['node_modules', 'functions', 'shared', 'scripts', 'dev', 'test', 'bench', 'web', 'infra']) expect(ignored).toContain(path);
    for (const kept of ['dist', 'host.json', 'package.json']) expect(ignored).not.toContain(kept);
  });

  it('deploys the web from the folder Vite builds into', async () => {
    const web = services.web!;
    const dist = resolve(root, web.project ?? '.', web.dist ?? '');
    const viteConfig = (await import('../../web/vite.config.js')).default as { build?: { outDir?: string } };
    expect(resolve(viteConfig.build?.outDir ?? '')).toBe(dist);
  });

  it('finds each service by the azd-service-name tag on the matching resource type', () => {
    const tagged = (path: string, service: string) =>
      expect(readBicep(join(root, path)).code).toMatch(new RegExp(String.raw`tags: union\(tags, \{ 'azd-service-name': '${service}' \}\)`));
    tagged('infra/modules/functionApp.bicep', 'api');
    tagged('infra/modules/staticWebApp.bicep', 'web');
    expect(readBicep(join(root, 'infra/modules/functionApp.bicep')).code).toMatch(/kind: 'functionapp,linux'/);
    expect(readBicep(join(root, 'infra/modules/staticWebApp.bicep')).resources.map((r) => r.type)).toContain('Microsoft.Web/staticSites');
  });
});

describe('web predeploy hook', () => {
  const hook = services.web?.hooks?.predeploy;
  const expected = `npx vite build --config web/vite.config.ts && node infra/hooks/writeWebConfig.mjs ${services.web?.dist}/config.json`;

  it('builds the SPA, then writes config.json into the deployed folder, on both shells', () => {
    expect(hook?.posix).toEqual({ shell: 'sh', run: expected });
    expect(hook?.windows).toEqual({ shell: 'pwsh', run: expected });
    expect(readFileSync(writeWebConfig, 'utf8')).toMatch(/process\.env\.SERVICE_API_URI/);
    expect(main.outputs).toContain('SERVICE_API_URI');
  });

  it('writes a config.json the SPA reads back as its API origin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webconfig-'));
    try {
      const target = join(dir, 'config.json');
      execFileSync(process.execPath, [writeWebConfig, target], {
        env: { ...process.env, SERVICE_API_URI: 'https://func-aksdash-abc.azurewebsites.net/' },
        stdio: 'pipe',
      });
      const body = readFileSync(target, 'utf8');
      const loadRuntimeConfig = await spaConfigLoader();
      const doc = { baseURI: 'https://stapp.example.net/', querySelector: () => null };
      const fetchFn = (async (url: string | URL) => {
        expect(String(url)).toBe('https://stapp.example.net/config.json');
        return new Response(body, { headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
      expect(await loadRuntimeConfig(doc, fetchFn)).toEqual({ apiBase: 'https://func-aksdash-abc.azurewebsites.net' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the deployment instead of writing a config without an https API origin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webconfig-'));
    try {
      for (const uri of ['', 'http://func.example.net']) {
        const run = spawnSync(process.execPath, [writeWebConfig, join(dir, 'config.json')], {
          env: { ...process.env, SERVICE_API_URI: uri },
          encoding: 'utf8',
        });
        expect(run.status, uri).toBe(1);
        expect(existsSync(join(dir, 'config.json'))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
