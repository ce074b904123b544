// NCRONTAB with six fields ({second} {minute} {hour} {day} {month} {day-of-week}), as Functions timers write it,
// evaluated in an IANA time zone. Daylight saving: a wall time that does not exist (Europe/Berlin 02:30 on the
// last Sunday of March) runs one hour later, at 03:30; a wall time that happens twice (02:30 on the last Sunday of
// October) runs once, the first time. Schedules in whole minutes or hours of real time ("0 */30 * * * *") keep
// their real-time rhythm through both changes.
import { CronExpressionParser } from 'cron-parser';

/** The shortest time between two runs a schedule may have: every start or stop is an ARM call and an audit row. */
export const MIN_INTERVAL_MS = 5 * 60 * 1000;

/** Runs walked to find a schedule's gaps: more than a day of the most frequent schedule allowed. */
const INTERVAL_CHECK_RUNS = 64;
/** Where that walk starts: a year's end, so that day, month and year boundaries are among the gaps walked. */
const INTERVAL_CHECK_FROM = Date.parse('2025-12-30T00:00:00Z');

/**
 * Bound of one forward walk through a schedule's runs: a day of runs every 5 minutes (288) fits. A walk over a
 * longer gap starts a day before now; one that still does not reach now (a schedule stored before the 5-minute rule)
 * asks the expression for its latest run instead, so no walk costs more than a few milliseconds.
 */
export const MAX_WALK_STEPS = 300;
const WALK_LOOKBACK_MS = 24 * 60 * 60 * 1000;

const SIX_FIELDS = 'six fields (NCRONTAB: second minute hour day month day-of-week)';

/** Why a cron expression is refused (malformed, or it fires more often than every 5 minutes), or undefined. */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6) return SIX_FIELDS;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
  } catch {
    return 'a valid NCRONTAB expression (second minute hour day month day-of-week)';
  }
  return tooFrequent(cron) ? 'a schedule that runs at most every 5 minutes (one second value, minutes 5 or more apart)' : undefined;
}

/** Checked verdicts by expression: the timer asks for every stored schedule every minute, and crons repeat. */
const frequentVerdicts = new Map<string, boolean>();

/** True when two consecutive runs are less than MIN_INTERVAL_MS apart (more than one second value, or by a walk). */
export function tooFrequent(cron: string): boolean {
  const known = frequentVerdicts.get(cron);
  if (known !== undefined) return known;
  let verdict: boolean;
  try {
    const runs = CronExpressionParser.parse(cron, { currentDate: new Date(INTERVAL_CHECK_FROM), tz: 'UTC' });
    verdict = runs.fields.second.values.length > 1;
    let previous = runs.next().getTime();
    for (let step = 1; step < INTERVAL_CHECK_RUNS && !verdict; step++) {
      const run = runs.next().getTime();
      verdict = run - previous < MIN_INTERVAL_MS;
      previous = run;
    }
  } catch {
    verdict = false; // malformed: cronProblem says so; a stored one fails when walked
  }
  if (frequentVerdicts.size >= 1_000) frequentVerdicts.clear();
  frequentVerdicts.set(cron, verdict);
  return verdict;
}

/** Names such as Europe/Berlin or America/Argentina/Buenos_Aires, and UTC: no offsets (+05:00), no other spellings (utc). */
const IANA_NAME = /^(?:UTC|[A-Z][A-Za-z]+(?:\/[A-Z][A-Za-z0-9_+-]*){1,2})$/;
let knownZones: Set<string> | undefined;

/**
 * An IANA time zone name as the IANA database spells it, which the runtime knows: UTC, Etc/UTC, Europe/Berlin,
 * Asia/Kolkata (an alias of a zone in Intl.supportedValuesOf('timeZone')). Offsets and lower-case spellings are refused,
 * though Intl would accept them.
 */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64 || !IANA_NAME.test(timeZone)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
    knownZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
    return knownZones.has(resolved);
  } catch {
    return false;
  }
}

/** The first run strictly after `after` (epoch ms). */
export function nextRun(cron: string, timeZone: string, after: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timeZone })
    .next()
    .getTime();
}

/**
 * The latest run in (after, now], or undefined when none fell in that window. A bounded walk (MAX_WALK_STEPS);
 * `stats.steps` counts the runs walked.
 */
export function latestRunBetween(cron: string, timeZone: string, after: number, now: number, stats?: { steps: number }): number | undefined {
  // Walked forward, so that a wall time the autumn change repeats counts once (its first time).
  const from = Math.max(after, now - WALK_LOOKBACK_MS);
  const runs = CronExpressionParser.parse(cron, { currentDate: new Date(from), tz: timeZone });
  for (let step = 0, latest: number | undefined; step < MAX_WALK_STEPS; step++) {
    if (stats) stats.steps++;
    const run = runs.next().getTime();
    if (run > now) {
      if (latest !== undefined || from === after) return latest;
      break; // none in the last day: the latest may lie before it (a weekday schedule over a long weekend)
    }
    latest = run;
  }
  // Too many runs to walk (a schedule stored before the 5-minute rule), or none in the last day: the expression's
  // latest run up to now.
  if (stats) stats.steps++;
  const last = CronExpressionParser.parse(cron, { currentDate: new Date(now + 1), tz: timeZone })
    .prev()
    .getTime();
  return last > after ? last : undefined;
}
