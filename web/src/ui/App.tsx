import { useCallback, useEffect, useId, useState } from 'react';
import type { Me, Scope } from '../lib/api.js';
import { permissionsOf } from '../lib/clusterState.js';
import { scopeKey } from '../lib/keys.js';
import {
  clampPollSeconds,
  FAST_POLL_SECONDS,
  loadPollSeconds,
  pickScope,
  POLL_CHOICES_SECONDS,
  rememberScope,
  savePollSeconds,
  type PollOverrides,
} from '../lib/prefs.js';
import { ErrorList, ErrorProvider, useErrors } from './errors.js';
import { InspectorPanel } from './InspectorPanel.js';
import { ScopeView } from './ScopeView.js';
import { useServices } from './services.js';

/** Scopes grouped by subscription, in the order /api/me lists them. */
function subscriptionsOf(scopes: readonly Scope[]): [string, Scope[]][] {
  const groups = new Map<string, Scope[]>();
  for (const s of scopes) groups.set(s.subscriptionId, [...(groups.get(s.subscriptionId) ?? []), s]);
  return [...groups];
}

export function App({ pollOverrides = {} }: { pollOverrides?: PollOverrides }) {
  return (
    <ErrorProvider>
      <Dashboard overrides={pollOverrides} />
    </ErrorProvider>
  );
}

function Dashboard({ overrides }: { overrides: PollOverrides }) {
  const { api, storage } = useServices();
  const errors = useErrors();
  const [me, setMe] = useState<Me | null>(null);
  const [meFailed, setMeFailed] = useState(false);
  const [scope, setScope] = useState<Scope | undefined>(undefined);
  const [pollSeconds, setPollSeconds] = useState(() => overrides.pollSeconds ?? loadPollSeconds(storage));
  // a URL override outside the usual choices still shows as the selected value
  const pollChoices = POLL_CHOICES_SECONDS.includes(pollSeconds) ? POLL_CHOICES_SECONDS : [pollSeconds, ...POLL_CHOICES_SECONDS];
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
          <span className="control">
            <label htmlFor={scopeId}>Scope</label>
            <select
              id={scopeId}
              data-testid="scope-picker"
              title={scope ? `${scope.resourceGroup} in subscription ${scope.subscriptionId}` : undefined}
              value={scope ? scopeKey(scope) : ''}
              disabled={!me || me.scopes.length === 0}
              onChange={(e) => chooseScope(e.target.value)}
            >
              {!me && <option value="">Loading…</option>}
              {me && me.scopes.length === 0 && <option value="">No scopes allowed</option>}
              {/* resource groups under their subscription: a GUID beside every name would not fit a narrow window */}
              {me &&
                subscriptionsOf(me.scopes).map(([subscriptionId, scopes]) => (
                  <optgroup key={subscriptionId} label={`Subscription ${subscriptionId}`}>
                    {scopes.map((s) => (
                      <option key={scopeKey(s)} value={scopeKey(s)}>
                        {s.resourceGroup}
                      </option>
                    ))}
                  </optgroup>
                ))}
            </select>
          </span>
          <span className="control">
            <label htmlFor={pollId}>Refresh every</label>
            <select id={pollId} data-testid="poll-interval" value={pollSeconds} onChange={(e) => choosePoll(e.target.value)}>
              {pollChoices.map((s) => (
                <option key={s} value={s}>
                  {s} s
                </option>
              ))}
            </select>
          </span>
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
      <ErrorList />

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
            <ScopeView
              key={scopeKey(scope)}
              scope={scope}
              pollSeconds={pollSeconds}
              fastPollSeconds={overrides.fastPollSeconds ?? FAST_POLL_SECONDS}
              permissions={permissionsOf(me)}
            />
          )}
        </main>
        {inspectorOpen && <InspectorPanel pollSeconds={pollSeconds} onClose={() => setInspectorOpen(false)} />}
      </div>
    </div>
  );
}
