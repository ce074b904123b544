// The audit trail of a scope or of one cluster: who did what, when, and what came of it. Polled only while open.
import { useCallback } from 'react';
import type { Scope } from '../lib/api.js';
import { auditKey, type AuditEntry } from '../lib/fleetTable.js';
import { formatAge, formatShortDuration, secondsSince } from '../lib/format.js';
import { loadReached, reachedFor } from '../lib/reachLog.js';
import { EXPECTED_POWER_STATE, isLifecycleAction } from '../lib/api.js';
import { usePollErrors } from './errors.js';
import { useNow, usePoll, useServices } from './services.js';

export function ActivityPanel({ scope, cluster, pollSeconds }: { scope: Scope; cluster?: string; pollSeconds: number }) {
  const { api, storage } = useServices();
  const now = useNow(5000);
  const reached = loadReached(storage, scope);
  const key = auditKey(scope, cluster);
  const load = useCallback(() => api.audit(scope, cluster), [api, scope, cluster]);
  const snapshot = usePoll<{ entries: AuditEntry[] }>(key, load, pollSeconds * 1000);
  usePollErrors(key, 'Could not load the activity', snapshot);
  const entries = snapshot.data?.entries;
  const testId = cluster ? `activity-${cluster}` : 'activity-scope';

  return (
    <section className="activity" aria-label={`Activity of ${cluster ?? scope.resourceGroup}`} data-testid={testId}>
      <h3>Activity{cluster ? ` of ${cluster}` : ` in ${scope.resourceGroup}`}</h3>
      {!entries && !snapshot.error && <p className="empty">Loading…</p>}
      {entries && entries.length === 0 && <p className="empty">Nothing recorded yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="activity-list">
          {entries.map((e, i) => {
            const done = e.outcome === 'accepted' ? reachedFor(e, reached) : undefined;
            return (
              <li key={`${e.requestId ?? ''}-${e.at}-${i}`} data-testid="activity-row" data-outcome={e.outcome} data-action={e.action} data-via={e.actor.via}>
                <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span> <strong>{ACTION_WORDS[e.action] ?? e.action}</strong>
                {!cluster && ` ${e.cluster}`} by {e.actor.name}
                {e.actor.via === 'schedule' ? ' (schedule)' : e.actor.via === 'autoStop' ? ' (auto-stop)' : ''}
                <span className="muted">
                  {' · '}
                  <time dateTime={new Date(e.at).toISOString()} title={absolute(e.at)} data-testid="activity-time">
                    {formatAge(secondsSince(e.at, now))} ago
                  </time>
                  {e.status ? ` · ${e.status}` : ''}
                </span>
                {done && isLifecycleAction(e.action) && (
                  <span className="reached" data-testid="activity-reached" title={`Seen done by this browser at ${absolute(done.reachedAt)}`}>
                    {' · '}
                    {e.action === 'delete' ? 'gone' : `reached ${EXPECTED_POWER_STATE[e.action]}`} after{' '}
                    {formatShortDuration((done.reachedAt - done.startedAt) / 1000)}
                  </span>
                )}
                {e.reason && <div className="muted">{e.reason}</div>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** The audit's action names in words; pause and resume by name, not a generic update. */
const ACTION_WORDS: Readonly<Record<string, string>> = {
  start: 'start',
  stop: 'stop',
  delete: 'delete',
  'schedule.create': 'schedule created',
  'schedule.update': 'schedule changed',
  'schedule.pause': 'schedule paused',
  'schedule.resume': 'schedule resumed',
  'schedule.delete': 'schedule deleted',
};

/** The full local date and time, for hover: "Mon 7 Dec 2026, 18:40:12". */
const absolute = (ms: number) =>
  new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(ms);
