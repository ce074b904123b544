// GET/PUT /api/autostop and POST /api/autostop/extend: a cluster's idle auto-stop.
import type { Degraded } from './monitor.js';

export const IDLE_MINUTES = [15, 30, 60, 120, 240] as const;
export type IdleMinutes = (typeof IDLE_MINUTES)[number];

export type AutoStopVerdict = 'keep' | 'warn' | 'stop' | 'disabled';

export interface AutoStopSettings {
  enabled: boolean;
  idleMinutes: IdleMinutes;
}

export interface AutoStopStatus extends AutoStopSettings {
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  verdict: AutoStopVerdict;
  /** Why, in plain words: "2 jobs running", "busy check failed: Kubernetes unreachable (503)", "idle for 47 min". */
  reason: string;
  lastActivityAt: string | null;
  /** When it will be stopped if nothing happens; null unless the verdict is warn or keep-while-idle. */
  nextStopAt: string | null;
  /** What the last busy check found; null when it could not be made. */
  busy: { jobs: number; pods: number } | null;
  /** "+30 min" keeps it running until then. */
  extendUntil: string | null;
  /** The last stop auto-stop made, if any. */
  lastStop: { at: string; requestId: string } | null;
  /** When the status was evaluated. */
  evaluatedAt: string;
}

/** GET /api/autostop?subscriptionId=&resourceGroup= (no cluster): every listed cluster's status, in one answer. */
export interface AutoStopList {
  data: AutoStopStatus[];
  /** Parts that could not be read (the cluster list served from an older reading, …). */
  degraded: Degraded[];
}
