// Lifecycle transitions started from this browser, kept in localStorage so the "Cluster is starting…"
// banner and the fast-poll survive F5 and navigation.
// One key per scope: localStorage["elb-cluster-transitions:{sub}:{rg}"] = { [cluster]: entry }.
// An entry ends when ARM shows the expected power state and a terminal provisioning state (Succeeded, Failed,
// Canceled: AKS flips the power state as an operation begins, the provisioning state as it ends), or at its
// deadline (10 min after it started), after which the dashboard says the operation seems stuck.
// Storage content is untrusted (older versions, other tabs, hand edits): anything malformed is skipped.
import { reachedExpectedState } from '../../../shared/wire/index.js';
import { EXPECTED_POWER_STATE, isLifecycleAction, type ExpectedPowerState, type LifecycleAction, type Scope } from './api.js';

/** The part of the Web Storage API the store needs; tests pass a plain object. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const TRANSITION_KEY_PREFIX = 'elb-cluster-transitions';
export const TRANSITION_TTL_MS = 10 * 60 * 1000;
/** A hand-edited or runaway map cannot grow without bound. */
const MAX_ENTRIES_PER_SCOPE = 200;

export interface LocalTransition {
  cluster: string;
  action: LifecycleAction;
  expectedPowerState: ExpectedPowerState;
  /** Epoch ms, client clock. */
  startedAt: number;
  deadline: number;
}

export interface ObservedCluster {
  name: string;
  powerState?: string;
  provisioningState?: string;
}

export interface ReconcileResult {
  /** Reached the expected power state: done. */
  reached: LocalTransition[];
  /** Ended with provisioningState Failed: done, and said once. */
  failed: LocalTransition[];
  /** Past the deadline without reaching it: the operation seems stuck. */
  expired: LocalTransition[];
  /** A start/stop whose cluster is no longer in the scope. */
  vanished: LocalTransition[];
}

export function transitionStorageKey(scope: Scope): string {
  return `${TRANSITION_KEY_PREFIX}:${scope.subscriptionId}:${scope.resourceGroup}`;
}

export function isExpired(t: LocalTransition, now: number, ttlMs = TRANSITION_TTL_MS): boolean {
  // The second test covers a clock that went backwards: no entry outlives ttl from the clock's view.
  return now >= t.deadline || t.startedAt - now > ttlMs;
}

/** Whether a successful cluster-list reading shows the transition finished (the rule of shared/wire/lifecycle.ts). */
export function hasReachedExpectedState(t: LocalTransition, observed: readonly ObservedCluster[]): boolean {
  return reachedExpectedState(
    t.expectedPowerState,
    observed.find((c) => c.name === t.cluster),
  );
}

