// Savings from the audit trail, by hand: hours kept stopped by a schedule or auto-stop, per UTC month, × the
// cluster's hourly price when running. Every expected figure below is worked out in its comment.
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../shared/wire/index.js';
import { earlierState, hoursWithin, lifecycleEvents, savedWindows, savingsOf, utcMonth, type LifecycleEvent } from '../../shared/cost/savings.js';

const at = (iso: string) => Date.parse(iso);

function entry(iso: string, action: string, via: string, outcome: AuditEntry['outcome'] = 'accepted', cluster = 'elb-01-a'): AuditEntry {
  return {
    at: iso,
    actor: { objectId: via === 'user' ? 'oid-1' : via, name: via, via: via as AuditEntry['actor']['via'] },
    action,
    subscriptionId: 'sub',
    resourceGroup: 'rg',
    cluster,
    outcome,
    status: outcome === 'accepted' ? 202 : 409,
    requestId: 'r',
  };
}

const stopped = (now: string) => ({ now: at(now), running: false });
const running = (now: string, startSeenAt?: string) => ({ now: at(now), running: true, ...(startSeenAt ? { startSeenAt: at(startSeenAt) } : {}) });

describe('UTC months', () => {
  it('names this month and the one before, across a year boundary', () => {
    expect(utcMonth(at('2026-03-15T12:00:00Z'))).toEqual({ start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z'), name: '2026-03' });
    expect(utcMonth(at('2026-03-15T12:00:00Z'), -1)).toEqual({ start: at('2026-02-01T00:00:00Z'), end: at('2026-03-01T00:00:00Z'), name: '2026-02' });
    expect(utcMonth(at('2026-01-10T00:00:00Z'), -1).name).toBe('2025-12');
    // The first millisecond of a month belongs to it, the last one of the month before to that one.
    expect(utcMonth(at('2026-03-01T00:00:00Z')).name).toBe('2026-03');
    expect(utcMonth(at('2026-02-28T23:59:59.999Z')).name).toBe('2026-02');
  });
});

describe('lifecycle events from the audit trail', () => {
  it('keeps accepted starts, stops and deletes, oldest first; refused, skipped, missed and schedule changes are not events', () => {
    const events = lifecycleEvents([
      entry('2026-03-11T07:00:00Z', 'start', 'schedule'),
      entry('2026-03-10T19:00:00Z', 'stop', 'schedule'),
      entry('2026-03-10T18:00:00Z', 'stop', 'schedule', 'refused'),
      entry('2026-03-10T17:00:00Z', 'stop', 'schedule', 'skipped'),
      entry('2026-03-10T16:00:00Z', 'start', 'schedule', 'missed'),
      entry('2026-03-09T12:00:00Z', 'schedule.create', 'user'),
    ]);
    expect(events).toEqual([
      { at: at('2026-03-10T19:00:00Z'), action: 'stop', via: 'schedule' },
      { at: at('2026-03-11T07:00:00Z'), action: 'start', via: 'schedule' },
    ]);
  });
});

describe('savings', () => {
  it('a night stopped by a schedule: 19:00 → 07:00 is 12 h, at 2.00 an hour 24.00', () => {
    const events = lifecycleEvents([entry('2026-03-10T19:00:00Z', 'stop', 'schedule'), entry('2026-03-11T07:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, stopped('2026-03-15T12:00:00Z'), 2)).toEqual({ thisMonth: 24, lastMonth: 0, hoursThisMonth: 12, hoursLastMonth: 0 });
  });

  it('a stop that spans two months is split at midnight UTC on the 1st', () => {
    // Stopped Fri 27 Feb 19:00, started Mon 2 Mar 07:00. February: 27th 19:00 → 28th 00:00 = 5 h, + the 28th = 24 h
    // → 29 h; March: 1st 00:00 → 2nd 07:00 = 31 h. At 1.50 an hour: 43.50 and 46.50.
    const events = lifecycleEvents([entry('2026-02-27T19:00:00Z', 'stop', 'schedule'), entry('2026-03-02T07:00:00Z', 'start', 'user')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 1.5)).toEqual({ thisMonth: 46.5, lastMonth: 43.5, hoursThisMonth: 31, hoursLastMonth: 29 });
  });

  it('a window ending exactly at a month boundary counts wholly in the month before', () => {
    const events = lifecycleEvents([entry('2026-02-28T00:00:00Z', 'stop', 'schedule'), entry('2026-03-01T00:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 1)).toEqual({ thisMonth: 0, lastMonth: 24, hoursThisMonth: 0, hoursLastMonth: 24 });
  });

  it('a stop from before last month counts only its part within last month and this month', () => {
    // Stopped 31 Jan 20:00, started 3 Feb 00:00: February holds 48 h of it (the 4 January hours are older than last
    // month); at 0.50 an hour 24.00.
    const events = lifecycleEvents([entry('2026-01-31T20:00:00Z', 'stop', 'schedule'), entry('2026-02-03T00:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 0.5)).toEqual({ thisMonth: 0, lastMonth: 24, hoursThisMonth: 0, hoursLastMonth: 48 });
  });

  it('a manual start ends the window: stopped by a schedule at 19:00, started by a person at 21:30 → 2.5 h', () => {
    const events = lifecycleEvents([entry('2026-03-05T19:00:00Z', 'stop', 'schedule'), entry('2026-03-05T21:30:00Z', 'start', 'user')]);
    // 2.5 h × 2.892 = 7.23
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 2.892)).toEqual({ thisMonth: 7.23, lastMonth: 0, hoursThisMonth: 2.5, hoursLastMonth: 0 });
  });

  it('a stop by a person is not a saving (nor is the schedule start that ends it)', () => {
    const events = lifecycleEvents([entry('2026-03-06T18:00:00Z', 'stop', 'user'), entry('2026-03-07T07:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 2)).toEqual({ thisMonth: 0, lastMonth: 0, hoursThisMonth: 0, hoursLastMonth: 0 });
  });

  it('a stop by auto-stop counts like a scheduled one: 10:00 → 14:00 is 4 h', () => {
    const events = lifecycleEvents([entry('2026-03-12T10:00:00Z', 'stop', 'autoStop'), entry('2026-03-12T14:00:00Z', 'start', 'user')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 1)).toEqual({ thisMonth: 4, lastMonth: 0, hoursThisMonth: 4, hoursLastMonth: 0 });
  });

  it('still stopped: the window runs to now (14 Mar 19:00 → 15 Mar 12:00 = 17 h)', () => {
    const events = lifecycleEvents([entry('2026-03-14T19:00:00Z', 'stop', 'schedule')]);
    expect(savingsOf(events, stopped('2026-03-15T12:00:00Z'), 1)).toEqual({ thisMonth: 17, lastMonth: 0, hoursThisMonth: 17, hoursLastMonth: 0 });
  });

  it('running again with no recorded start: counted to the start its transition shows, else not at all', () => {
    const events = lifecycleEvents([entry('2026-03-14T19:00:00Z', 'stop', 'schedule')]);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z'), 1).hoursThisMonth).toBe(0);
    expect(savingsOf(events, running('2026-03-15T12:00:00Z', '2026-03-15T06:00:00Z'), 1).hoursThisMonth).toBe(11);
  });

  it('a delete ends the window; a second scheduled stop while stopped does not open another', () => {
    const events: LifecycleEvent[] = lifecycleEvents([
      entry('2026-03-01T19:00:00Z', 'stop', 'schedule'),
      entry('2026-03-02T19:00:00Z', 'stop', 'schedule'),
      entry('2026-03-03T07:00:00Z', 'start', 'schedule'),
      entry('2026-03-04T19:00:00Z', 'stop', 'autoStop'),
      entry('2026-03-05T01:00:00Z', 'delete', 'user'),
    ]);
    expect(savedWindows(events, stopped('2026-03-15T12:00:00Z'))).toEqual([
      { from: at('2026-03-01T19:00:00Z'), to: at('2026-03-03T07:00:00Z') },
      { from: at('2026-03-04T19:00:00Z'), to: at('2026-03-05T01:00:00Z') },
    ]);
    // 36 h + 6 h
    expect(savingsOf(events, stopped('2026-03-15T12:00:00Z'), 1).hoursThisMonth).toBe(42);
  });

  it('no price: the hours are counted, the money is null (never 0)', () => {
    const events = lifecycleEvents([entry('2026-03-10T19:00:00Z', 'stop', 'schedule'), entry('2026-03-11T07:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, stopped('2026-03-15T12:00:00Z'), null)).toEqual({ thisMonth: null, lastMonth: null, hoursThisMonth: 12, hoursLastMonth: 0 });
  });

  it('daylight saving changes nothing: the night of 28–30 March (Berlin springs forward) is 35 h, not the 36 wall-clock hours', () => {
    // 19:00 CET on Sat 28 Mar = 18:00Z; 07:00 CEST on Mon 30 Mar = 05:00Z: 35 h apart. Berlin's wall clock shows
    // 19:00 → 07:00 two days on (36 h), but the hour that never happened was never billed either.
    const events = lifecycleEvents([entry('2026-03-28T18:00:00Z', 'stop', 'schedule'), entry('2026-03-30T05:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, running('2026-03-31T12:00:00Z'), 1).hoursThisMonth).toBe(35);
  });

  it('this month counts only up to now; an event after now is not seen', () => {
    const events = lifecycleEvents([entry('2026-03-15T10:00:00Z', 'stop', 'schedule'), entry('2026-03-15T18:00:00Z', 'start', 'schedule')]);
    expect(savingsOf(events, stopped('2026-03-15T12:00:00Z'), 1).hoursThisMonth).toBe(2);
    expect(hoursWithin([{ from: at('2026-03-15T10:00:00Z'), to: at('2026-03-15T18:00:00Z') }], at('2026-03-01T00:00:00Z'), at('2026-03-15T12:00:00Z'))).toBe(2);
  });
});

describe('what is remembered of the events before last month', () => {
  const ev = (iso: string, action: LifecycleEvent['action'], via: string): LifecycleEvent => ({ at: at(iso), action, via });

  it('a saving window still open: its opening stop (a later stop by a person keeps it open); else the last event; else nothing', () => {
    const opening = ev('2026-01-10T19:00:00Z', 'stop', 'schedule');
    expect(earlierState([ev('2026-01-09T07:00:00Z', 'start', 'user'), opening, ev('2026-01-11T08:00:00Z', 'stop', 'user')])).toEqual([opening]);
    const start = ev('2026-01-12T07:00:00Z', 'start', 'schedule');
    expect(earlierState([opening, start])).toEqual([start]);
    expect(earlierState([ev('2026-01-09T07:00:00Z', 'stop', 'user')])).toEqual([ev('2026-01-09T07:00:00Z', 'stop', 'user')]);
    expect(earlierState([])).toEqual([]);
  });

  it('gives the same savings as the whole history', () => {
    const history = lifecycleEvents([
      entry('2025-12-01T19:00:00Z', 'stop', 'schedule'),
      entry('2025-12-02T07:00:00Z', 'start', 'schedule'),
      entry('2026-01-30T19:00:00Z', 'stop', 'autoStop'),
      entry('2026-01-31T08:00:00Z', 'stop', 'user'),
      entry('2026-02-02T07:00:00Z', 'start', 'user'),
      entry('2026-03-03T19:00:00Z', 'stop', 'schedule'),
    ]);
    const horizon = at('2026-02-01T00:00:00Z');
    const reduced = [...earlierState(history.filter((e) => e.at < horizon)), ...history.filter((e) => e.at >= horizon)];
    const state = stopped('2026-03-15T12:00:00Z');
    expect(savingsOf(reduced, state, 1)).toEqual(savingsOf(history, state, 1));
    // February: 1st 00:00 → 2nd 07:00 = 31 h; March: 3rd 19:00 → now = 11 d 17 h = 281 h.
    expect(savingsOf(reduced, state, 1)).toMatchObject({ hoursLastMonth: 31, hoursThisMonth: 281 });
  });
});
