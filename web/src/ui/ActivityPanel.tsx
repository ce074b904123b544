// The audit trail of a scope or of one cluster: who did what, when, and what came of it. Polled only while open.
import { useCallback } from 'react';
import type { Scope } from '../lib/api.js';
import { auditKey, type AuditEntry } from '../lib/fleetTable.js';
import { formatAge, secondsSince } from '../lib/format.js';
import { usePollErrors } from './errors.js';
import { useNow, usePoll, useServices } from './services.js';

export function ActivityPanel({ scope, cluster, pollSeconds }: { scope: Scope; cluster?: string; pollSeconds: number }) {
  const { api } = useServices();
  const now = useNow(5000);
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
          {entries.map((e, i) => (
            <li key={`${e.requestId ?? ''}-${e.at}-${i}`} data-testid="activity-row" data-outcome={e.outcome} data-action={e.action} data-via={e.actor.via}>
              <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span> <strong>{e.action}</strong>
              {!cluster && ` ${e.cluster}`} by {e.actor.name}
              {e.actor.via === 'schedule' ? ' (schedule)' : ''}
              <span className="muted" title={new Date(e.at).toISOString()}>
                {' '}
                · {formatAge(secondsSince(e.at, now))} ago{e.status ? ` · ${e.status}` : ''}
              </span>
              {e.reason && <div className="muted">{e.reason}</div>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
