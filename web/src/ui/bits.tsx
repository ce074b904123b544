// Small shared pieces: cache freshness, degraded sources, usage bars, the board's cards.
import { useId, type ReactNode } from 'react';
import type { DegradedSource, Envelope } from '../lib/api.js';
import { barPercent, CACHE_STATE_MEANING, currentCacheAge, formatUpdated } from '../lib/format.js';

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

const STATE_RANK: Record<string, number> = { fresh: 0, refreshed: 0, stale: 1, uncached: 2 };

/**
 * A card's age in plain words ("updated 12 s ago") and its cache state as a small marker, its meaning on hover.
 * Over several readings (a card fed by one read per cluster): the oldest age and the least fresh state.
 */
export function Freshness({ envelopes, now, testId }: { envelopes: readonly (Envelope<unknown> | undefined)[]; now: number; testId?: string }) {
  const read = envelopes.filter((e): e is Envelope<unknown> => e?.cache !== undefined);
  if (read.length === 0) return null;
  const ages = read.map((e) => currentCacheAge(e.cache?.ageSeconds, e.receivedAt, now) ?? 0);
  const state = read.map((e) => e.cache?.state ?? 'unknown').reduce((worst, s) => ((STATE_RANK[s] ?? 1) > (STATE_RANK[worst] ?? 1) ? s : worst));
  const meaning = CACHE_STATE_MEANING[state] ?? `Cache state ${state}`;
  return (
    <span className="freshness" data-testid={testId} data-cache-state={state}>
      <span className={`marker marker-${state}`} title={meaning} role="img" aria-label={meaning} />
      {formatUpdated(Math.max(...ages))}
    </span>
  );
}

/** One card of the scope's board: a titled section with its summary, age, degraded note and body. */
export function BoardCard({
  id,
  title,
  summary,
  freshness,
  degraded,
  children,
}: {
  id: string;
  title: string;
  summary?: ReactNode;
  freshness?: ReactNode;
  degraded?: readonly DegradedSource[];
  children: ReactNode;
}) {
  const headingId = useId();
  return (
    <section className="board-card" data-testid={`${id}-card`} aria-labelledby={headingId}>
      <header className="board-card-head">
        <div className="board-card-title">
          <h2 id={headingId}>{title}</h2>
          {summary !== undefined && <p className="board-card-summary">{summary}</p>}
        </div>
        {freshness}
      </header>
      {degraded && <DegradedLine degraded={degraded} />}
      {children}
    </section>
  );
}
