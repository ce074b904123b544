import { describe, expect, it } from 'vitest';
import type { Cluster, ServerTransition } from '../../web/src/lib/api.js';
import { deriveBanners, needsFastPoll, pendingActionOf } from '../../web/src/lib/banners.js';
import type { LocalTransition } from '../../web/src/lib/transitionStore.js';

const T0 = 1_700_000_000_000;
const cluster = (name: string, powerState: string, provisioningState = 'Succeeded', transition?: ServerTransition): Cluster => ({
  name,
  powerState,
  provisioningState,
  nodePools: [],
  transition,
});
const local = (name: string, action: 'start' | 'stop' | 'delete', startedAt = T0): LocalTransition => ({
  cluster: name,
  action,
  expectedPowerState: ({ start: 'Running', stop: 'Stopped', delete: 'Deleted' } as const)[action],
  startedAt,
  deadline: startedAt + 600_000,
});
const server = (action: 'start' | 'stop' | 'delete', status: 'open' | 'timedOut' = 'open'): ServerTransition => ({
  action,
  expectedPowerState: action === 'start' ? 'Running' : action === 'stop' ? 'Stopped' : 'Deleted',
  startedAt: T0,
  deadline: T0 + 600_000,
  startedBy: 'cli@example.com',
  status,
});

describe('transition banners', () => {
  it('a local transition shows "Cluster is starting…" and asks for the fast poll', () => {
    const banners = deriveBanners({ local: [local('aks-1', 'start')], stuck: [], server: {}, clusters: [cluster('aks-1', 'Stopped')], now: T0 + 1000 });
    expect(banners).toEqual([
      expect.objectContaining({ cluster: 'aks-1', action: 'start', source: 'local', stuck: false, message: 'Cluster aks-1 is starting…' }),
    ]);
    expect(needsFastPoll(banners)).toBe(true);
    expect(pendingActionOf(banners, 'aks-1')).toBe('start');
  });

  it('shows the banner from localStorage before the first reading arrives (after a reload)', () => {
    const banners = deriveBanners({ local: [local('aks-1', 'stop')], stuck: [], server: {}, clusters: null, now: T0 });
    expect(banners.map((b) => b.message)).toEqual(['Cluster aks-1 is stopping…']);
  });

  it('a server-side transition (another user, the CLI) shows the same banner, with who started it', () => {
    const banners = deriveBanners({ local: [], stuck: [], server: { 'aks-2': server('stop') }, clusters: [cluster('aks-2', 'Running')], now: T0 });
    expect(banners).toEqual([
      expect.objectContaining({ cluster: 'aks-2', source: 'server', startedBy: 'cli@example.com', message: 'Cluster aks-2 is stopping…' }),
    ]);
    expect(needsFastPoll(banners)).toBe(true);
  });

  it('ARM reporting Starting opens a banner even without a transition row', () => {
    const banners = deriveBanners({ local: [], stuck: [], server: {}, clusters: [cluster('aks-3', 'Stopped', 'Starting')], now: T0 });
    expect(banners.map((b) => [b.cluster, b.action, b.source])).toEqual([['aks-3', 'start', 'server']]);
  });

  it('one banner per cluster when both know about it', () => {
    const banners = deriveBanners({
      local: [local('aks-1', 'start')],
      stuck: [],
      server: { 'aks-1': server('start') },
      clusters: [cluster('aks-1', 'Stopped', 'Starting')],
      now: T0,
    });
    expect(banners).toHaveLength(1);
    expect(banners[0]?.source).toBe('both');
  });

  it('no banner once the reading shows the expected state, even before the store evicts it', () => {
    const banners = deriveBanners({
      local: [local('aks-1', 'start')],
      stuck: [],
      server: { 'aks-1': server('start') },
      clusters: [cluster('aks-1', 'Running', 'Succeeded')],
      now: T0,
    });
    expect(banners).toEqual([]);
    expect(needsFastPoll(banners)).toBe(false);
  });

  it('a delete banner goes away when the cluster is gone', () => {
    expect(
      deriveBanners({ local: [local('aks-1', 'delete')], stuck: [], server: {}, clusters: [cluster('aks-1', 'Running', 'Deleting')], now: T0 }),
    ).toHaveLength(1);
    expect(deriveBanners({ local: [local('aks-1', 'delete')], stuck: [], server: {}, clusters: [], now: T0 })).toEqual([]);
  });

  it('past the deadline the banner says the operation seems stuck and the fast poll stops', () => {
    const expired = local('aks-1', 'start');
    const now = T0 + 600_000;
    for (const input of [
      { local: [expired], stuck: [] }, // not evicted yet
      { local: [], stuck: [expired] }, // evicted, notice kept by the page
    ]) {
      const banners = deriveBanners({ ...input, server: {}, clusters: [cluster('aks-1', 'Stopped')], now });
      expect(banners).toEqual([expect.objectContaining({ stuck: true, message: 'Starting aks-1 seems stuck: it is not Running after 10 minutes.' })]);
      expect(needsFastPoll(banners)).toBe(false);
      expect(pendingActionOf(banners, 'aks-1')).toBeUndefined();
    }
  });

  it('a server transition that timed out is stuck too', () => {
    const banners = deriveBanners({
      local: [],
      stuck: [],
      server: { 'aks-1': server('delete', 'timedOut') },
      clusters: [cluster('aks-1', 'Running')],
      now: T0,
    });
    expect(banners[0]).toMatchObject({ stuck: true, message: 'Deleting aks-1 seems stuck: it is still listed after 10 minutes.' });
  });

  it('mentions a Failed provisioning state without concluding from it', () => {
    const banners = deriveBanners({ local: [local('aks-1', 'start')], stuck: [], server: {}, clusters: [cluster('aks-1', 'Stopped', 'Failed')], now: T0 });
    expect(banners[0]).toMatchObject({ failed: true, stuck: false });
    expect(banners[0]?.message).toContain('Failed');
    expect(needsFastPoll(banners)).toBe(true);
  });

  it('orders banners by start time', () => {
    const banners = deriveBanners({ local: [local('b', 'start', T0 + 5), local('a', 'stop', T0 + 10)], stuck: [], server: {}, clusters: null, now: T0 + 20 });
    expect(banners.map((b) => b.cluster)).toEqual(['b', 'a']);
  });
});
