// Keyed polling for what is on screen.
// - A key is polled only while at least one watcher (a mounted view) holds it; its interval is the
//   shortest any watcher asks for, measured from the end of the previous request.
// - Never two requests in flight for one key: a refresh asked for during a request runs right after it.
// - While the page is hidden nothing starts; when it is shown again every overdue key loads at once.
// - Snapshots keep the last data through errors, and stay cached after the last watcher leaves, so a
//   view that comes back shows something at once (and loads when its key is due).
// - A poll of a key that already shows data runs quietly: `loading` is only shown for a first load or an asked-for
//   refresh, and a load that answers the very same data (the API client's answer to a 304) changes nothing, so
//   no listener runs and no view re-renders.
// Timers and visibility are passed in, so tests drive the clock by hand.

export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface VisibilitySource {
  isVisible(): boolean;
  subscribe(listener: () => void): () => void;
}

export interface PollSnapshot<T> {
  data?: T;
  error?: unknown;
  /** A request is in flight. */
  loading: boolean;
  /** When the last successful load ended. */
  updatedAt?: number;
}

export interface PollHandle {
  setInterval(ms: number): void;
  close(): void;
}

export interface Poller {
  watch<T>(key: string, load: () => Promise<T>, intervalMs: number): PollHandle;
  /** Load now (or right after the request in flight). While hidden: load as soon as the page is shown. */
  refresh(key: string): void;
  get<T>(key: string): PollSnapshot<T> | undefined;
  /** Listen to snapshot changes of one key. */
  subscribe(key: string, listener: () => void): () => void;
  /** Keys being polled now, with their interval: what one tick costs. */
  active(): { key: string; intervalMs: number; inFlight: boolean }[];
  /** Requests started since creation, per key (diagnostics and tests). */
  startedCount(key?: string): number;
  dispose(): void;
}

interface Entry {
  key: string;
  load: () => Promise<unknown>;
  watchers: Map<number, number>;
  snapshot: PollSnapshot<unknown>;
  inFlight: boolean;
  /** A refresh was asked for while a request was in flight. */
  again: boolean;
  /** The next request was asked for (refresh): it shows `loading`. */
  asked: boolean;
  /** End of the last request; undefined = due now. */
  settledAt?: number;
  listeners: Set<() => void>;
  started: number;
}

export function createPoller(deps: { scheduler: Scheduler; visibility: VisibilitySource }): Poller {
  const { scheduler, visibility } = deps;
  const entries = new Map<string, Entry>();
  let timer: unknown = undefined;
  let nextWatcherId = 1;
  let disposed = false;

  const entryFor = (key: string): Entry => {
    let entry = entries.get(key);
    if (!entry) {
      entry = {
        key,
        load: () => Promise.resolve(undefined),
        watchers: new Map(),
        snapshot: { loading: false },
        inFlight: false,
        again: false,
        asked: false,
        listeners: new Set(),
        started: 0,
      };
      entries.set(key, entry);
    }
    return entry;
  };

  const intervalOf = (entry: Entry) => Math.min(...entry.watchers.values());
  const dueAt = (entry: Entry) => (entry.settledAt === undefined ? -Infinity : entry.settledAt + intervalOf(entry));

  const setSnapshot = (entry: Entry, snapshot: PollSnapshot<unknown>) => {
    entry.snapshot = snapshot;
    for (const listener of [...entry.listeners]) listener();
  };

  const start = (entry: Entry) => {
    entry.inFlight = true;
    entry.again = false;
    entry.started += 1;
    const shown = entry.snapshot.data !== undefined && entry.snapshot.error === undefined;
    if (!shown || entry.asked) setSnapshot(entry, { ...entry.snapshot, loading: true });
    entry.asked = false;
    // A load that throws instead of rejecting settles the same way (the executor turns the throw into a rejection).
    const request = new Promise<unknown>((resolve) => {
      resolve(entry.load());
    });
    request.then(
      (data) =>
        data === entry.snapshot.data && entry.snapshot.error === undefined && !entry.snapshot.loading
          ? settle(entry, entry.snapshot) // unchanged: the snapshot stays the same object
          : settle(entry, { data, error: undefined, loading: false, updatedAt: scheduler.now() }),
      (error: unknown) => settle(entry, { ...entry.snapshot, error, loading: false }),
    );
  };

  const settle = (entry: Entry, snapshot: PollSnapshot<unknown>) => {
    entry.inFlight = false;
    entry.settledAt = scheduler.now();
    if (entry.again) entry.settledAt = undefined; // due at once
    entry.again = false;
    if (snapshot !== entry.snapshot) setSnapshot(entry, snapshot);
    pump();
  };

  /** Starts every due key and sets one timer for the next. */
  const pump = () => {
    if (disposed) return;
    if (timer !== undefined) {
      scheduler.clearTimeout(timer);
      timer = undefined;
    }
    if (!visibility.isVisible()) return;
    const now = scheduler.now();
    let next = Infinity;
    for (const entry of entries.values()) {
      if (entry.watchers.size === 0 || entry.inFlight) continue;
      const due = dueAt(entry);
      if (due <= now) start(entry);
      else next = Math.min(next, due);
    }
    if (next !== Infinity) timer = scheduler.setTimeout(pump, Math.max(0, next - now));
  };

  const unsubscribeVisibility = visibility.subscribe(() => pump());

  return {
    watch<T>(key: string, load: () => Promise<T>, intervalMs: number): PollHandle {
      const entry = entryFor(key);
      const id = nextWatcherId++;
      entry.load = load;
      entry.watchers.set(id, intervalMs);
      pump();
      return {
        setInterval(ms: number) {
          if (!entry.watchers.has(id) || entry.watchers.get(id) === ms) return;
          entry.watchers.set(id, ms);
          pump();
        },
        close() {
          if (entry.watchers.delete(id)) pump();
        },
      };
    },

    refresh(key) {
      const entry = entries.get(key);
      if (!entry || entry.watchers.size === 0) return;
      entry.asked = true;
      if (entry.inFlight) entry.again = true;
      else entry.settledAt = undefined;
      pump();
    },

    get<T>(key: string) {
      return entries.get(key)?.snapshot as PollSnapshot<T> | undefined;
    },

    subscribe(key, listener) {
      const entry = entryFor(key);
      entry.listeners.add(listener);
      return () => entry.listeners.delete(listener);
    },

    active() {
      return [...entries.values()].filter((e) => e.watchers.size > 0).map((e) => ({ key: e.key, intervalMs: intervalOf(e), inFlight: e.inFlight }));
    },

    startedCount(key) {
      if (key !== undefined) return entries.get(key)?.started ?? 0;
      let total = 0;
      for (const e of entries.values()) total += e.started;
      return total;
    },

    dispose() {
      disposed = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
      unsubscribeVisibility();
    },
  };
}
