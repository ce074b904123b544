// Small shared pieces: cache freshness, degraded sources, usage bars.
import type { CacheInfo, DegradedSource } from '../lib/api.js';
import { barPercent, currentCacheAge, formatAge } from '../lib/format.js';

export function CacheBadge({ cache, receivedAt, now, testId }: { cache?: CacheInfo; receivedAt: number; now: number; testId?: string }) {
  if (!cache) return null;
  const age = currentCacheAge(cache.ageSeconds, receivedAt, now);
  const fetched = cache.fetchedAt ? new Date(cache.fetchedAt).toLocaleTimeString() : 'unknown';
  return (
    <span className={`cache cache-${cache.state}`} data-testid={testId} data-cache-state={cache.state} title={`Cache ${cache.state}; read at ${fetched}`}>
      {cache.state} · {formatAge(age)} old
    </span>
  );
}

export function DegradedLine({ degraded }: { degraded: readonly DegradedSource[] }) {
  if (degraded.length === 0) return null;
  return (
    <p className="warning" role="note" data-testid="degraded-warning">
      Partial data:{' '}
      {degraded.map((d, i) => (
        <span key={`${d.source}-${i}`}>
          {i > 0 ? '; ' : ''}
          {d.source}
          {d.status !== undefined ? ` (${d.status})` : ''}
          {d.message ? `: ${d.message}` : ''}
        </span>
      ))}
    </p>
  );
}

export function UsageBar({ label, percent, text }: { label: string; percent: number | undefined; text: string }) {
  const value = barPercent(percent);
  const level = value === undefined ? 'unknown' : value >= 90 ? 'high' : value >= 70 ? 'mid' : 'low';
  return (
    <div className="usage">
      <div
        className={`bar bar-${level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value === undefined ? undefined : Math.round(value)}
        aria-valuetext={text}
      >
        <div className="bar-fill" style={{ width: `${value ?? 0}%` }} />
      </div>
      <span className="usage-text">{text}</span>
    </div>
  );
}
