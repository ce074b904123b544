// The header's bell: the signed-in user's unread count, a dropdown feed (newest first: starts, stops, refusals,
// failures, auto-stop warnings, missed schedule runs) and "Mark all read". One request per tick while the page is
// shown; the feed itself is the same answer, so opening it costs nothing.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { isAlarming, isUnread, type NotificationFeed } from '../lib/api.js';
import { formatAge, secondsSince } from '../lib/format.js';
import { NOTIFICATIONS_KEY } from '../lib/keys.js';
import { toUiError, type UiError } from './errors.js';
import { useNow, usePoll, useServices } from './services.js';

export function NotificationsBell({ pollSeconds }: { pollSeconds: number }) {
  const { api, poller } = useServices();
  const load = useCallback(() => api.notifications(), [api]);
  const snapshot = usePoll<NotificationFeed>(NOTIFICATIONS_KEY, load, pollSeconds * 1000);
  const feed = snapshot.data;
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const now = useNow(5000);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);

  // a click elsewhere or Escape closes the feed
  useEffect(() => {
    if (!open) return;
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  // an API without notifications (404) shows no bell rather than a broken one
  if (!feed) return null;
  const unread = feed.unread;

  const markAllRead = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.markNotificationsRead();
    } catch (e) {
      setError(toUiError('notifications', 'Could not mark them read', e));
    } finally {
      setBusy(false);
      poller.refresh(NOTIFICATIONS_KEY);
    }
  };

  return (
    <div className="bell" ref={root}>
      <button
        type="button"
        className="bell-button"
        data-testid="notifications-bell"
        data-unread={unread}
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen((o) => !o)}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="notifications-unread">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="bell-panel" id={panelId} role="dialog" aria-label="Notifications" data-testid="notifications-panel">
          <div className="bell-head">
            <h2>Notifications</h2>
            <button type="button" className="small" disabled={busy || unread === 0} data-testid="notifications-mark-read" onClick={() => void markAllRead()}>
              Mark all read
            </button>
          </div>
          {error && (
            <p className="field-error" role="alert">
              {error.title}: {error.message}
            </p>
          )}
          {feed.items.length === 0 && <p className="quiet">Nothing yet: starts, stops, failures and auto-stop warnings show here.</p>}
          <ol className="bell-list">
            {feed.items.map((n) => (
              <li
                key={n.id}
                data-testid="notification"
                data-kind={n.kind}
                data-unread={isUnread(n, feed.seenUntil) ? 'true' : 'false'}
                className={`${isUnread(n, feed.seenUntil) ? 'unread' : ''}${isAlarming(n.kind) ? ' alarming' : ''}`}
              >
                <span className="bell-message">{n.message}</span>
                <span className="quiet small">
                  {n.resourceGroup} ·{' '}
                  <time dateTime={new Date(n.at).toISOString()} title={new Date(n.at).toLocaleString()}>
                    {formatAge(secondsSince(n.at, now))} ago
                  </time>
                  {n.requestId ? ` · request ${n.requestId}` : ''}
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
