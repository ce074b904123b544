import { beforeEach, describe, expect, it } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { TransitionStore } from '../../shared/lifecycle/transitions.js';
import { freshTable } from '../setup/tables.js';

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
    const present = await store.reconcile(scope, [{ name: 'a', powerState: 'Running', provisioningState: 'Deleting' }, { name: 'b', powerState: 'Stopped', provisioningState: 'Starting' }]);
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
    expect((await store.reconcile(scope, stuck)).has('a')).toBe(false);
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
