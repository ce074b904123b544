// Purges: bump the generation rows covering what goes first, then delete the readings (≤ 100 per transaction, a
// 404 → re-query and retry), so a fill whose fetch overlapped the purge never stores.
import { odata } from '@azure/data-tables';
import { invalidationError, PARALLEL, type CacheContext } from './context.js';
import type { Fills } from './fill.js';
import type { Generations } from './generations.js';
import type { RecentReadings } from './recent.js';
import { clusterListKey, clusterPrefix, locateKey, targetOfPrefix, type MonitorScope } from './keys.js';
import type { InvalidationResult } from './types.js';
import { GENERATION_ROWS_FILTER, partitionsBelowFilter, partitionTreeFilter, READING_ROWS_FILTER } from './layout.js';
import { isNotFound } from '../errors.js';
import { forEachLimited } from '../concurrency.js';

const CHUNK = 100; // operations per transaction

export class Purges {
  constructor(
    private readonly context: CacheContext,
    private readonly generations: Generations,
    private readonly fills: Fills,
    private readonly recent: RecentReadings,
  ) {}

  /**
   * Deletes every key k with k == prefix or k.startsWith(prefix + ':') and, first, always bumps the generations
   * covering them (creating rows as needed), so a fill whose fetch overlapped this call never stores.
   * Levels: 'monitor' or 'monitor:aks' (root), 'monitor:aks:{sub}', a scope, a cluster, one category key.
   * A scope purge bumps the scope row (`list` and `tree`) and every cluster row below it; a subscription or root
   * purge has no row of its own and bumps every generation row in its range (an in-flight fill always has one:
   * it creates its partition's row before fetching). Deletes come after the bumps.
   * An empty prefix, or one no key can match, is a no-op. Throws CacheStorageError if storage fails.
   */
  async invalidatePrefix(prefix: string): Promise<InvalidationResult> {
    const target = targetOfPrefix(prefix);
    if (target.level === 'none') {
      this.context.log({ level: 'debug', event: 'cache.invalidate.noop', key: prefix });
      return { level: 'none', bumped: 0, deleted: 0 };
    }
    try {
      if (target.level === 'key') {
        const location = target.location;
        await this.generations.bump(location.own.partitionKey, [location.own.name]);
        this.detachInflight(prefix);
        const deleted = await this.deletePartitionRows(location.partitionKey, [location.rowKey]);
        return { level: 'key', bumped: 1, deleted };
      }
      const partitionKey = target.partitionKey;
      // A scope or a cluster has a row of its own; subscription and root purges bump every row in their range.
      let own = 0;
      if (target.level === 'scope' || target.level === 'cluster') {
        await this.generations.bump(partitionKey);
        own = 1;
      }
      const below = target.level === 'cluster' ? 0 : await this.bumpGenerationsBelow(partitionKey);
      this.detachInflight(prefix);
      const where = target.level === 'cluster' ? odata`PartitionKey eq ${partitionKey}` : partitionTreeFilter(partitionKey);
      const deleted = await this.deleteReadings(where);
      this.context.log({ level: 'info', event: 'cache.invalidate', key: prefix, detail: `level=${target.level} bumped=${own + below} deleted=${deleted}` });
      return { level: target.level, bumped: own + below, deleted };
    } catch (error) {
      throw invalidationError(prefix, error);
    } finally {
      this.recent.forgetPrefix(prefix);
    }
  }

  /**
   * The lifecycle purge of one cluster: removes the scope's cluster list and the cluster's readings, bumping the
   * scope's `list` counter and the cluster's counter (not the scope's `tree`, so fills of sibling clusters carry on).
   */
  async invalidateCluster(scope: MonitorScope, cluster: string): Promise<InvalidationResult> {
    const list = locateKey(clusterListKey(scope));
    const prefix = clusterPrefix(scope, cluster);
    const target = targetOfPrefix(prefix);
    if (target.level !== 'cluster') throw new Error(`unexpected prefix level ${target.level}`);
    try {
      await Promise.all([this.generations.bump(list.own.partitionKey, ['list']), this.generations.bump(target.partitionKey, ['counter'])]);
      this.detachInflight(list.key, true);
      this.detachInflight(prefix);
      const [listDeleted, clusterDeleted] = await Promise.all([
        this.deletePartitionRows(list.partitionKey, [list.rowKey]),
        this.deleteReadings(odata`PartitionKey eq ${target.partitionKey}`),
      ]);
      this.context.log({ level: 'info', event: 'cache.invalidate', key: prefix, detail: `level=cluster+list deleted=${listDeleted + clusterDeleted}` });
      return { level: 'cluster', bumped: 2, deleted: listDeleted + clusterDeleted };
    } catch (error) {
      throw invalidationError(prefix, error);
    } finally {
      this.recent.forgetKey(list.key);
      this.recent.forgetPrefix(prefix);
    }
  }

