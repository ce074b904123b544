// A running cluster's idle auto-stop on its card: on / off and the idle minutes (operators), the server's reason in
// plain words, and in the warning window a banner with a live countdown and "+30 min". The status comes from the
// scope's one auto-stop read per tick (ScopeView); a change or an extend reads it again at once.
import { useId, useState } from 'react';
import { countdown, IDLE_MINUTES, type AutoStop, type IdleMinutes, type Scope } from '../lib/api.js';
import { formatAge, secondsSince } from '../lib/format.js';
import { toUiError, type UiError } from './errors.js';
import { useServices } from './services.js';

interface Props {
  scope: Scope;
  status: AutoStop;
  canOperate: boolean;
  now: number;
  onChanged: () => void;
}

export function AutoStopControl({ scope, status, canOperate, now, onChanged }: Props) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const idleId = useId();
  const name = status.cluster;

  const run = async (what: string, change: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await change();
    } catch (e) {
      setError(toUiError(`autostop:${name}`, `Could not ${what}`, e));
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  const warn = status.verdict === 'warn' && status.nextStopAt !== undefined;

  return (
    <div className="autostop" data-testid={`autostop-${name}`} data-verdict={status.verdict} data-enabled={status.enabled ? 'true' : 'false'}>
      {warn && (
        <div className="autostop-warning" role="alert" data-testid={`autostop-warning-${name}`}>
          <span>
            Idle: {name} will be stopped in{' '}
            <strong className="countdown" data-testid={`autostop-countdown-${name}`}>
              {countdown(status.nextStopAt!, now + status.clockOffsetMs)}
            </strong>{' '}
            <span className="quiet small">({status.reason})</span>
          </span>
          {canOperate && (
            <button
              type="button"
              className="small"
              disabled={busy}
              data-testid={`autostop-extend-${name}`}
              onClick={() => void run('keep it running', () => api.extendAutoStop(scope, name))}
            >
              +30 min
            </button>
          )}
        </div>
      )}
      <div className="autostop-line">
        {canOperate ? (
          <>
            <label className="check">
              <input
                type="checkbox"
                checked={status.enabled}
                disabled={busy}
                data-testid={`autostop-toggle-${name}`}
                onChange={(e) => void run('change auto-stop', () => api.updateAutoStop(scope, name, { enabled: e.target.checked }))}
              />
              Stop when idle for
            </label>
            <select
              id={idleId}
              aria-label={`Idle minutes before ${name} is stopped`}
              data-testid={`autostop-idle-${name}`}
              value={status.idleMinutes}
              disabled={busy}
              onChange={(e) => void run('change auto-stop', () => api.updateAutoStop(scope, name, { idleMinutes: Number(e.target.value) as IdleMinutes }))}
            >
              {IDLE_MINUTES.map((m) => (
                <option key={m} value={m}>
                  {m < 60 ? `${m} min` : `${m / 60} h`}
                </option>
              ))}
            </select>
          </>
        ) : (
          <span>{status.enabled ? `Stops when idle for ${status.idleMinutes} min` : 'Auto-stop off'}</span>
        )}
        {status.enabled && !warn && (
          <span className="quiet small" data-testid={`autostop-reason-${name}`}>
            {status.reason}
            {status.extendUntil !== undefined && status.extendUntil > now + status.clockOffsetMs
              ? ` · kept running for ${formatAge((status.extendUntil - now - status.clockOffsetMs) / 1000)} more`
              : ''}
          </span>
        )}
        {status.lastStopAt !== undefined && (
          <span className="quiet small">· last stopped when idle {formatAge(secondsSince(status.lastStopAt, now + status.clockOffsetMs))} ago</span>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert" data-request-id={error.requestId ?? ''}>
          <strong>{error.title}:</strong> {error.message}
          {error.status ? ` (HTTP ${error.status}${error.requestId ? `, request id ${error.requestId}` : ''})` : ''}
        </p>
      )}
    </div>
  );
}
