// The idle auto-stop's judgement, pure: a cluster as ARM lists it, what the last busy check found, the times that
// count as activity and the clock in; keep, warn, stop or disabled out, with the reason in plain words. The timer and
// the status routes both ask here, so what the page shows is what the timer does.
import type { AutoStopVerdict } from '../wire/index.js';

const MINUTE_MS = 60_000;
/** "+30 min" keeps a cluster running this much longer than it would have been… */
export const EXTEND_MS = 30 * MINUTE_MS;
/** …but never further ahead of now than this. */
export const EXTEND_MAX_AHEAD_MS = 240 * MINUTE_MS;
/** After a start, or an auto-stop sent, nothing is stopped for this long. */
export const COOLDOWN_MS = 30 * MINUTE_MS;

/** The warning is shown in the last quarter of the idle window, at least 1 and at most 15 minutes. */
export function warningWindowMs(idleMinutes: number): number {
  return Math.min(15 * MINUTE_MS, Math.max(MINUTE_MS, (idleMinutes * MINUTE_MS) / 4));
}

/** What the last busy check found: nothing, work, or no answer (a failed check never lets a cluster be stopped). */
export type BusyObservation =
  | { kind: 'idle' }
  | { kind: 'busy'; jobs: number; pods: number }
  | { kind: 'failed'; reason: string }
  /** No check made yet. */
  | { kind: 'unknown' };

export interface VerdictInput {
  now: number;
  enabled: boolean;
  idleMinutes: number;
  /** The cluster as the (cached) cluster list shows it; undefined: not listed. */
  cluster: { powerState: string; provisioningState: string; transition?: { action: string; status: string } } | undefined;
  /** The listing is ARM's word (no failed part): only then is a cluster stopped. */
  armConfirmed: boolean;
  busy: BusyObservation;
  /** Epoch ms; absent when unknown. */
  times: {
    lastStartAt?: number;
    /** When work was last seen (the first idle check after work, so never earlier than the work ended). */
    lastWorkSeenAt?: number;
    /** When the settings were last changed: enabling (or a new window) gives a full window, warning included. */
    settingsChangedAt?: number;
    lastExtendAt?: number;
    extendUntil?: number;
    /** When auto-stop last sent a stop (accepted or not): the cooldown. */
    lastAttemptAt?: number;
  };
}

export interface Verdict {
  verdict: AutoStopVerdict;
  reason: string;
  lastActivityAt: number | null;
  /** When it will be stopped if nothing happens (warn, or keep while idle). */
  nextStopAt: number | null;
}

const latest = (...times: Array<number | undefined>): number | undefined => {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length ? Math.max(...known) : undefined;
};

const minutes = (ms: number) => Math.max(0, Math.floor(ms / MINUTE_MS));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** When the idle window ends: activity + idle minutes, an extend's end, a cooldown's end, whichever is latest. */
export function stopDeadline(input: Pick<VerdictInput, 'idleMinutes' | 'times'>): { deadline: number; idleSince: number } | undefined {
  const { times } = input;
  const idleSince = latest(times.lastStartAt, times.lastWorkSeenAt, times.settingsChangedAt);
  if (idleSince === undefined) return undefined;
  const cooldownEnds = latest(times.lastStartAt, times.lastAttemptAt);
  const deadline = latest(idleSince + input.idleMinutes * MINUTE_MS, times.extendUntil, cooldownEnds === undefined ? undefined : cooldownEnds + COOLDOWN_MS)!;
  return { deadline, idleSince };
}

/** Where "+30 min" moves the end of the window: 30 min past the current end (or now), at most 240 min ahead of now. */
export function extendedUntil(currentDeadline: number | undefined, now: number): number {
  return Math.min(now + EXTEND_MAX_AHEAD_MS, Math.max(now, currentDeadline ?? now) + EXTEND_MS);
}

export function judge(input: VerdictInput): Verdict {
  const { now, cluster, busy, times } = input;
  const lastActivityAt = latest(times.lastStartAt, times.lastWorkSeenAt, times.settingsChangedAt, times.lastExtendAt) ?? null;
  const keep = (reason: string, nextStopAt: number | null = null): Verdict => ({ verdict: 'keep', reason, lastActivityAt, nextStopAt });
  if (!input.enabled) return { verdict: 'disabled', reason: 'auto-stop is off', lastActivityAt, nextStopAt: null };
  if (!cluster) return keep('the cluster is not in the cluster list');
  if (cluster.transition?.status === 'open') return keep(`a ${cluster.transition.action} is in progress`);
  if (cluster.powerState !== 'Running') return keep(`not running (${cluster.powerState})`);
  if (cluster.provisioningState !== 'Succeeded') return keep(`provisioning state is ${cluster.provisioningState}`);
  if (busy.kind === 'failed') return keep(`busy check failed: ${busy.reason}; nothing is stopped until it succeeds`);
  if (busy.kind === 'busy') {
    return keep(busy.jobs ? `${plural(busy.jobs, 'job')} running (${plural(busy.pods, 'pod')})` : `${plural(busy.pods, 'pod')} running`);
  }
  const window = stopDeadline(input);
  if (!window) return keep('no activity known yet');
  const { deadline, idleSince } = window;
  const idle = `idle for ${plural(minutes(now - idleSince), 'minute')}`;
  if (busy.kind === 'unknown') return keep(`${idle}; waiting for the first busy check`, deadline);
  if (now >= deadline) {
    if (!input.armConfirmed) return { verdict: 'warn', reason: `${idle}; due, waiting for ARM to confirm it is running`, lastActivityAt, nextStopAt: deadline };
    return { verdict: 'stop', reason: idle, lastActivityAt, nextStopAt: deadline };
  }
  const left = Math.ceil((deadline - now) / MINUTE_MS);
  if (now >= deadline - warningWindowMs(input.idleMinutes)) {
    return {
      verdict: 'warn',
      reason: `${idle}; stops in ${plural(left, 'minute')} unless work starts or it is extended`,
      lastActivityAt,
      nextStopAt: deadline,
    };
  }
  return keep(`${idle}; stops in ${plural(left, 'minute')} if it stays idle`, deadline);
}