  /**
   * A cluster upstream says does not exist: purges what is stored of it, creating nothing for it. Without its
   * generation row there is no reading of it and no fill in flight (a fill creates the row before its fetch), so
   * there is nothing to do; a name that never existed leaves no trace, however often it is asked for.
   * `list`: the scope's cluster list goes too (a lifecycle 404: a list fetched before it must not be stored after);
   * the scope's row is one of the allowed scopes', so this creates nothing that traffic could multiply.
   */
  async forgetCluster(scope: MonitorScope, cluster: string, options: { list?: boolean } = {}): Promise<InvalidationResult> {
    const prefix = clusterPrefix(scope, cluster);
    const target = targetOfPrefix(prefix);
    if (target.level !== 'cluster') throw new Error(`unexpected prefix level ${target.level}`);
    let exists: boolean;
    try {
      exists = (await this.generations.read(target.partitionKey)) !== undefined;
    } catch (error) {
      throw invalidationError(prefix, error);
    }
    if (exists) return options.list ? this.invalidateCluster(scope, cluster) : this.invalidatePrefix(prefix);
    if (!options.list) return { level: 'none', bumped: 0, deleted: 0 };
    const list = locateKey(clusterListKey(scope));
    try {
      await this.generations.bump(list.own.partitionKey, ['list']);
      this.detachInflight(list.key, true);
      const deleted = await this.deletePartitionRows(list.partitionKey, [list.rowKey]);
      return { level: 'key', bumped: 1, deleted };
    } catch (error) {
      throw invalidationError(list.key, error);
    } finally {
      this.recent.forgetKey(list.key);
    }
  }

  /**
   * New reads of invalidated keys must not join a fill that started before the purge. And this instance's own purge
   * explains why those readings are gone: their next fills may recall the generation rows it just bumped.
   */
  private detachInflight(prefix: string, exact = false): void {
    this.fills.detach(prefix, exact);
    this.recent.forgetWrites(prefix, exact);
  }

  private async bumpGenerationsBelow(partitionKey: string): Promise<number> {
    const rows: string[] = [];
    const pages = this.context.table.listEntities({
      queryOptions: { filter: `${partitionsBelowFilter(partitionKey)} and ${GENERATION_ROWS_FILTER}`, select: ['PartitionKey'] },
    });
    for await (const entity of pages) rows.push(entity.partitionKey!);
    await forEachLimited(rows, PARALLEL, async (pk) => {
      await this.generations.bump(pk);
    });
    return rows.length;
  }

  private async deleteReadings(partitionFilter: string): Promise<number> {
    const byPartition = new Map<string, string[]>();
    const pages = this.context.table.listEntities({
      queryOptions: { filter: `${partitionFilter} and ${READING_ROWS_FILTER}`, select: ['PartitionKey', 'RowKey'] },
    });
    for await (const entity of pages) {
      const rows = byPartition.get(entity.partitionKey!) ?? [];
      rows.push(entity.rowKey!);
      byPartition.set(entity.partitionKey!, rows);
    }
    let deleted = 0;
    await forEachLimited([...byPartition], PARALLEL, async ([pk, rowKeys]) => {
      const count = await this.deletePartitionRows(pk, rowKeys);
      deleted += count;
    });
    return deleted;
  }

  /**
   * Deletes rows of one partition in transactions of ≤ 100. A row deleted concurrently fails the whole
   * transaction with 404: re-query which of them still exist and retry; after a few rounds, delete one by one.
   */
  private async deletePartitionRows(partitionKey: string, rowKeys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < rowKeys.length; start += CHUNK) {
      let chunk = rowKeys.slice(start, start + CHUNK);
      for (let attempt = 0; chunk.length > 0; attempt++) {
        if (chunk.length === 1 || attempt >= 3) {
          for (const rowKey of chunk) {
            try {
              await this.context.table.deleteEntity(partitionKey, rowKey);
              deleted += 1;
            } catch (error) {
              if (!isNotFound(error)) throw error;
            }
          }
          break;
        }
        try {
          await this.context.table.submitTransaction(
            chunk.map((rowKey) => ['delete', { partitionKey, rowKey }] as ['delete', { partitionKey: string; rowKey: string }]),
          );
          deleted += chunk.length;
          break;
        } catch (error) {
          if (!isNotFound(error)) throw error;
          this.context.stats.deleteRetries += 1;
          chunk = await this.existingRows(partitionKey, chunk);
        }
      }
    }
    return deleted;
  }

  private async existingRows(partitionKey: string, rowKeys: readonly string[]): Promise<string[]> {
    const wanted = new Set(rowKeys);
    const present: string[] = [];
    const pages = this.context.table.listEntities({
      queryOptions: { filter: `${odata`PartitionKey eq ${partitionKey}`} and ${READING_ROWS_FILTER}`, select: ['RowKey'] },
    });
    for await (const entity of pages) if (wanted.has(entity.rowKey!)) present.push(entity.rowKey!);
    return present;
  }
}
