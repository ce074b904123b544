// Is a cluster busy? One Kubernetes read answers it: the pods of every namespace that match the busy selectors
// (AUTOSTOP_BUSY_SELECTORS, all values of one label key as one set-based selector: `app in (blast,elb-db-warmup,…)`)
// and have not finished (a field selector leaves Succeeded and Failed out). A Job that has not finished has such a pod
// (running, or pending while it waits for a node), so the jobs are counted from the pods' job-name labels instead of
// a second read. A check that cannot be made (unreachable, 403, timeout, no credentials) is a failure, never "idle".
import type { V1Pod } from '@kubernetes/client-node';
import type { BusySelector } from '../config.js';
import { describeFailure } from '../errors.js';
import { callUpstream, explainForbidden, isSessionFault, SOURCES, type Degraded, type KubeSession, type SessionPool } from '../k8s/index.js';
import { redactText } from '../observability/redaction.js';
import type { Scope } from '../scope.js';
import type { BusyObservation } from './verdict.js';

/** Pods that have not finished (Pending, Running, Unknown). */
export const UNFINISHED_PODS = 'status.phase!=Succeeded,status.phase!=Failed';
/** One page is enough: past it the cluster is busy whatever the rest holds (the counts are then lower bounds). */
export const BUSY_PAGE_SIZE = 500;

/** One label selector per label key: `key in (v1,v2)`. The default (all `app=`) is one selector, so one read. */
export function busyLabelSelectors(selectors: readonly BusySelector[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const { key, value } of selectors) {
    const values = byKey.get(key) ?? [];
    if (!values.includes(value)) values.push(value);
    byKey.set(key, values);
  }
  return [...byKey].map(([key, values]) => `${key} in (${values.join(',')})`);
}

/** The work the pods show: the Jobs they belong to (by their job-name label) and the pods themselves. */
export function workOf(pods: readonly V1Pod[]): { jobs: number; pods: number } {
  const jobs = new Set<string>();
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
    if (job) jobs.add(`${pod.metadata?.namespace ?? ''}/${job}`);
  }
  return { jobs: jobs.size, pods: pods.length };
}

/** A failed check in a few plain words, for the status' reason. */
function failureReason(part: Degraded): string {
  const what =
    part.status === 504 ? 'Kubernetes did not answer in time' : part.status === 502 ? 'Kubernetes unreachable' : `Kubernetes answered ${part.status}`;
  return redactText(`${what}: ${part.message}`).slice(0, 300);
}

export type BusyCheck = (scope: Scope, cluster: string) => Promise<BusyObservation>;

export interface BusyCheckDeps {
  sessions: SessionPool<KubeSession>;
  selectors: readonly BusySelector[];
  upstreamTimeoutMs: number;
  useAdminCredentials: boolean;
}

/**
 * The check, with a pooled session as the monitor reads take one (the same key, so they share it): one deadline for
 * all of it; a session that failed as a session (401, refused, TLS) is retired and the read tried once with a new one.
 */
export function createBusyCheck(deps: BusyCheckDeps): BusyCheck {
  const labelSelectors = busyLabelSelectors(deps.selectors);
  return async (scope, cluster) => {
    const key = { ...scope, cluster, admin: deps.useAdminCredentials };
    const signal = AbortSignal.timeout(deps.upstreamTimeoutMs);
    try {
      const reading = await deps.sessions.use(
        key,
        async (session) => {
          const lists = await Promise.all(
            labelSelectors.map((labelSelector) =>
              callUpstream(
                SOURCES.pods,
                async (bound) =>
                  (
                    await session.core.listPodForAllNamespaces(
                      { labelSelector, fieldSelector: UNFINISHED_PODS, limit: BUSY_PAGE_SIZE },
                      session.callOptions(bound),
                    )
                  ).items,
                { timeoutMs: session.timeoutMs, signal },
              ),
            ),
          );
          const pods = new Map<string, V1Pod>();
          const degraded: Degraded[] = [];
          for (const list of lists) {
            if (!list.ok) degraded.push(list.degraded);
            else for (const pod of list.value) pods.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
          }
          return explainForbidden({ data: [...pods.values()], degraded }, `${scope.resourceGroup}/${cluster}`);
        },
        signal,
        { retireIf: (reading) => reading.degraded.some(isSessionFault) },
      );
      if (reading.degraded.length) return { kind: 'failed', reason: failureReason(reading.degraded[0]!) };
      const work = workOf(reading.data);
      return work.pods ? { kind: 'busy', ...work } : { kind: 'idle' };
    } catch (error) {
      // No session: ARM would not give the cluster's credentials, or the deadline passed while getting them.
      const failure = describeFailure(error);
      return { kind: 'failed', reason: redactText(`no Kubernetes session (${failure.status}): ${failure.message}`).slice(0, 300) };
    }
  };
}
