// GET /api/autostop for a scope (every cluster's idle auto-stop in one answer), PUT and POST …/extend (one cluster's
// status): parsed like every answer, and the warning's countdown in words. DOM-free.
import { IDLE_MINUTES, type AutoStopList, type AutoStopStatus as WireStatus, type AutoStopVerdict, type IdleMinutes } from '../../../shared/wire/index.js';
import { arr, isObject, listOf, num, str, toEpochMs } from './json.js';
import { normalizeDegraded, type DegradedSource } from './monitorData.js';

export { IDLE_MINUTES, type AutoStopVerdict, type IdleMinutes } from '../../../shared/wire/index.js';

export interface AutoStop {
  cluster: string;
  enabled: boolean;
  idleMinutes: IdleMinutes;
  verdict: AutoStopVerdict;
  reason: string;
  lastActivityAt?: number;
  nextStopAt?: number;
  busy?: { jobs: number; pods: number };
  extendUntil?: number;
  lastStopAt?: number;
  /** The server's clock when it judged, against this browser's when the answer arrived: countdowns use the server's. */
  clockOffsetMs: number;
}

const VERDICTS: readonly AutoStopVerdict[] = ['keep', 'warn', 'stop', 'disabled'];

export function normalizeAutoStop(v: unknown, receivedAt: number): AutoStop | undefined {
  if (!isObject<WireStatus>(v)) return undefined;
  const cluster = str(v.cluster);
  const verdict = VERDICTS.find((x) => x === v.verdict);
  if (!cluster || !verdict) return undefined;
  const idle = IDLE_MINUTES.find((m) => m === v.idleMinutes) ?? 60;
  const busy = isObject<NonNullable<WireStatus['busy']>>(v.busy) ? { jobs: num(v.busy.jobs) ?? 0, pods: num(v.busy.pods) ?? 0 } : undefined;
  const lastStop = isObject<NonNullable<WireStatus['lastStop']>>(v.lastStop) ? toEpochMs(v.lastStop.at) : undefined;
  return {
    cluster,
    enabled: v.enabled === true,
    idleMinutes: idle,
    verdict,
    reason: str(v.reason) ?? '',
    lastActivityAt: toEpochMs(v.lastActivityAt),
    nextStopAt: toEpochMs(v.nextStopAt),
    busy,
    extendUntil: toEpochMs(v.extendUntil),
    lastStopAt: lastStop,
    clockOffsetMs: (toEpochMs(v.evaluatedAt) ?? receivedAt) - receivedAt,
  };
}

export interface AutoStopScope {
  clusters: AutoStop[];
  degraded: DegradedSource[];
}

/** The scope-wide answer: { data: status[], degraded }. */
export function normalizeAutoStopScope(v: unknown, receivedAt: number): AutoStopScope {
  const o = isObject<AutoStopList>(v) ? v : {};
  return { clusters: listOf(arr(o.data), (x) => normalizeAutoStop(x, receivedAt)), degraded: normalizeDegraded(o.degraded) };
}

/** "4:05" until the stop (minutes:seconds; hours when that far): the warning banner's live countdown. */
export function countdown(untilMs: number, now: number): string {
  const s = Math.max(0, Math.round((untilMs - now) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** "+30 min" may add at most this much beyond now (the server's bound). */
export const EXTEND_LIMIT_MS = 240 * 60_000;
