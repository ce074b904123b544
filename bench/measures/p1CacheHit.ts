// P1: what a cache hit costs over the Table Storage floor. p50/p95 of GET /api/monitor/aks answered `fresh` vs a bare
// getEntity of the same row on the same Azurite, interleaved and alternating which goes first, so drift and GC hit all
// alike. Two instances answer the hits: one as deployed (a reading it has just read is reused for
// MONITOR_CACHE_REUSE_MS: HTTP and the request pipeline, no Table read), one with reuse off (HTTP, the pipeline and one
// point read every time).
import { clusterListKey, locateKey } from '../../shared/cache/index.js';
import { createTableClient } from '../../shared/tables.js';
import { DEMO_SCOPE, type BenchEnvironment } from '../lib/environment.js';
import { BenchClient, scopeQuery } from '../lib/http.js';
import type { MeasureOutcome } from '../lib/report.js';
import { percentile, round } from '../lib/stats.js';

export async function measureCacheHit(env: BenchEnvironment): Promise<MeasureOutcome> {
  const { samples, warmup } = env.options.p1;
  const stack = await env.startStack('p1', { MONITOR_CACHE_TTL_SECONDS: '3600' });
  const tableStack = await env.startStack('p1table', { MONITOR_CACHE_TTL_SECONDS: '3600', MONITOR_CACHE_REUSE_MS: '0' });
  const client = new BenchClient(stack.url, { connections: 1 });
  const tableClient = new BenchClient(tableStack.url, { connections: 1 });
  try {
    const path = `/api/monitor/aks?${scopeQuery(DEMO_SCOPE)}`;
    for (const c of [client, tableClient]) {
      const first = await c.get(path);
      if (first.status !== 200) throw new Error(`P1: list read answered ${first.status}`);
    }
    const { partitionKey, rowKey } = locateKey(clusterListKey(DEMO_SCOPE));
    const table = createTableClient(stack.config.tables, stack.config.tables.cacheTable);
    await table.getEntity(partitionKey, rowKey); // the row the hit reads exists

    const hit: number[] = [];
    const tableHit: number[] = [];
    const bare: number[] = [];
    let notFresh = 0;
    const orders = [
      ['hit', 'tableHit', 'bare'],
      ['bare', 'hit', 'tableHit'],
      ['tableHit', 'bare', 'hit'],
    ] as const;
    for (let i = 0; i < warmup + samples; i++) {
      const keep = i >= warmup;
      for (const which of orders[i % orders.length]!) {
        if (which !== 'bare') {
          const answer = await (which === 'hit' ? client : tableClient).get(path);
          if (answer.body?.cache?.state !== 'fresh') notFresh++;
          if (keep) (which === 'hit' ? hit : tableHit).push(answer.ms);
        } else {
          const start = performance.now();
          await table.getEntity(partitionKey, rowKey);
          if (keep) bare.push(performance.now() - start);
        }
      }
    }
    if (notFresh > 0) throw new Error(`P1: ${notFresh} list reads were not answered fresh`);
    const [hit50, hit95, bare50, bare95] = [percentile(hit, 50), percentile(hit, 95), percentile(bare, 50), percentile(bare, 95)];
    const [table50, table95] = [percentile(tableHit, 50), percentile(tableHit, 95)];
    const r50 = hit50 / bare50;
    const r95 = hit95 / bare95;
    const t50 = table50 / bare50;
    const reused = stack.app.services.cache.stats.reused;
    const inputs = { samples, warmup, interleaved: true, route: 'GET /api/monitor/aks', table: stack.config.tables.cacheTable };
    return {
      id: 'P1',
      title: 'cache-hit latency ÷ Table Storage floor',
      result: `${round(r50, 2)}× p50, ${round(r95, 2)}× p95 (reuse off: ${round(t50, 2)}× p50)`,
      compared: `fresh GET /api/monitor/aks p50 ${round(hit50, 2)} / p95 ${round(hit95, 2)} ms (${reused} of ${warmup + samples + 1} answered from the reading just read); with reuse off p50 ${round(table50, 2)} / p95 ${round(table95, 2)} ms; bare getEntity p50 ${round(bare50, 2)} / p95 ${round(bare95, 2)} ms (${samples} each, interleaved)`,
      floor: '1× (+ one loopback HTTP hop); goal ≤ 1.4× p50',
      farFromFloor: r50 > 1.4,
      notes: [
        `with reuse off every hit is one loopback HTTP hop, the request pipeline and one point read: ${round(t50, 2)}× the bare read; as deployed a hot key is read from the table once per MONITOR_CACHE_REUSE_MS per instance`,
      ],
      measurements: [
        { id: 'P1', name: 'cache hit ÷ getEntity, p50', value: round(r50, 3), unit: 'ratio', inputs },
        { id: 'P1', name: 'cache hit ÷ getEntity, p95', value: round(r95, 3), unit: 'ratio', inputs },
        { id: 'P1', name: 'fresh GET /api/monitor/aks p50', value: round(hit50, 3), unit: 'ms', inputs },
        { id: 'P1', name: 'fresh GET /api/monitor/aks p95', value: round(hit95, 3), unit: 'ms', inputs },
        { id: 'P1', name: 'cache hit with reuse off ÷ getEntity, p50', value: round(t50, 3), unit: 'ratio', inputs },
        { id: 'P1', name: 'fresh GET /api/monitor/aks with reuse off p50', value: round(table50, 3), unit: 'ms', inputs },
        { id: 'P1', name: 'bare getEntity p50', value: round(bare50, 3), unit: 'ms', inputs },
        { id: 'P1', name: 'bare getEntity p95', value: round(bare95, 3), unit: 'ms', inputs },
      ],
    };
  } finally {
    await client.close();
    await tableClient.close();
  }
}
