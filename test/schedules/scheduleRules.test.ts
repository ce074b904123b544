// The pure rules of schedules, without storage: which run a schedule owes (dueRun), what a change does to it
// (changed), its next run as the API shows it (withNextRun), and NCRONTAB in zones other than Berlin's.
import { describe, expect, it } from 'vitest';
import { cronProblem, latestRunBetween, nextRun } from '../../shared/schedules/cron.js';
import { dueRun } from '../../shared/schedules/runner.js';
import { changed, withNextRun } from '../../shared/schedules/service.js';
import type { Schedule } from '../../shared/schedules/store.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const base: Schedule = {
  id: '00000000-0000-4000-8000-000000000001',
  subscriptionId: '00000000-0000-0000-0000-0000000000d1',
  resourceGroup: 'rg-elb-01',
  cluster: 'elb-01-a',
  action: 'stop',
  cron: '0 0 19 * * 1-5',
  timeZone: 'Europe/Berlin',
  enabled: true,
  createdBy: { objectId: 'o', name: 'n' },
  createdAt: '2026-01-05T08:00:00.000Z',
  updatedAt: '2026-01-05T08:00:00.000Z',
  lastRun: null,
};
const stored = (changes: Partial<Schedule> = {}) => ({ schedule: { ...base, ...changes }, etag: 'W/"1"', partitionKey: 'p' });

describe('dueRun', () => {
  it('owes the latest run since the last change, and nothing before it', () => {
    // Monday 5 January 2026, 19:00 CET = 18:00Z.
    expect(iso(dueRun(stored(), at('2026-01-05T18:00:30Z')))).toBe('2026-01-05T18:00:00.000Z');
    expect(dueRun(stored(), at('2026-01-05T17:59:59Z'))).toBeUndefined();
    expect(dueRun(stored({ updatedAt: '2026-01-05T18:00:10.000Z' }), at('2026-01-05T18:00:30Z'))).toBeUndefined();
  });

  it('owes nothing twice: the claimed run is the new lower bound', () => {
    expect(dueRun(stored({ lastRun: '2026-01-05T18:00:00.000Z' }), at('2026-01-05T18:05:00Z'))).toBeUndefined();
    // Three weekdays later, only the newest run is owed (the rest are missed, not made up).
    expect(iso(dueRun(stored({ lastRun: '2026-01-05T18:00:00.000Z' }), at('2026-01-08T20:00:00Z')))).toBe('2026-01-08T18:00:00.000Z');
  });

  it('a paused schedule owes nothing; weekends are not weekdays', () => {
    expect(dueRun(stored({ enabled: false }), at('2026-01-05T18:00:30Z'))).toBeUndefined();
    // Saturday 10 and Sunday 11 January: the last run owed is Friday's.
    expect(iso(dueRun(stored({ lastRun: '2026-01-08T18:00:00.000Z' }), at('2026-01-11T20:00:00Z')))).toBe('2026-01-09T18:00:00.000Z');
  });
});

describe('changed', () => {
  const now = () => at('2026-02-01T10:00:00Z');

  it('a new rhythm (action, cron, zone, resumed) owes nothing from before: updatedAt moves', () => {
    for (const change of [{ action: 'start' as const }, { cron: '0 0 20 * * *' }, { timeZone: 'UTC' }, { enabled: false }]) {
      expect(changed(base, change, now)).toMatchObject({ ...change, updatedAt: '2026-02-01T10:00:00.000Z' });
    }
  });

  it('the same values, or only keepRunningUntil, leave updatedAt alone; null clears keepRunningUntil', () => {
    expect(changed(base, { action: 'stop', cron: base.cron }, now)).toEqual(base);
    const kept = changed(base, { keepRunningUntil: '2026-02-02T00:00:00.000Z' }, now);
    expect(kept).toEqual({ ...base, keepRunningUntil: '2026-02-02T00:00:00.000Z' });
    expect(changed(kept, { keepRunningUntil: null }, now)).toEqual(base);
    expect(base).not.toHaveProperty('keepRunningUntil'); // the schedule changed is a copy
  });
});

describe('withNextRun', () => {
  it('names the next run, or null while paused', () => {
    expect(withNextRun(base, at('2026-01-05T12:00:00Z')).nextRun).toBe('2026-01-05T18:00:00.000Z');
    expect(withNextRun({ ...base, enabled: false }, at('2026-01-05T12:00:00Z')).nextRun).toBeNull();
  });
});

describe('NCRONTAB beyond Berlin', () => {
  it('Sydney turns its clocks the other way: 19:00 wall time is 08:00Z in January, 09:00Z in July', () => {
    expect(iso(nextRun('0 0 19 * * *', 'Australia/Sydney', at('2026-01-10T00:00:00Z')))).toBe('2026-01-10T08:00:00.000Z');
    expect(iso(nextRun('0 0 19 * * *', 'Australia/Sydney', at('2026-07-10T00:00:00Z')))).toBe('2026-07-10T09:00:00.000Z');
  });

  it('a zone without daylight saving keeps its offset all year', () => {
    expect(iso(nextRun('0 30 6 * * *', 'Asia/Kolkata', at('2026-06-01T00:00:00Z')))).toBe('2026-06-01T01:00:00.000Z');
  });

  it('latestRunBetween: an empty window has no run; a window ending on a run includes it', () => {
    expect(latestRunBetween('0 0 * * * *', 'UTC', at('2026-01-01T10:00:00Z'), at('2026-01-01T10:00:00Z'))).toBeUndefined();
    expect(iso(latestRunBetween('0 0 * * * *', 'UTC', at('2026-01-01T09:59:00Z'), at('2026-01-01T10:00:00Z')))).toBe('2026-01-01T10:00:00.000Z');
  });

  it('cronProblem: five fields (Unix cron) and nonsense are refused, extra spaces are fine', () => {
    expect(cronProblem('0 19 * * 1-5')).toMatch(/six fields/);
    expect(cronProblem('0 0 25 * * *')).toMatch(/valid NCRONTAB/);
    expect(cronProblem('  0  0 19 * *   1-5 ')).toBeUndefined();
  });
});
