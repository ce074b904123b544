// The shapes of the fleet, the audit trail and schedules, and their parsers (keep what checks out of the wire types,
// drop the rest). Kept apart from fleetTable.ts so api.ts can use them without importing the views' helpers.
import {
  FLEET_STATES,
  SCHEDULE_ACTIONS,
  type AuditEntry as WireAuditEntry,
  type AuditPage,
  type FleetResponse,
  type FleetScope as WireFleetScope,
  type FleetState,
  type ScheduleAnswer,
  type SubscriptionSummary,
  type ScheduleList,
} from '../../../shared/wire/index.js';
import { isObject, listOf, num, str, toEpochMs } from './json.js';
import { normalizeClusters, normalizeDegraded, normalizeScope, type Cluster, type DegradedSource, type Scope } from './monitorData.js';

export { FLEET_STATES, type FleetState } from '../../../shared/wire/index.js';

export interface FleetScope extends Scope {
  /** The subscription's display name, when ARM's list shows it. */
  subscriptionName?: string;
  clusters: Cluster[];
  degraded: DegradedSource[];
  transitionCount: number;
  cacheState?: string;
}

export interface Subscription {
  subscriptionId: string;
  displayName?: string;
  state?: string;
  tenantId?: string;
}

export interface Fleet {
  scopes: FleetScope[];
  totals: Record<FleetState, number>;
  subscriptions: Subscription[];
  degraded: DegradedSource[];
}

export function normalizeSubscription(v: unknown): Subscription | undefined {
  if (!isObject<SubscriptionSummary>(v)) return undefined;
  const subscriptionId = str(v.subscriptionId);
  if (!subscriptionId) return undefined;
  return { subscriptionId, displayName: str(v.displayName), state: str(v.state), tenantId: str(v.tenantId) };
}

function normalizeFleetScope(v: unknown): FleetScope | undefined {
  const scope = normalizeScope(v);
  if (!scope || !isObject<WireFleetScope>(v)) return undefined;
  return {
    ...scope,
    subscriptionName: str(v.subscriptionName),
    clusters: normalizeClusters(v.clusters),
    degraded: normalizeDegraded(v.degraded),
    transitionCount: num(v.transitionCount) ?? 0,
    cacheState: isObject<NonNullable<WireFleetScope['cache']>>(v.cache) ? str(v.cache.state) : undefined,
  };
}

export function normalizeFleet(v: unknown): Fleet {
  const o = isObject<FleetResponse>(v) ? v : {};
  const totals = isObject<FleetResponse['totals']>(o.totals) ? o.totals : {};
  return {
    scopes: listOf(o.scopes, normalizeFleetScope),
    totals: Object.fromEntries(FLEET_STATES.map((s) => [s, num(totals[s]) ?? 0])) as Record<FleetState, number>,
    subscriptions: listOf(o.subscriptions, normalizeSubscription),
    degraded: normalizeDegraded(o.degraded),
  };
}

// ---------- audit ----------

export interface AuditEntry {
  at: number;
  actor: { objectId?: string; name: string; via: 'user' | 'schedule' | 'autoStop'; scheduleId?: string };
  action: string;
  cluster: string;
  outcome: string;
  status?: number;
  reason?: string;
  requestId?: string;
}

function normalizeAuditEntry(v: unknown): AuditEntry | undefined {
  if (!isObject<WireAuditEntry>(v)) return undefined;
  const at = toEpochMs(v.at);
  const action = str(v.action);
  if (at === undefined || !action) return undefined;
  const actor = isObject<WireAuditEntry['actor']>(v.actor) ? v.actor : {};
  return {
    at,
    actor: {
      objectId: str(actor.objectId),
      name: str(actor.name) ?? 'unknown',
      via: actor.via === 'schedule' || actor.via === 'autoStop' ? actor.via : 'user',
      scheduleId: str(actor.scheduleId),
    },
    action,
    cluster: str(v.cluster) ?? '',
    outcome: str(v.outcome) ?? 'unknown',
    status: num(v.status),
    reason: str(v.reason),
    requestId: str(v.requestId),
  };
}

export function normalizeAudit(v: unknown): { entries: AuditEntry[]; continuationToken?: string } {
  const o = isObject<AuditPage>(v) ? v : {};
  return { entries: listOf(o.data, normalizeAuditEntry), continuationToken: str(o.continuationToken) };
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
  if (!isObject<ScheduleAnswer>(v)) return undefined;
  const scope = normalizeScope(v);
  const id = str(v.id);
  const cluster = str(v.cluster);
  const action = SCHEDULE_ACTIONS.find((a) => a === v.action);
  if (!scope || !id || !cluster || !action) return undefined;
  return {
    ...scope,
    id,
    cluster,
    action,
    cron: str(v.cron) ?? '',
    timeZone: str(v.timeZone) ?? 'UTC',
    enabled: v.enabled !== false,
    createdBy: isObject<ScheduleAnswer['createdBy']>(v.createdBy) ? str(v.createdBy.name) : undefined,
    nextRun: toEpochMs(v.nextRun),
    lastRun: toEpochMs(v.lastRun),
    lastOutcome: str(v.lastOutcome),
    keepRunningUntil: toEpochMs(v.keepRunningUntil),
  };
}

export const normalizeSchedules = (v: unknown): Schedule[] => listOf(isObject<ScheduleList>(v) ? v.data : undefined, normalizeSchedule);
