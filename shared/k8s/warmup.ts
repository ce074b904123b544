// warmup-status: the database warm-up jobs and their pods, per node: done / running / failed / stale / missing.
//
// Phase 1 runs every independent read at once: nodes, the warm-up jobs and the warm-up pods (both by the label
// selector). Phase 2 runs at once too: stale-node marking (in memory, from phase 1) and the log tails of failing or
// running warm-up pods (at most 12, all in flight together). Wall time ≈ two round trips, not the sum.
//
// Which node a job warms: the pod template's nodeSelector kubernetes.io/hostname (how a per-node job is pinned, and
// what the simulated fleet renders), else a `warmup.node` label or annotation on the job, else the node its newest
// pod ran on.
import type { V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import { iso, listNodes, SOURCES, type ReadOptions } from './reads.js';
import type { Received } from './received.js';
import type { KubeSession } from './session.js';
import { callUpstream, type Degraded, type Reading } from './upstream.js';
import { redactText } from '../observability/redaction.js';
import type { WarmupState, WarmupNode, WarmupJob, WarmupStatus } from '../wire/index.js';
export type { WarmupState, WarmupNode, WarmupJob, WarmupStatus };

export interface WarmupOptions extends ReadOptions {
  /** config.k8s.warmupLabelSelector, e.g. "app=warmup". */
  labelSelector: string;
  /** At most this many log tails (default and maximum 12), all read at once. */
  maxLogs?: number;
  /** Lines per log tail (default 50). */
  tailLines?: number;
}

export const MAX_WARMUP_LOGS = 12;
const LOG_LIMIT_BYTES = 64 * 1024;
export const WARMUP_NODE_KEY = 'warmup.node';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export async function readWarmupStatus(session: KubeSession, options: WarmupOptions): Promise<Reading<WarmupStatus>> {
  const bounds = { timeoutMs: session.timeoutMs, signal: options.signal };
  const selector = options.labelSelector;

  // Phase 1: independent reads, all at once.
  const [nodes, jobs, pods] = await Promise.all([
    listNodes(session, options),
    callUpstream(
      SOURCES.jobs,
      async (signal) => (await session.batch.listJobForAllNamespaces({ labelSelector: selector }, session.callOptions(signal))).items,
      bounds,
    ),
    callUpstream(
      SOURCES.pods,
      async (signal) => (await session.core.listPodForAllNamespaces({ labelSelector: selector }, session.callOptions(signal))).items,
      bounds,
    ),
  ]);
  const degraded: Degraded[] = [];
  for (const r of [nodes, jobs, pods]) if (!r.ok) degraded.push(r.degraded);

  const podsByJob = groupPodsByJob(pods.ok ? pods.value : []);
  const jobViews = (jobs.ok ? jobs.value : []).map((job) => viewJob(job, podsByJob.get(jobId(job)) ?? []));

  // Phase 2: stale marking (no I/O) and the log tails, at once.
  const knownNodes = nodes.ok ? new Map(nodes.value.map((n) => [n.metadata?.name ?? '', n])) : undefined;
  const perNode = markNodes(jobViews, knownNodes);
  const logTargets = pickLogTargets(perNode, Math.min(options.maxLogs ?? MAX_WARMUP_LOGS, MAX_WARMUP_LOGS));
  const tailLines = options.tailLines ?? 50;
  const logs = await Promise.all(
    logTargets.map(({ pod, container }) =>
      callUpstream(
        `${SOURCES.podLog} ${pod.metadata?.namespace}/${pod.metadata?.name}`,
        (signal) =>
          session.core.readNamespacedPodLog(
            { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', container, tailLines, limitBytes: LOG_LIMIT_BYTES },
            session.callOptions(signal),
          ),
        bounds,
      ),
    ),
  );
  logTargets.forEach((target, i) => {
    const log = logs[i]!;
    // Whole text first, so a PEM block or a wrapped base64 kubeconfig over several lines is still found.
    if (log.ok) target.entry.logTail = tail(redactText(log.value), tailLines);
    else degraded.push(log.degraded);
  });

  const nodesOut = [...perNode.values()].map((v) => v.entry).sort((a, b) => a.node.localeCompare(b.node));
  const jobsOut = jobViews.map((v) => v.out).sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.name.localeCompare(b.name));
  return { data: { nodes: nodesOut, jobs: jobsOut, summary: summarize(nodesOut, jobsOut) }, degraded };
}

interface JobView {
  job: V1Job;
  out: WarmupJob;
  pods: V1Pod[];
  /** When the job last made progress: completion, failure or start. */
  sortTime: number;
}

interface NodeView {
  entry: WarmupNode;
  view?: JobView;
}

function jobId(job: V1Job): string {
  return `${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`;
}

function groupPodsByJob(pods: V1Pod[]): Map<string, V1Pod[]> {
  const byJob = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === 'Job')?.name;
    const labels = pod.metadata?.labels ?? {};
    const name = owner ?? labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
    if (!name) continue;
    const id = `${pod.metadata?.namespace ?? ''}/${name}`;
    const list = byJob.get(id) ?? [];
    list.push(pod);
    byJob.set(id, list);
  }
  for (const list of byJob.values()) list.sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp));
  return byJob;
}

