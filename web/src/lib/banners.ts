// One "Cluster is starting…" banner per cluster, whichever told us about the operation: this browser
// (localStorage), the server (a transition started by another user or the CLI), or ARM itself
// (provisioningState Starting/Stopping/Deleting). Any open banner makes the scope fast-poll.
import { EXPECTED_POWER_STATE, type Cluster, type LifecycleAction, type ServerTransition } from './api.js';
import { hasReachedExpectedState, isExpired, type LocalTransition } from './transitionStore.js';

export type BannerSource = 'local' | 'server' | 'both';

export interface Banner {
  cluster: string;
  action: LifecycleAction;
  source: BannerSource;
  /** Past its deadline without reaching the expected state. */
  stuck: boolean;
  /** ARM reports provisioningState Failed while the banner is up. */
  failed: boolean;
  startedAt?: number;
  startedBy?: string;
  message: string;
}

const ARM_ACTION: Record<string, LifecycleAction> = { Starting: 'start', Stopping: 'stop', Deleting: 'delete' };
const PROGRESSIVE: Record<LifecycleAction, string> = { start: 'starting', stop: 'stopping', delete: 'deleting' };
const VERB: Record<LifecycleAction, string> = { start: 'Starting', stop: 'Stopping', delete: 'Deleting' };

function messageOf(cluster: string, action: LifecycleAction, stuck: boolean, failed: boolean): string {
  // Failed is only reported, not concluded from: right after a retry of a Failed cluster ARM still says Failed.
  const note = failed ? ' Azure currently reports provisioning state Failed.' : '';
  if (stuck) {
    const outcome = action === 'delete' ? 'it is still listed' : `it is not ${EXPECTED_POWER_STATE[action]}`;
    return `${VERB[action]} ${cluster} seems stuck: ${outcome} after 10 minutes.${note}`;
  }
  return `Cluster ${cluster} is ${PROGRESSIVE[action]}…${note}`;
}

export interface BannerInput {
  /** This browser's open entries for the scope (store.list). */
  local: readonly LocalTransition[];
  /** Entries this page evicted at their deadline and the user has not dismissed. */
  stuck: readonly LocalTransition[];
  /** Transitions the server reported, by cluster. */
  server: Readonly<Record<string, ServerTransition>>;
  /** The latest successful cluster list of the scope, or null before the first. */
  clusters: readonly Cluster[] | null;
  now: number;
}

export function deriveBanners(input: BannerInput): Banner[] {
  const { clusters, now } = input;
  const reached = (cluster: string, action: LifecycleAction) =>
    clusters !== null && hasReachedExpectedState({ cluster, action, expectedPowerState: EXPECTED_POWER_STATE[action], startedAt: 0, deadline: 0 }, clusters);

  const names = new Set<string>([
    ...input.local.map((t) => t.cluster),
    ...input.stuck.map((t) => t.cluster),
    ...Object.keys(input.server),
    ...(clusters ?? []).filter((c) => c.provisioningState && ARM_ACTION[c.provisioningState]).map((c) => c.name),
  ]);

  const banners: Banner[] = [];
  for (const name of names) {
    const cluster = clusters?.find((c) => c.name === name);
    const local = input.local.find((t) => t.cluster === name && !reached(name, t.action));
    const serverRaw = input.server[name];
    const server = serverRaw && !reached(name, serverRaw.action) ? serverRaw : undefined;
    const armAction = cluster?.provisioningState ? ARM_ACTION[cluster.provisioningState] : undefined;
    const stuckNotice = input.stuck.find((t) => t.cluster === name && !reached(name, t.action));

    const action = local?.action ?? server?.action ?? armAction ?? stuckNotice?.action;
    if (!action) continue;
    const source: BannerSource = local && (server || armAction) ? 'both' : local ? 'local' : server || armAction ? 'server' : 'local';
    // whoever is tracking the operation decides whether it is overdue: this browser first, then the server
    const stuck = local ? isExpired(local, now) : server ? server.status === 'timedOut' : stuckNotice !== undefined;
    const failed = cluster?.provisioningState === 'Failed';
    banners.push({
      cluster: name,
      action,
      source,
      stuck,
      failed,
      startedAt: local?.startedAt ?? server?.startedAt ?? stuckNotice?.startedAt,
      startedBy: server?.startedBy,
      message: messageOf(name, action, stuck, failed),
    });
  }
  return banners.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.cluster.localeCompare(b.cluster));
}

/** Fast-poll while any banner still waits for the cluster to get there. */
export const needsFastPoll = (banners: readonly Banner[]) => banners.some((b) => !b.stuck);

/** The action a card's chip should show as pending (the chip adds ARM's own view on top). */
export function pendingActionOf(banners: readonly Banner[], cluster: string): LifecycleAction | undefined {
  const banner = banners.find((b) => b.cluster === cluster && !b.stuck);
  return banner?.action;
}
