// Junk names leave nothing behind: reads of clusters ARM does not list answer 404 without creating or bumping a row,
// lifecycle calls on missing clusters purge only what exists, and the timer removes generation rows nothing needs,
// so the table's size follows the fleet, not the traffic. The timer reads the table with one scan per run.
import { TableClient } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { clusterPrefix, createMonitorCache, GENERATION_ROW_KEY, locateKey, MONITOR_CATEGORIES } from '../../shared/cache/index.js';
import { TransitionStore } from '../../shared/lifecycle/transitions.js';
import { runRefresh } from '../../shared/monitor/refresh.js';
import { tablesConnectionString } from '../setup/tables.js';
import { allRows, armListReads, categoryPath, RG, testStacks, type RawRow, type TestStack } from './support.js';

const stack = testStacks();
const MIN = 60_000;
const JUNK_READS = 150;
const JUNK_ACTIONS = 15;

/** Every row as partition/row key, with the generation counters: what "created or bumped" would change. */
async function shape(s: TestStack): Promise<Map<string, string>> {
  const rows = await allRows(s.table);
  return new Map(
    rows.map((row: RawRow) => [
      `${row.partitionKey} ${row.rowKey}`,
      row.rowKey === GENERATION_ROW_KEY ? JSON.stringify([row.list, row.tree, row.counter]) : 'reading',
    ]),
  );
}

/** A dashboard polling the list and two categories of a real cluster. */
async function poll(s: TestStack): Promise<void> {
  await s.list();
  for (const category of ['nodes', 'pods'] as const) expect((await s.get(categoryPath('elb-01-a', category))).status).toBe(200);
  await s.app.services.cache.idle();
}

async function flood(s: TestStack): Promise<void> {
  for (let i = 0; i < JUNK_READS; i++) {
    const res = await s.get(categoryPath(`ghost-${i}`, MONITOR_CATEGORIES[i % MONITOR_CATEGORIES.length]!));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('clusterNotFound');
  }
  for (let i = 0; i < JUNK_ACTIONS; i++) {
    const action = (['start', 'stop', 'delete'] as const)[i % 3]!;
    const res = await s.act(action, `phantom-${i}`);
    // ARM answers a delete of a missing resource with 204: clusterNotFound too.
    expect(res.status).toBe(404);
  }
}

describe('junk cluster names', () => {
  it('reads of unknown clusters answer 404 and create or bump no row', async () => {
    const s = await stack();
    await poll(s);
    const before = await shape(s);
    for (let i = 0; i < JUNK_READS; i++) expect((await s.get(categoryPath(`ghost-${i}`, 'nodes'))).status).toBe(404);
    await s.app.services.cache.idle();
    expect(await shape(s)).toEqual(before);
  });

  it('lifecycle calls ARM answers 404 create no row of the missing cluster; one that has readings loses them', async () => {
    const s = await stack();
    await poll(s);
    const before = await shape(s);
    for (let i = 0; i < JUNK_ACTIONS; i++) expect((await s.act((['start', 'stop', 'delete'] as const)[i % 3]!, `phantom-${i}`)).status).toBe(404);
    const after = await shape(s);
    const created = [...after.keys()].filter((key) => !before.has(key));
    expect(created).toEqual([]);
    // A cluster deleted behind our back has readings: a 404 on its action purges those.
    const prefix = locateKey(`${clusterPrefix(RG, 'elb-01-a')}:nodes`).partitionKey;
    const stored = () => allRows(s.table).then((rows) => rows.filter((row) => row.partitionKey === prefix && row.rowKey.startsWith('v:')).length);
    expect(await stored()).toBe(2);
    s.sim.inject({ target: 'arm', method: 'POST', path: (p) => p.endsWith('/managedClusters/elb-01-a/stop'), status: 404, times: 1 });
    expect((await s.act('stop', 'elb-01-a')).status).toBe(404);
    expect(await stored()).toBe(0);
  });

  it("start, stop or delete of a cluster ARM does not have leaves the scope's cached list: no ARM list reads follow", async () => {
    const s = await stack();
    await poll(s);
    const listsBefore = armListReads(s.sim);
    for (let i = 0; i < 5; i++) {
      const res = await s.act((['stop', 'start', 'delete'] as const)[i % 3]!, `phantom-${i}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('clusterNotFound');
      await s.list(); // the dashboard's next poll
    }
    const junkLists = armListReads(s.sim) - listsBefore;
    console.log(`[junk actions] ARM list reads after 5 junk actions: ${junkLists}`);
    expect(junkLists).toBe(0);
  });

  it('after a flood of junk names the table is back at its baseline row count once the timer has run', async () => {
    const s = await stack();
    await poll(s);
    const baseline = await shape(s);
    // Rows an earlier version left for junk names: generation rows of clusters that never existed, never stamped.
    const legacy = Array.from({ length: 40 }, (_, i) => locateKey(`${clusterPrefix(RG, `legacy-ghost-${i}`)}:nodes`).partitionKey);
    for (const partitionKey of legacy) await s.table.createEntity({ partitionKey, rowKey: GENERATION_ROW_KEY, counter: 1 });
    await flood(s);
    await poll(s);
    const flooded = (await allRows(s.table)).length;
    // Twenty minutes of a dashboard polling every minute, the timer running after each poll.
    for (let minute = 0; minute < 20; minute++) {
      s.clock.advance(MIN);
      await poll(s);
      await s.host.runTimer('refreshMonitorCache');
    }
    const after = await shape(s);
    console.log(`[junk names] baseline ${baseline.size} rows, after the flood ${flooded}, after the timer ${after.size}`);
    expect([...after.keys()].sort()).toEqual([...baseline.keys()].sort());
  });

  it('one timer run reads the table with one cross-partition query', async () => {
    const s = await stack();
    await poll(s);
    await s.act('stop', 'elb-01-c'); // an open transition in the scope (the timer follows it)
    const queries: string[] = [];
    const counting: PipelinePolicy = {
      name: 'countCrossPartitionQueries',
      async sendRequest(request, next) {
        const url = new URL(request.url);
        const isQuery = request.method === 'GET' && /\(\)$/.test(decodeURIComponent(url.pathname));
        if (isQuery && !/PartitionKey eq/.test(url.searchParams.get('$filter') ?? '')) queries.push(url.searchParams.get('$filter') ?? '(whole table)');
        return next(request);
      },
    };
    const table = TableClient.fromConnectionString(tablesConnectionString(), s.config.tables.cacheTable, {
      allowInsecureConnection: true,
      additionalPolicies: [{ policy: counting, position: 'perCall' }],
    });
    const { ttlSeconds, swrSeconds, transitionDeadlineSeconds } = s.config.cache;
    const cache = createMonitorCache({ table, ttlSeconds, swrSeconds, now: s.clock.now });
    const transitions = new TransitionStore(table, { deadlineSeconds: transitionDeadlineSeconds, now: s.clock.now });
    s.clock.advance(ttlSeconds * 1000 + 1);
    const result = await runRefresh({ cache, monitor: s.app.services.monitor, transitions, concurrency: 4, budgetMs: 10_000, now: s.clock.now });
    expect(result.candidates).toBeGreaterThan(0);
    expect(queries).toHaveLength(1);
  });
});
