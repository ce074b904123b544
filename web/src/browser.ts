// The browser's side of the injected dependencies: timers, page visibility, storage.
import type { Scheduler, VisibilitySource } from './lib/poller.js';
import type { StorageLike } from './lib/transitionStore.js';

export const browserScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

export function documentVisibility(doc: Document): VisibilitySource {
  return {
    isVisible: () => doc.visibilityState !== 'hidden',
    subscribe(listener) {
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}

/** localStorage when the browser allows it (it throws in some privacy modes), else a page-lifetime map. */
export function browserStorage(): StorageLike {
  try {
    const storage = window.localStorage;
    const probe = '__elb_probe__';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}
