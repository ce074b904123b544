// A bounded pool of Kubernetes sessions, one per (subscription, resource group, cluster, admin), in the spirit of
// client-go's transport/cache.go: its key, its bound, its metrics, in one file.
//
// Rules (docs/architecture.md §5):
// - an entry lives min(TTL, the credential's own expiry) — the factory reports the credential's expiry;
// - over the bound, the entry closest to expiry goes, whoever it is: the newcomer too (then it is not pooled, and
//   its callers use it one-shot);
// - concurrent misses of one key share one creation (single flight);
// - effective TTL <= 0: the session is never pooled (one-shot) and its lease's close() really closes it;
// - close() of a pooled lease does not close the session;
// - retiring a session (closing its sockets) never runs inside acquire(): it is scheduled, its errors are logged,
//   and nobody awaits it except drain() and one-shot owners closing their own session;
// - a retired session still held by a caller is closed when its last lease is released (so a read that started
//   just before expiry is not cut off mid-flight), or after a grace period if a lease is never released;
// - use() with retireIf: a result that says the session is bad (401, refused, reset, TLS) retires that session at
//   once and the work runs once more with a new one (as client-go keys its transport cache by TLS material).
// All bookkeeping is synchronous; no await happens while the maps are being changed, so there is no lock to hold.
import { untilAborted } from './upstream.js';

export interface SessionKey {
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  /** true: cluster-admin client certificate; false: user credentials with an Entra token. */
  admin: boolean;
}

export interface Closeable {
  close(): Promise<void>;
}

export interface CreatedSession<S> {
  session: S;
  /** Epoch ms at which the session's credential stops being usable (cert notAfter, token expiry − margin). */
  expiresAt: number;
}

export type SessionFactory<S> = (key: SessionKey, signal: AbortSignal) => Promise<CreatedSession<S>>;

export interface SessionLease<S> {
  readonly session: S;
  /** false: a one-shot session, closed by close(). */
  readonly pooled: boolean;
  readonly expiresAt: number;
  /** Pooled: releases the lease, the session stays open. One-shot: closes the session (once its last lease is released). */
  close(): Promise<void>;
}

export interface SessionPoolStats {
  hits: number;
  misses: number;
  creations: number;
  creationFailures: number;
  evictions: number;
  expiries: number;
  retired: number;
  retireFailures: number;
  /** Sessions retired because a result said they were bad (each followed by one retry). */
  faultRetires: number;
  /** Pooled entries now. */
  size: number;
  /** Creations in flight now. */
  inFlight: number;
}

