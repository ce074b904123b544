// P9: cold start. A new process with the bundled app (the options of `npm run build`, plus the local host as the
// entry) is started; time from the spawn to its first /api/health answer, and in another fresh process to its first
// cached cluster-list answer (the list was filled by a warm instance on the same tables, as on Azure when an
// instance scales out). Floors from the same run: a Node process that does nothing, and one that only imports
// the bundled app (the bare import). @kubernetes/client-node is not loaded for either answer.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle.js';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { median, round } from '../lib/stats.js';

const OUT = 'test-artifacts/bench-cold-start';

/** Spawn → exit of `node -e <code>`, ms. */
function runToExit(code: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (status) => (status === 0 ? resolve(performance.now() - start) : reject(new Error(`exit ${status}`))));
  });
}

/** Spawns the instance and asks it `path` as soon as it listens: ms from the spawn to the answer. */
async function firstAnswer(script: string, env: Record<string, string>, path: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, ['--enable-source-maps', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (status) => reject(new Error(`the instance exited (${status}) before it listened`)));
      createInterface({ input: child.stdout }).once('line', resolve);
    });
    const { url } = JSON.parse(line) as { url: string };
    const client = new BenchClient(url, { connections: 1 });
    const answer = await client.get(path).finally(() => client.close());
    return { ms: performance.now() - start, status: answer.status };
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function measureColdStart(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { trials } = env.options.p9;
  await rm(OUT, { recursive: true, force: true });
  await build({ ...bundleOptions(OUT), entryPoints: { serve: 'bench/coldStart/serve.ts', app: 'functions/app.ts' } });
  const serve = `${OUT}/serve.js`;
  const app = new URL(`../../${OUT}/app.js`, import.meta.url).href;

  // A warm instance fills the list; the cold ones read it from the same tables.
  const ttl = { MONITOR_CACHE_TTL_SECONDS: '3600' };
  const warm = await env.startStack('p9', ttl);
  const listPath = `/api/monitor/aks?${scopeQuery(DEMO_SCOPE)}`;
  const warmClient = new BenchClient(warm.url);
  await warmClient.get(listPath);
  await warmClient.close();
  const settings: Record<string, string> = {
    AUTH_MODE: 'development',
    DEV_PRINCIPAL_NAME: 'bench',
    DEV_PRINCIPAL_ROLES: 'Dashboard.Read',
    ALLOWED_SCOPES: `${DEMO_SCOPE.subscriptionId}/${DEMO_SCOPE.resourceGroup}`,
    ...env.sim.appSettings(),
    TABLE_STORAGE_CONNECTION_STRING: env.azurite.connectionString,
    CACHE_TABLE_NAME: warm.config.tables.cacheTable,
    INSPECTOR_TABLE_NAME: warm.config.tables.inspectorTable,
    ...ttl,
  };
  const kubernetesBefore = env.sim.requestLog((e) => e.server !== 'arm').length;

  const nothing: number[] = [];
  const bare: number[] = [];
  const health: number[] = [];
  const list: number[] = [];
  for (let i = 0; i < trials; i++) {
    nothing.push(await runToExit('0'));
    bare.push(await runToExit(`await import(${JSON.stringify(app)})`));
    const h = await firstAnswer(serve, settings, '/api/health');
    const l = await firstAnswer(serve, settings, listPath);
    if (h.status !== 200 || l.status !== 200) throw new Error(`P9: health ${h.status}, list ${l.status}`);
    health.push(h.ms);
    list.push(l.ms);
  }
  const kubernetesCalls = env.sim.requestLog((e) => e.server !== 'arm').length - kubernetesBefore;
  const m = { nothing: median(nothing), bare: median(bare), health: median(health), list: median(list) };
  const inputs = { trials, armLatencyMs: env.options.armLatencyMs, bundle: 'esbuild, as npm run build (+ the local host)' };
  return {
    id: 'P9',
    title: 'cold start',
    result: `first cached list answer ${round(m.list, 0)} ms, first health ${round(m.health, 0)} ms`,
    compared: `process start → first answer of a new instance (bundled app on the local host; median of ${trials}): cached GET /api/monitor/aks ${round(m.list, 0)} ms, GET /api/health ${round(m.health, 0)} ms (it asks Table Storage and ARM, ${env.options.armLatencyMs} ms injected); vs a Node process that only imports the bundled app ${round(m.bare, 0)} ms and one that does nothing ${round(m.nothing, 0)} ms; Kubernetes calls made: ${kubernetesCalls}`,
    floor: `the bare import (${round(m.bare, 0)} ms); goal ≤ 300 ms to the first cached list answer`,
    farFromFloor: m.list > 300,
    notes: [],
    measurements: [
      { id: 'P9', name: 'cold start to the first cached list answer, median', value: round(m.list, 1), unit: 'ms', inputs },
      { id: 'P9', name: 'cold start to the first health answer, median', value: round(m.health, 1), unit: 'ms', inputs },
      { id: 'P9', name: 'process that imports the bundled app, spawn to exit, median', value: round(m.bare, 1), unit: 'ms', inputs },
      { id: 'P9', name: 'process that does nothing, spawn to exit, median', value: round(m.nothing, 1), unit: 'ms', inputs },
    ],
  };
}
