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

/**
 * Polls several keys of one kind while the calling view is mounted (the jobs of each running cluster, say): the
 * list of keys may change between renders; each key is watched, and read, like usePoll's.
 */
export function usePolls<T>(entries: readonly { key: string; load: () => Promise<T> }[], intervalMs: number): PollSnapshot<T>[] {
  const { poller } = useServices();
  const [, setVersion] = useState(0);
  const loads = useRef(new Map<string, () => Promise<T>>());
  const handles = useRef(new Map<string, PollHandle>());
  const intervalRef = useRef(intervalMs);
  useEffect(() => {
    loads.current = new Map(entries.map((e) => [e.key, e.load]));
  });
  const keys = entries.map((e) => e.key).join('\n');

  useEffect(() => {
    const watched = keys ? keys.split('\n') : [];
    const stops = watched.flatMap((key) => {
      const handle = poller.watch(key, () => (loads.current.get(key) ?? (() => Promise.reject(new Error(`no loader for ${key}`))))(), intervalRef.current);
      handles.current.set(key, handle);
      const unsubscribe = poller.subscribe(key, () => setVersion((v) => v + 1));
      return [
        () => {
          handle.close();
          handles.current.delete(key);
        },
        unsubscribe,
      ];
    });
    setVersion((v) => v + 1);
    return () => stops.forEach((stop) => stop());
  }, [poller, keys]);

  useEffect(() => {
    intervalRef.current = intervalMs;
    for (const handle of handles.current.values()) handle.setInterval(intervalMs);
  }, [intervalMs]);

  return entries.map((e) => poller.get<T>(e.key) ?? IDLE);
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
