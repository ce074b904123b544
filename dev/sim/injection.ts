// Per-path fault injection: added latency, a status answer (429 with or without Retry-After, 500, 404...),
// a held answer released by the test (how race tests choose an interleaving), a dropped connection.
import type { ClusterRef } from './fleetSpec.js';

/**
 * Which server a rule applies to: ARM, every Kubernetes API server, one cluster's, the blob front end, the registries,
 * the Retail Prices API, or any.
 */
export type InjectionTarget = 'arm' | 'kubernetes' | 'blob' | 'registry' | 'retailPrices' | 'any' | ClusterRef;

export interface InjectionSpec {
  /** Default 'any'. */
  target?: InjectionTarget;
  /** HTTP method (case-insensitive); default any. */
  method?: string;
  /** URL path without query: exact string (case-insensitive), RegExp, or predicate. */
  path: string | RegExp | ((path: string) => boolean);
  /** Matching requests this rule shapes; afterwards it no longer applies. Default: unlimited. */
  times?: number;
  /** Delay before the request is handled. */
  latencyMs?: number;
  /** Answer with this status instead of the real answer (body: the server's error shape for it). */
  status?: number;
  /** With status: Retry-After header (seconds, or an HTTP date). */
  retryAfter?: number | string;
  /** With status: replaces the default error body. */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /**
   * Compute the answer (the server's state is read now), then hold it until `release()`.
   * `whenHit(n)` resolves once n answers are held.
   */
  hold?: boolean;
  /** Destroy the connection instead of answering. */
  drop?: boolean;
}

export interface Injection {
  readonly id: number;
  /** Requests this rule has shaped so far (for hold: answers held so far). */
  readonly hits: number;
  /** Answers currently held. */
  readonly held: number;
  /** Resolves once the rule has shaped n requests in total (for hold: once n answers are held). */
  whenHit(n?: number): Promise<void>;
  /** Sends every held answer; the rule stops holding (later matches pass through untouched). */
  release(): void;
  /** The rule applies no more; held answers are released. */
  remove(): void;
}

/** The identity of the server a request came to, for matching. */
export interface ServerIdentity {
  kind: 'arm' | 'kubernetes' | 'blob' | 'registry' | 'retailPrices';
  subscriptionId?: string;
  resourceGroup?: string;
  cluster?: string;
}

/** What a server does with one request once the rule is consulted. */
export interface AppliedInjection {
  id: number;
  latencyMs: number;
  status?: number;
  retryAfter?: number | string;
  body?: unknown;
  headers?: Record<string, string>;
  drop: boolean;
  /** Present when the answer must wait: call it once the answer is computed, await the promise it returns. */
  hold?: () => Promise<void>;
}

class Rule implements Injection {
  hits = 0;
  /** Matches taken so far (a held answer is claimed on arrival and counted as a hit once held). */
  private claimed = 0;
  /** True until release(): an exhausted hold rule stays reachable by clear() while answers may still come in. */
  holding: boolean;
  private releasers: (() => void)[] = [];
  private hitWaiters: { n: number; resolve: () => void }[] = [];
  active = true;

  constructor(
    readonly id: number,
    readonly spec: InjectionSpec,
    private readonly onRemove: (rule: Rule) => void,
  ) {
    this.holding = Boolean(spec.hold);
  }

  get held(): number {
    return this.releasers.length;
  }

  matches(server: ServerIdentity, method: string, path: string): boolean {
    if (!this.active) return false;
    const { target = 'any', method: m, path: p } = this.spec;
    if (m && m.toUpperCase() !== method.toUpperCase()) return false;
    if (target === 'arm' && server.kind !== 'arm') return false;
    if (target === 'kubernetes' && server.kind !== 'kubernetes') return false;
    if (target === 'retailPrices' && server.kind !== 'retailPrices') return false;
    if (target === 'blob' && server.kind !== 'blob') return false;
    if (target === 'registry' && server.kind !== 'registry') return false;
    if (typeof target === 'object') {
      if (server.kind !== 'kubernetes') return false;
      if (target.resourceGroup.toLowerCase() !== server.resourceGroup?.toLowerCase()) return false;
      if (target.name.toLowerCase() !== server.cluster?.toLowerCase()) return false;
      if (target.subscriptionId && target.subscriptionId.toLowerCase() !== server.subscriptionId?.toLowerCase()) return false;
    }
    if (typeof p === 'string') return p.toLowerCase() === path.toLowerCase();
    if (p instanceof RegExp) return p.test(path);
    return p(path);
  }

  apply(): AppliedInjection {
    const { spec } = this;
    this.claimed += 1;
    if (spec.times !== undefined && this.claimed >= spec.times) this.active = false;
    const applied: AppliedInjection = {
      id: this.id,
      latencyMs: spec.latencyMs ?? 0,
      status: spec.status,
      retryAfter: spec.retryAfter,
      body: spec.body,
      headers: spec.headers,
      drop: Boolean(spec.drop),
    };
    if (this.holding) {
      applied.hold = () =>
        new Promise<void>((resolve) => {
          if (!this.holding) {
            resolve();
            return;
          }
          this.releasers.push(resolve);
          this.countHit();
        });
    } else {
      this.countHit();
    }
    return applied;
  }

  private countHit(): void {
    this.hits += 1;
    this.hitWaiters = this.hitWaiters.filter((w) => {
      if (this.hits < w.n) return true;
      w.resolve();
      return false;
    });
  }

  whenHit(n = 1): Promise<void> {
    if (this.hits >= n) return Promise.resolve();
    return new Promise((resolve) => this.hitWaiters.push({ n, resolve }));
  }

  release(): void {
    this.holding = false;
    const releasers = this.releasers;
    this.releasers = [];
    for (const release of releasers) release();
  }

  remove(): void {
    this.active = false;
    this.release();
    this.onRemove(this);
  }
}

export class InjectionRegistry {
  private rules: Rule[] = [];
  private nextId = 1;

  add(spec: InjectionSpec): Injection {
    // Forget exhausted rules (nothing left to match or release).
    this.rules = this.rules.filter((r) => r.active || r.holding);
    const rule = new Rule(this.nextId++, spec, (r) => {
      this.rules = this.rules.filter((x) => x !== r);
    });
    this.rules.push(rule);
    return rule;
  }

  /** The first active rule (oldest first) that matches, applied; undefined when none does. */
  match(server: ServerIdentity, method: string, path: string): AppliedInjection | undefined {
    const rule = this.rules.find((r) => r.matches(server, method, path));
    return rule?.apply();
  }

  /** Removes every rule and releases every held answer. */
  clear(): void {
    for (const rule of [...this.rules]) rule.remove();
  }
}
