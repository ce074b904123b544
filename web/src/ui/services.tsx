// The app's dependencies (built once in main.tsx) and the hooks that bind them to React.
import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ApiClient, Scope } from '../lib/api.js';
import type { Poller, PollHandle, PollSnapshot } from '../lib/poller.js';
import type { LocalTransition, StorageLike, TransitionStore } from '../lib/transitionStore.js';

export interface Services {
  api: ApiClient;
  poller: Poller;
  transitions: TransitionStore;
  storage: StorageLike;
  now: () => number;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('ServicesContext is missing');
  return services;
}

const IDLE: PollSnapshot<never> = { loading: false };
const noop = () => () => {};

/** Polls `key` while the calling view is mounted (key null: nothing). */
export function usePoll<T>(key: string | null, load: () => Promise<T>, intervalMs: number): PollSnapshot<T> {
  const { poller } = useServices();
  const loadRef = useRef(load);
  const handleRef = useRef<PollHandle | null>(null);
  const intervalRef = useRef(intervalMs);
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    if (!key) return;
    const handle = poller.watch(key, () => loadRef.current(), intervalRef.current);
    handleRef.current = handle;
    return () => {
      handle.close();
      handleRef.current = null;
    };
  }, [poller, key]);

  useEffect(() => {
    intervalRef.current = intervalMs;
    handleRef.current?.setInterval(intervalMs);
  }, [intervalMs]);

  const subscribe = useCallback((onChange: () => void) => (key ? poller.subscribe(key, onChange) : noop()), [poller, key]);
  const read = () => (key ? poller.get<T>(key) : undefined);
  const snapshot = useSyncExternalStore(subscribe, read, read);
  return snapshot ?? IDLE;
}

/** The scope's open transitions from this browser, live across tabs. */
export function useLocalTransitions(scope: Scope): readonly LocalTransition[] {
  const { transitions } = useServices();
  const read = () => transitions.list(scope);
  return useSyncExternalStore(
    useCallback((onChange: () => void) => transitions.subscribe(onChange), [transitions]),
    read,
    read,
  );
}

/** A clock for ages and deadlines, ticking every `periodMs`. */
export function useNow(periodMs: number): number {
  const { now } = useServices();
  const [value, setValue] = useState(now);
  useEffect(() => {
    const id = window.setInterval(() => setValue(now()), periodMs);
    return () => window.clearInterval(id);
  }, [now, periodMs]);
  return value;
}
