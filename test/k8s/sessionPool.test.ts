import { describe, expect, it } from 'vitest';
import { PoolClosedError, SessionPool, type SessionKey, type SessionPoolOptions } from '../../shared/k8s/sessionPool.js';
import { clampPoolSize, loadConfig } from '../../shared/config.js';

// Deterministic: an injected clock, fake sessions, deferred promises; no sleeps, no timers.

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and the promise chains they start) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

class FakeSession {
  closeCalls = 0;
  closed = false;
  /** Replaces the default close: a hanging or failing teardown. */
  closeWith?: () => Promise<void>;
  constructor(readonly name: string) {}
  async close(): Promise<void> {
    this.closeCalls += 1;
    if (this.closeWith) return this.closeWith();
    this.closed = true;
  }
}

const S = 1000;
const T0 = 1_700_000_000_000;

function key(cluster: string, admin = false, resourceGroup = 'rg-elb-01'): SessionKey {
  return { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup, cluster, admin };
}

interface HarnessOptions extends Partial<SessionPoolOptions<FakeSession>> {
  credentialLifetimeMs?: (k: SessionKey) => number;
  /** Runs at the start of every creation (1-based call number): hold it, fail it. */
  before?: (call: number, signal: AbortSignal) => Promise<void>;
}

function harness(options: HarnessOptions = {}) {
  let now = T0;
  const created: FakeSession[] = [];
  const signals: AbortSignal[] = [];
  const logs: string[] = [];
  const scheduled: { fn: () => void; ms: number }[] = [];
  const lifetime = options.credentialLifetimeMs ?? (() => 3600 * S);
  let calls = 0;
  const pool = new SessionPool<FakeSession>({
    ttlSeconds: 300,
    maxEntries: 32,
    now: () => now,
    log: (message) => logs.push(message),
    schedule: (fn, ms) => scheduled.push({ fn, ms }),
    factory: async (k, signal) => {
      calls += 1;
      signals.push(signal);
      await options.before?.(calls, signal);
      const session = new FakeSession(`${k.cluster}${k.admin ? ':admin' : ''}#${created.length + 1}`);
      created.push(session);
      return { session, expiresAt: now + lifetime(k) };
    },
    ...options,
  });
  return {
    pool,
    created,
    signals,
    logs,
    scheduled,
    get calls() {
      return calls;
    },
    advance(ms: number) {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

describe('SessionPool: reuse and TTL', () => {
  it('hands the same session to sequential callers of one key within the TTL (hit)', async () => {
    const h = harness();
    const first = await h.pool.acquire(key('aks-a'));
    await first.close();
    h.advance(299 * S);
    const second = await h.pool.acquire(key('aks-a'));
    expect(second.session).toBe(first.session);
    expect(second.pooled).toBe(true);
    expect(h.created).toHaveLength(1);
    expect(h.pool.stats()).toMatchObject({ hits: 1, misses: 1, creations: 1, size: 1 });
  });

  it('expires an entry at the configured TTL, retires it and creates a new one', async () => {
    const h = harness({ ttlSeconds: 120 });
    const first = await h.pool.acquire(key('aks-a'));
    await first.close();
    expect(first.expiresAt).toBe(T0 + 120 * S);
    h.advance(120 * S);
    const second = await h.pool.acquire(key('aks-a'));
    expect(second.session).not.toBe(first.session);
    await flush();
    expect(h.created[0]!.closed).toBe(true);
    expect(h.pool.stats()).toMatchObject({ expiries: 1, creations: 2, retired: 1 });
  });

  it('clamps the TTL by the credential expiry reported by the factory (cert notAfter, token expiry)', async () => {
    const h = harness({ ttlSeconds: 300, credentialLifetimeMs: () => 90 * S });
    const first = await h.pool.acquire(key('aks-a'));
    await first.close();
    expect(first.expiresAt).toBe(T0 + 90 * S);
    h.advance(89 * S);
    expect((await h.pool.acquire(key('aks-a'))).session).toBe(first.session);
    h.advance(1 * S);
    expect((await h.pool.acquire(key('aks-a'))).session).not.toBe(first.session);
    expect(h.pool.stats().expiries).toBe(1);
  });

  it('close() of a pooled lease does not close the session', async () => {
    const h = harness();
    const lease = await h.pool.acquire(key('aks-a'));
    await lease.close();
    await lease.close();
    await flush();
    expect(h.created[0]!.closeCalls).toBe(0);
    expect((await h.pool.acquire(key('aks-a'))).session).toBe(lease.session);
  });
});

describe('SessionPool: one-shot sessions (effective TTL <= 0)', () => {
  it('with a TTL of 0 never pools, and close() really closes', async () => {
    const h = harness({ ttlSeconds: 0 });
    const lease = await h.pool.acquire(key('aks-a'));
    expect(lease.pooled).toBe(false);
    expect(h.pool.stats().size).toBe(0);
    await lease.close();
    expect(h.created[0]!.closed).toBe(true);
    const next = await h.pool.acquire(key('aks-a'));
    expect(next.session).not.toBe(lease.session);
  });

  it('when the credential is already expired (token expiry − 60 s in the past) the session is one-shot', async () => {
    const h = harness({ ttlSeconds: 300, credentialLifetimeMs: () => -5 * S });
    const lease = await h.pool.acquire(key('aks-a'));
    expect(lease.pooled).toBe(false);
    await lease.close();
    expect(h.created[0]!.closed).toBe(true);
  });

  it('a one-shot session shared by a single flight closes when its last lease is released', async () => {
    const gate = deferred();
    const h = harness({ ttlSeconds: 0, before: () => gate.promise });
    const a = h.pool.acquire(key('aks-a'));
    const b = h.pool.acquire(key('aks-a'));
    gate.resolve();
    const [leaseA, leaseB] = await Promise.all([a, b]);
    expect(leaseA.session).toBe(leaseB.session);
    expect(h.created).toHaveLength(1);
    await leaseA.close();
    expect(h.created[0]!.closed).toBe(false);
    await leaseB.close();
    expect(h.created[0]!.closed).toBe(true);
  });

  it('closes a one-shot session whose every caller gave up before it was made', async () => {
    const gate = deferred();
    const h = harness({ ttlSeconds: 0, before: () => gate.promise });
    const impatient = new AbortController();
    const pending = h.pool.acquire(key('aks-a'), impatient.signal);
    impatient.abort(new Error('caller timed out'));
    await expect(pending).rejects.toThrow('caller timed out');
    gate.resolve();
    await flush();
    expect(h.created).toHaveLength(1);
    expect(h.created[0]!.closed).toBe(true);
    expect(h.scheduled).toHaveLength(0);
  });
});

describe('SessionPool: bound and eviction', () => {
  it('over the bound evicts the entry closest to expiry, not the oldest', async () => {
    const lifetimes: Record<string, number> = { 'aks-a': 200 * S, 'aks-b': 50 * S, 'aks-c': 250 * S };
    const h = harness({ maxEntries: 2, credentialLifetimeMs: (k) => lifetimes[k.cluster]! });
    for (const name of ['aks-a', 'aks-b', 'aks-c']) await (await h.pool.acquire(key(name))).close();
    await flush();
    const [a, b, c] = h.created;
    expect(b!.closed).toBe(true);
    expect(a!.closed).toBe(false);
    expect(c!.closed).toBe(false);
    expect(h.pool.stats()).toMatchObject({ evictions: 1, size: 2 });
    expect((await h.pool.acquire(key('aks-a'))).session).toBe(a);
  });

  it('drops expired entries before evicting a live one', async () => {
    const lifetimes: Record<string, number> = { 'aks-a': 10 * S, 'aks-b': 200 * S, 'aks-c': 200 * S };
    const h = harness({ maxEntries: 2, credentialLifetimeMs: (k) => lifetimes[k.cluster]! });
    await (await h.pool.acquire(key('aks-a'))).close();
    await (await h.pool.acquire(key('aks-b'))).close();
    h.advance(20 * S);
    await (await h.pool.acquire(key('aks-c'))).close();
    expect(h.pool.stats()).toMatchObject({ expiries: 1, evictions: 0, size: 2 });
  });

  it('the config bound: every whole number clamped into [1, 4096], anything else a clear config error', () => {
    const env = { TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    expect(loadConfig(env).k8s.sessionMaxEntries).toBe(32);
    expect(loadConfig({ ...env, K8S_SESSION_POOL_MAX_ENTRIES: '-3' }).k8s.sessionMaxEntries).toBe(1);
    expect(loadConfig({ ...env, K8S_SESSION_POOL_MAX_ENTRIES: '0' }).k8s.sessionMaxEntries).toBe(1);
    expect(loadConfig({ ...env, K8S_SESSION_POOL_MAX_ENTRIES: '100000' }).k8s.sessionMaxEntries).toBe(4096);
    expect(loadConfig({ ...env, K8S_SESSION_POOL_MAX_ENTRIES: ' 7 ' }).k8s.sessionMaxEntries).toBe(7);
    for (const bad of ['lots', '2.5', '1e3', '0x10']) {
      expect(() => loadConfig({ ...env, K8S_SESSION_POOL_MAX_ENTRIES: bad })).toThrow(
        `Setting K8S_SESSION_POOL_MAX_ENTRIES: expected a whole number, got "${bad}"`,
      );
    }
    expect(clampPoolSize(undefined)).toBe(32);
  });

  it('the TTL: a negative one behaves like 0 (one-shot sessions)', async () => {
    const env = { TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    expect(loadConfig({ ...env, K8S_SESSION_POOL_TTL_SECONDS: '45' }).k8s.sessionTtlSeconds).toBe(45);
    expect(loadConfig({ ...env, K8S_SESSION_POOL_TTL_SECONDS: '-5' }).k8s.sessionTtlSeconds).toBe(0);
    const h = harness({ ttlSeconds: -5 });
    const lease = await h.pool.acquire(key('aks-a'));
    expect(lease.pooled).toBe(false);
    await lease.close();
    expect(h.created[0]!.closed).toBe(true);
    expect(h.pool.stats()).toMatchObject({ size: 0 });
  });

  it('the newcomer is an eviction candidate too: if it expires first, it is the one left out (used one-shot)', async () => {
    const lifetimes: Record<string, number> = { 'aks-a': 200 * S, 'aks-b': 250 * S, 'aks-c': 30 * S };
    const h = harness({ maxEntries: 2, credentialLifetimeMs: (k) => lifetimes[k.cluster]! });
    await (await h.pool.acquire(key('aks-a'))).close();
    await (await h.pool.acquire(key('aks-b'))).close();
    const newcomer = await h.pool.acquire(key('aks-c'));
    expect(newcomer.pooled).toBe(false);
    await newcomer.close();
    await flush();
    const [a, b, c] = h.created;
    expect([a!.closed, b!.closed, c!.closed]).toEqual([false, false, true]);
    expect(h.pool.stats()).toMatchObject({ evictions: 1, size: 2 });
  });

  it('use with retireIf: a result showing a bad session retires it at once and runs once more with a new one', async () => {
    const h = harness();
    await h.pool.use(key('aks-a'), async () => 'warm');
    const seen: string[] = [];
    const result = await h.pool.use(
      key('aks-a'),
      async (session) => {
        seen.push(session.name);
        return seen.length === 1 ? 'refused' : 'ok';
      },
      undefined,
      { retireIf: (r) => r === 'refused' },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual(['aks-a#1', 'aks-a#2']);
    await flush();
    expect(h.created[0]!.closed).toBe(true);
    expect(h.pool.stats()).toMatchObject({ faultRetires: 1, size: 1 });
    // Once only: a second bad result is answered as is.
    expect(await h.pool.use(key('aks-a'), async () => 'refused', undefined, { retireIf: (r) => r === 'refused' })).toBe('refused');
    expect(h.pool.stats()).toMatchObject({ faultRetires: 2 });
  });

  it('a bound of 1 keeps exactly one entry', async () => {
    const h = harness({ maxEntries: 1 });
    await (await h.pool.acquire(key('aks-a'))).close();
    await (await h.pool.acquire(key('aks-b'))).close();
    expect(h.pool.stats()).toMatchObject({ size: 1, evictions: 1 });
  });
});

describe('SessionPool: single flight and key isolation', () => {
  it('concurrent misses of one key share one creation', async () => {
    const gate = deferred();
    const h = harness({ before: () => gate.promise });
    const waiting = Array.from({ length: 5 }, () => h.pool.acquire(key('aks-a')));
    await flush();
    expect(h.calls).toBe(1);
    expect(h.pool.stats().inFlight).toBe(1);
    gate.resolve();
    const leases = await Promise.all(waiting);
    expect(new Set(leases.map((l) => l.session)).size).toBe(1);
    expect(h.pool.stats()).toMatchObject({ creations: 1, misses: 5, inFlight: 0, size: 1 });
  });

  it('a failed creation fails every waiter of that flight, and the next acquire tries again', async () => {
    const gate = deferred();
    const h = harness({
      before: async (call) => {
        if (call === 1) {
          await gate.promise;
          throw new Error('ARM said 503');
        }
      },
    });
    const waiting = [h.pool.acquire(key('aks-a')), h.pool.acquire(key('aks-a'))];
    gate.resolve();
    for (const p of waiting) await expect(p).rejects.toThrow('ARM said 503');
    const lease = await h.pool.acquire(key('aks-a'));
    expect(lease.pooled).toBe(true);
    expect(h.calls).toBe(2);
    expect(h.pool.stats()).toMatchObject({ creationFailures: 1, creations: 1 });
  });

  it('a caller giving up (its signal) leaves the shared creation running for the others', async () => {
    const gate = deferred();
    const h = harness({ before: () => gate.promise });
    const impatient = new AbortController();
    const a = h.pool.acquire(key('aks-a'), impatient.signal);
    const b = h.pool.acquire(key('aks-a'));
    impatient.abort(new Error('caller timed out'));
    await expect(a).rejects.toThrow('caller timed out');
    expect(h.signals[0]?.aborted ?? false).toBe(false);
    gate.resolve();
    expect((await b).pooled).toBe(true);
  });

  it('keeps admin and user sessions, and different clusters, apart; names are case-insensitive', async () => {
    const h = harness();
    const user = await h.pool.acquire(key('aks-a', false));
    const admin = await h.pool.acquire(key('aks-a', true));
    const other = await h.pool.acquire(key('aks-b', false));
    const otherGroup = await h.pool.acquire(key('aks-a', false, 'rg-elb-01-blue'));
    const sessions = new Set([user.session, admin.session, other.session, otherGroup.session]);
    expect(sessions.size).toBe(4);
    const sameButUpper = await h.pool.acquire({ ...key('AKS-A', false), resourceGroup: 'RG-ELB-01' });
    expect(sameButUpper.session).toBe(user.session);
    expect(h.pool.stats()).toMatchObject({ creations: 4, hits: 1, size: 4 });
  });
});

describe('SessionPool: retiring never blocks callers', () => {
  it('an acquire that expires an entry does not wait for its hanging socket teardown', async () => {
    const h = harness({ ttlSeconds: 60 });
    const first = await h.pool.acquire(key('aks-a'));
    await first.close();
    const teardown = deferred();
    h.created[0]!.closeWith = () => teardown.promise;
    h.advance(60 * S);
    const second = await h.pool.acquire(key('aks-a'));
    expect(second.session).not.toBe(first.session);
    await flush();
    expect(h.created[0]!.closeCalls).toBe(1);
    expect(h.pool.stats().retired).toBe(0);
    // Another key is served while the teardown still hangs.
    expect((await h.pool.acquire(key('aks-b'))).pooled).toBe(true);
    teardown.resolve();
    await flush();
    expect(h.pool.stats().retired).toBe(1);
  });

  it('an acquire that evicts does not wait for the teardown, nor fail when it throws synchronously', async () => {
    const h = harness({ maxEntries: 1 });
    await (await h.pool.acquire(key('aks-a'))).close();
    h.created[0]!.closeWith = () => {
      throw new Error('socket already gone');
    };
    const b = await h.pool.acquire(key('aks-b'));
    expect(b.pooled).toBe(true);
    await flush();
    expect(h.pool.stats()).toMatchObject({ evictions: 1, retireFailures: 1 });
    expect(h.logs.some((line) => line.includes('closing a session failed'))).toBe(true);
  });

  it('does not close a session under a caller still using it; closes it when released', async () => {
    const h = harness({ ttlSeconds: 60 });
    const inUse = await h.pool.acquire(key('aks-a'));
    h.advance(60 * S);
    await (await h.pool.acquire(key('aks-a'))).close();
    await flush();
    expect(h.created[0]!.closeCalls).toBe(0);
    await inUse.close();
    await flush();
    expect(h.created[0]!.closed).toBe(true);
  });

  it('closes a retired session anyway after the grace period when its lease is never released', async () => {
    const h = harness({ ttlSeconds: 60, retireGraceMs: 30 * S });
    await h.pool.acquire(key('aks-a'));
    h.advance(60 * S);
    await h.pool.acquire(key('aks-a'));
    expect(h.scheduled).toHaveLength(1);
    expect(h.scheduled[0]!.ms).toBe(30 * S);
    h.scheduled[0]!.fn();
    await flush();
    expect(h.created[0]!.closed).toBe(true);
  });
});

describe('SessionPool: resetPool and drain', () => {
  it('resetPool retires every entry, isolating a failing retire, and the pool keeps serving', async () => {
    const h = harness();
    for (const name of ['aks-a', 'aks-b', 'aks-c']) await (await h.pool.acquire(key(name))).close();
    h.created[1]!.closeWith = async () => {
      throw new Error('close failed');
    };
    await expect(h.pool.resetPool()).resolves.toBeUndefined();
    expect(h.created[0]!.closed).toBe(true);
    expect(h.created[2]!.closed).toBe(true);
    expect(h.created[1]!.closeCalls).toBe(1);
    expect(h.pool.stats()).toMatchObject({ size: 0, retired: 2, retireFailures: 1 });
    const fresh = await h.pool.acquire(key('aks-b'));
    expect(fresh.session).toBe(h.created[3]);
  });

  it('resetPool does not make callers wait for a hanging teardown', async () => {
    const h = harness();
    await (await h.pool.acquire(key('aks-a'))).close();
    h.created[0]!.closeWith = () => new Promise<void>(() => {});
    void h.pool.resetPool();
    const lease = await h.pool.acquire(key('aks-a'));
    expect(lease.session).toBe(h.created[1]);
  });

  it('a creation in flight during resetPool serves its callers but is not pooled', async () => {
    const gate = deferred();
    const h = harness({ before: () => gate.promise });
    const pending = h.pool.acquire(key('aks-a'));
    await flush();
    void h.pool.resetPool();
    gate.resolve();
    const lease = await pending;
    expect(lease.pooled).toBe(false);
    await lease.close();
    expect(lease.session.closed).toBe(true);
    expect(h.pool.stats().size).toBe(0);
  });

  it('drain aborts creations, closes every session (held ones too) and refuses new acquires', async () => {
    const h = harness({
      // The third creation waits until aborted, as a real one waiting on ARM would.
      before: (call, signal) =>
        call < 3
          ? Promise.resolve()
          : new Promise<void>((_, reject) => {
              signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
            }),
    });
    await (await h.pool.acquire(key('aks-a'))).close();
    const held = await h.pool.acquire(key('aks-b'));
    const inFlight = h.pool.acquire(key('aks-c'));
    await flush();
    await h.pool.drain();
    expect(h.signals.at(-1)!.aborted).toBe(true);
    await expect(inFlight).rejects.toBeInstanceOf(PoolClosedError);
    expect(h.created[0]!.closed).toBe(true);
    expect(held.session.closed).toBe(true);
    await expect(h.pool.acquire(key('aks-a'))).rejects.toBeInstanceOf(PoolClosedError);
  });
});

describe('SessionPool: metrics', () => {
  it('counts hits, misses, creations, evictions and expiries', async () => {
    const h = harness({ ttlSeconds: 100, maxEntries: 2 });
    await (await h.pool.acquire(key('aks-a'))).close(); // miss, creation
    await (await h.pool.acquire(key('aks-a'))).close(); // hit
    h.advance(10 * S);
    await (await h.pool.acquire(key('aks-b'))).close(); // miss, creation
    await (await h.pool.acquire(key('aks-c'))).close(); // miss, creation, evicts aks-a (soonest)
    h.advance(100 * S);
    await (await h.pool.acquire(key('aks-b'))).close(); // expired: miss, expiry, creation (+ aks-c expiry on insert)
    await flush();
    expect(h.pool.stats()).toEqual({
      hits: 1,
      misses: 4,
      creations: 4,
      creationFailures: 0,
      evictions: 1,
      expiries: 2,
      retired: 3,
      retireFailures: 0,
      faultRetires: 0,
      size: 1,
      inFlight: 0,
    });
  });
});
