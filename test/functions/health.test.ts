import { afterEach, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/host.js';
import { healthFunctions, type HealthProbe } from '../../functions/health.js';
import { loadConfig } from '../../shared/config.js';
import { createHttpPipeline } from '../../shared/http/pipeline.js';

let host: LocalHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function serve(probes: HealthProbe[], now: () => number) {
  const config = loadConfig({ TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
  const captures = { record: async () => {}, list: async () => [], settled: async () => {} };
  const pipeline = createHttpPipeline({ config, captures, log: () => {} });
  host = await startLocalHost({ definitions: healthFunctions({ pipeline, probes, now }), port: 0, timers: false });
  return host.url;
}

describe('GET /api/health', () => {
  it('answers 200 when every probe answers and 503 naming the one that does not', async () => {
    let tablesUp = true;
    let clock = 0;
    const url = await serve(
      [
        {
          name: 'tableStorage',
          check: async () => {
            if (!tablesUp) throw new Error('refused');
          },
        },
        { name: 'arm', check: async () => {} },
      ],
      () => clock,
    );
    const ok = await fetch(`${url}/api/health`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBeTruthy();
    expect(await ok.json()).toEqual({ tableStorage: 'ok', arm: 'ok' });
    tablesUp = false;
    clock += 5_000; // past the shared result's lifetime
    const down = await fetch(`${url}/api/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ tableStorage: 'unreachable', arm: 'ok' });
  });

  it('probes once for concurrent callers and reuses the result briefly: anonymous load cannot amplify upstream', async () => {
    let probes = 0;
    let clock = 0;
    const url = await serve(
      [
        {
          name: 'arm',
          check: async () => {
            probes++;
          },
        },
      ],
      () => clock,
    );
    await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/api/health`).then((r) => r.text())));
    expect(probes).toBe(1);
    clock += 4_999;
    await fetch(`${url}/api/health`).then((r) => r.text());
    expect(probes).toBe(1);
    clock += 1;
    await fetch(`${url}/api/health`).then((r) => r.text());
    expect(probes).toBe(2);
  });
});
