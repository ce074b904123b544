// Under a cluster card: its schedules with their next action ("stops today 19:00 CET"), pause / resume, delete,
// "keep running until …", a form to add one, and the cluster's activity. Schedules are loaded once per scope view
// (not polled) and again after every change made here.
import { useId, useState } from 'react';
import type { Scope } from '../lib/api.js';
import { describeNextAction, type Schedule } from '../lib/fleetTable.js';
import { ActivityPanel } from './ActivityPanel.js';
import { useErrors } from './errors.js';
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

const browserTimeZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

export function ClusterOps({ scope, cluster, schedules, canOperate, now, pollSeconds, onChanged }: Props) {
  const { api } = useServices();
  const errors = useErrors();
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [activity, setActivity] = useState(false);
  const [action, setAction] = useState<'start' | 'stop'>('stop');
  const [cron, setCron] = useState('0 0 19 * * 1-5');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [keepUntil, setKeepUntil] = useState('');
  const formId = useId();

  // Never rejects (a failure goes to the error list), so the buttons start it with `void`.
  const run = async (what: string, change: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await change();
      errors.resolve(`schedule:${cluster}`);
      onChanged();
    } catch (error) {
      errors.report(`schedule:${cluster}`, `Could not ${what}`, error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="ops" data-testid={`ops-${cluster}`}>
      <ul className="schedules" aria-label={`Schedules of ${cluster}`}>
        {schedules.map((s) => (
          <li key={s.id} data-testid={`schedule-${cluster}`} data-schedule-id={s.id} data-enabled={s.enabled ? 'true' : 'false'}>
            <span data-testid={`schedule-next-${cluster}`}>{describeNextAction(s, now)}</span>{' '}
            <span className="muted mono" title={`NCRONTAB in ${s.timeZone}${s.createdBy ? `, by ${s.createdBy}` : ''}`}>
              {s.cron} {s.timeZone}
            </span>
            {s.lastOutcome && <span className="muted"> · last run {s.lastOutcome}</span>}
            {s.keepRunningUntil !== undefined && s.keepRunningUntil > now && (
              <span className="muted"> · kept running until {new Date(s.keepRunningUntil).toLocaleString()}</span>
            )}
            {canOperate && (
              <span className="schedule-actions">
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
                  <>
                    <input
                      type="datetime-local"
                      aria-label={`Keep ${cluster} running until`}
                      value={keepUntil}
                      onChange={(e) => setKeepUntil(e.target.value)}
                    />
                    <button
                      type="button"
                      className="small"
                      disabled={busy || !keepUntil}
                      onClick={() =>
                        void run('keep the cluster running', () => api.updateSchedule(s.id, { keepRunningUntil: new Date(keepUntil).toISOString() }))
                      }
                    >
                      Keep running until
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
                  </>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
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
        <form
          id={formId}
          className="schedule-form"
          data-testid={`schedule-form-${cluster}`}
          onSubmit={(e) => {
            e.preventDefault();
            void run('create the schedule', async () => {
              await api.createSchedule({ ...scope, cluster, action, cron, timeZone });
              setAdding(false);
            });
          }}
        >
          <select
            aria-label="Action"
            data-testid={`schedule-action-${cluster}`}
            value={action}
            onChange={(e) => setAction(e.target.value === 'start' ? 'start' : 'stop')}
          >
            <option value="stop">Stop</option>
            <option value="start">Start</option>
          </select>
          <input
            aria-label="NCRONTAB (second minute hour day month day-of-week)"
            data-testid={`schedule-cron-${cluster}`}
            value={cron}
            onChange={(e) => setCron(e.target.value)}
          />
          <input aria-label="Time zone" data-testid={`schedule-tz-${cluster}`} value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
          <button type="submit" disabled={busy} data-testid={`schedule-save-${cluster}`}>
            Save
          </button>
        </form>
      )}
      {activity && <ActivityPanel scope={scope} cluster={cluster} pollSeconds={pollSeconds} />}
    </div>
  );
}
