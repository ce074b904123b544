// API errors as quiet, dismissible messages that always show the request id (the key to the server logs).
// One message per source (a poll key, or one lifecycle request); a dismissed poll error stays hidden
// until that source succeeds again, so a failing 10 s poll does not keep popping up.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../lib/api.js';
import type { CardError } from '../lib/cardErrors.js';
import type { PollSnapshot } from '../lib/poller.js';

export interface UiError {
  source: string;
  title: string;
  message: string;
  code?: string;
  status?: number;
  requestId?: string;
  field?: string;
}

interface ErrorCenter {
  report(source: string, title: string, error: unknown): void;
  resolve(source: string): void;
}

const ErrorContext = createContext<ErrorCenter>({ report: () => {}, resolve: () => {} });
export const useErrors = () => useContext(ErrorContext);

/** Reports a polled key's failures under `source` (its poll key) and clears them on the next success. */
export function usePollErrors(source: string, title: string, snapshot: PollSnapshot<unknown>): void {
  const errors = useErrors();
  useEffect(() => {
    if (snapshot.error) errors.report(source, title, snapshot.error);
    else if (snapshot.updatedAt !== undefined) errors.resolve(source);
  }, [snapshot.error, snapshot.updatedAt, source, title, errors]);
  // a view that goes away stops reporting: its message would otherwise stay forever
  useEffect(() => () => errors.resolve(source), [source, errors]);
}

interface ErrorListState {
  errors: UiError[];
  dismiss: (source: string) => void;
}
const ErrorListContext = createContext<ErrorListState>({ errors: [], dismiss: () => {} });

export function toUiError(source: string, title: string, error: unknown): UiError {
  if (error instanceof ApiError) {
    return { source, title, message: error.message, code: error.code, status: error.status || undefined, requestId: error.requestId, field: error.field };
  }
  return { source, title, message: error instanceof Error ? error.message : String(error) };
}

export function ErrorProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<UiError[]>([]);
  const dismissed = useRef(new Set<string>());

  const report = useCallback((source: string, title: string, error: unknown) => {
    if (dismissed.current.has(source)) return;
    const next = toUiError(source, title, error);
    setErrors((list) => [...list.filter((e) => e.source !== source), next]);
  }, []);

  const resolve = useCallback((source: string) => {
    dismissed.current.delete(source);
    setErrors((list) => (list.some((e) => e.source === source) ? list.filter((e) => e.source !== source) : list));
  }, []);

  const dismiss = useCallback((source: string) => {
    dismissed.current.add(source);
    setErrors((list) => list.filter((e) => e.source !== source));
  }, []);

  const center = useMemo(() => ({ report, resolve }), [report, resolve]);
  const list = useMemo(() => ({ errors, dismiss }), [errors, dismiss]);
  return (
    <ErrorContext value={center}>
      <ErrorListContext value={list}>{children}</ErrorListContext>
    </ErrorContext>
  );
}

/** The messages, where the layout puts them (under the top bar). */
export function ErrorList() {
  const { errors, dismiss: onDismiss } = useContext(ErrorListContext);
  return (
    <div className="errors" aria-live="polite" data-testid="errors">
      {errors.map((e) => (
        <div className="error" role="alert" key={e.source} data-testid="error-message" data-request-id={e.requestId ?? ''}>
          <div className="error-text">
            <strong>{e.title}:</strong> {e.message}
            {e.field ? ` (field ${e.field})` : ''}
            <span className="error-meta">
              {e.status ? ` HTTP ${e.status}` : ''}
              {e.code ? ` · ${e.code}` : ''}
              {e.requestId ? (
                <>
                  {' · request id '}
                  <code data-testid="error-request-id">{e.requestId}</code>
                </>
              ) : null}
            </span>
          </div>
          <button type="button" className="icon" data-testid="error-dismiss" aria-label={`Dismiss: ${e.title}`} onClick={() => onDismiss(e.source)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** An action's error on its cluster's card (see lib/cardErrors.ts): the same facts as a message of the list. */
export function CardErrorLine({ error, onDismiss }: { error: CardError; onDismiss: () => void }) {
  return (
    <div
      className="error card-error"
      role="alert"
      data-testid={`card-error-${error.cluster}`}
      data-request-id={error.requestId ?? ''}
      data-status={error.status ?? ''}
    >
      <div className="error-text">
        <strong>{error.title}:</strong> {error.message}
        <span className="error-meta">
          {error.status ? ` HTTP ${error.status}` : ''}
          {error.code ? ` · ${error.code}` : ''}
          {error.requestId ? (
            <>
              {' · request id '}
              <code data-testid="error-request-id">{error.requestId}</code>
            </>
          ) : null}
        </span>
      </div>
      <button type="button" className="icon" aria-label={`Dismiss: ${error.title}`} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