/** AKS cluster names; also keeps keys like "__proto__" out of the map. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

function readTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** Parses one scope's stored map; never throws, drops what it does not recognise. */
export function parseTransitions(raw: string | null, ttlMs = TRANSITION_TTL_MS): LocalTransition[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  const out: LocalTransition[] = [];
  for (const [cluster, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (out.length >= MAX_ENTRIES_PER_SCOPE) break;
    if (!CLUSTER_NAME.test(cluster) || typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    const action = entry.action;
    if (!isLifecycleAction(action)) continue;
    const startedAt = readTime(entry.startedAt);
    const deadline = readTime(entry.deadline);
    if (startedAt === undefined || deadline === undefined) continue;
    out.push({
      cluster,
      action,
      expectedPowerState: EXPECTED_POWER_STATE[action],
      startedAt,
      // an edited deadline cannot extend an entry past its ten minutes
      deadline: Math.min(deadline, startedAt + ttlMs),
    });
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

function serialize(entries: readonly LocalTransition[]): string {
  const map: Record<string, Omit<LocalTransition, 'cluster'>> = {};
  for (const { cluster, ...rest } of entries) map[cluster] = rest;
  return JSON.stringify(map);
}

export interface TransitionStore {
  /** Open entries of a scope, oldest first (expired ones included until reconcile evicts them). Same array while nothing changed. */
  list(scope: Scope): readonly LocalTransition[];
  record(scope: Scope, cluster: string, action: LifecycleAction): LocalTransition;
  forget(scope: Scope, cluster: string): void;
  /**
   * Evicts entries that reached their expected state in `observed` (a successful cluster-list reading of
   * this scope; null when there is none, then only deadlines are checked) or passed their deadline.
   */
  reconcile(scope: Scope, observed: readonly ObservedCluster[] | null): ReconcileResult;
  /** Called on any change made through this store, and on notifyExternalChange. */
  subscribe(listener: () => void): () => void;
  /** Another tab changed localStorage (the `storage` event). */
  notifyExternalChange(): void;
}

export interface TransitionStoreOptions {
  storage: StorageLike;
  now: () => number;
  ttlMs?: number;
}

export function createTransitionStore(options: TransitionStoreOptions): TransitionStore {
  const { storage, now } = options;
  const ttlMs = options.ttlMs ?? TRANSITION_TTL_MS;
  const listeners = new Set<() => void>();
  // When storage refuses writes (quota, disabled storage) the session still works from memory.
  const fallback = new Map<string, string | null>();
  const parsedCache = new Map<string, { raw: string | null; entries: readonly LocalTransition[] }>();

  const readRaw = (key: string): string | null => {
    if (fallback.has(key)) return fallback.get(key) ?? null;
    try {
      return storage.getItem(key);
    } catch {
      return null;
    }
  };

  const writeEntries = (key: string, entries: readonly LocalTransition[]) => {
    const raw = entries.length ? serialize(entries) : null;
    try {
      if (raw === null) storage.removeItem(key);
      else storage.setItem(key, raw);
      fallback.delete(key);
    } catch {
      fallback.set(key, raw);
    }
    notify();
  };

  const notify = () => {
    for (const listener of [...listeners]) listener();
  };

  const list = (scope: Scope): readonly LocalTransition[] => {
    const key = transitionStorageKey(scope);
    const raw = readRaw(key);
    const cached = parsedCache.get(key);
    if (cached && cached.raw === raw) return cached.entries;
    const entries = parseTransitions(raw, ttlMs);
    parsedCache.set(key, { raw, entries });
    return entries;
  };

  return {
    list,

    record(scope, cluster, action) {
      const startedAt = now();
      const entry: LocalTransition = {
        cluster,
        action,
        expectedPowerState: EXPECTED_POWER_STATE[action],
        startedAt,
        deadline: startedAt + ttlMs,
      };
      writeEntries(transitionStorageKey(scope), [...list(scope).filter((t) => t.cluster !== cluster), entry]);
      return entry;
    },

    forget(scope, cluster) {
      const entries = list(scope);
      if (entries.some((t) => t.cluster === cluster)) {
        writeEntries(
          transitionStorageKey(scope),
          entries.filter((t) => t.cluster !== cluster),
        );
      }
    },

    reconcile(scope, observed) {
      const result: ReconcileResult = { reached: [], failed: [], expired: [], vanished: [] };
      const keep: LocalTransition[] = [];
      const at = now();
      for (const t of list(scope)) {
        if (observed && hasReachedExpectedState(t, observed)) {
          const failed = observed.find((c) => c.name === t.cluster)?.provisioningState === 'Failed';
          result[failed ? 'failed' : 'reached'].push(t);
        } else if (isExpired(t, at, ttlMs)) result.expired.push(t);
        else if (observed && t.action !== 'delete' && !observed.some((c) => c.name === t.cluster)) result.vanished.push(t);
        else keep.push(t);
      }
      // also rewrites storage that held malformed or foreign content, so it does not linger
      const key = transitionStorageKey(scope);
      const raw = readRaw(key);
      if (raw !== (keep.length ? serialize(keep) : null)) writeEntries(key, keep);
      return result;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    notifyExternalChange() {
      notify();
    },
  };
}
