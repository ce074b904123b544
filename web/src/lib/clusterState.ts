// One chip per cluster from ARM's two fields (powerState, provisioningState) plus any open transition,
// and which lifecycle buttons that state and the caller's roles allow.
// ARM keeps powerState at Stopped while provisioningState is Starting (and mirrors it on stop), and
// users meet Failed+Running or a stuck Starting: the chip must combine both fields, never show one.
import { actionInProgress, portalUrlOf, TRANSITIONAL_PROVISIONING_STATES } from '../../../shared/wire/index.js';
import { unreadableReason } from '../../../shared/monitor/readability.js';
import { ROLE_NAMES, type LifecycleAction, type Me } from './api.js';

export type ChipKind = 'running' | 'stopped' | 'starting' | 'stopping' | 'deleting' | 'failed' | 'updating' | 'unknown';

export interface StateChip {
  kind: ChipKind;
  label: string;
  /** An operation is under way: no other lifecycle action may start. */
  busy: boolean;
  /** Both raw fields, for the tooltip and screen readers. */
  detail: string;
}

export interface ObservedState {
  powerState?: string;
  provisioningState?: string;
}

const ACTION_CHIP: Record<LifecycleAction, { kind: ChipKind; label: string }> = {
  start: { kind: 'starting', label: 'Starting…' },
  stop: { kind: 'stopping', label: 'Stopping…' },
  delete: { kind: 'deleting', label: 'Deleting…' },
};

/**
 * The combined state. Precedence: what ARM reports in progress, then Failed, then our own open
 * transition (ARM may not have flipped yet right after the 202), then the power state.
 */
export function clusterChip(cluster: ObservedState, pendingAction?: LifecycleAction): StateChip {
  const power = cluster.powerState;
  const provisioning = cluster.provisioningState;
  const detail = `power state ${power ?? 'unknown'}, provisioning state ${provisioning ?? 'unknown'}`;
  const chip = (kind: ChipKind, label: string, busy: boolean): StateChip => ({ kind, label, busy, detail });

  const inProgress = actionInProgress(cluster);
  if (inProgress) return chip(ACTION_CHIP[inProgress].kind, ACTION_CHIP[inProgress].label, true);
  if (provisioning === 'Failed') return chip('failed', power ? `Failed (${power})` : 'Failed', false);
  if (pendingAction) return chip(ACTION_CHIP[pendingAction].kind, ACTION_CHIP[pendingAction].label, true);
  if (provisioning && TRANSITIONAL_PROVISIONING_STATES.has(provisioning)) return chip('updating', `${provisioning}…`, true);
  if (power === 'Running') return chip('running', 'Running', false);
  if (power === 'Stopped') return chip('stopped', 'Stopped', false);
  return chip('unknown', power ?? provisioning ?? 'Unknown', false);
}

/**
 * The cluster's API server answers now: the server's own rule (its per-cluster reads answer `data: null` otherwise),
 * so the page never polls a cluster the server would not read, nor skips one it would.
 */
export const isReadable = (cluster: ObservedState): boolean =>
  unreadableReason({ powerState: cluster.powerState ?? '', provisioningState: cluster.provisioningState ?? '' }) === undefined;

export type Permissions = Record<LifecycleAction, boolean>;

/** Start/stop need `operate`, delete needs `admin`: /api/me's `permissions`, the server's verdict from the roles. */
export function permissionsOf(me: Pick<Me, 'permissions'> | undefined): Permissions {
  const granted = new Set(me?.permissions ?? []);
  return { start: granted.has('operate'), stop: granted.has('operate'), delete: granted.has('admin') };
}

export interface ActionAvailability {
  enabled: boolean;
  /** Why the button is disabled, read out to assistive technology. */
  reason?: string;
}

const REQUIRED_ROLE: Record<LifecycleAction, string> = {
  start: ROLE_NAMES.operate,
  stop: ROLE_NAMES.operate,
  delete: ROLE_NAMES.admin,
};

export function availableActions(cluster: ObservedState, chip: StateChip, permissions: Permissions): Record<LifecycleAction, ActionAvailability> {
  const decide = (action: LifecycleAction, stateAllows: boolean, stateReason: string): ActionAvailability => {
    if (!permissions[action]) return { enabled: false, reason: `Needs the ${REQUIRED_ROLE[action]} role` };
    if (chip.busy) return { enabled: false, reason: `Cluster is ${chip.label.replace('…', '').toLowerCase()}` };
    if (!stateAllows) return { enabled: false, reason: stateReason };
    return { enabled: true };
  };
  return {
    start: decide('start', cluster.powerState === 'Stopped', 'Cluster is not stopped'),
    stop: decide('stop', cluster.powerState === 'Running', 'Cluster is not running'),
    delete: decide('delete', true, ''),
  };
}

/**
 * The Azure portal page of a cluster, in its tenant's directory when known: from its ARM id (the API sends it), else
 * built from the scope and name (a reading stored before ids were added).
 */
export function portalUrl(scope: { subscriptionId: string; resourceGroup: string }, cluster: { name: string; id?: string }, tenantId?: string): string {
  const armId =
    cluster.id ??
    `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`;
  return portalUrlOf(armId, tenantId);
}

const PROGRESSIVE: Record<LifecycleAction, string> = { start: 'starting', stop: 'stopping', delete: 'deleting' };

/**
 * An operation under way in plain words: "starting · by alice · 12 s" (open), "stop timed out · by alice · 11 min"
 * (past its deadline), "start failed · by alice".
 */
export function transitionText(
  t: { action: LifecycleAction; status: 'open' | 'timedOut' | 'failed'; startedBy?: string; startedAt?: number },
  now: number,
  formatAge: (seconds: number | undefined) => string,
): string {
  const what = t.status === 'open' ? PROGRESSIVE[t.action] : t.status === 'timedOut' ? `${t.action} timed out` : `${t.action} failed`;
  const by = t.startedBy ? ` · by ${t.startedBy}` : '';
  const age = t.startedAt !== undefined && t.status !== 'failed' ? ` · ${formatAge(Math.max(0, (now - t.startedAt) / 1000))}` : '';
  return `${what}${by}${age}`;
}
