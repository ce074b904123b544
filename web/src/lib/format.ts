// Display formatting, kept apart from the views so it is tested once.

export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatMillicores(millicores: number | undefined): string {
  if (millicores === undefined || !Number.isFinite(millicores)) return '–';
  return millicores < 1000 ? `${Math.round(millicores)}m` : `${(millicores / 1000).toFixed(millicores % 1000 === 0 ? 0 : 2)} cores`;
}

/** Percent clamped into 0..100 for a bar; undefined stays undefined. */
export function barPercent(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.min(100, Math.max(0, value));
}

/** used / total as a percent, or undefined when either is unknown. */
export function percentOf(used: number | undefined, total: number | undefined): number | undefined {
  if (used === undefined || total === undefined || !(total > 0)) return undefined;
  return (used / total) * 100;
}

/** Seconds since `epochMs`, at `now`. */
export const secondsSince = (epochMs: number | undefined, now: number) => (epochMs === undefined ? undefined : Math.max(0, (now - epochMs) / 1000));

/** Age of a cache reading as it is now: the server's age at answer time plus the time since. */
export function currentCacheAge(ageSeconds: number | undefined, receivedAt: number, now: number): number | undefined {
  return ageSeconds === undefined ? undefined : ageSeconds + Math.max(0, (now - receivedAt) / 1000);
}

/** A card's age in plain words: "updated just now", "updated 12 s ago", "updated 3 min ago". */
export function formatUpdated(ageSeconds: number | undefined): string {
  if (ageSeconds === undefined || !Number.isFinite(ageSeconds)) return 'not read yet';
  return ageSeconds < 3 ? 'updated just now' : `updated ${formatAge(ageSeconds)} ago`;
}

/** Compact durations for chips and job rows: "40s", "5m", "1h 20m", "2d 3h". */
export function formatShortDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) {
    const m = Math.round((s % 3600) / 60);
    return `${Math.floor(s / 3600)}h${m ? ` ${m}m` : ''}`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return `${Math.floor(s / 86400)}d${h ? ` ${h}h` : ''}`;
}

/** Counts with thousands separators, locale-independent so tests and screenshots read the same: 12,345. */
export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

/** What each cache state means, for the marker's hover text. */
export const CACHE_STATE_MEANING: Readonly<Record<string, string>> = {
  fresh: 'Fresh: served from the cache within its time to live',
  stale: 'Stale: served from the cache past its time to live; a refresh is under way',
  refreshed: 'Refreshed: read from Azure for this answer',
  uncached: 'Uncached: read from Azure directly; the cache could not be reached, so nothing was stored',
};
