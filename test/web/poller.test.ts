import { beforeEach, describe, expect, it } from 'vitest';
import { createPoller, type Poller } from '../../web/src/lib/poller.js';
import { deferred, FakeClock, FakeVisibility, flush, type Deferred } from './fakes.js';

/** A load function whose calls are held until the test answers them. */
function heldLoad<T>() {
  const calls: Deferred<T>[] = [];
  const load = () => {
    const d = deferred<T>();
    calls.push(d);
    return d.promise;
  };
  return { load, calls };
}

describe('poller', () => {
  let clock: FakeClock;
  let visibility: FakeVisibility;
  let poller: Poller;

  beforeEach(() => {
    clock = new FakeClock();
    visibility = new FakeVisibility();
    poller = createPoller({ scheduler: clock, visibility });
  });

  it('loads a key at once, then every interval after the previous request ended', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('k', load, 30_000);
    expect(calls).toHaveLength(1);
    expect(poller.get('k')).toMatchObject({ loading: true });

    await clock.advance(2_000); // the request takes 2 s
    calls[0]!.resolve('one');
    await flush();
    expect(poller.get('k')).toMatchObject({ data: 'one', loading: false, updatedAt: 2_000 });

    await clock.advance(29_999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
  });

  it('never has two requests in flight for one key, however long the request takes', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('k', load, 5_000);
    await clock.advance(60_000);
    expect(calls).toHaveLength(1);
    expect(poller.active()).toEqual([{ key: 'k', intervalMs: 5_000, inFlight: true }]);
  });

  it('a refresh during a request runs once, right after it', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('k', load, 30_000);
    poller.refresh('k');
    poller.refresh('k');
    expect(calls).toHaveLength(1);

    calls[0]!.resolve('before the action');
    await flush();
    expect(calls).toHaveLength(2); // the follow-up, without waiting for the interval
    expect(poller.get('k')).toMatchObject({ data: 'before the action', loading: true });

    calls[1]!.resolve('after the action');
    await flush();
    await clock.advance(29_000);
    expect(calls).toHaveLength(2);
    expect(poller.get('k')?.data).toBe('after the action');
  });

  it('a refresh when idle loads at once', async () => {
    const { load, calls } = heldLoad<number>();
    poller.watch('k', load, 30_000);
    calls[0]!.resolve(1);
    await flush();
    await clock.advance(1_000);
    poller.refresh('k');
    expect(calls).toHaveLength(2);
  });

  it('watchers of one key share its requests; the shortest interval wins', async () => {
    const { load, calls } = heldLoad<number>();
    const slow = poller.watch('k', load, 30_000);
    poller.watch('k', load, 10_000);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(1);
    await clock.advance(10_000);
    expect(calls).toHaveLength(2);
    slow.close();
    expect(poller.active()).toEqual([{ key: 'k', intervalMs: 10_000, inFlight: true }]);
  });

  it('switching to the fast interval takes effect at once, and back again', async () => {
    const { load, calls } = heldLoad<number>();
    const handle = poller.watch('list', load, 30_000);
    calls[0]!.resolve(1);
    await clock.advance(5_000);
    handle.setInterval(10_000);
    await clock.advance(4_999);
    expect(calls).toHaveLength(1);
    await clock.advance(1); // 10 s after the first request ended
    expect(calls).toHaveLength(2);

    calls[1]!.resolve(2);
    await flush();
    handle.setInterval(30_000);
    await clock.advance(29_999);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls).toHaveLength(3);
  });

  it('starts nothing while the page is hidden and catches up at once when shown', async () => {
    const { load, calls } = heldLoad<number>();
    poller.watch('k', load, 10_000);
    calls[0]!.resolve(1);
    await flush();

    visibility.set(false);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(120_000);
    expect(calls).toHaveLength(1);

    visibility.set(true);
    expect(calls).toHaveLength(2); // overdue: loads without waiting for a timer
  });

  it('on show, keys that are not due yet keep their schedule', async () => {
    const due = heldLoad<number>();
    const notDue = heldLoad<number>();
    poller.watch('due', due.load, 10_000);
    poller.watch('later', notDue.load, 30_000);
    due.calls[0]!.resolve(1);
    notDue.calls[0]!.resolve(1);
    await flush();

    visibility.set(false);
    await clock.advance(15_000);
    visibility.set(true);
    expect(due.calls).toHaveLength(2);
    expect(notDue.calls).toHaveLength(1);
    await clock.advance(15_000);
    expect(notDue.calls).toHaveLength(2);
  });

  it('a refresh asked for while hidden happens when the page is shown', async () => {
    const { load, calls } = heldLoad<number>();
    poller.watch('k', load, 30_000);
    calls[0]!.resolve(1);
    await flush();
    visibility.set(false);
    poller.refresh('k');
    expect(calls).toHaveLength(1);
    visibility.set(true);
    expect(calls).toHaveLength(2);
  });

  it('a request in flight when the page hides still lands', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('k', load, 10_000);
    visibility.set(false);
    calls[0]!.resolve('landed');
    await flush();
    expect(poller.get('k')?.data).toBe('landed');
    await clock.advance(60_000);
    expect(calls).toHaveLength(1);
  });

  it('stops polling a key nobody watches, keeps its last data, and resumes when due', async () => {
    const { load, calls } = heldLoad<string>();
    const handle = poller.watch('details', load, 30_000);
    calls[0]!.resolve('nodes');
    await flush();
    handle.close();
    await clock.advance(120_000);
    expect(calls).toHaveLength(1);
    expect(poller.active()).toEqual([]);
    expect(poller.get('details')?.data).toBe('nodes');

    poller.watch('details', load, 30_000); // overdue by now
    expect(calls).toHaveLength(2);
  });

  it('a view that comes back within the interval shows cached data without a new request', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('details', load, 30_000).close();
    calls[0]!.resolve('nodes');
    await flush();
    await clock.advance(5_000);
    poller.watch('details', load, 30_000);
    expect(calls).toHaveLength(1);
    expect(poller.get('details')?.data).toBe('nodes');
  });

  it('keeps the last data through an error and clears the error on the next success', async () => {
    const { load, calls } = heldLoad<string>();
    poller.watch('k', load, 10_000);
    calls[0]!.resolve('good');
    await clock.advance(10_000);
    const failure = new Error('503');
    calls[1]!.reject(failure);
    await flush();
    expect(poller.get('k')).toMatchObject({ data: 'good', error: failure, loading: false });
    await clock.advance(10_000);
    calls[2]!.resolve('good again');
    await flush();
    expect(poller.get('k')).toMatchObject({ data: 'good again', error: undefined });
  });

  it('survives a load that throws synchronously', async () => {
    let n = 0;
    poller.watch(
      'k',
      () => {
        n += 1;
        throw new Error('bad url');
      },
      10_000,
    );
    await flush();
    expect(poller.get('k')?.error).toBeInstanceOf(Error);
    await clock.advance(10_000);
    expect(n).toBe(2);
  });

  it('notifies subscribers of snapshot changes', async () => {
    const { load, calls } = heldLoad<number>();
    const seen: unknown[] = [];
    poller.subscribe('k', () => seen.push(poller.get('k')));
    poller.watch('k', load, 10_000);
    calls[0]!.resolve(7);
    await flush();
    expect(seen).toEqual([{ loading: true }, { data: 7, error: undefined, loading: false, updatedAt: 0 }]);
  });

  it('a background poll of a shown key is quiet; an answer with the same data (a 304) notifies no one', async () => {
    const { load, calls } = heldLoad<object>();
    const data = { clusters: 2 };
    poller.watch('k', load, 10_000);
    calls[0]!.resolve(data);
    await flush();
    const shown = poller.get('k');
    const seen: unknown[] = [];
    poller.subscribe('k', () => seen.push(poller.get('k')));
    await clock.advance(10_000);
    expect(poller.get('k')).toBe(shown); // no `loading` for a background poll
    calls[1]!.resolve(data);
    await flush();
    expect(seen).toEqual([]);
    expect(poller.get('k')).toBe(shown);
    poller.refresh('k'); // asked for: shows loading
    expect(poller.get('k')).toMatchObject({ data, loading: true });
    calls[2]!.resolve(data);
    await flush();
    expect(poller.get('k')).toMatchObject({ data, loading: false });
    expect(seen).toHaveLength(2);
  });

  it('counts requests per key: one list and one expanded category per tick', async () => {
    const list = heldLoad<number>();
    const nodes = heldLoad<number>();
    poller.watch('monitor:aks:s:rg', list.load, 30_000);
    poller.watch('monitor:aks:s:rg:aks-1:nodes', nodes.load, 30_000);
    list.calls[0]!.resolve(1);
    nodes.calls[0]!.resolve(1);
    await clock.advance(30_000);
    expect(poller.startedCount()).toBe(4);
    expect(poller.startedCount('monitor:aks:s:rg')).toBe(2);
  });

  it('dispose stops every timer', async () => {
    const { load, calls } = heldLoad<number>();
    poller.watch('k', load, 10_000);
    calls[0]!.resolve(1);
    await flush();
    poller.dispose();
    await clock.advance(60_000);
    visibility.set(true);
    expect(calls).toHaveLength(1);
  });
});
