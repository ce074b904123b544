// What the browser remembers besides transitions: the chosen scope and the poll interval.
import type { Scope } from './api.js';
import type { StorageLike } from './transitionStore.js';

export const SCOPE_STORAGE_KEY = 'elb-dashboard-scope';
export const POLL_STORAGE_KEY = 'elb-dashboard-poll-seconds';
export const POLL_CHOICES_SECONDS: readonly number[] = [5, 10, 15, 20, 30];
export const DEFAULT_POLL_SECONDS = 30;
export const FAST_POLL_SECONDS = 10;

const sameScope = (a: Scope, b: Scope) =>
  a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase();

const safeGet = (storage: StorageLike, key: string): string | null => {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
};

const safeSet = (storage: StorageLike, key: string, value: string) => {
  try {
    storage.setItem(key, value);
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
};

/** The remembered scope if the caller may still use it, else the first allowed one. */
export function pickScope(storage: StorageLike, allowed: readonly Scope[]): Scope | undefined {
  try {
    const remembered = JSON.parse(safeGet(storage, SCOPE_STORAGE_KEY) ?? 'null') as Partial<Scope> | null;
    if (remembered && typeof remembered.subscriptionId === 'string' && typeof remembered.resourceGroup === 'string') {
      const match = allowed.find((s) => sameScope(s, remembered as Scope));
      if (match) return match;
    }
  } catch {
    // malformed: fall through to the first scope
  }
  return allowed[0];
}

export function rememberScope(storage: StorageLike, scope: Scope): void {
  safeSet(storage, SCOPE_STORAGE_KEY, JSON.stringify({ subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup }));
}

export function clampPollSeconds(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(n)) return DEFAULT_POLL_SECONDS;
  return Math.min(30, Math.max(5, Math.round(n)));
}

export const loadPollSeconds = (storage: StorageLike) => clampPollSeconds(safeGet(storage, POLL_STORAGE_KEY) ?? undefined);

export function savePollSeconds(storage: StorageLike, seconds: number): void {
  safeSet(storage, POLL_STORAGE_KEY, String(clampPollSeconds(seconds)));
}

/** The cluster list polls at the fast rate while a transition is open, never slower than chosen. */
export const listIntervalSeconds = (normalSeconds: number, transitionOpen: boolean, fastSeconds = FAST_POLL_SECONDS) =>
  transitionOpen ? Math.min(normalSeconds, fastSeconds) : normalSeconds;

/**
 * Intervals from the page's query string, for tests and demos: `?fastPollSeconds=1` (the transition fast-poll,
 * default 10) and `?pollSeconds=2` (the normal interval; beats the stored choice without replacing it).
 * Whole seconds from 1 to 30; anything else is ignored. They live in the URL, so they survive a reload.
 */
export interface PollOverrides {
  pollSeconds?: number;
  fastPollSeconds?: number;
}

export function parsePollOverrides(search: string): PollOverrides {
  const params = new URLSearchParams(search);
  const read = (name: string) => {
    const raw = params.get(name);
    if (raw === null || !/^\d{1,2}$/.test(raw.trim())) return undefined;
    const n = Number(raw);
    return n >= 1 && n <= 30 ? n : undefined;
  };
  const out: PollOverrides = {};
  const poll = read('pollSeconds');
  const fast = read('fastPollSeconds');
  if (poll !== undefined) out.pollSeconds = poll;
  if (fast !== undefined) out.fastPollSeconds = fast;
  return out;
}
