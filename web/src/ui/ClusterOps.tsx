// Under a cluster card: its schedules, each with its own state ("paused", "stops today 19:00 (Europe/Berlin)"), the
// cron in words, pause / resume, delete and its own "keep running until"; a labelled form to add one that explains
// the cron as it is typed and shows the next three runs (the server's own code); and the cluster's activity.
// Schedules are loaded once per scope view (not polled) and again after every change made here. A failed change says
// so beside what failed (the field of a refused form, the row of a refused pause), never far away at the top.
import { useId, useMemo, useState } from 'react';
import type { Scope } from '../lib/api.js';
import { describeCron, formatRun, MAX_KEEP_RUNNING_MS, nextRuns, scheduleProblems, timeZoneChoices } from '../lib/cronText.js';
import { describeNextAction, type Schedule } from '../lib/fleetTable.js';
import { ActivityPanel } from './ActivityPanel.js';
import { toUiError, type UiError } from './errors.js';
import { useServices } from './services.js';

interface Props {
  scope: Scope;
  cluster: string;
  schedules: readonly Schedule[];
  canOperate: boolean;
  now: number;
  pollSeconds: number;
  onChanged: () => void;
}

/** A datetime-local value ("2026-12-08T19:00") in the browser's zone. */
const localInputValue = (ms: number) => {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export function ClusterOps({ scope, cluster, schedules, canOperate, now, pollSeconds, onChanged }: Props) {
  const [adding, setAdding] = useState(false);
  const [activity, setActivity] = useState(false);
  const formId = useId();

  return (
    <div className="ops" data-testid={`ops-${cluster}`}>
      {schedules.length > 0 && (
        <ul className="schedules" aria-label={`Schedules of ${cluster}`}>
          {schedules.map((s) => (
            <ScheduleRow key={s.id} schedule={s} cluster={cluster} canOperate={canOperate} now={now} onChanged={onChanged} />
          ))}
        </ul>
      )}
      <div className="ops-buttons">
        {canOperate && (
          <button
            type="button"
            className="small"
            data-testid={`schedule-add-${cluster}`}
            aria-expanded={adding}
            aria-controls={formId}
            onClick={() => setAdding((a) => !a)}
          >
            {adding ? 'Cancel' : 'Add schedule'}
          </button>
        )}
        <button type="button" className="small" data-testid={`activity-toggle-${cluster}`} aria-expanded={activity} onClick={() => setActivity((a) => !a)}>
          {activity ? 'Hide activity' : 'Activity'}
        </button>
      </div>
      {adding && (
        <ScheduleForm
          id={formId}
          scope={scope}
          cluster={cluster}
          now={now}
          onSaved={() => {
            setAdding(false);
            onChanged();
          }}
        />
      )}
      {activity && <ActivityPanel scope={scope} cluster={cluster} pollSeconds={pollSeconds} />}
    </div>
  );
}

/** One schedule: its own state, its own "keep running until" (never shared with another row), its own error. */
function ScheduleRow({
  schedule: s,
  cluster,
  canOperate,
  now,
  onChanged,
}: {
  schedule: Schedule;
  cluster: string;
  canOperate: boolean;
  now: number;
  onChanged: () => void;
}) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [keepUntil, setKeepUntil] = useState('');
  const [error, setError] = useState<UiError | null>(null);
  const keepId = useId();
  const words = describeCron(s.cron, s.timeZone);

  const run = async (what: string, change: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await change();
      setKeepUntil('');
      onChanged();
    } catch (e) {
      setError(toUiError(`schedule:${s.id}`, `Could not ${what}`, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li
      className={`schedule${s.enabled ? '' : ' schedule-paused'}`}
      data-testid={`schedule-${cluster}`}
      data-schedule-id={s.id}
      data-enabled={s.enabled ? 'true' : 'false'}
    >
      <div className="schedule-line">
        <span className={`schedule-kind schedule-kind-${s.action}`}>{s.action === 'stop' ? 'Stop' : 'Start'}</span>
        <span className="schedule-state" data-testid={`schedule-next-${cluster}`}>
          {describeNextAction(s, now)}
        </span>
      </div>
      <div className="schedule-words quiet small" title={`NCRONTAB "${s.cron}" in ${s.timeZone}${s.createdBy ? `, created by ${s.createdBy}` : ''}`}>
        {words ?? s.cron}
        {s.lastOutcome && ` · last run ${s.lastOutcome}`}
        {s.keepRunningUntil !== undefined && s.keepRunningUntil > now && ` · kept running until ${formatRun(s.keepRunningUntil, s.timeZone)}`}
      </div>
      {canOperate && (
        <div className="schedule-actions">
          <button
            type="button"
            className="small"
            disabled={busy}
            data-testid={`schedule-toggle-${cluster}`}
            onClick={() => void run(s.enabled ? 'pause the schedule' : 'resume the schedule', () => api.updateSchedule(s.id, { enabled: !s.enabled }))}
          >
            {s.enabled ? 'Pause' : 'Resume'}
          </button>
          <button
            type="button"
            className="small danger"
            disabled={busy}
            data-testid={`schedule-delete-${cluster}`}
            onClick={() => void run('delete the schedule', () => api.deleteSchedule(s.id))}
          >
            Delete
          </button>
          {s.action === 'stop' && (
            <span className="keep">
              <label htmlFor={keepId} className="small">
                Keep running until
              </label>
              <input
                id={keepId}
                type="datetime-local"
                data-testid={`schedule-keep-${cluster}`}
                min={localInputValue(now)}
                max={localInputValue(now + MAX_KEEP_RUNNING_MS - 86_400_000)}
                value={keepUntil}
                onChange={(e) => setKeepUntil(e.target.value)}
              />
              <button
                type="button"
                className="small"
                disabled={busy || !keepUntil}
                data-testid={`schedule-keep-save-${cluster}`}
                onClick={() => void run('keep the cluster running', () => api.updateSchedule(s.id, { keepRunningUntil: new Date(keepUntil).toISOString() }))}
              >
                Keep
              </button>
              {s.keepRunningUntil !== undefined && (
                <button
                  type="button"
                  className="small"
                  disabled={busy}
                  onClick={() => void run('clear the override', () => api.updateSchedule(s.id, { keepRunningUntil: null }))}
                >
                  Clear
                </button>
              )}
            </span>
          )}
        </div>
      )}
      {error && <FieldError error={error} testId={`schedule-error-${cluster}`} />}
    </li>
  );
}

/** The add form: labelled fields, an IANA zone picker, the cron in words and the next three runs before saving. */
function ScheduleForm({ id, scope, cluster, now, onSaved }: { id: string; scope: Scope; cluster: string; now: number; onSaved: () => void }) {
  const { api } = useServices();
  const { zones, browserZone } = useMemo(timeZoneChoices, []);
  const zoneSet = useMemo(() => new Set(zones), [zones]);
  const [action, setAction] = useState<'start' | 'stop'>('stop');
  const [cron, setCron] = useState('0 0 19 * * 1-5');
  const [timeZone, setTimeZone] = useState(browserZone);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<UiError | null>(null);
  const ids = { action: useId(), cron: useId(), cronHelp: useId(), tz: useId(), zones: useId(), preview: useId() };

  // the minute is enough for the preview: it does not move every second
  const minute = Math.floor(now / 60_000) * 60_000;
  const problems = useMemo(() => scheduleProblems(cron, timeZone, zoneSet), [cron, timeZone, zoneSet]);
  const words = problems.timeZone ? describeCron(cron, '…') : describeCron(cron, timeZone);
  const runs = useMemo(() => (problems.cron || problems.timeZone ? [] : nextRuns(cron, timeZone, minute)), [problems, cron, timeZone, minute]);
  // a refusal that names a field shows beside that field, until the field changes
  const cronError = problems.cron ?? (serverError?.field === 'cron' ? serverError.message : undefined);
  const tzError = problems.timeZone ?? (serverError?.field === 'timeZone' ? serverError.message : undefined);
  const otherError = serverError && serverError.field !== 'cron' && serverError.field !== 'timeZone' ? serverError : null;

  const submit = async () => {
    if (problems.cron || problems.timeZone) return;
    setBusy(true);
    setServerError(null);
    try {
      await api.createSchedule({ ...scope, cluster, action, cron, timeZone });
      onSaved();
    } catch (e) {
      setServerError(toUiError(`schedule-form:${cluster}`, 'Could not create the schedule', e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      id={id}
      className="schedule-form"
      data-testid={`schedule-form-${cluster}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <label htmlFor={ids.action}>Action</label>
        <select
          id={ids.action}
          data-testid={`schedule-action-${cluster}`}
          value={action}
          onChange={(e) => setAction(e.target.value === 'start' ? 'start' : 'stop')}
        >
          <option value="stop">Stop</option>
          <option value="start">Start</option>
        </select>
      </div>
      <div className="field field-cron">
        <label htmlFor={ids.cron}>When (NCRONTAB)</label>
        <input
          id={ids.cron}
          className="mono"
          data-testid={`schedule-cron-${cluster}`}
          value={cron}
          spellCheck={false}
          aria-invalid={cronError ? true : undefined}
          aria-describedby={ids.cronHelp}
          onChange={(e) => {
            setCron(e.target.value);
            if (serverError?.field === 'cron') setServerError(null);
          }}
        />
        <p id={ids.cronHelp} className={cronError ? 'field-error' : 'field-help'} data-testid={`schedule-cron-help-${cluster}`} aria-live="polite">
          {cronError ?? 'second minute hour day month day-of-week, e.g. 0 0 19 * * 1-5'}
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.tz}>Time zone</label>
        <input
          id={ids.tz}
          list={ids.zones}
          data-testid={`schedule-tz-${cluster}`}
          value={timeZone}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={tzError ? true : undefined}
          onChange={(e) => {
            setTimeZone(e.target.value);
            if (serverError?.field === 'timeZone') setServerError(null);
          }}
        />
        <datalist id={ids.zones}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {tzError && (
          <p className="field-error" data-testid={`schedule-tz-error-${cluster}`}>
            {tzError}
          </p>
        )}
      </div>
      <div className="schedule-preview" id={ids.preview} data-testid={`schedule-preview-${cluster}`} aria-live="polite">
        {words && !cronError && (
          <p data-testid={`schedule-words-${cluster}`}>
            <strong>{action === 'stop' ? 'Stops' : 'Starts'}</strong> {words}
          </p>
        )}
        {runs.length > 0 && (
          <>
            <p className="quiet small">Next runs:</p>
            <ol className="next-runs" data-testid={`schedule-runs-${cluster}`}>
              {runs.map((r) => (
                <li key={r}>{formatRun(r, timeZone)}</li>
              ))}
            </ol>
          </>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" disabled={busy || Boolean(problems.cron || problems.timeZone)} data-testid={`schedule-save-${cluster}`}>
          {busy ? 'Saving…' : 'Save schedule'}
        </button>
      </div>
      {otherError && <FieldError error={otherError} testId={`schedule-form-error-${cluster}`} />}
    </form>
  );
}

function FieldError({ error, testId }: { error: UiError; testId: string }) {
  return (
    <p className="field-error" role="alert" data-testid={testId} data-request-id={error.requestId ?? ''}>
      <strong>{error.title}:</strong> {error.message}
      {error.status ? ` (HTTP ${error.status}${error.code ? `, ${error.code}` : ''}${error.requestId ? `, request id ${error.requestId}` : ''})` : ''}
    </p>
  );
}
