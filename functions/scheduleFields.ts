// Input of the schedule routes. Same rules as every route: checked before any storage call, 400 naming the field.
import { invalidParameter, missingParameter } from '../shared/http/errors.js';
import { oneOf, type Validator } from '../shared/http/validation.js';
import { cronProblem, isTimeZone } from '../shared/schedules/cron.js';
import { SCHEDULE_ACTIONS, type ScheduleAction } from '../shared/schedules/store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

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

export const timeZone: Validator<string> = (raw, field) => {
  if (raw === undefined || raw === '') throw missingParameter(field, 'an IANA time zone such as Europe/Berlin');
  if (typeof raw !== 'string' || !isTimeZone(raw)) throw invalidParameter(field, 'an IANA time zone such as Europe/Berlin');
  return raw;
};

export const flag: Validator<boolean> = (raw, field) => {
  if (typeof raw !== 'boolean') throw invalidParameter(field, 'true or false');
  return raw;
};

/** An ISO 8601 time with its offset, or null (clears it). */
export const timeOrNull: Validator<string | null> = (raw, field) => {
  if (raw === null) return null;
  if (typeof raw !== 'string' || !ISO_TIME.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw invalidParameter(field, 'an ISO 8601 time with offset (2026-03-01T19:00:00Z), or null');
  }
  return new Date(Date.parse(raw)).toISOString();
};
