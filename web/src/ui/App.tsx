import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { Me, Scope } from '../lib/api.js';
import { permissionsOf } from '../lib/clusterState.js';
import { scopeKey } from '../lib/keys.js';
import {
  clampPollSeconds,
  FAST_POLL_SECONDS,
  loadPollSeconds,
  POLL_CHOICES_SECONDS,
  rememberScope,
  savePollSeconds,
  type PollOverrides,
} from '../lib/prefs.js';
import { ErrorList, ErrorProvider, useErrors } from './errors.js';
import { FleetView } from './FleetView.js';
import { InspectorPanel } from './InspectorPanel.js';
import { NotificationsBell } from './NotificationsBell.js';
import { ScopeView } from './ScopeView.js';
import { useServices } from './services.js';

const FLEET_VALUE = 'fleet';
const ALL_RESOURCE_GROUPS = '*';

/** The scope of a deep link: ?scope={subscriptionId}/{resourceGroup}. */
function scopeFromUrl(): Scope | undefined {
  if (typeof window === 'undefined') return undefined;
  const [subscriptionId, resourceGroup, ...rest] = (new URLSearchParams(window.location.search).get('scope') ?? '').split('/');
  return subscriptionId && resourceGroup && resourceGroup !== ALL_RESOURCE_GROUPS && rest.length === 0 ? { subscriptionId, resourceGroup } : undefined;
}

/** Keeps the open scope in the URL (a reload or a shared link opens it again); the fleet has none. */
function writeScopeToUrl(scope: Scope | undefined): void {
  if (typeof window === 'undefined') return;
  const url = new URL(window.location.href);
  if (scope) url.searchParams.set('scope', `${scope.subscriptionId}/${scope.resourceGroup}`);
  else url.searchParams.delete('scope');
  window.history.replaceState(null, '', url);
}

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
  // subscriptions by name (read once; an API without names leaves the ids)
  const [subscriptionNames, setSubscriptionNames] = useState<ReadonlyMap<string, string>>(new Map());
  // undefined: the fleet (the default page); a scope: its cards, opened from the picker, the fleet or a deep link
  const [scope, setScope] = useState<Scope | undefined>(scopeFromUrl);
  const [focusCluster, setFocusCluster] = useState<string | undefined>(undefined);
  const [fleetScopes, setFleetScopes] = useState<Scope[]>([]);
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
      errors.resolve('me');
    } catch (error) {
      setMeFailed(true);
      errors.report('me', 'Could not load your profile', error);
    }
  }, [api, storage, errors]);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);
  useEffect(() => {
    api.subscriptions().then(
      (list) => setSubscriptionNames(new Map(list.flatMap((s) => (s.displayName ? [[s.subscriptionId, s.displayName] as const] : [])))),
      () => {}, // names are a nicety: the ids stay
    );
  }, [api]);
  const subscriptionName = (id: string) => subscriptionNames.get(id) ?? id;

  // The picker's scopes: the allowed ones, subscription-wide entries replaced by what the fleet found there.
  const pickable = useMemo(() => {
    const found = new Map<string, Scope>();
    for (const s of [...(me?.scopes ?? []).filter((x) => x.resourceGroup !== ALL_RESOURCE_GROUPS), ...fleetScopes, ...(scope ? [scope] : [])]) {
      if (!found.has(scopeKey(s).toLowerCase())) found.set(scopeKey(s).toLowerCase(), s);
    }
    return [...found.values()];
  }, [me, fleetScopes, scope]);

  const openScope = useCallback(
    (next: Scope | undefined, cluster?: string) => {
      if (next) rememberScope(storage, next);
      writeScopeToUrl(next);
      setFocusCluster(cluster);
      setScope(next);
    },
    [storage],
  );

  const chooseScope = (value: string) => {
    if (value === FLEET_VALUE) {
      openScope(undefined);
      return;
    }
    const next = pickable.find((s) => scopeKey(s) === value);
    if (next) openScope(next);
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
              title={scope ? `${scope.resourceGroup} in subscription ${subscriptionName(scope.subscriptionId)} (${scope.subscriptionId})` : undefined}
              value={scope ? scopeKey(scope) : FLEET_VALUE}
              disabled={!me || me.scopes.length === 0}
              onChange={(e) => chooseScope(e.target.value)}
            >
              {!me && <option value={FLEET_VALUE}>Loading…</option>}
              {me && me.scopes.length === 0 && <option value={FLEET_VALUE}>No scopes allowed</option>}
              {me && me.scopes.length > 0 && <option value={FLEET_VALUE}>Fleet: every cluster</option>}
              {/* resource groups under their subscription: a GUID beside every name would not fit a narrow window */}
              {me &&
                subscriptionsOf(pickable).map(([subscriptionId, scopes]) => (
                  <optgroup key={subscriptionId} label={subscriptionNames.get(subscriptionId) ?? `Subscription ${subscriptionId}`}>
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
          {me && <NotificationsBell pollSeconds={Math.max(pollSeconds, 10)} />}
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
          {me && me.scopes.length === 0 && <p className="empty">You have no scope to look at. Ask for access to a resource group.</p>}
          {me && me.scopes.length > 0 && !scope && (
            <FleetView
              pollSeconds={pollSeconds}
              fastPollSeconds={overrides.fastPollSeconds ?? FAST_POLL_SECONDS}
              permissions={permissionsOf(me)}
              onOpen={openScope}
              onScopes={setFleetScopes}
            />
          )}
          {me && scope && (
            <>
              <p className="breadcrumb">
                <button type="button" className="link" data-testid="fleet-link" onClick={() => openScope(undefined)}>
                  ← Fleet
                </button>{' '}
                {scope.resourceGroup}{' '}
                <span className="muted" title={`subscription ${scope.subscriptionId}`} data-testid="scope-subscription">
                  · {subscriptionNames.get(scope.subscriptionId) ?? `subscription ${scope.subscriptionId}`}
                </span>
              </p>
              <ScopeView
                key={`${scopeKey(scope)}:${focusCluster ?? ''}`}
                scope={scope}
                pollSeconds={pollSeconds}
                fastPollSeconds={overrides.fastPollSeconds ?? FAST_POLL_SECONDS}
                permissions={permissionsOf(me)}
                focusCluster={focusCluster}
              />
            </>
          )}
        </main>
        {inspectorOpen && <InspectorPanel pollSeconds={pollSeconds} onClose={() => setInspectorOpen(false)} />}
      </div>
    </div>
  );
}
