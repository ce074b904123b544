import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatMillicores, percentOf } from '../../web/src/lib/format.js';
import {
  clampPollSeconds,
  listIntervalSeconds,
  loadPollSeconds,
  parsePollOverrides,
  pickScope,
  rememberScope,
  savePollSeconds,
} from '../../web/src/lib/prefs.js';
import { MemoryStorage } from './fakes.js';

const S1 = { subscriptionId: 'AAAA', resourceGroup: 'rg-elb-01' };
const S2 = { subscriptionId: 'aaaa', resourceGroup: 'rg-elb-01-blue' };

describe('remembered scope', () => {
  it('comes back after a reload when still allowed', () => {
    const storage = new MemoryStorage();
    rememberScope(storage, S2);
    expect(pickScope(storage, [S1, S2])).toBe(S2);
  });

  it('falls back to the first allowed scope when the remembered one is gone or malformed', () => {
    const storage = new MemoryStorage();
    rememberScope(storage, { subscriptionId: 'zzz', resourceGroup: 'old' });
    expect(pickScope(storage, [S1, S2])).toBe(S1);
    storage.items.set('elb-dashboard-scope', '{not json');
    expect(pickScope(storage, [S1, S2])).toBe(S1);
    expect(pickScope(storage, [])).toBeUndefined();
  });
});

describe('poll interval', () => {
  it('defaults to 30 s and stays within 5..30 s', () => {
    const storage = new MemoryStorage();
    expect(loadPollSeconds(storage)).toBe(30);
    savePollSeconds(storage, 10);
    expect(loadPollSeconds(storage)).toBe(10);
    expect(clampPollSeconds('2')).toBe(5);
    expect(clampPollSeconds(300)).toBe(30);
    expect(clampPollSeconds('soon')).toBe(30);
  });

  it('an open transition polls the list every 10 s, or faster if chosen', () => {
    expect(listIntervalSeconds(30, true)).toBe(10);
    expect(listIntervalSeconds(5, true)).toBe(5);
    expect(listIntervalSeconds(30, false)).toBe(30);
    expect(listIntervalSeconds(30, true, 1)).toBe(1);
  });

  it('the URL may override both intervals (tests, demos): whole seconds 1..30, junk ignored', () => {
    expect(parsePollOverrides('?fastPollSeconds=1&pollSeconds=2')).toEqual({ fastPollSeconds: 1, pollSeconds: 2 });
    expect(parsePollOverrides('?fastPollSeconds=0&pollSeconds=31')).toEqual({});
    expect(parsePollOverrides('?fastPollSeconds=1.5&pollSeconds=abc&x=1')).toEqual({});
    expect(parsePollOverrides('')).toEqual({});
  });
});

describe('formatting', () => {
  it('ages, bytes, CPU and percentages', () => {
    expect([formatAge(undefined), formatAge(12), formatAge(600), formatAge(7200), formatAge(3 * 86400)]).toEqual(['–', '12 s', '10 min', '2 h', '3 d']);
    expect([formatBytes(512), formatBytes(1536), formatBytes(7 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '7.0 GiB']);
    expect([formatMillicores(250), formatMillicores(2000), formatMillicores(1500)]).toEqual(['250m', '2 cores', '1.50 cores']);
    expect([percentOf(1, 4), percentOf(1, 0), percentOf(undefined, 4)]).toEqual([25, undefined, undefined]);
  });
});
