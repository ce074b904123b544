// NCRONTAB in an IANA time zone, across both daylight-saving changes of Europe/Berlin (2026: spring forward on
// 29 March at 02:00 CET → 03:00 CEST, fall back on 25 October at 03:00 CEST → 02:00 CET).
import { describe, expect, it } from 'vitest';
import { cronProblem, isTimeZone, latestRunBetween, MAX_WALK_STEPS, nextRun } from '../../shared/schedules/cron.js';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('schedules in Europe/Berlin', () => {
  it('a daily 19:00 stays at 19:00 wall time on both sides of each change', () => {
    const daily = '0 0 19 * * *';
    expect(iso(nextRun(daily, BERLIN, at('2026-03-28T12:00:00Z')))).toBe('2026-03-28T18:00:00.000Z'); // CET
    expect(iso(nextRun(daily, BERLIN, at('2026-03-28T18:00:00Z')))).toBe('2026-03-29T17:00:00.000Z'); // CEST
    expect(iso(nextRun(daily, BERLIN, at('2026-10-24T17:00:00Z')))).toBe('2026-10-25T18:00:00.000Z'); // CET again
  });

  it('spring forward: 02:30 does not exist on 29 March and runs once, an hour later (03:30 CEST)', () => {
    const night = '0 30 2 * * *';
    expect(iso(nextRun(night, BERLIN, at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(nextRun(night, BERLIN, at('2026-03-29T01:30:00Z')))).toBe('2026-03-30T00:30:00.000Z');
    // Between the two: exactly one run owed on that night.
    expect(iso(latestRunBetween(night, BERLIN, at('2026-03-28T23:00:00Z'), at('2026-03-29T06:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('fall back: 02:30 happens twice on 25 October and runs once, the first time', () => {
    const night = '0 30 2 * * *';
    expect(iso(nextRun(night, BERLIN, at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(iso(nextRun(night, BERLIN, at('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z'); // not 02:30 CET
    // A timer at 02:31 CET (01:31Z) after the first run owes nothing more.
    expect(latestRunBetween(night, BERLIN, at('2026-10-25T00:30:00Z'), at('2026-10-25T01:31:00Z'))).toBeUndefined();
  });

  it('an every-30-minutes schedule keeps its real-time rhythm through the repeated hour', () => {
    const runs: string[] = [];
    let t = at('2026-10-25T00:00:00Z');
    for (let i = 0; i < 5; i++) runs.push(iso((t = nextRun('0 */30 * * * *', BERLIN, t)))!);
    expect(runs).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('latestRunBetween: the newest run of the window, none before it, and a bounded walk for frequent schedules', () => {
    expect(iso(latestRunBetween('0 0 19 * * *', 'UTC', at('2026-01-01T00:00:00Z'), at('2026-01-03T20:00:00Z')))).toBe('2026-01-03T19:00:00.000Z');
    expect(latestRunBetween('0 0 19 * * *', 'UTC', at('2026-01-03T19:00:00Z'), at('2026-01-03T20:00:00Z'))).toBeUndefined();
    expect(iso(latestRunBetween('* * * * * *', 'UTC', at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00.500Z')))).toBe('2026-01-02T00:00:00.000Z');
  });
});

describe('bounded walks', () => {
  it('an every-second schedule (stored before the 5-minute rule) after a day-long gap walks at most MAX_WALK_STEPS runs', () => {
    const stats = { steps: 0 };
    const latest = latestRunBetween('* * * * * *', 'UTC', at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00.500Z'), stats);
    expect(iso(latest)).toBe('2026-01-02T00:00:00.000Z');
    expect(stats.steps).toBeGreaterThan(0);
    expect(stats.steps).toBeLessThanOrEqual(MAX_WALK_STEPS + 1); // 13,600 runs walked before (~250 ms)
  });

  it('a weekday schedule after a long weekend still finds its latest run (before the walk window), in a few steps', () => {
    const stats = { steps: 0 };
    expect(iso(latestRunBetween('0 0 19 * * 1-5', 'UTC', at('2026-01-08T19:00:00Z'), at('2026-01-11T20:00:00Z'), stats))).toBe('2026-01-09T19:00:00.000Z');
    expect(stats.steps).toBeLessThan(5);
  });
});

describe('validation', () => {
  it('wants six fields and a real time zone', () => {
    expect(cronProblem('0 0 19 * * 1-5')).toBeUndefined();
    expect(cronProblem('0 19 * * 1-5')).toMatch(/six fields/);
    expect(cronProblem('0 0 25 * * *')).toMatch(/valid NCRONTAB/);
    expect(cronProblem('a b c d e f')).toMatch(/valid NCRONTAB/);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
