// The floor of a cache hit: p50 of MonitorCache.read() on a fresh key vs a bare getEntity of the same row,
// interleaved on one Azurite; plus how long a read takes to fall back to `uncached` when Table Storage is gone.
// Run: npx tsx bench/cacheFloor.ts [samples=1000]
import { createServer, type Socket } from 'node:net';
import { startAzurite, freePort, tableConnectionString } from '../dev/azurite.js';
import { categoryKey, createMonitorCache, locateKey } from '../shared/cache/index.js';
import { createTableClient } from '../shared/tables.js';

const samples = Math.max(500, Number(process.argv[2] ?? 1000));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const azurite = await startAzurite();
try {
  const tables = { connectionString: azurite.connectionString, cacheTable: 'benchcache', inspectorTable: 'inspector' };
  const table = createTableClient(tables);
  await table.createTable();
  const cache = createMonitorCache({ table, ttlSeconds: 3_600, swrSeconds: 300 });
  const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
  const key = categoryKey(scope, 'aks-1', 'nodes');
  // a realistic nodes reading (~6 KB of JSON)
  const nodes = Array.from({ length: 12 }, (_, i) => ({
    name: `aks-nodepool1-12345678-vmss00000${i}`,
    ready: true,
    kubeletVersion: 'v1.33.2',
    allocatable: { cpu: '3860m', memory: '13161980Ki', pods: '110' },
    conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({ type, status: type === 'Ready' ? 'True' : 'False' })),
    labels: { agentpool: 'nodepool1', 'kubernetes.azure.com/mode': 'system', 'topology.kubernetes.io/zone': `westeurope-${(i % 3) + 1}` },
  }));
  const fill = await cache.read(key, async () => nodes);
  if (!fill.stored) throw new Error(`fill not stored: ${fill.notStoredReason}`);
  const { partitionKey, rowKey } = locateKey(key);
  const fetcher = async () => {
    throw new Error('a hit must not fetch');
  };

  for (let i = 0; i < 100; i++) {
    await cache.read(key, fetcher);
    await table.getEntity(partitionKey, rowKey);
  }
  const hit: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < samples; i++) {
    // interleaved, alternating which goes first, so drift affects both alike
    const order = i % 2 === 0 ? ['hit', 'bare'] : ['bare', 'hit'];
    for (const which of order) {
      const start = performance.now();
      if (which === 'hit') {
        const r = await cache.read(key, fetcher);
        if (r.state !== 'fresh') throw new Error(`expected fresh, got ${r.state}`);
        hit.push(performance.now() - start);
      } else {
        await table.getEntity(partitionKey, rowKey);
        bare.push(performance.now() - start);
      }
    }
  }
  await cache.idle();
  console.log(`cache hit floor on Azurite (${samples} samples each, interleaved, ${JSON.stringify(nodes).length} bytes of JSON)`);
  console.log(`  read() fresh hit : p50 ${fmt(percentile(hit, 50))}  p90 ${fmt(percentile(hit, 90))}  p99 ${fmt(percentile(hit, 99))}`);
  console.log(`  bare getEntity   : p50 ${fmt(percentile(bare, 50))}  p90 ${fmt(percentile(bare, 90))}  p99 ${fmt(percentile(bare, 99))}`);
  console.log(`  overhead p50     : ${fmt(percentile(hit, 50) - percentile(bare, 50))}`);

  // Table Storage gone: refused connections (Azurite stopped) and a server that accepts but never answers.
  await azurite.stop();
  let start = performance.now();
  const refused = await cache.read(key, async () => nodes);
  console.log(`uncached after Azurite stopped (connection refused): ${refused.state} in ${fmt(performance.now() - start)}`);

  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  const port = await freePort();
  await new Promise<void>((done) => silent.listen(port, '127.0.0.1', done));
  const hangingCache = createMonitorCache({ table: createTableClient({ ...tables, connectionString: tableConnectionString(port) }), ttlSeconds: 30, swrSeconds: 300 });
  start = performance.now();
  const hanging = await hangingCache.read(key, async () => nodes);
  console.log(`uncached with a server that never answers (per-try timeout):  ${hanging.state} in ${fmt(performance.now() - start)}`);
  for (const socket of sockets) socket.destroy();
  silent.close();
} finally {
  await azurite.stop();
}
