import { beforeEach, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { categoryKey, clusterListKey, createMonitorCache, locateKey, transitionRowLocation } from '../../shared/cache/index.js';
import { TransitionStore } from '../../shared/lifecycle/transitions.js';
import { freshTable, tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
const sibling = { ...scope, resourceGroup: 'rg-elb-01-blue' };
let table: TableClient;
let now: number;
let store: TransitionStore;

beforeEach(async () => {
  table = await freshTable('transitions');
  now = Date.parse('2026-11-23T10:00:00Z');
  store = new TransitionStore(table, { deadlineSeconds: 600, now: () => now });
});

describe('TransitionStore', () => {
  it('opens a transition with the expected state and a deadline, per scope', async () => {
    const opened = await store.open(scope, 'a', 'start', 'alice');
    expect(opened).toMatchObject({ cluster: 'a', action: 'start', expectedPowerState: 'Running', startedBy: 'alice', status: 'open', source: 'api' });
    expect(Date.parse(opened.deadline) - Date.parse(opened.startedAt)).toBe(600_000);
    expect(await store.list(scope)).toEqual([opened]);
    expect(await store.list(sibling)).toEqual([]);
  });

  it('keeps a transition open until a read observes the expected state, then ends it', async () => {
    await store.open(scope, 'a', 'start', 'alice');
    const starting = await store.reconcile(scope, [{ name: 'a', powerState: 'Stopped', provisioningState: 'Starting' }]);
    expect(starting.get('a')?.status).toBe('open');
    // Running but still provisioning: not done yet (ARM flips provisioningState last).
    const almost = await store.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Starting' }]);
    expect(almost.has('a')).toBe(true);
    const done = await store.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Succeeded' }]);
    expect(done.has('a')).toBe(false);
    expect(await store.list(scope)).toEqual([]);
  });

  it('ends a delete when the cluster is gone, and drops a start whose cluster vanished', async () => {
    await store.open(scope, 'a', 'delete', 'alice');
    await store.open(scope, 'b', 'start', 'alice');
    const present = await store.reconcile(scope, [
      { name: 'a', powerState: 'Running', provisioningState: 'Deleting' },
      { name: 'b', powerState: 'Stopped', provisioningState: 'Starting' },
    ]);
    expect([...present.keys()].sort()).toEqual(['a', 'b']);
    const gone = await store.reconcile(scope, []);
    expect(gone.size).toBe(0);
    expect(await store.list(scope)).toEqual([]);
  });

  it('reports a passed deadline once as timedOut, then forgets it', async () => {
    await store.open(scope, 'a', 'start', 'alice');
    now += 601_000;
    const stuck = [{ name: 'a', powerState: 'Stopped', provisioningState: 'Succeeded' }];
    expect((await store.reconcile(scope, stuck)).get('a')?.status).toBe('timedOut');
    // Every read within the report window agrees (overlapping readers and timer runs store the same answer)…
    now += 59_000;
    expect((await store.reconcile(scope, stuck)).get('a')?.status).toBe('timedOut');
    // …and after it, the transition is gone.
    now += 2_000;
    expect((await store.reconcile(scope, stuck)).has('a')).toBe(false);
    expect(await store.list(scope)).toEqual([]);
  });

  it("opens a transition for ARM's own Starting / Stopping / Deleting (actions started elsewhere)", async () => {
    const shown = await store.reconcile(scope, [
      { name: 'a', powerState: 'Stopped', provisioningState: 'Starting' },
      { name: 'b', powerState: 'Running', provisioningState: 'Stopping' },
      { name: 'c', powerState: 'Running', provisioningState: 'Succeeded' },
    ]);
    expect(shown.get('a')).toMatchObject({ action: 'start', source: 'arm', expectedPowerState: 'Running' });
    expect(shown.get('b')).toMatchObject({ action: 'stop', source: 'arm', expectedPowerState: 'Stopped' });
    expect(shown.has('c')).toBe(false);
    expect((await store.list(scope)).map((t) => t.cluster).sort()).toEqual(['a', 'b']);
  });
});

/** The real table, with a hook that runs once before the first call of `method` (to interleave another writer). */
function beforeFirst(target: TableClient, method: 'deleteEntity' | 'createEntity' | 'updateEntity', hook: () => Promise<unknown>): TableClient {
  let pending = true;
  return new Proxy(target, {
    get(t, property, receiver) {
      const value = Reflect.get(t, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(t);
      return async (...args: unknown[]) => {
        if (pending) {
          pending = false;
          await hook();
        }
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

describe('TransitionStore: names, layout and races', () => {
  it('one transition per cluster whatever the casing, shown under ARM’s spelling', async () => {
    await store.open({ ...scope, resourceGroup: 'RG-ELB-01' }, 'ELB-01-B', 'start', 'alice');
    expect((await store.list(scope)).map((t) => t.cluster)).toEqual(['ELB-01-B']);
    const shown = await store.reconcile(scope, [{ name: 'elb-01-b', powerState: 'Stopped', provisioningState: 'Starting' }]);
    expect([...shown.keys()]).toEqual(['elb-01-b']);
    expect(shown.get('elb-01-b')).toMatchObject({ cluster: 'elb-01-b', source: 'api', startedBy: 'alice' }); // not re-opened from ARM
    await store.open(scope, 'elb-01-b', 'start', 'bob');
    expect(await store.list(scope)).toHaveLength(1);
  });

  it('lives in the scope partition as t:{cluster}, where the cache’s purges and scans never look', async () => {
    const cache = createMonitorCache({ table, ttlSeconds: 30, swrSeconds: 300, now: () => now });
    const opened = await store.open(scope, 'aks-1', 'start', 'alice');
    await store.open(sibling, 'aks-1', 'stop', 'alice');
    const location = transitionRowLocation(scope, 'aks-1');
    expect(location).toEqual({ partitionKey: locateKey(clusterListKey(scope)).partitionKey, rowKey: 't:aks-1' });
    expect((await table.getEntity(location.partitionKey, location.rowKey)).action).toBe('start');

    for (const key of [clusterListKey(scope), categoryKey(scope, 'aks-1', 'nodes'), clusterListKey(sibling)]) await cache.read(key, async () => key);
    now += 40_000;
    expect((await cache.listRefreshCandidates()).map((c) => c.key).sort()).toEqual(
      [clusterListKey(scope), categoryKey(scope, 'aks-1', 'nodes'), clusterListKey(sibling)].sort(),
    );
    await cache.invalidateCluster(scope, 'aks-1');
    await cache.invalidatePrefix(clusterListKey(scope));
    await cache.invalidatePrefix('monitor');
    expect(await cache.removeExpired(now + 86_400_000)).toBe(0);
    expect(await cache.listRefreshCandidates(now, { minAgeSeconds: 0, hotWindowSeconds: 86_400 })).toEqual([]);
    expect(await store.list(scope)).toEqual([opened]);
    expect((await store.listAll()).map((t) => `${t.scope.resourceGroup}/${t.transition.cluster}/${t.transition.action}`).sort()).toEqual([
      'rg-elb-01-blue/aks-1/stop',
      'rg-elb-01/aks-1/start',
    ]);
  });

  it('a reconcile working from an older listing never ends a transition an action renewed meanwhile', async () => {
    await store.open(scope, 'a', 'start', 'alice');
    const racing = new TransitionStore(
      beforeFirst(table, 'deleteEntity', () => store.open(scope, 'a', 'stop', 'bob')), // the action lands between list and delete
      { deadlineSeconds: 600, now: () => now },
    );
    const shown = await racing.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Succeeded' }]);
    expect(shown.has('a')).toBe(false); // the start it read is done
    expect(await store.list(scope)).toMatchObject([{ cluster: 'a', action: 'stop', startedBy: 'bob', status: 'open' }]);
  });

  it('opening from ARM’s state never overwrites the transition an action wrote meanwhile', async () => {
    const racing = new TransitionStore(
      beforeFirst(table, 'createEntity', () => store.open(scope, 'a', 'start', 'alice')),
      { deadlineSeconds: 600, now: () => now },
    );
    const shown = await racing.reconcile(scope, [{ name: 'a', powerState: 'Stopped', provisioningState: 'Starting' }]);
    expect(shown.get('a')).toMatchObject({ source: 'api', startedBy: 'alice' });
    expect(await store.list(scope)).toMatchObject([{ source: 'api', startedBy: 'alice' }]);
  });

  it('a listing taken before the transition began does not end it', async () => {
    // A cluster left Running + Failed may be started again; a listing from before the start already looks "Running".
    const before = now - 1;
    await store.open(scope, 'a', 'start', 'alice');
    const failedRunning = [{ name: 'a', powerState: 'Running', provisioningState: 'Failed' }];
    expect((await store.reconcile(scope, failedRunning, { observedAt: before })).get('a')?.status).toBe('open');
    expect(await store.list(scope)).toHaveLength(1);
    // A current listing: Failed is terminal, so the start is over, and its failure is shown for the report window.
    expect((await store.reconcile(scope, failedRunning, { observedAt: now })).get('a')?.status).toBe('failed');
    expect(await store.list(scope)).toMatchObject([{ status: 'failed' }]);
    now += 61_000;
    expect((await store.reconcile(scope, failedRunning)).has('a')).toBe(false);
    expect(await store.list(scope)).toEqual([]);
  });

  it('closes on the expected power state with a terminal provisioning state only (real AKS flips the power state first)', async () => {
    await store.open(scope, 'a', 'start', 'alice');
    await store.open(scope, 'b', 'stop', 'alice');
    now += 1;
    const during = [
      { name: 'a', powerState: 'Running', provisioningState: 'Starting' },
      { name: 'b', powerState: 'Stopped', provisioningState: 'Stopping' },
    ];
    const shown = await store.reconcile(scope, during);
    expect([shown.get('a')?.status, shown.get('b')?.status]).toEqual(['open', 'open']);
    const ended = [
      { name: 'a', powerState: 'Running', provisioningState: 'Succeeded' },
      { name: 'b', powerState: 'Stopped', provisioningState: 'Canceled' },
    ];
    expect((await store.reconcile(scope, ended)).size).toBe(0);
    expect(await store.list(scope)).toEqual([]);
  });

  it('after reporting timedOut it stays silent while ARM still runs the operation, instead of re-opening it', async () => {
    await store.open(scope, 'a', 'start', 'alice');
    now += 601_000;
    const stuck = [{ name: 'a', powerState: 'Stopped', provisioningState: 'Starting' }];
    expect((await store.reconcile(scope, stuck)).get('a')).toMatchObject({ status: 'timedOut', source: 'api' });
    now += 60_000; // past the report window
    for (let i = 0; i < 3; i++) {
      now += 15_000;
      expect((await store.reconcile(scope, stuck)).has('a')).toBe(false);
    }
    expect(await store.list(scope)).toMatchObject([{ status: 'timedOut' }]);
    expect((await store.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Succeeded' }])).size).toBe(0);
    expect(await store.list(scope)).toEqual([]);
    // A new operation seen in ARM afterwards opens a new transition.
    expect((await store.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Stopping' }])).get('a')).toMatchObject({
      action: 'stop',
      source: 'arm',
      status: 'open',
    });
  });

  it('Table Storage failing never fails the read: the transitions ARM shows are returned, unstored', async () => {
    const missing = TableClient.fromConnectionString(tablesConnectionString(), uniqueTableName('gone'), { allowInsecureConnection: true });
    const lines: string[] = [];
    const broken = new TransitionStore(missing, { deadlineSeconds: 600, now: () => now, log: (line) => lines.push(line) });
    const shown = await broken.reconcile(scope, [
      { name: 'a', powerState: 'Stopped', provisioningState: 'Starting' },
      { name: 'b', powerState: 'Running', provisioningState: 'Succeeded' },
    ]);
    expect([...shown.values()]).toMatchObject([{ cluster: 'a', action: 'start', source: 'arm', status: 'open' }]);
    expect(lines).toHaveLength(1);
  });
});
