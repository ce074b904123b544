// How long each accepted action took to reach its state, as this browser saw it: when a list reading shows that an
// open transition (this browser's or the server's) reached its expected state, the page notes when it started and
// when it was seen done. The activity matches an accepted start / stop / delete with its note ("reached Running
// after 4 min 10 s"). Per scope in localStorage, bounded; content is untrusted (malformed entries are skipped).
import { isObject, num, str } from './json.js';
import { isLifecycleAction, type LifecycleAction, type Scope } from './monitorData.js';
import type { StorageLike } from './transitionStore.js';

export const REACH_KEY_PREFIX = 'elb-reached';
const MAX_ENTRIES = 100;
/** An audit entry and a transition are the same operation when they started this close together. */
const SAME_OPERATION_MS = 60_000;

export interface Reached {
  cluster: string;
  action: LifecycleAction;
  startedAt: number;
  reachedAt: number;
}

const keyOf = (scope: Scope) => `${REACH_KEY_PREFIX}:${scope.subscriptionId}:${scope.resourceGroup}`;

export function loadReached(storage: StorageLike, scope: Scope): Reached[] {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(keyOf(scope)) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((e: unknown): Reached[] => {
    if (!isObject<Reached>(e)) return [];
    const [cluster, startedAt, reachedAt] = [str(e.cluster), num(e.startedAt), num(e.reachedAt)];
    const action = isLifecycleAction(e.action) ? e.action : undefined;
    return cluster && action && startedAt !== undefined && reachedAt !== undefined && reachedAt >= startedAt ? [{ cluster, action, startedAt, reachedAt }] : [];
  });
}

/** Adds what was just seen done (an operation already noted is kept once); the newest MAX_ENTRIES stay. */
export function recordReached(storage: StorageLike, scope: Scope, seen: readonly Reached[]): void {
  if (seen.length === 0) return;
  const known = loadReached(storage, scope);
  const fresh = seen.filter(
    (s) => !known.some((k) => k.cluster === s.cluster && k.action === s.action && Math.abs(k.startedAt - s.startedAt) < SAME_OPERATION_MS),
  );
  if (fresh.length === 0) return;
  const next = [...known, ...fresh].sort((a, b) => a.startedAt - b.startedAt).slice(-MAX_ENTRIES);
  try {
    storage.setItem(keyOf(scope), JSON.stringify(next));
  } catch {
    // storage full or disabled: the activity just shows no duration
  }
}

/** The note of an accepted action of the audit trail, if this browser saw it through. */
export function reachedFor(entry: { at: number; action: string; cluster: string }, reached: readonly Reached[]): Reached | undefined {
  return reached.find((r) => r.cluster === entry.cluster && r.action === entry.action && Math.abs(r.startedAt - entry.at) < SAME_OPERATION_MS);
}
