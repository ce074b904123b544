// NCRONTAB with six fields ({second} {minute} {hour} {day} {month} {day-of-week}), as Functions timers write it,
// evaluated in an IANA time zone. Daylight saving: a wall time that does not exist (Europe/Berlin 02:30 on the
// last Sunday of March) runs one hour later, at 03:30; a wall time that happens twice (02:30 on the last Sunday of
// October) runs once, the first time. Schedules in whole minutes or hours of real time ("0 */30 * * * *") keep
// their real-time rhythm through both changes.
import { CronExpressionParser } from 'cron-parser';

/** Bound of one walk through a schedule's runs (an every-second schedule over three hours). */
const MAX_STEPS = 10_000;

/** Why a cron expression or time zone is refused, or undefined when it is good. */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6) return 'six fields (NCRONTAB: second minute hour day month day-of-week)';
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
    return undefined;
  } catch {
    return 'a valid NCRONTAB expression (second minute hour day month day-of-week)';
  }
}

export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
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

/** The latest run in (after, now], or undefined when none fell in that window. */
export function latestRunBetween(cron: string, timeZone: string, after: number, now: number): number | undefined {
  const walk = (from: number) => {
    const runs = CronExpressionParser.parse(cron, { currentDate: new Date(from), tz: timeZone });
    let latest: number | undefined;
    for (let step = 0; step < MAX_STEPS; step++) {
      const run = runs.next().getTime();
      if (run > now) return { latest, complete: true };
      latest = run;
    }
    return { latest, complete: false };
  };
  const first = walk(after);
  if (first.complete) return first.latest;
  // Too many runs to walk (a frequent schedule after a long pause): the newest ones are near now.
  return walk(Math.max(after, now - 60 * 60 * 1000)).latest ?? first.latest;
}
