import { beforeEach, describe, expect, it } from 'vitest';
import { createTransitionStore, parseTransitions, TRANSITION_TTL_MS, transitionStorageKey, type TransitionStore } from '../../web/src/lib/transitionStore.js';
import { MemoryStorage } from './fakes.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const A = { subscriptionId: SUB, resourceGroup: 'rg-elb-01' };
const B = { subscriptionId: SUB, resourceGroup: 'rg-elb-01-blue' };
const T0 = Date.parse('2026-01-01T10:00:00Z');

describe('transition store', () => {
  let storage: MemoryStorage;
  let time: number;
  let store: TransitionStore;
  const reload = () => createTransitionStore({ storage, now: () => time });

  beforeEach(() => {
    storage = new MemoryStorage();
    time = T0;
    store = reload();
  });

  it('persists an entry under the per-scope key with a 10 minute deadline', () => {
    const entry = store.record(A, 'aks-1', 'start');
    expect(entry).toEqual({ cluster: 'aks-1', action: 'start', expectedPowerState: 'Running', startedAt: T0, deadline: T0 + 600_000 });
    const raw = storage.items.get(`elb-cluster-transitions:${SUB}:rg-elb-01`);
    expect(raw).toBeDefined();
    expect(JSON.parse(raw!)).toEqual({ 'aks-1': { action: 'start', expectedPowerState: 'Running', startedAt: T0, deadline: T0 + 600_000 } });
  });

  it('survives a reload: a new store over the same storage lists the same entries', () => {
    store.record(A, 'aks-1', 'start');
    time += 1000;
    store.record(A, 'aks-2', 'stop');
    time += 60_000;
    const after = reload();
    expect(after.list(A).map((t) => [t.cluster, t.action, t.expectedPowerState, t.deadline])).toEqual([
      ['aks-1', 'start', 'Running', T0 + TRANSITION_TTL_MS],
      ['aks-2', 'stop', 'Stopped', T0 + 1000 + TRANSITION_TTL_MS],
    ]);
  });

  it('keeps scopes apart, also when one resource group name prefixes another', () => {
    store.record(A, 'aks-1', 'start');
    store.record(B, 'aks-1', 'delete');
    expect(transitionStorageKey(A)).toBe(`elb-cluster-transitions:${SUB}:rg-elb-01`);
    expect(transitionStorageKey(B)).toBe(`elb-cluster-transitions:${SUB}:rg-elb-01-blue`);
    expect(store.list(A).map((t) => t.action)).toEqual(['start']);
    expect(store.list(B).map((t) => t.action)).toEqual(['delete']);
    store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Succeeded' }]);
    expect(store.list(A)).toEqual([]);
    expect(store.list(B)).toHaveLength(1);
  });

  it('a new action on a cluster replaces its entry', () => {
    store.record(A, 'aks-1', 'start');
    time += 5000;
    store.record(A, 'aks-1', 'delete');
    expect(store.list(A)).toEqual([
      { cluster: 'aks-1', action: 'delete', expectedPowerState: 'Deleted', startedAt: T0 + 5000, deadline: T0 + 5000 + TRANSITION_TTL_MS },
    ]);
  });

  it('evicts an entry at its deadline and reports it as expired (seems stuck)', () => {
    store.record(A, 'aks-1', 'start');
    time = T0 + TRANSITION_TTL_MS - 1;
    expect(store.reconcile(A, null)).toEqual({ reached: [], failed: [], expired: [], vanished: [] });
    expect(store.list(A)).toHaveLength(1);

    time = T0 + TRANSITION_TTL_MS;
    const result = store.reconcile(A, [{ name: 'aks-1', powerState: 'Stopped', provisioningState: 'Starting' }]);
    expect(result.expired.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(result.reached).toEqual([]);
    expect(store.list(A)).toEqual([]);
    expect(storage.items.has(transitionStorageKey(A))).toBe(false);
  });

  it('evicts after a reload once the deadline passed while the page was closed', () => {
    store.record(A, 'aks-1', 'stop');
    time = T0 + 11 * 60_000;
    const after = reload();
    expect(after.reconcile(A, null).expired.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(after.list(A)).toEqual([]);
  });

  it('evicts a start only when the cluster is Running with no operation in progress', () => {
    store.record(A, 'aks-1', 'start');
    expect(store.reconcile(A, [{ name: 'aks-1', powerState: 'Stopped', provisioningState: 'Succeeded' }]).reached).toEqual([]);
    expect(store.reconcile(A, [{ name: 'aks-1', powerState: 'Stopped', provisioningState: 'Starting' }]).reached).toEqual([]);
    expect(store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Starting' }]).reached).toEqual([]);
    expect(store.list(A)).toHaveLength(1);
    const result = store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Succeeded' }]);
    expect(result.reached.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(store.list(A)).toEqual([]);
    expect(reload().list(A)).toEqual([]);
  });

  it('closes only on the expected power state with a terminal provisioning state; Failed closes it as failed', () => {
    store.record(A, 'aks-1', 'start');
    store.record(A, 'aks-2', 'stop');
    // Real AKS order: the power state flips as the operation begins, the provisioning state as it ends.
    const during = store.reconcile(A, [
      { name: 'aks-1', powerState: 'Running', provisioningState: 'Updating' },
      { name: 'aks-2', powerState: 'Stopped', provisioningState: 'Stopping' },
    ]);
    expect(during).toMatchObject({ reached: [], failed: [] });
    expect(store.list(A)).toHaveLength(2);
    const ended = store.reconcile(A, [
      { name: 'aks-1', powerState: 'Running', provisioningState: 'Failed' },
      { name: 'aks-2', powerState: 'Stopped', provisioningState: 'Canceled' },
    ]);
    expect(ended.failed.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(ended.reached.map((t) => t.cluster)).toEqual(['aks-2']);
    expect(store.list(A)).toEqual([]);
    // Said once: the next reading finds nothing left to say.
    expect(store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Failed' }])).toMatchObject({ reached: [], failed: [] });
  });

  it('evicts a stop on Stopped and leaves other clusters alone', () => {
    store.record(A, 'aks-1', 'stop');
    store.record(A, 'aks-2', 'start');
    const result = store.reconcile(A, [
      { name: 'aks-1', powerState: 'Stopped', provisioningState: 'Succeeded' },
      { name: 'aks-2', powerState: 'Stopped', provisioningState: 'Starting' },
    ]);
    expect(result.reached.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(store.list(A).map((t) => t.cluster)).toEqual(['aks-2']);
  });

  it('evicts a delete when the cluster is gone from the list', () => {
    store.record(A, 'aks-1', 'delete');
    expect(store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Deleting' }]).reached).toEqual([]);
    expect(store.reconcile(A, [{ name: 'aks-2', powerState: 'Running' }]).reached.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(store.list(A)).toEqual([]);
  });

  it('without a reading (null) only deadlines count: a missing cluster is not taken for deleted', () => {
    store.record(A, 'aks-1', 'delete');
    expect(store.reconcile(A, null)).toEqual({ reached: [], failed: [], expired: [], vanished: [] });
    expect(store.list(A)).toHaveLength(1);
  });

  it('drops a start whose cluster left the scope, reporting it as vanished', () => {
    store.record(A, 'aks-1', 'start');
    const result = store.reconcile(A, [{ name: 'aks-2', powerState: 'Running' }]);
    expect(result.vanished.map((t) => t.cluster)).toEqual(['aks-1']);
    expect(store.list(A)).toEqual([]);
  });

  it('forget removes one entry', () => {
    store.record(A, 'aks-1', 'start');
    store.record(A, 'aks-2', 'start');
    store.forget(A, 'aks-1');
    expect(store.list(A).map((t) => t.cluster)).toEqual(['aks-2']);
  });

  it('returns the same array while the stored content is unchanged (React external store contract)', () => {
    store.record(A, 'aks-1', 'start');
    const first = store.list(A);
    expect(store.list(A)).toBe(first);
    store.record(A, 'aks-2', 'start');
    expect(store.list(A)).not.toBe(first);
  });

  it('notifies subscribers on changes and on external changes', () => {
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.record(A, 'aks-1', 'start');
    expect(calls).toBe(1);
    store.reconcile(A, [{ name: 'aks-1', powerState: 'Stopped' }]); // nothing changes
    expect(calls).toBe(1);
    store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Succeeded' }]);
    expect(calls).toBe(2);
    store.notifyExternalChange();
    expect(calls).toBe(3);
    unsubscribe();
    store.record(A, 'aks-1', 'stop');
    expect(calls).toBe(3);
  });

  it('sees what another tab wrote to the same storage', () => {
    const otherTab = reload();
    expect(store.list(A)).toEqual([]);
    otherTab.record(A, 'aks-1', 'stop');
    expect(store.list(A).map((t) => t.cluster)).toEqual(['aks-1']);
  });

  describe('malformed storage content is ignored safely', () => {
    const key = transitionStorageKey(A);
    const cases: [string, string][] = [
      ['not JSON', '{oops'],
      ['JSON null', 'null'],
      ['a number', '42'],
      ['a string', '"aks-1"'],
      ['an array', '[{"cluster":"aks-1","action":"start"}]'],
      ['an entry that is not an object', '{"aks-1": "start"}'],
      ['an unknown action', `{"aks-1": {"action": "reboot", "startedAt": ${T0}, "deadline": ${T0 + 1000}}}`],
      ['missing times', '{"aks-1": {"action": "start"}}'],
      ['times of the wrong type', '{"aks-1": {"action": "start", "startedAt": true, "deadline": "soon"}}'],
      ['a prototype key', `{"__proto__": {"action": "start", "startedAt": ${T0}, "deadline": ${T0 + 1000}}}`],
      ['an invalid cluster name', `{"../x": {"action": "start", "startedAt": ${T0}, "deadline": ${T0 + 1000}}}`],
    ];
    for (const [what, raw] of cases) {
      it(`${what}: lists nothing, reconciles without throwing, and cleans up`, () => {
        storage.items.set(key, raw);
        expect(store.list(A)).toEqual([]);
        expect(() => store.reconcile(A, [{ name: 'aks-1', powerState: 'Running' }])).not.toThrow();
        expect(storage.items.has(key)).toBe(false);
        expect(({} as Record<string, unknown>).action).toBeUndefined();
      });
    }

    it('keeps the valid entries next to malformed ones', () => {
      storage.items.set(
        key,
        JSON.stringify({
          'aks-1': { action: 'start', startedAt: T0, deadline: T0 + 600_000 },
          'aks-2': { action: 'explode' },
          'aks-3': { action: 'stop', startedAt: new Date(T0).toISOString(), deadline: new Date(T0 + 600_000).toISOString() },
        }),
      );
      expect(store.list(A).map((t) => [t.cluster, t.expectedPowerState, t.startedAt])).toEqual([
        ['aks-1', 'Running', T0],
        ['aks-3', 'Stopped', T0],
      ]);
      store.record(A, 'aks-4', 'delete');
      expect(Object.keys(JSON.parse(storage.items.get(key)!))).toEqual(['aks-1', 'aks-3', 'aks-4']);
    });

    it('clamps an edited deadline to ten minutes after the start', () => {
      storage.items.set(key, JSON.stringify({ 'aks-1': { action: 'start', startedAt: T0, deadline: T0 + 86_400_000 } }));
      expect(store.list(A)[0]?.deadline).toBe(T0 + TRANSITION_TTL_MS);
      time = T0 + TRANSITION_TTL_MS;
      expect(store.reconcile(A, null).expired).toHaveLength(1);
    });

    it('ends an entry whose start lies far in the future (clock moved back)', () => {
      storage.items.set(key, JSON.stringify({ 'aks-1': { action: 'start', startedAt: T0 + 3_600_000, deadline: T0 + 3_900_000 } }));
      expect(store.reconcile(A, null).expired.map((t) => t.cluster)).toEqual(['aks-1']);
    });

    it('ignores an expectedPowerState that contradicts the action', () => {
      storage.items.set(key, JSON.stringify({ 'aks-1': { action: 'start', expectedPowerState: 'Stopped', startedAt: T0, deadline: T0 + 1000 } }));
      expect(store.list(A)[0]?.expectedPowerState).toBe('Running');
    });

    it('parseTransitions never throws on arbitrary text', () => {
      for (const raw of ['', 'undefined', '{"a":', '{"aks-1":null}', '{"aks-1":[]}', '\u0000']) {
        expect(parseTransitions(raw)).toEqual([]);
      }
    });
  });

  describe('storage that refuses', () => {
    it('keeps working from memory when writes throw (quota)', () => {
      storage.failWrites = true;
      store.record(A, 'aks-1', 'start');
      expect(store.list(A).map((t) => t.cluster)).toEqual(['aks-1']);
      expect(storage.items.size).toBe(0);
      store.reconcile(A, [{ name: 'aks-1', powerState: 'Running', provisioningState: 'Succeeded' }]);
      expect(store.list(A)).toEqual([]);
    });

    it('treats unreadable storage as empty', () => {
      storage.failReads = true;
      expect(store.list(A)).toEqual([]);
      expect(() => store.reconcile(A, null)).not.toThrow();
    });
  });
});
