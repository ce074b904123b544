// Fresh readings this instance read from Table Storage moments ago, answered again for a short window without another
// Table round trip. A hot key (the cluster list every dashboard polls) then costs one Table read per window per
// instance instead of one per request: the request rate an instance sustains is no longer Azurite's or Table
// Storage's (2,000 entities/s per partition), and a hit answers in the time of the request pipeline.
//
// What it costs, and why it is safe: writes never use it (the guarded write, degraded writes and purges always read the
// table), so no invalidation can be undone by it. This instance's own purges and writes forget what they touch at once,
// and a Table read that overlapped one is not kept, so on the instance that acted the next read sees the change. Another
// instance's purge is seen here at most `windowMs` late, as if it had happened that much later; only complete, fresh
// readings are answered from here, so stale ones still schedule their refresh from what the table says now. A lifecycle
// action answers only once the window has passed after its purge (outlast): whoever learns of the action from its
// answer finds every instance's next read showing it.
import { setTimeout as delay } from 'node:timers/promises';
import type { StoredRow } from './core.js';
import { keyMatchesPrefix } from './keys.js';

/** Beyond this many keys the oldest are forgotten: memory stays bounded whatever the keys read. */
const MAX_KEYS = 5_000;

/** A row as the table answered it, its value decoded once and frozen: every reader shares it, none can change it. */
export interface Recent {
  row: StoredRow;
  value: unknown;
  readAtMs: number;
}

export class RecentReadings {
  private readonly rows = new Map<string, Recent>();
  /** Moves on with this instance's every write and purge: a Table read that started before one is not kept. */
  private epoch = 0;

  constructor(
    /** How long a row read from the table is answered again (0: never). */
    readonly windowMs: number,
    /** Monotonic milliseconds (performance.now), not the cache's clock: the window is real time on every instance. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Taken before a Table read, handed to keep() with its answer. */
  begin(): { epoch: number; atMs: number } {
    return { epoch: this.epoch, atMs: this.now() };
  }

  /**
   * Keeps a row the table answered and its decoded value, unless this instance wrote or purged while it was read.
   * The value is frozen (deeply) whether kept or not, so the reader that read it cannot tell the two apart.
   */
  keep(row: StoredRow, value: unknown, started: { epoch: number; atMs: number }): void {
    if (this.windowMs <= 0) return;
    deepFreeze(value);
    if (started.epoch !== this.epoch) return;
    const key = row.location.key;
    this.rows.delete(key); // re-inserted last: the Map's order is the order of reads, oldest first
    if (this.rows.size >= MAX_KEYS) this.rows.delete(this.rows.keys().next().value!);
    this.rows.set(key, { row, value, readAtMs: started.atMs });
  }

  /** The row the table answered for `key` within the window, and its value, if any. */
  recall(key: string): Recent | undefined {
    const entry = this.rows.get(key);
    if (!entry) return undefined;
    const elapsed = this.now() - entry.readAtMs;
    if (elapsed >= 0 && elapsed <= this.windowMs) return entry;
    this.rows.delete(key); // expired (or the clock went back): read the table again
    return undefined;
  }

  /** This instance wrote `key` (or noted a failure on it): its row is read from the table again. */
  forgetKey(key: string): void {
    this.epoch += 1;
    this.rows.delete(key);
  }

  /** This instance purged `prefix` (boundary-safe, as the purge): nothing under it is answered from here. */
  forgetPrefix(prefix: string): void {
    this.epoch += 1;
    for (const key of [...this.rows.keys()]) if (keyMatchesPrefix(key, prefix)) this.rows.delete(key);
  }

  /**
   * Resolves once the window has passed from now: by then no instance answers from its recent readings a row it read
   * before this call, so a purge that ended before it is seen by every instance's next read. Timers may fire early
   * by the age of the event loop's clock: waits until the monotonic clock says so.
   */
  async outlast(): Promise<void> {
    if (this.windowMs <= 0) return;
    const end = this.now() + this.windowMs;
    for (let left = this.windowMs; left >= 0; left = end - this.now()) await delay(Math.ceil(left) + 1);
  }

  get size(): number {
    return this.rows.size;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
