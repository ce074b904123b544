// A schedule's NCRONTAB in words ("at 19:00, Monday to Friday, Europe/Berlin") and its next runs, computed by the
// very code the server runs (shared/schedules/cron.ts), plus the server's cheap rules mirrored for the form (the
// server stays the authority). DOM-free: unit tests import it under Node.
import { cronProblem, isTimeZone, nextRun } from '../../../shared/schedules/cron.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTH_NAMES = MONTHS.map((m) => m.slice(0, 3).toLowerCase());

/** "Keep running until" at most this far ahead. */
export const MAX_KEEP_RUNNING_MS = 366 * 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');
const isNumber = (f: string) => /^\d+$/.test(f);
const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** A day-of-week value (0–7, or a name) as its name; 7 is Sunday too. */
function dayName(v: string): string | undefined {
  const i = isNumber(v) ? Number(v) % 7 : DAY_NAMES.indexOf(v.toLowerCase());
  return i >= 0 && i < 7 ? DAYS[i] : undefined;
}

function monthName(v: string): string | undefined {
  const i = isNumber(v) ? Number(v) - 1 : MONTH_NAMES.indexOf(v.toLowerCase());
  return MONTHS[i];
}

/** A list field (days, months) in words: "Monday to Friday", "Saturday and Sunday"; undefined when not simple. */
function namedField(field: string, name: (v: string) => string | undefined): string | undefined {
  const parts = field.split(',').map((part) => {
    const range = /^(\w+)-(\w+)$/.exec(part);
    if (range) {
      const [from, to] = [name(range[1]!), name(range[2]!)];
      return from && to ? `${from} to ${to}` : undefined;
    }
    return name(part);
  });
  return parts.every((p): p is string => p !== undefined) ? list(parts) : undefined;
}

/** "every 5 minutes", "every minute", "at minute 30"; undefined when not simple. */
function every(field: string, unit: string): string | undefined {
  if (field === '*') return `every ${unit}`;
  const step = /^(?:\*|0)\/(\d+)$/.exec(field);
  if (step) return step[1] === '1' ? `every ${unit}` : `every ${step[1]} ${unit}s`;
  return undefined;
}

/** The times of day of the second, minute and hour fields: "at 19:00", "at 07:00 and 19:00", "every 30 minutes". */
function timeOfDay(second: string, minute: string, hour: string): string {
  const sec = second === '0' ? '' : isNumber(second) ? `:${pad(Number(second))}` : undefined;
  if (sec !== undefined && isNumber(minute) && hour.split(',').every(isNumber)) {
    return `at ${list(hour.split(',').map((h) => `${pad(Number(h))}:${pad(Number(minute))}${sec}`))}`;
  }
  const hours =
    hour === '*' ? '' : /^\d+-\d+$/.test(hour) ? `, ${hour.replace(/^(\d+)-(\d+)$/, (_, a, b) => `from ${pad(+a)}:00 to ${pad(+b)}:59`)}` : undefined;
  if (sec !== undefined && hours !== undefined) {
    const minutes = every(minute, 'minute');
    if (minutes) return `${minutes}${hours}`;
    if (isNumber(minute)) return `every hour at minute ${Number(minute)}${hours}`;
  }
  if (sec !== undefined && isNumber(minute)) {
    const hourly = every(hour, 'hour');
    if (hourly) return `${hourly} at minute ${Number(minute)}`;
  }
  if (minute === '*' && hour === '*') {
    const seconds = every(second, 'second');
    if (seconds) return seconds;
  }
  return `at second ${second}, minute ${minute}, hour ${hour}`;
}

/**
 * The schedule in words: "at 19:00, Monday to Friday, Europe/Berlin". Undefined when the expression is not valid
 * (the form says why instead).
 */
export function describeCron(cron: string, timeZone: string): string | undefined {
  if (cronProblem(cron)) return undefined;
  const [second = '*', minute = '*', hour = '*', day = '*', month = '*', weekday = '*'] = cron.trim().split(/\s+/);
  const parts = [timeOfDay(second, minute, hour)];
  if (weekday !== '*' && weekday !== '?') parts.push(namedField(weekday, dayName) ?? `on weekdays ${weekday}`);
  if (day !== '*' && day !== '?') parts.push(day.split(',').every(isNumber) ? `on day ${list(day.split(','))} of the month` : `on days ${day}`);
  if (month !== '*') parts.push(`in ${namedField(month, monthName) ?? `months ${month}`}`);
  if (weekday === '*' && day === '*' && month === '*' && !parts[0]!.startsWith('every')) parts.push('every day');
  return `${parts.join(', ')}, ${timeZone}`;
}

/** The next `count` runs after `after` (epoch ms), as the server's timer will run them. */
export function nextRuns(cron: string, timeZone: string, after: number, count = 3): number[] {
  const runs: number[] = [];
  let from = after;
  for (let i = 0; i < count; i++) {
    from = nextRun(cron, timeZone, from);
    runs.push(from);
  }
  return runs;
}

export interface ScheduleFormProblems {
  cron?: string;
  timeZone?: string;
}

/**
 * The server's rules for a new schedule, checked as the user types by the server's own code: six valid fields, runs
 * at most every 5 minutes, an IANA zone (one this browser lists).
 */
export function scheduleProblems(cron: string, timeZone: string, zones: ReadonlySet<string>): ScheduleFormProblems {
  const problems: ScheduleFormProblems = {};
  const shape = cronProblem(cron);
  if (shape) problems.cron = `Needs ${shape}.`;
  if (!zones.has(timeZone) || !isTimeZone(timeZone)) problems.timeZone = 'Choose an IANA time zone from the list (e.g. Europe/Berlin).';
  return problems;
}

/** A run in the schedule's own zone, named by its IANA name: "Mon 8 Dec, 19:00 (Europe/Berlin)". */
export function formatRun(ms: number, timeZone: string): string {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(ms);
  return `${when} (${timeZone})`;
}

/** The IANA zones this browser knows, UTC included; the browser's own zone (or UTC) first as the default. */
export function timeZoneChoices(): { zones: string[]; browserZone: string } {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  if (!zones.includes('UTC')) zones = [...zones, 'UTC'];
  let browserZone: string;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    browserZone = 'UTC';
  }
  // an alias the list does not carry (Etc/UTC) is still the browser's zone: keep it choosable
  if (!zones.includes(browserZone)) zones = [browserZone, ...zones];
  return { zones, browserZone };
}
