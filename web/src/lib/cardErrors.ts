// An action's error belongs to its cluster's card, and it is about a state: after a refusal the page reads the list
// again at once, the state that reading shows becomes the error's baseline, and the error goes away as soon as the
// cluster leaves that state (a 409 "stop already under way" clears when the cluster is Stopped). DOM-free.
import type { Cluster } from './monitorData.js';

export interface CardError {
  /** Which card: `{subscriptionId}:{resourceGroup}:{cluster}` (see cardKey). */
  key: string;
  cluster: string;
  title: string;
  message: string;
  status?: number;
  code?: string;
  requestId?: string;
  /** When the answer arrived (client clock). */
  at: number;
  /** The cluster's state in the first list reading after `at`; undefined until that reading arrives. */
  baseline?: string;
}

export const cardKey = (scope: { subscriptionId: string; resourceGroup: string }, cluster: string) =>
  `${scope.subscriptionId}:${scope.resourceGroup}:${cluster}`;

/** What the card shows of a cluster's state: power, provisioning, and an open transition's action. */
export function stateSignature(cluster: Cluster | undefined): string {
  if (!cluster) return 'gone';
  const open = cluster.transition?.status === 'open' ? cluster.transition.action : '';
  return `${cluster.powerState ?? '?'}/${cluster.provisioningState ?? '?'}/${open}`;
}

/**
 * The errors still about the cluster's state after a list reading that arrived at `receivedAt`: an error without a
 * baseline takes this reading's state when the reading is newer than the error; one whose state changed is dropped.
 * `clusterOf` answers null for an error this reading does not cover. Returns the same array when nothing changed.
 */
export function settleCardErrors(
  errors: readonly CardError[],
  clusterOf: (error: CardError) => Cluster | undefined | null,
  receivedAt: number,
): readonly CardError[] {
  let changed = false;
  const next: CardError[] = [];
  for (const e of errors) {
    const cluster = clusterOf(e);
    if (cluster === null) {
      next.push(e); // not in this reading (another scope's list): nothing to say about it
      continue;
    }
    const now = stateSignature(cluster);
    if (e.baseline === undefined) {
      if (receivedAt > e.at) {
        changed = true;
        next.push({ ...e, baseline: now });
      } else next.push(e);
    } else if (now !== e.baseline) changed = true;
    else next.push(e);
  }
  return changed ? next : errors;
}
