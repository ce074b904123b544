// Savings: the hours a cluster was kept stopped by a schedule or by auto-stop, priced at what it costs an hour when
// running. Pure: the audit trail's entries and the clock in, figures out; every time is UTC (months are UTC months,
// so daylight saving changes nothing).
//
// A saving window opens at an accepted stop by a schedule or by auto-stop and closes at the cluster's next accepted
// start or delete (by anyone), or now while it is still stopped. A cluster found running with no recorded start
// after the stop was started outside this app: the window ends at the start its transition shows, or, when that is
// unknown too, is not counted at all (savings are never overstated).
import type { AuditEntry } from '../wire/index.js';

/** The actors whose stops count as savings: schedules, and auto-stop (via "autoStop"). */
export const SAVING_ACTORS: ReadonlySet<string> = new Set(['schedule', 'autoStop']);

const HOUR_MS = 3_600_000;

export interface LifecycleEvent {
  /** Epoch ms. */
  at: number;
  action: 'start' | 'stop' | 'delete';
  /** The actor's `via`: user, schedule, autoStop, … */
  via: string;
}

/** Accepted starts, stops and deletes of an audit trail, oldest first (other entries are not lifecycle events). */
export function lifecycleEvents(entries: readonly AuditEntry[]): LifecycleEvent[] {
  return entries
    .filter((e) => e.outcome === 'accepted' && (e.action === 'start' || e.action === 'stop' || e.action === 'delete'))
    .map((e) => ({ at: Date.parse(e.at), action: e.action as LifecycleEvent['action'], via: e.actor.via }))
    .sort((a, b) => a.at - b.at);
}

export interface Window {
  from: number;
  to: number;
}

export interface ClusterNow {
  now: number;
  /** ARM shows it running (or starting). */
  running: boolean;
  /** When an open start transition began (a start seen in ARM or sent by this app), if any. */
  startSeenAt?: number;
}

/** The windows a cluster was kept stopped by a schedule or auto-stop, from its events (oldest first). */
export function savedWindows(events: readonly LifecycleEvent[], state: ClusterNow): Window[] {
  const windows: Window[] = [];
  let openedAt: number | undefined;
  for (const event of events) {
    if (event.at > state.now) break;
    if (event.action === 'stop') {
      if (openedAt === undefined && SAVING_ACTORS.has(event.via)) openedAt = event.at;
    } else if (openedAt !== undefined) {
      windows.push({ from: openedAt, to: event.at });
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) {
    if (!state.running) windows.push({ from: openedAt, to: state.now });
    else if (state.startSeenAt !== undefined && state.startSeenAt > openedAt) windows.push({ from: openedAt, to: Math.min(state.startSeenAt, state.now) });
  }
  return windows;
}

/** The UTC month of `ms` as [start, end) epoch ms, and its name (YYYY-MM). */
export function utcMonth(ms: number, offset = 0): { start: number; end: number; name: string } {
  const date = new Date(ms);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset + 1, 1);
  return { start, end, name: new Date(start).toISOString().slice(0, 7) };
}

/**
 * What still matters of the events before a horizon: the stop that opened a saving window still open then, else
 * the last event (a start still in effect gives `since`).
 */
export function earlierState(events: readonly LifecycleEvent[]): LifecycleEvent[] {
  let opening: LifecycleEvent | undefined;
  for (const event of events) {
    if (event.action === 'stop') opening ??= SAVING_ACTORS.has(event.via) ? event : undefined;
    else opening = undefined;
  }
  const last = events.at(-1);
  return opening ? [opening] : last ? [last] : [];
}

/** Hours of the windows that fall within [start, end). */
export function hoursWithin(windows: readonly Window[], start: number, end: number): number {
  let ms = 0;
  for (const w of windows) ms += Math.max(0, Math.min(w.to, end) - Math.max(w.from, start));
  return ms / HOUR_MS;
}

export interface SavingsFigures {
  thisMonth: number | null;
  lastMonth: number | null;
  hoursThisMonth: number;
  hoursLastMonth: number;
}

/** Savings this month (to now) and last month, at `hourlyWhenRunning` (null: unpriced, the hours still counted). */
export function savingsOf(events: readonly LifecycleEvent[], state: ClusterNow, hourlyWhenRunning: number | null): SavingsFigures {
  const windows = savedWindows(events, state);
  const thisMonth = utcMonth(state.now);
  const lastMonth = utcMonth(state.now, -1);
  const hoursThisMonth = hoursWithin(windows, thisMonth.start, state.now);
  const hoursLastMonth = hoursWithin(windows, lastMonth.start, lastMonth.end);
  const price = (hours: number) => (hourlyWhenRunning === null ? null : money(hours * hourlyWhenRunning));
  return {
    thisMonth: price(hoursThisMonth),
    lastMonth: price(hoursLastMonth),
    hoursThisMonth: round(hoursThisMonth, 2),
    hoursLastMonth: round(hoursLastMonth, 2),
  };
}

/** The last start still in effect: the latest accepted start with no stop or delete after it. */
export function lastStartOf(events: readonly LifecycleEvent[]): number | undefined {
  const last = events.at(-1);
  return last?.action === 'start' ? last.at : undefined;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A sum of money as answered: to the cent. */
export const money = (value: number): number => round(value, 2);
