// What this instance read and wrote moments ago: the readings it stored (so a Table read that raced one of its own
// writes is recognised), and fresh readings it read from Table Storage, answered again for a short window without another
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
import { keyMatchesPrefix } from './keys.js';
import type { StoredRow } from './rows.js';

/** Memory stays bounded whatever is read: at most this many keys, and about this much JSON (see weightOf). */
const MAX_KEYS = 2_000;
const MAX_WEIGHT = 64 * 1024 * 1024;
/** A gzip reading decodes to several times its stored bytes. */
const GZIP_EXPANSION = 10;

/** A row as the table answered it, its value decoded once and frozen: every reader shares it, none can change it. */
export interface Recent {
  row: StoredRow;
  value: unknown;
  readAtMs: number;
  weight: number;
}

/** Taken before a Table read (begin), handed back with its answer. */
export interface ReadStart {
  epoch: number;
  atMs: number;
  /** This instance's stored readings so far. */
  writes?: number;
}

export class RecentReadings {
  private readonly rows = new Map<string, Recent>();
  private weight = 0;
  /** Moves on with this instance's every write and purge: a Table read that started before one is not kept. */
  private epoch = 0;
  /** Counts this instance's stored readings; `written` maps a key to the count when its last reading was stored. */
  private writes = 0;
  private readonly written = new Map<string, { seq: number; fetchedAtMs: number }>();

  constructor(
    /** How long a row read from the table is answered again (0: never). */
    readonly windowMs: number,
    /** Monotonic milliseconds (performance.now), not the cache's clock: the window is real time on every instance. */
    private readonly now: () => number = () => performance.now(),
    private readonly bounds = { keys: MAX_KEYS, weight: MAX_WEIGHT },
  ) {}

  /** Taken before a Table read, handed to keep() (and raced()) with its answer. */
  begin(): ReadStart {
    return { epoch: this.epoch, atMs: this.now(), writes: this.writes };
  }

  /**
   * This instance stored a reading of `key` (fetched at `fetchedAtMs`) since the read began, and the row read is not
   * it: the table answered the row as it was before the write landed. (A row that already is the reading just
   * written — an answer written behind, then read back — is not behind.)
   */
  raced(key: string, started: ReadStart, row: StoredRow | undefined): boolean {
    const own = this.written.get(key);
    return own !== undefined && own.seq > (started.writes ?? 0) && !(row && row.fetchedAtMs >= own.fetchedAtMs);
  }

  /** Whether this instance stored a reading of `key` (since it last purged it). */
  wrote(key: string): boolean {
    return this.written.has(key);
  }

  /** This instance stored a reading of `key`: its row is read from the table again, and a read that raced it is told. */
  stored(key: string, fetchedAtMs: number): void {
    this.writes += 1;
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(key, { seq: this.writes, fetchedAtMs });
    this.forgetKey(key);
  }

  /** A purge bumped the generations of `prefix` (or of the key itself, `exact`): what this instance stored there is past. */
  forgetWrites(prefix: string, exact = false): void {
    for (const key of [...this.written.keys()]) if (exact ? key === prefix : keyMatchesPrefix(key, prefix)) this.written.delete(key);
  }

  /**
   * Keeps a row the table answered and its decoded value, unless this instance wrote or purged while it was read.
   * The value is frozen (deeply) whether kept or not, so the reader that read it cannot tell the two apart.
   */
  keep(row: StoredRow, value: unknown, started: ReadStart): void {
    if (this.windowMs <= 0) return;
    deepFreeze(value);
    if (started.epoch !== this.epoch) return;
    const weight = weightOf(row);
    if (weight > this.bounds.weight / 8) return; // one large reading never crowds out the rest
    const key = row.location.key;
    this.drop(key); // re-inserted last: the Map's order is the order of reads, oldest first
    // The oldest go first: those past the window (nobody may be answered them), then any over the bounds.
    for (const [oldest, entry] of this.rows) {
      const over = this.rows.size >= this.bounds.keys || this.weight + weight > this.bounds.weight;
      if (!over && this.now() - entry.readAtMs <= this.windowMs) break;
      this.drop(oldest);
    }
    this.rows.set(key, { row, value, readAtMs: started.atMs, weight });
    this.weight += weight;
  }

  /** The row the table answered for `key` within the window, and its value, if any. */
  recall(key: string): Recent | undefined {
    const entry = this.rows.get(key);
    if (!entry) return undefined;
    const elapsed = this.now() - entry.readAtMs;
    if (elapsed >= 0 && elapsed <= this.windowMs) return entry;
    this.drop(key); // expired (or the clock went back): read the table again
    return undefined;
  }

  /** This instance wrote `key` (or noted a failure on it): its row is read from the table again. */
  forgetKey(key: string): void {
    this.epoch += 1;
    this.drop(key);
  }

  /** This instance purged `prefix` (boundary-safe, as the purge): nothing under it is answered from here. */
  forgetPrefix(prefix: string): void {
    this.epoch += 1;
    for (const key of [...this.rows.keys()]) if (keyMatchesPrefix(key, prefix)) this.drop(key);
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

  /** Keys kept and about how much JSON their values are (weightOf). */
  get size(): { keys: number; weight: number } {
    return { keys: this.rows.size, weight: this.weight };
  }

  private drop(key: string): void {
    const entry = this.rows.get(key);
    if (!entry) return;
    this.rows.delete(key);
    this.weight -= entry.weight;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** About how much JSON a row's value is: its stored text, or a gzip reading's bytes times its usual expansion. */
function weightOf(row: StoredRow): number {
  const { entity } = row;
  if (typeof entity.d0 === 'string') return entity.d0.length;
  let bytes = 0;
  for (let i = 0; i < Number(entity.chunks); i++) {
    const part = entity[`d${i}`];
    if (part instanceof Uint8Array) bytes += part.byteLength;
  }
  return bytes * GZIP_EXPANSION;
}
