// What `npm start` prints of the app's lines. Everything the app writes still goes through its invocation's logger
// (as in Azure, where every line reaches Application Insights at info level); only the local terminal is quieted:
// a line per upstream call is printed with `npm start -- --verbose` only, and the refresh timer's bookkeeping
// (`metrics {…}` and `refresh: {…}`, one each per run, every 15 s) at most once a minute each.
import { METRICS_PREFIX } from '../shared/monitor/metrics.js';

/** `npm start -- --verbose`: every line, upstream calls and each timer run included. */
export const VERBOSE_FLAG = '--verbose';
export const TIMER_LINES_EVERY_MS = 60_000;

type Level = 'info' | 'warn' | 'error';

export interface TerminalLogOptions {
  verbose: boolean;
  /** Where kept lines go (default: the console, warnings and errors to stderr). */
  write?: (line: string, level: Level) => void;
  /** Milliseconds (default Date.now). */
  now?: () => number;
  timerLinesEveryMs?: number;
}

// A line as the app writes it, or as the local host prints an invocation's line: "[refreshMonitorCache] information: …".
const HOST_PREFIX = String.raw`^(?:\[[^\]]+\] \w+: )?`;
const UPSTREAM = new RegExp(`${HOST_PREFIX}upstream \\{`);
const RATE_LIMITED = [
  { kind: 'metrics', pattern: new RegExp(`${HOST_PREFIX}${METRICS_PREFIX}\\{`) },
  { kind: 'refresh', pattern: new RegExp(`${HOST_PREFIX}refresh: \\{`) },
];

/** Returns the terminal's sink: it prints a line, or drops it as described above. */
export function createTerminalLog(options: TerminalLogOptions): (line: string, level?: Level) => void {
  const write = options.write ?? ((line: string, level: Level) => (level === 'info' ? console.log(line) : console[level](line)));
  const now = options.now ?? Date.now;
  const every = options.timerLinesEveryMs ?? TIMER_LINES_EVERY_MS;
  const lastPrinted = new Map<string, number>();
  /** Whether the terminal prints this line now. */
  const keep = (line: string): boolean => {
    if (options.verbose) return true;
    if (UPSTREAM.test(line)) return false;
    const limited = RATE_LIMITED.find(({ pattern }) => pattern.test(line));
    if (!limited) return true;
    const last = lastPrinted.get(limited.kind);
    if (last !== undefined && now() - last < every) return false;
    lastPrinted.set(limited.kind, now());
    return true;
  };
  return (line, level = 'info') => {
    if (keep(line)) write(line, level);
  };
}
