// Retention of the audit trail, run from the per-minute schedules timer. Removing old entries scans the table, so one
// instance does it at most once an hour; a second instance doing it too only finds nothing left to remove.
import type { AuditLog } from './auditLog.js';

export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export function auditRetention(audit: AuditLog, options: { retentionDays: number; now: () => number; intervalMs?: number }) {
  let lastRun: number | undefined;
  /** Removes entries past the retention unless this instance did so within the interval; the number removed. */
  return async (): Promise<number | undefined> => {
    const now = options.now();
    if (lastRun !== undefined && now - lastRun < (options.intervalMs ?? RETENTION_INTERVAL_MS)) return undefined;
    lastRun = now;
    return audit.removeOlderThan(now - options.retentionDays * 24 * 60 * 60 * 1000);
  };
}