export interface SessionPoolOptions<S extends Closeable> {
  factory: SessionFactory<S>;
  /** config.k8s.sessionTtlSeconds. */
  ttlSeconds: number;
  /** config.k8s.sessionMaxEntries (already clamped into [1, 4096] by loadConfig). */
  maxEntries: number;
  /** Epoch ms; injected by tests. */
  now?: () => number;
  log?: (message: string, error?: unknown) => void;
  /** A retired session whose lease was never released is closed after this long. Default 60 s. */
  retireGraceMs?: number;
  /** Timer for the grace period; injected by tests. Default: an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => void;
}

export class PoolClosedError extends Error {
  constructor() {
    super('The Kubernetes session pool has been drained');
    this.name = 'PoolClosedError';
  }
}

/** Azure resource names are case-insensitive; one cluster must not get two entries. */
export function sessionKeyId(key: SessionKey): string {
  return JSON.stringify([key.subscriptionId.toLowerCase(), key.resourceGroup.toLowerCase(), key.cluster.toLowerCase(), key.admin]);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- S carries the pool's session type through slot.session, so the pool needs no casts.
class Slot<S extends Closeable> {
  session?: S;
  expiresAt = 0;
  /** Leases handed out and not yet closed. */
  holders = 0;
  /** Callers of the creation that have not taken their lease yet. */
  waiting = 0;
  inPool = false;
  graceScheduled = false;
  closing?: Promise<void>;
}

interface Flight<S extends Closeable> {
  slot: Slot<S>;
  promise: Promise<Slot<S>>;
  controller: AbortController;
}

export class SessionPool<S extends Closeable> {
  private readonly factory: SessionFactory<S>;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly log: (message: string, error?: unknown) => void;
  private readonly retireGraceMs: number;
  private readonly schedule: (fn: () => void, ms: number) => void;

  private readonly entries = new Map<string, Slot<S>>();
  private readonly flights = new Map<string, Flight<S>>();
  /** Sessions created and not yet closing: what drain() must close. */
  private readonly live = new Set<Slot<S>>();
  private readonly retiring = new Set<Promise<void>>();
  /** Bumped by resetPool(): creations started before a reset are not pooled. */
  private epoch = 0;
  private drained = false;
  private readonly counters = {
    hits: 0,
    misses: 0,
    creations: 0,
    creationFailures: 0,
    evictions: 0,
    expiries: 0,
    retired: 0,
    retireFailures: 0,
    faultRetires: 0,
  };

  constructor(options: SessionPoolOptions<S>) {
    this.factory = options.factory;
    this.ttlMs = Math.max(0, options.ttlSeconds) * 1000;
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries));
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((message, error) => console.warn(message, error instanceof Error ? error.message : ''));
    this.retireGraceMs = options.retireGraceMs ?? 60_000;
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms).unref());
  }

  async acquire(key: SessionKey, signal?: AbortSignal): Promise<SessionLease<S>> {
    if (this.drained) throw new PoolClosedError();
    signal?.throwIfAborted();
    const id = sessionKeyId(key);
    const entry = this.entries.get(id);
    if (entry) {
      if (entry.expiresAt > this.now()) {
        this.counters.hits += 1;
        return this.lease(entry);
      }
      this.counters.expiries += 1;
      this.unpool(id, entry);
    }
    this.counters.misses += 1;
    const flight = this.flights.get(id) ?? this.startFlight(id, key);
    const slot = flight.slot;
    slot.waiting += 1;
    try {
      await (signal ? untilAborted(flight.promise, signal) : flight.promise);
    } catch (error) {
      slot.waiting -= 1;
      this.retireIfUnused(slot);
      throw error;
    }
    slot.waiting -= 1;
    return this.lease(slot);
  }

  /**
   * acquire → fn(session) → close, whatever fn does. With retireIf: when it says fn's result shows a bad session,
   * that session leaves the pool at once (a newer one of the key stays) and fn runs once more with a new session.
   */
  async use<T>(key: SessionKey, fn: (session: S) => Promise<T>, signal?: AbortSignal, options: { retireIf?: (result: T) => boolean } = {}): Promise<T> {
    const first = await this.useOnce(key, fn, signal, options.retireIf);
    if (!first.retired) return first.result;
    return (await this.useOnce(key, fn, signal)).result;
  }

  private async useOnce<T>(
    key: SessionKey,
    fn: (session: S) => Promise<T>,
    signal?: AbortSignal,
    retireIf?: (result: T) => boolean,
  ): Promise<{ result: T; retired: boolean }> {
    const id = sessionKeyId(key);
    const lease = await this.acquire(key, signal);
    try {
      const result = await fn(lease.session);
      if (!retireIf?.(result)) return { result, retired: false };
      this.counters.faultRetires += 1;
      const entry = this.entries.get(id);
      if (entry?.session === lease.session) this.unpool(id, entry); // closed once this lease is released
      return { result, retired: true };
    } finally {
      await lease.close();
    }
  }

  /**
   * Retires every entry (each close isolated: one failure neither stops the others nor throws) and makes creations
   * already in flight one-shot. The pool is usable again at once; the promise settles when the closes have.
   */
  resetPool(): Promise<void> {
    this.epoch += 1;
    this.flights.clear();
    const closes: Promise<void>[] = [];
    for (const [id, slot] of [...this.entries]) {
      this.unpool(id, slot);
      if (slot.closing) closes.push(slot.closing);
    }
    return Promise.all(closes).then(() => undefined);
  }

  /** Process exit: refuse new acquires, abort creations, close every session (held or not) and wait for it. */
  async drain(): Promise<void> {
    this.drained = true;
    const flights = [...this.flights.values()];
    this.flights.clear();
    for (const flight of flights) flight.controller.abort(new PoolClosedError());
    for (const [id, slot] of [...this.entries]) {
      this.entries.delete(id);
      slot.inPool = false;
    }
    await Promise.allSettled(flights.map((flight) => flight.promise));
    for (const slot of [...this.live]) this.retire(slot);
    await Promise.allSettled([...this.retiring]);
  }

  stats(): SessionPoolStats {
    return { ...this.counters, size: this.entries.size, inFlight: this.flights.size };
  }

  private startFlight(id: string, key: SessionKey): Flight<S> {
    const flight: Flight<S> = {
      slot: new Slot<S>(),
      controller: new AbortController(),
      promise: undefined as unknown as Promise<Slot<S>>,
    };
    this.flights.set(id, flight);
    flight.promise = this.create(id, key, flight);
    return flight;
  }

  private async create(id: string, key: SessionKey, flight: Flight<S>): Promise<Slot<S>> {
    const epoch = this.epoch;
    const slot = flight.slot;
    try {
      const created = await this.factory(key, flight.controller.signal);
      this.counters.creations += 1;
      slot.session = created.session;
      this.live.add(slot);
      const now = this.now();
      slot.expiresAt = Math.min(now + this.ttlMs, created.expiresAt);
      if (this.drained) {
        this.retire(slot);
        throw new PoolClosedError();
      }
      const pooled = epoch === this.epoch && slot.expiresAt > now && this.insert(id, slot);
      // Not pooled and every caller gave up while it was being made: nobody will lease it, so nobody would close it.
      if (!pooled && slot.waiting === 0) this.retire(slot);
      return slot;
    } catch (error) {
      if (!(error instanceof PoolClosedError)) this.counters.creationFailures += 1;
      throw error;
    } finally {
      if (this.flights.get(id) === flight) this.flights.delete(id);
    }
  }

  /** Pools the slot, evicting the entry closest to expiry while over the bound; false when that is the newcomer. */
  private insert(id: string, slot: Slot<S>): boolean {
    const now = this.now();
    const previous = this.entries.get(id);
    if (previous) this.unpool(id, previous);
    for (const [otherId, other] of [...this.entries]) {
      if (other.expiresAt <= now) {
        this.counters.expiries += 1;
        this.unpool(otherId, other);
      }
    }
    while (this.entries.size >= this.maxEntries) {
      let soonest: [string, Slot<S>] | undefined;
      for (const candidate of this.entries) {
        if (!soonest || candidate[1].expiresAt < soonest[1].expiresAt) soonest = candidate;
      }
      this.counters.evictions += 1;
      // The newcomer expires first (strictly; on a tie the one just asked for stays): it is the one left out.
      if (!soonest || slot.expiresAt < soonest[1].expiresAt) return false;
      this.unpool(soonest[0], soonest[1]);
    }
    this.entries.set(id, slot);
    slot.inPool = true;
    return true;
  }

  private unpool(id: string, slot: Slot<S>): void {
    if (this.entries.get(id) === slot) this.entries.delete(id);
    slot.inPool = false;
    this.retireIfUnused(slot);
  }

  private lease(slot: Slot<S>): SessionLease<S> {
    const session = slot.session as S;
    const pooled = slot.inPool;
    slot.holders += 1;
    let released = false;
    return {
      session,
      pooled,
      expiresAt: slot.expiresAt,
      close: async () => {
        if (released) return;
        released = true;
        slot.holders -= 1;
        this.retireIfUnused(slot);
        // Only a one-shot owner waits, and only for its own session's teardown.
        if (!pooled && slot.closing) await slot.closing;
      },
    };
  }

  /** Closes a session that is out of the pool once nobody holds or is about to take it. */
  private retireIfUnused(slot: Slot<S>): void {
    if (slot.inPool || slot.closing || !slot.session) return;
    if (slot.holders === 0 && slot.waiting === 0) {
      this.retire(slot);
      return;
    }
    if (!slot.graceScheduled) {
      slot.graceScheduled = true;
      this.schedule(() => {
        if (!slot.closing) {
          this.log('k8s session pool: closing a retired session whose lease was never released');
          this.retire(slot);
        }
      }, this.retireGraceMs);
    }
  }

  /** Fire-and-forget close, outside the caller's path: errors are counted and logged, never thrown. */
  private retire(slot: Slot<S>): void {
    const session = slot.session;
    if (!session || slot.closing) return;
    this.live.delete(slot);
    const closing = Promise.resolve()
      .then(() => session.close())
      .then(
        () => {
          this.counters.retired += 1;
        },
        (error: unknown) => {
          this.counters.retireFailures += 1;
          this.log('k8s session pool: closing a session failed', error);
        },
      );
    slot.closing = closing;
    this.retiring.add(closing);
    void closing.finally(() => this.retiring.delete(closing));
  }
}
