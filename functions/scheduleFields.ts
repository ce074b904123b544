// Input of the schedule routes. Same rules as every route: checked before any storage call, 400 naming the field.
import { invalidParameter, missingParameter } from '../shared/http/errors.js';
import { oneOf, type Validator } from '../shared/http/validation.js';
import { cronProblem, isTimeZone } from '../shared/schedules/cron.js';
import { SCHEDULE_ACTIONS, type ScheduleAction } from '../shared/schedules/store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** How far ahead "keep running until" may reach. */
export const KEEP_RUNNING_MAX_MS = 366 * 24 * 60 * 60 * 1000;

export const scheduleId: Validator<string> = (raw, field) => {
  if (typeof raw !== 'string' || !UUID.test(raw)) throw invalidParameter(field, 'a schedule id (lower-case UUID)');
  return raw;
};

export const scheduleAction: Validator<ScheduleAction> = oneOf(SCHEDULE_ACTIONS);

export const cronExpression: Validator<string> = (raw, field) => {
  if (raw === undefined || raw === '') throw missingParameter(field, 'an NCRONTAB expression with six fields');
  if (typeof raw !== 'string' || raw.length > 128) throw invalidParameter(field, 'an NCRONTAB expression with six fields');
  const problem = cronProblem(raw);
  if (problem) throw invalidParameter(field, problem);
  return raw.trim().replace(/\s+/g, ' ');
};

const ZONE = 'an IANA time zone name such as Europe/Berlin, or UTC (no offsets)';

export const timeZone: Validator<string> = (raw, field) => {
  if (raw === undefined || raw === '') throw missingParameter(field, ZONE);
  if (typeof raw !== 'string' || !isTimeZone(raw)) throw invalidParameter(field, ZONE);
  return raw;
};

export const flag: Validator<boolean> = (raw, field) => {
  if (typeof raw !== 'boolean') throw invalidParameter(field, 'true or false');
  return raw;
};

/** Whether each part of an ISO 8601 time is in range: Date.parse rolls 30 February over into March. */
function realInstant(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = match.slice(1);
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  return (
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHours) <= 23 &&
    Number(offsetMinutes) <= 59
  );
}

/** An ISO 8601 time with its offset that exists, no more than a year after `now()`, or null (clears it). */
export function timeOrNull(now: () => number): Validator<string | null> {
  return (raw, field) => {
    if (raw === null) return null;
    const expected = 'an ISO 8601 time with offset within the next year (2026-03-01T19:00:00Z), or null';
    const match = typeof raw === 'string' ? ISO_TIME.exec(raw) : null;
    if (!match || !realInstant(match)) throw invalidParameter(field, expected);
    const at = Date.parse(raw as string);
    if (Number.isNaN(at) || at > now() + KEEP_RUNNING_MAX_MS) throw invalidParameter(field, expected);
    return new Date(at).toISOString();
  };
}