function viewJob(job: V1Job, pods: V1Pod[]): JobView {
  const conditions = job.status?.conditions ?? [];
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  const startedAt = iso(job.status?.startTime) ?? iso(job.metadata?.creationTimestamp) ?? undefined;
  const completedAt = complete ? (iso(job.status?.completionTime) ?? iso(complete.lastTransitionTime) ?? undefined) : undefined;
  const failedAt = failed ? (iso(failed.lastTransitionTime) ?? undefined) : undefined;
  const status = complete ? 'done' : failed ? 'failed' : 'running';
  const node = nodeOfJob(job, pods);
  const out: WarmupJob = {
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    ...(node ? { node } : {}),
    status,
    ...(startedAt ? { startedAt } : {}),
    ...(completedAt ? { completedAt } : {}),
    ...(failedAt ? { failedAt } : {}),
    ...(failed?.message ? { message: redactText(failed.message) } : {}),
  };
  return { job, out, pods, sortTime: Math.max(time(completedAt), time(failedAt), time(startedAt)) };
}

export function nodeOfJob(job: Received<V1Job>, pods: Received<V1Pod>[]): string | undefined {
  return (
    job.spec?.template?.spec?.nodeSelector?.[HOSTNAME_LABEL] ??
    job.metadata?.labels?.[WARMUP_NODE_KEY] ??
    job.metadata?.annotations?.[WARMUP_NODE_KEY] ??
    pods.find((p) => p.spec?.nodeName)?.spec?.nodeName
  );
}

/**
 * One entry per node: the node's newest warm-up job decides. Stale: the node was created after that job completed,
 * or the job's node is gone. Without a node list (degraded) nodes come from the jobs alone and nothing is marked stale.
 */
function markNodes(views: JobView[], knownNodes: Map<string, V1Node> | undefined): Map<string, NodeView> {
  const perNode = new Map<string, NodeView>();
  for (const name of knownNodes?.keys() ?? []) perNode.set(name, { entry: { node: name, status: 'missing' } });
  const newestByNode = new Map<string, JobView>();
  for (const view of views) {
    const node = view.out.node;
    if (!node) continue;
    const current = newestByNode.get(node);
    if (!current || view.sortTime > current.sortTime) newestByNode.set(node, view);
  }
  for (const view of views) {
    const node = view.out.node;
    if (!node) continue;
    const known = knownNodes?.get(node);
    const gone = knownNodes !== undefined && !known;
    const nodeCreated = time(known?.metadata?.creationTimestamp);
    const completed = time(view.out.completedAt);
    if (gone) {
      view.out.status = 'stale';
    } else if (view.out.status === 'done' && nodeCreated > completed && completed > 0) {
      view.out.status = 'stale';
    }
    if (newestByNode.get(node) !== view) continue;
    const entry: WarmupNode = {
      node,
      status: view.out.status,
      job: { namespace: view.out.namespace, name: view.out.name },
      ...(gone ? { gone: true } : {}),
    };
    const finishedAt = view.out.completedAt ?? view.out.failedAt;
    if (finishedAt) entry.finishedAt = finishedAt;
    if (gone) entry.reason = 'node gone';
    else if (entry.status === 'stale') entry.reason = 'node created after its warm-up completed';
    else if (view.out.message) entry.reason = view.out.message;
    perNode.set(node, { entry, view });
  }
  return perNode;
}

interface LogTarget {
  entry: WarmupNode;
  pod: V1Pod;
  container: string;
}

/** Failing first, then running; the newest pod of each; at most `max`. */
function pickLogTargets(perNode: Map<string, NodeView>, max: number): LogTarget[] {
  const order: WarmupState[] = ['failed', 'running'];
  const targets: LogTarget[] = [];
  for (const state of order) {
    const views = [...perNode.values()].filter((v) => v.entry.status === state && v.view).sort((a, b) => a.entry.node.localeCompare(b.entry.node));
    for (const { entry, view } of views) {
      // Newest pod that has run somewhere: a pending pod has no log yet.
      const pod = view!.pods.find((p) => p.spec?.nodeName && p.status?.phase !== 'Pending');
      const container = containerToTail(pod);
      if (pod && container) targets.push({ entry, pod, container });
    }
  }
  return targets.slice(0, Math.max(0, max));
}

/** The container that is failing (not ready, terminated with an error), else the first. */
function containerToTail(pod: Received<V1Pod> | undefined): string | undefined {
  if (!pod) return undefined;
  const failing = pod.status?.containerStatuses?.find((s) => (s.state?.terminated?.exitCode ?? 0) !== 0 || s.state?.waiting);
  return failing?.name ?? pod.spec?.containers?.[0]?.name;
}

function tail(text: string, lines: number): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all.slice(-lines);
}

function summarize(nodes: WarmupNode[], jobs: WarmupJob[]): WarmupStatus['summary'] {
  const summary = { nodes: nodes.length, jobs: jobs.length, done: 0, running: 0, failed: 0, stale: 0, missing: 0 };
  for (const n of nodes) summary[n.status] += 1;
  return summary;
}

function time(value: Date | string | null | undefined): number {
  if (!value) return 0;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? 0 : t;
}
