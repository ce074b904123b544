// Recent captured API calls (server side, redacted), polled only while the panel is open.
import { useCallback, useState } from 'react';
import { refusedByStatus, type InspectorView } from '../lib/api.js';
import { formatAge, secondsSince } from '../lib/format.js';
import { INSPECTOR_KEY } from '../lib/keys.js';
import { usePollErrors } from './errors.js';
import { useNow, usePoll, useServices } from './services.js';

const LIMIT = 50;

export function InspectorPanel({ pollSeconds, onClose }: { pollSeconds: number; onClose: () => void }) {
  const { api, poller } = useServices();
  const now = useNow(5000);
  const load = useCallback(() => api.inspector(LIMIT), [api]);
  const snapshot = usePoll<InspectorView>(INSPECTOR_KEY, load, pollSeconds * 1000);
  const items = snapshot.data?.items;
  const refused = snapshot.data?.refused;
  const refusedRequests = snapshot.data?.refusedRequests ?? [];
  const [find, setFind] = useState('');
  const needle = find.trim().toLowerCase();
  const matches = (...texts: (string | undefined)[]) => !needle || texts.some((t) => t?.toLowerCase().includes(needle));

  usePollErrors(INSPECTOR_KEY, 'Could not load the inspector', snapshot);

  return (
    <aside id="inspector" className="inspector" aria-label="Inspector" data-testid="inspector-panel">
      <div className="inspector-head">
        <h2>Recent calls</h2>
        <button type="button" className="small" onClick={() => poller.refresh(INSPECTOR_KEY)} disabled={snapshot.loading}>
          Refresh
        </button>
        <button type="button" className="icon" aria-label="Close the inspector" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="note">Lifecycle calls and other non-polling requests, newest first; bodies are redacted by the server.</p>
      <input
        type="search"
        className="inspector-find"
        placeholder="Find a request id, path or code"
        aria-label="Find a request by id, path or code"
        data-testid="inspector-find"
        value={find}
        onChange={(e) => setFind(e.target.value)}
      />
      {refusedRequests.length > 0 && (
        <section className="refused" aria-label="Refused requests">
          <h3>Refused before reaching a function</h3>
          <ol className="calls">
            {refusedRequests
              .filter((r) => matches(r.requestId, r.path, r.code, String(r.status)))
              .map((r) => (
                <li key={r.requestId} data-testid="inspector-refused-row" data-request-id={r.requestId}>
                  <span className="method">{r.method}</span> <span className="mono">{r.path}</span>{' '}
                  <span className={`status status-${Math.floor(r.status / 100)}xx`}>{r.status}</span>
                  <span className="muted">
                    {r.code ? ` · ${r.code}` : ''}
                    {r.at ? ` · ${formatAge(secondsSince(r.at, now))} ago` : ''}
                  </span>
                  <div className="mono small">{r.requestId}</div>
                </li>
              ))}
          </ol>
        </section>
      )}
      {refused && refused.total > 0 && (
        <p className="note" data-testid="inspector-refused">
          Refused before reaching a function (not listed): {refused.total}
          {Object.keys(refused.byStatus).length > 0 && ` (${refusedByStatus(refused)})`}
          {refused.since ? ` since ${formatAge(secondsSince(refused.since, now))} ago, on the instance that answered` : ''}
        </p>
      )}
      {!items && !snapshot.error && <p className="empty">Loading…</p>}
      {items && items.length === 0 && <p className="empty">No calls captured yet.</p>}
      {items && items.length > 0 && (
        <ol className="calls">
          {items
            .filter((item) => matches(item.requestId, item.path, item.errorCode, String(item.status ?? '')))
            .map((item, i) => (
              <li key={item.requestId ?? `${item.at}-${i}`} data-testid="inspector-row">
                <details>
                  <summary>
                    <span className="method">{item.method}</span> <span className="mono">{item.path}</span>{' '}
                    <span className={`status status-${Math.floor((item.status ?? 0) / 100)}xx`}>{item.status ?? '?'}</span>
                    <span className="muted">
                      {item.errorCode ? ` · ${item.errorCode}` : ''}
                      {item.durationMs !== undefined ? ` · ${Math.round(item.durationMs)} ms` : ''}
                      {item.at ? ` · ${formatAge(secondsSince(item.at, now))} ago` : ''}
                    </span>
                  </summary>
                  <dl className="call-facts">
                    {item.requestId && (
                      <div>
                        <dt>Request id</dt>
                        <dd className="mono">{item.requestId}</dd>
                      </div>
                    )}
                    {item.caller && (
                      <div>
                        <dt>Caller</dt>
                        <dd>{item.caller}</dd>
                      </div>
                    )}
                    {item.query && (
                      <div>
                        <dt>Query</dt>
                        <dd className="mono">{item.query}</dd>
                      </div>
                    )}
                    {item.at && (
                      <div>
                        <dt>At</dt>
                        <dd>{new Date(item.at).toLocaleString()}</dd>
                      </div>
                    )}
                  </dl>
                  {item.requestBody && (
                    <>
                      <h3>Request body</h3>
                      <pre tabIndex={0}>{item.requestBody}</pre>
                    </>
                  )}
                  {item.responseBody && (
                    <>
                      <h3>Response body</h3>
                      <pre tabIndex={0}>{item.responseBody}</pre>
                    </>
                  )}
                </details>
              </li>
            ))}
        </ol>
      )}
    </aside>
  );
}
