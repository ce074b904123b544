// Lifecycle actions and transitions as the API sends them. The provisioning-state → action map lives here too, so
// the server (which opens transitions from it) and the dashboard (which shows them) read ARM the same way.

export type LifecycleAction = 'start' | 'stop' | 'delete';
export const LIFECYCLE_ACTIONS: readonly LifecycleAction[] = ['start', 'stop', 'delete'];
export const isLifecycleAction = (value: unknown): value is LifecycleAction => LIFECYCLE_ACTIONS.includes(value as LifecycleAction);

export type ExpectedPowerState = 'Running' | 'Stopped' | 'Deleted';

/** The power state each action ends in. */
export const EXPECTED_POWER_STATE: Readonly<Record<LifecycleAction, ExpectedPowerState>> = {
  start: 'Running',
  stop: 'Stopped',
  delete: 'Deleted',
};

/** ARM's provisioning states that name one of our actions in progress (CLI, portal or this backend). */
export const ACTION_OF_PROVISIONING_STATE: Readonly<Record<string, LifecycleAction>> = {
  Starting: 'start',
  Stopping: 'stop',
  Deleting: 'delete',
};

/** The action ARM shows in progress for a cluster, if any. */
export function actionInProgress(cluster: { provisioningState?: string } | undefined): LifecycleAction | undefined {
  const state = cluster?.provisioningState;
  return state && Object.hasOwn(ACTION_OF_PROVISIONING_STATE, state) ? ACTION_OF_PROVISIONING_STATE[state] : undefined;
}

/** Whether ARM's provisioning state says an operation has ended (Succeeded, Failed, Canceled; any case). */
export function operationEnded(provisioningState: string | undefined): boolean {
  return ['succeeded', 'failed', 'canceled'].includes((provisioningState ?? '').toLowerCase());
}

/**
 * Whether a cluster as ARM lists it (undefined: gone from the list) shows an action finished: the expected power
 * state and an ended operation (AKS flips the power state as an operation begins, the provisioning state as it
 * ends); for delete, the cluster is gone.
 */
export function reachedExpectedState(
  expectedPowerState: ExpectedPowerState,
  cluster: { powerState?: string; provisioningState?: string } | undefined,
): boolean {
  if (expectedPowerState === 'Deleted') return cluster === undefined;
  return cluster !== undefined && cluster.powerState === expectedPowerState && operationEnded(cluster.provisioningState);
}

export type TransitionStatus = 'open' | 'timedOut' | 'failed';

export interface Transition {
  cluster: string;
  action: LifecycleAction;
  expectedPowerState: ExpectedPowerState;
  startedAt: string;
  deadline: string;
  startedBy: string;
  /** api: started through this backend; arm: seen in ARM's provisioningState (CLI, portal, another tool). */
  source: 'api' | 'arm';
  /** timedOut: the deadline passed; failed: ARM ended the operation with provisioningState Failed. */
  status: TransitionStatus;
}

/** The 202 of POST /api/aks/{action}. */
export interface LifecycleAccepted {
  operation: { action: LifecycleAction; cluster: string; status: 'accepted' };
  transition: Transition;
  /** ARM accepted the action but the bookkeeping failed (Table Storage): what was not done. */
  degraded?: Array<{ source: string; message: string }>;
}
