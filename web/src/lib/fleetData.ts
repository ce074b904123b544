// The shapes of the fleet, the audit trail and schedules, and their normalisers (keep what is recognised, drop the
// rest, as api.ts does). Kept apart from fleet.ts so api.ts can use them without importing the views' helpers.
import { normalizeCluster, normalizeScope, type Cluster, type DegradedSource, type Scope } from './api.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export type FleetState = 'running' | 'stopped' | 'transitioning' | 'failed';
export const FLEET_STATES: readonly FleetState[] = ['running', 'stopped', 'transitioning', 'failed'];

export interface FleetScope extends Scope {
  clusters: Cluster[];
  degraded: DegradedSource[];
  transitionCount: number;
  cacheState?: string;
}

export interface Fleet {
  scopes: FleetScope[];
  totals: Record<FleetState, number>;
  degraded: DegradedSource[];
}

const degradedOf = (v: unknown): DegradedSource[] =>
  arr(v).filter(isObject).map((d) => ({ source: str(d.source) ?? 'unknown', status: num(d.status) ?? str(d.status), message: str(d.message) }));

export function normalizeFleet(v: unknown): Fleet {
  const o = isObject(v) ? v : {};
  const scopes: FleetScope[] = [];
  for (const raw of arr(o.scopes)) {
    const scope = normalizeScope(raw);
    if (!scope || !isObject(raw)) continue;
    scopes.push({
      ...scope,
      clusters: arr(raw.clusters).map(normalizeCluster).filter((c): c is Cluster => c !== undefined),
      degraded: degradedOf(raw.degraded),
      transitionCount: num(raw.transitionCount) ?? 0,
      cacheState: isObject(raw.cache) ? str(raw.cache.state) : undefined,
    });
  }
  const totals = isObject(o.totals) ? o.totals : {};
  return {
    scopes,
    totals: Object.fromEntries(FLEET_STATES.map((s) => [s, num(totals[s]) ?? 0])) as Record<FleetState, number>,
    degraded: degradedOf(o.degraded),
  };
}

// ---------- audit ----------

export interface AuditEntry {
  at: number;
  actor: { objectId?: string; name: string; via: 'user' | 'schedule'; scheduleId?: string };
  action: string;
  cluster: string;
  outcome: string;
  status?: number;
  reason?: string;
  requestId?: string;
}

export function normalizeAudit(v: unknown): { entries: AuditEntry[]; continuationToken?: string } {
  const o = isObject(v) ? v : {};
  const entries: AuditEntry[] = [];
  for (const e of arr(o.data)) {
    if (!isObject(e)) continue;
    const at = Date.parse(str(e.at) ?? '');
    const actor = isObject(e.actor) ? e.actor : {};
    if (!Number.isFinite(at) || !str(e.action)) continue;
    entries.push({
      at,
      actor: { objectId: str(actor.objectId), name: str(actor.name) ?? 'unknown', via: actor.via === 'schedule' ? 'schedule' : 'user', scheduleId: str(actor.scheduleId) },
      action: str(e.action)!,
      cluster: str(e.cluster) ?? '',
      outcome: str(e.outcome) ?? 'unknown',
      status: num(e.status),
      reason: str(e.reason),
      requestId: str(e.requestId),
    });
  }
  return { entries, continuationToken: str(o.continuationToken) };
}

// ---------- schedules ----------

export interface Schedule extends Scope {
  id: string;
  cluster: string;
  action: 'start' | 'stop';
  cron: string;
  timeZone: string;
  enabled: boolean;
  createdBy?: string;
  nextRun?: number;
  lastRun?: number;
  lastOutcome?: string;
  keepRunningUntil?: number;
}

export function normalizeSchedule(v: unknown): Schedule | undefined {
  if (!isObject(v)) return undefined;
  const scope = normalizeScope(v);
  const id = str(v.id);
  const cluster = str(v.cluster);
  if (!scope || !id || !cluster || (v.action !== 'start' && v.action !== 'stop')) return undefined;
  const time = (x: unknown) => {
    const ms = Date.parse(str(x) ?? '');
    return Number.isFinite(ms) ? ms : undefined;
  };
  return {
    ...scope,
    id,
    cluster,
    action: v.action,
    cron: str(v.cron) ?? '',
    timeZone: str(v.timeZone) ?? 'UTC',
    enabled: v.enabled !== false,
    createdBy: isObject(v.createdBy) ? str(v.createdBy.name) : str(v.createdBy),
    nextRun: time(v.nextRun),
    lastRun: time(v.lastRun),
    lastOutcome: str(v.lastOutcome),
    keepRunningUntil: time(v.keepRunningUntil),
  };
}

export const normalizeSchedules = (v: unknown): Schedule[] =>
  arr(isObject(v) ? v.data : v).map(normalizeSchedule).filter((s): s is Schedule => s !== undefined);
