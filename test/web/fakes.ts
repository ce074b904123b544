// Test doubles for the SPA's injected browser dependencies: a Web Storage stand-in, a hand-driven
// clock with timers, and page visibility. No DOM needed.
import type { Scheduler, VisibilitySource } from '../../web/src/lib/poller.js';
import type { StorageLike } from '../../web/src/lib/transitionStore.js';

export class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  failReads = false;
  failWrites = false;

  getItem(key: string): string | null {
    if (this.failReads) throw new Error('SecurityError: storage disabled');
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.items.delete(key);
  }
}

export class FakeClock implements Scheduler {
  time = 0;
  private nextId = 1;
  private timers: { id: number; at: number; callback: () => void }[] = [];

  now = () => this.time;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order and letting promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const next = [...this.timers].sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
    await flush();
  }
}

export class FakeVisibility implements VisibilitySource {
  private visible = true;
  private readonly listeners = new Set<() => void>();
  isVisible = () => this.visible;
  subscribe(listener: () => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(visible: boolean) {
    this.visible = visible;
    for (const l of [...this.listeners]) l();
  }
}

export { deferred, type Deferred } from '../setup/control.js';

/** Lets every queued promise callback run (a macrotask turn, not a timed wait). */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
