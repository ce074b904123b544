import { useCallback, useEffect, useId, useState } from 'react';
import type { Me, Scope } from '../lib/api.js';
import { permissionsOf } from '../lib/clusterState.js';
import { scopeKey } from '../lib/keys.js';
import { clampPollSeconds, loadPollSeconds, pickScope, POLL_CHOICES_SECONDS, rememberScope, savePollSeconds } from '../lib/prefs.js';
import { ErrorProvider, useErrors } from './errors.js';
import { InspectorPanel } from './InspectorPanel.js';
import { ScopeView } from './ScopeView.js';
import { useServices } from './services.js';

export function App() {
  return (
    <ErrorProvider>
      <Dashboard />
    </ErrorProvider>
  );
}

function Dashboard() {
  const { api, storage } = useServices();
  const errors = useErrors();
  const [me, setMe] = useState<Me | null>(null);
  const [meFailed, setMeFailed] = useState(false);
  const [scope, setScope] = useState<Scope | undefined>(undefined);
  const [pollSeconds, setPollSeconds] = useState(() => loadPollSeconds(storage));
  const [inspectorOpen, setInspectorOpen] = useState(false);
  const scopeId = useId();
  const pollId = useId();

  const loadMe = useCallback(async () => {
    setMeFailed(false);
    try {
      const result = await api.me();
      setMe(result);
      setScope(pickScope(storage, result.scopes));
      errors.resolve('me');
    } catch (error) {
      setMeFailed(true);
      errors.report('me', 'Could not load your profile', error);
    }
  }, [api, storage, errors]);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  const chooseScope = (value: string) => {
    const next = me?.scopes.find((s) => scopeKey(s) === value);
    if (!next) return;
    rememberScope(storage, next);
    setScope(next);
  };

  const choosePoll = (value: string) => {
    const seconds = clampPollSeconds(value);
    savePollSeconds(storage, seconds);
    setPollSeconds(seconds);
  };

  return (
    <div className="app">
      <header className="topbar">
        <h1>AKS fleet</h1>
        <div className="controls">
          <label htmlFor={scopeId}>Scope</label>
          <select
            id={scopeId}
            data-testid="scope-picker"
            value={scope ? scopeKey(scope) : ''}
            disabled={!me || me.scopes.length === 0}
            onChange={(e) => chooseScope(e.target.value)}
          >
            {!me && <option value="">Loading…</option>}
            {me && me.scopes.length === 0 && <option value="">No scopes allowed</option>}
            {me?.scopes.map((s) => (
              <option key={scopeKey(s)} value={scopeKey(s)}>
                {s.resourceGroup} · {s.subscriptionId}
              </option>
            ))}
          </select>
          <label htmlFor={pollId}>Refresh every</label>
          <select id={pollId} data-testid="poll-interval" value={pollSeconds} onChange={(e) => choosePoll(e.target.value)}>
            {POLL_CHOICES_SECONDS.map((s) => (
              <option key={s} value={s}>
                {s} s
              </option>
            ))}
          </select>
          <button
            type="button"
            data-testid="inspector-toggle"
            aria-expanded={inspectorOpen}
            aria-controls="inspector"
            onClick={() => setInspectorOpen((open) => !open)}
          >
            {inspectorOpen ? 'Hide inspector' : 'Inspector'}
          </button>
        </div>
        {me && (
          <p className="whoami" data-testid="whoami">
            {me.name}
            {me.provider ? ` (${me.provider})` : ''} · {me.roles.length ? me.roles.join(', ') : 'no roles'}
          </p>
        )}
      </header>

      <div className="layout">
        <main className="main">
          {meFailed && (
            <p className="empty">
              Your profile could not be loaded.{' '}
              <button type="button" onClick={() => void loadMe()}>
                Try again
              </button>
            </p>
          )}
          {!me && !meFailed && <p className="empty">Loading…</p>}
          {me && !scope && <p className="empty">You have no scope to look at. Ask for access to a resource group.</p>}
          {me && scope && (
            <ScopeView key={scopeKey(scope)} scope={scope} pollSeconds={pollSeconds} permissions={permissionsOf(me)} />
          )}
        </main>
        {inspectorOpen && <InspectorPanel pollSeconds={pollSeconds} onClose={() => setInspectorOpen(false)} />}
      </div>
    </div>
  );
}
