// Readings over one property (64 KiB) are compressed and split; over ~720 KB compressed, answered but not stored.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { categoryKey, locateKey, MAX_STORED_BYTES } from '../../shared/cache/index.js';
import { encodeValue } from '../../shared/cache/codec.js';
import { cacheOnFreshTable, collectingLog } from './helpers.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-0000000000e1', resourceGroup: 'rg-elb-01' };
const pods = categoryKey(scope, 'aks-1', 'pods');

/** A pod list of the size a big cluster answers: compresses well. */
function podList(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    name: `warmup-job-${i}-x7k2p`,
    namespace: 'databases',
    node: `aks-nodepool1-1234567-vmss00000${i % 40}`,
    phase: i % 7 ? 'Running' : 'Succeeded',
    labels: { app: 'warmup', 'controller-uid': `0b0c${i}`, team: 'platform' },
    startedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
  }));
}

/** Text that does not compress (base64 of random bytes compresses to about 3/4). */
const incompressible = (bytes: number) => randomBytes(bytes).toString('base64');

describe('reading sizes', () => {
  it('a small reading is one JSON property', async () => {
    const { cache, table } = await cacheOnFreshTable();
    await cache.read(pods, async () => podList(3));
    const { partitionKey, rowKey } = locateKey(pods);
    const row = await table.getEntity(partitionKey, rowKey);
    expect(row).toMatchObject({ enc: 'json', chunks: 1 });
    expect((await cache.peek(pods))?.value).toEqual(podList(3));
  });

  it('a reading over 64 KiB is stored compressed and reads back equal', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const big = podList(3_000); // ≈ 750 KB of JSON
    expect(JSON.stringify(big).length).toBeGreaterThan(500_000);
    expect(await cache.read(pods, async () => big)).toMatchObject({ state: 'refreshed', stored: true });
    const { partitionKey, rowKey } = locateKey(pods);
    expect(await table.getEntity(partitionKey, rowKey)).toMatchObject({ enc: 'gzip' });
    expect(await cache.read(pods, async () => [])).toMatchObject({ state: 'fresh', value: big });
  });

  it('a reading that stays large after compression is split across properties and reads back equal', async () => {
    const { cache, table } = await cacheOnFreshTable();
    const value = { blob: incompressible(400_000) }; // ≈ 530 KB of text, ≈ 400 KB gzipped
    expect(await cache.read(pods, async () => value)).toMatchObject({ stored: true });
    const { partitionKey, rowKey } = locateKey(pods);
    const row = await table.getEntity(partitionKey, rowKey);
    expect(row.enc).toBe('gzip');
    expect(row.chunks as number).toBeGreaterThan(5);
    expect((await cache.peek(pods))?.value).toEqual(value);
  });

  it('a reading just under the limit is stored: the entity stays within the 1 MiB of Table Storage', async () => {
    const { cache } = await cacheOnFreshTable();
    const value = { blob: incompressible(690_000) };
    const encoded = encodeValue(value);
    expect(encoded.ok && encoded.storedBytes).toBeGreaterThan(MAX_STORED_BYTES - 60_000);
    expect(encoded.ok && encoded.storedBytes).toBeLessThanOrEqual(MAX_STORED_BYTES);
    expect(await cache.read(pods, async () => value)).toMatchObject({ stored: true });
    expect((await cache.peek(pods))?.value).toEqual(value);
  });

  it('an oversized reading is answered, not stored, and says so; the next read fetches again', async () => {
    const { cache } = await cacheOnFreshTable();
    const huge = { blob: incompressible(MAX_STORED_BYTES + 100_000) };
    const first = await cache.read(pods, async () => huge);
    expect(first).toMatchObject({ state: 'refreshed', value: huge, stored: false, notStoredReason: 'too-large' });
    expect(await cache.peek(pods)).toBeUndefined();
    expect(await cache.read(pods, async () => 'small')).toMatchObject({ state: 'refreshed', stored: true });
  });

  it('a value that cannot be serialised is answered, not stored', async () => {
    const { cache } = await cacheOnFreshTable();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await cache.read(pods, async () => cyclic)).toMatchObject({ stored: false, notStoredReason: 'not-serializable' });
  });

  it('a smaller reading replacing a split one leaves no stale chunks behind', async () => {
    const { cache, clock, table } = await cacheOnFreshTable();
    await cache.read(pods, async () => ({ blob: incompressible(300_000) }));
    clock.advance(1_000_000);
    await cache.read(pods, async () => 'now small');
    const { partitionKey, rowKey } = locateKey(pods);
    const row = await table.getEntity(partitionKey, rowKey);
    expect(Object.keys(row).filter((k) => /^d\d+$/.test(k))).toEqual(['d0']);
    expect((await cache.peek(pods))?.value).toBe('now small');
  });

  it('an unreadable row (a chunk missing) is treated as missing: logged, refetched, never served stale', async () => {
    const { log, entries } = collectingLog();
    const { cache, clock, table } = await cacheOnFreshTable({ log });
    await cache.read(pods, async () => ({ blob: incompressible(300_000) }));
    const { partitionKey, rowKey } = locateKey(pods);
    await table.updateEntity({ partitionKey, rowKey, d1: 'not a chunk' }, 'Merge');

    expect(await cache.peek(pods)).toBeUndefined();
    // Within TTL, yet fetched again and stored.
    expect(await cache.read(pods, async () => 'fetched')).toMatchObject({ state: 'refreshed', value: 'fetched', stored: true });
    expect(entries.filter((e) => e.event === 'cache.corrupt' && e.key === pods)).toHaveLength(2);

    await table.updateEntity({ partitionKey, rowKey, enc: 'unknown' }, 'Merge');
    clock.advance(1_000_000);
    const down = new Error('upstream down');
    await expect(
      cache.read(
        pods,
        async () => {
          throw down;
        },
        { serveStaleOnError: () => true },
      ),
    ).rejects.toBe(down);
  });
});
