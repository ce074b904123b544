// The auto-stop verdict, pure: every branch, the warning window's boundaries, the cooldown, the extend and its bound.
import { describe, expect, it } from 'vitest';
import { COOLDOWN_MS, extendedUntil, judge, stopDeadline, warningWindowMs, type VerdictInput } from '../../shared/autostop/verdict.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const running = { powerState: 'Running', provisioningState: 'Succeeded' };

/** Enabled, 60 idle minutes, running and idle, the window opened at T0 by a settings change; judged at `now`. */
function input(now: number, over: Partial<VerdictInput> = {}): VerdictInput {
  return { now, enabled: true, idleMinutes: 60, cluster: running, armConfirmed: true, busy: { kind: 'idle' }, times: { settingsChangedAt: T0 }, ...over };
}

describe('the verdict', () => {
  it('disabled, whatever else holds', () => {
    expect(judge(input(T0 + 600 * MIN, { enabled: false }))).toEqual({ verdict: 'disabled', reason: 'auto-stop is off', lastActivityAt: T0, nextStopAt: null });
  });

  it('keeps a cluster ARM does not show Running and Succeeded, or with an operation open, without a stop time', () => {
    const late = T0 + 600 * MIN;
    const keep = (over: Partial<VerdictInput>) => judge(input(late, over));
    expect(keep({ cluster: undefined })).toMatchObject({ verdict: 'keep', reason: 'the cluster is not in the cluster list', nextStopAt: null });
    expect(keep({ cluster: { ...running, transition: { action: 'start', status: 'open' } } })).toMatchObject({
      verdict: 'keep',
      reason: 'a start is in progress',
      nextStopAt: null,
    });
    expect(keep({ cluster: { powerState: 'Stopped', provisioningState: 'Succeeded' } })).toMatchObject({ verdict: 'keep', reason: 'not running (Stopped)' });
    expect(keep({ cluster: { powerState: 'Running', provisioningState: 'Updating' } })).toMatchObject({
      verdict: 'keep',
      reason: 'provisioning state is Updating',
    });
    // A transition that ended (timedOut, failed) is no longer an operation in progress.
    expect(keep({ cluster: { ...running, transition: { action: 'start', status: 'timedOut' } } }).verdict).toBe('stop');
  });

  it('fail safe: a busy check that could not be made keeps the cluster and says why, also long past its window', () => {
    const verdict = judge(input(T0 + 600 * MIN, { busy: { kind: 'failed', reason: 'Kubernetes answered 503: Service Unavailable' } }));
    expect(verdict).toMatchObject({ verdict: 'keep', nextStopAt: null });
    expect(verdict.reason).toBe('busy check failed: Kubernetes answered 503: Service Unavailable; nothing is stopped until it succeeds');
  });

  it('busy: jobs (with their pods) or pods keep it', () => {
    expect(judge(input(T0 + 600 * MIN, { busy: { kind: 'busy', jobs: 2, pods: 3 } }))).toMatchObject({ verdict: 'keep', reason: '2 jobs running (3 pods)' });
    expect(judge(input(T0 + 600 * MIN, { busy: { kind: 'busy', jobs: 1, pods: 1 } })).reason).toBe('1 job running (1 pod)');
    expect(judge(input(T0 + 600 * MIN, { busy: { kind: 'busy', jobs: 0, pods: 1 } })).reason).toBe('1 pod running');
  });

  it('before the first busy check: kept, with the stop time it would have', () => {
    expect(judge(input(T0 + 600 * MIN, { busy: { kind: 'unknown' } }))).toMatchObject({
      verdict: 'keep',
      reason: 'idle for 600 minutes; waiting for the first busy check',
      nextStopAt: T0 + 60 * MIN,
    });
    expect(judge(input(T0, { times: {} }))).toMatchObject({ verdict: 'keep', reason: 'no activity known yet', lastActivityAt: null });
  });

  it('idle: keep, then warn in the last quarter (1–15 min), then stop; each boundary to the millisecond', () => {
    const deadline = T0 + 60 * MIN;
    const warnFrom = deadline - 15 * MIN;
    expect(judge(input(warnFrom - 1))).toMatchObject({ verdict: 'keep', nextStopAt: deadline });
    expect(judge(input(warnFrom - 1)).reason).toBe('idle for 44 minutes; stops in 16 minutes if it stays idle');
    expect(judge(input(warnFrom))).toMatchObject({ verdict: 'warn', nextStopAt: deadline });
    expect(judge(input(deadline - 1))).toMatchObject({
      verdict: 'warn',
      reason: 'idle for 59 minutes; stops in 1 minute unless work starts or it is extended',
    });
    expect(judge(input(deadline))).toEqual({ verdict: 'stop', reason: 'idle for 60 minutes', lastActivityAt: T0, nextStopAt: deadline });
  });

  it('the warning window is a quarter of the idle minutes, clamped to 1..15 minutes', () => {
    expect([15, 30, 60, 120, 240].map((m) => warningWindowMs(m) / MIN)).toEqual([3.75, 7.5, 15, 15, 15]);
    expect(warningWindowMs(2)).toBe(MIN);
    const fifteen = (now: number) => judge(input(now, { idleMinutes: 15, times: { settingsChangedAt: T0 } })).verdict;
    expect(fifteen(T0 + 15 * MIN - 3.75 * MIN - 1)).toBe('keep');
    expect(fifteen(T0 + 15 * MIN - 3.75 * MIN)).toBe('warn');
  });

  it('past its window but ARM has not confirmed it (the listing failed): warned, not stopped', () => {
    expect(judge(input(T0 + 61 * MIN, { armConfirmed: false }))).toMatchObject({
      verdict: 'warn',
      reason: 'idle for 61 minutes; due, waiting for ARM to confirm it is running',
      nextStopAt: T0 + 60 * MIN,
    });
  });

  it('the last activity is the latest of start, work seen, settings change and extend', () => {
    const times = {
      lastStartAt: T0 - 300 * MIN,
      lastWorkSeenAt: T0 + 10 * MIN,
      settingsChangedAt: T0,
      lastExtendAt: T0 + 20 * MIN,
      extendUntil: T0 + 50 * MIN,
    };
    const verdict = judge(input(T0 + 30 * MIN, { times }));
    expect(verdict.lastActivityAt).toBe(T0 + 20 * MIN);
    expect(verdict.nextStopAt).toBe(T0 + 70 * MIN); // work seen + 60; the extend ends before that
    expect(stopDeadline({ idleMinutes: 60, times: { ...times, extendUntil: T0 + 100 * MIN } })?.deadline).toBe(T0 + 100 * MIN);
  });

  it('a 30 minute cooldown after a start or an auto-stop sent, also with a shorter window', () => {
    expect(stopDeadline({ idleMinutes: 15, times: { lastStartAt: T0 } })?.deadline).toBe(T0 + COOLDOWN_MS);
    expect(stopDeadline({ idleMinutes: 15, times: { settingsChangedAt: T0, lastAttemptAt: T0 + 5 * MIN } })?.deadline).toBe(T0 + 35 * MIN);
    expect(judge(input(T0 + 20 * MIN, { idleMinutes: 15, times: { lastStartAt: T0 } })).verdict).toBe('keep'); // 15 idle minutes passed, the cooldown has not
    expect(judge(input(T0 + 27 * MIN, { idleMinutes: 15, times: { lastStartAt: T0 } })).verdict).toBe('warn');
    expect(judge(input(T0 + 30 * MIN, { idleMinutes: 15, times: { lastStartAt: T0 } })).verdict).toBe('stop');
  });

  it('"+30 min": 30 minutes past the current end (or now, once passed), at most 240 minutes ahead of now', () => {
    const now = T0 + 50 * MIN;
    expect(extendedUntil(T0 + 60 * MIN, now)).toBe(T0 + 90 * MIN);
    expect(extendedUntil(T0 + 40 * MIN, now)).toBe(now + 30 * MIN);
    expect(extendedUntil(undefined, now)).toBe(now + 30 * MIN);
    expect(extendedUntil(now + 230 * MIN, now)).toBe(now + 240 * MIN);
    expect(extendedUntil(now + 240 * MIN, now)).toBe(now + 240 * MIN);
  });
});
