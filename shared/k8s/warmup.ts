// warmup-status: the database warm-up jobs and their pods, per database (the chips) and per node (the drill-down).
//
// Phase 1 runs every independent read at once: nodes, the warm-up jobs and the warm-up pods (both by the label
// selector). Phase 2 runs at once too: the per-node and per-database verdicts (in memory, from phase 1) and the log
// tails of failing or active warm-up pods (at most 12, all in flight together). Wall time ≈ two round trips.
//
// Per database (the jobs' `db` label; shard from `shard`, source version from the `elb.dashboard/source-version`
// annotation): ready = jobs with a succeeded pod, failed = jobs with Failed=True, active = the rest. Its status, the
// first that holds: stale (its jobs carry more than one source version, or a node a job is pinned to is gone, not
// Ready, or was re-created after that job completed: the copy on it is lost), failed (a failed job is terminal, so
// the database cannot become whole without a re-run), loading (a job is still active), ready.
//
// Progress: a warm-up pod reports it by printing a line `progress <percent>%`, optionally followed by ` eta <n>s`
// (e.g. `progress 42% eta 300s`); the last such line of its log tail counts. A loading database's percent is
// (100 × ready + the percents its active jobs told) ÷ (ready + active), an active job that told nothing counting 0;
// its eta is the longest told. Without a told line there is no progress.
//
// Which node a job is pinned to: the pod template's nodeName, its nodeSelector kubernetes.io/hostname, or a required
// node affinity on kubernetes.io/hostname with one value. The per-node view also places an unpinned job by a
// `warmup.node` label or annotation, else by the node its newest pod ran on.
import type { V1Job, V1JobCondition, V1Node, V1Pod } from '@kubernetes/client-node';
import { iso, listNodes, SOURCES, type ReadOptions } from './reads.js';
import type { Received } from './received.js';
import type { KubeSession } from './session.js';
import { callUpstream, type Degraded, type Reading } from './upstream.js';
import { redactText } from '../observability/redaction.js';
import type { WarmupState, WarmupNode, WarmupJob, WarmupStatus, WarmDatabase, DatabaseWarmState } from '../wire/index.js';
export type { WarmupState, WarmupNode, WarmupJob, WarmupStatus, WarmDatabase, DatabaseWarmState };

export interface WarmupOptions extends ReadOptions {
  /** config.k8s.warmupLabelSelector, e.g. "app=elb-db-warmup". */
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
/** The labels and the annotation that place a warm-up job in its database. */
export const DATABASE_LABEL = 'db';
export const SHARD_LABEL = 'shard';
export const SOURCE_VERSION_ANNOTATION = 'elb.dashboard/source-version';

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

  // Phase 2: the verdicts (no I/O) and the log tails, at once.
  const knownNodes = nodes.ok ? new Map(nodes.value.map((n) => [n.metadata?.name ?? '', n])) : undefined;
  const perNode = markNodes(jobViews, knownNodes);
  const logTargets = pickLogTargets(perNode, jobViews, Math.min(options.maxLogs ?? MAX_WARMUP_LOGS, MAX_WARMUP_LOGS));
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
  const tails = new Map<JobView, string[]>();
  logTargets.forEach((target, i) => {
    const log = logs[i]!;
    if (!log.ok) {
      degraded.push(log.degraded);
      return;
    }
    // Whole text first, so a PEM block or a wrapped base64 kubeconfig over several lines is still found.
    const lines = tail(redactText(log.value), tailLines);
    tails.set(target.view, lines);
    if (target.entry) target.entry.logTail = lines;
  });

  const now = (options.now ?? Date.now)();
  const databases = summarizeDatabases(jobViews, knownNodes, tails, now);
  const nodesOut = [...perNode.values()].map((v) => v.entry).sort((a, b) => a.node.localeCompare(b.node));
  const jobsOut = jobViews.map((v) => v.out).sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.name.localeCompare(b.name));
  return { data: { databases, nodes: nodesOut, jobs: jobsOut, summary: summarize(nodesOut, jobsOut) }, degraded };
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

/** The node the job's pod template pins it to: nodeName, a hostname nodeSelector, or a one-host required affinity. */
export function pinnedNode(job: Received<V1Job>): string | undefined {
  const spec = job.spec?.template?.spec;
  if (spec?.nodeName) return spec.nodeName;
  const selected = spec?.nodeSelector?.[HOSTNAME_LABEL];
  if (selected) return selected;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // One term (terms are ORed: several could place it elsewhere) with a hostname In one value.
  if (terms.length !== 1) return undefined;
  const hostnames = (terms[0]!.matchExpressions ?? []).filter((e) => e.key === HOSTNAME_LABEL && e.operator === 'In');
  return hostnames.length === 1 && hostnames[0]!.values?.length === 1 ? hostnames[0]!.values[0] : undefined;
}

export function nodeOfJob(job: Received<V1Job>, pods: Received<V1Pod>[]): string | undefined {
  return (
    pinnedNode(job) ??
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
  view: JobView;
  /** The node entry this job decides, if any: its log tail is shown there. */
  entry?: WarmupNode;
  pod: V1Pod;
  container: string;
}

/**
 * Failing nodes first (their newest job), then every active job: those deciding a running node, and the active jobs
 * of a database (their progress); the newest pod of each job; at most `max`.
 */
function pickLogTargets(perNode: Map<string, NodeView>, views: JobView[], max: number): LogTarget[] {
  const entryOf = new Map<JobView, WarmupNode>();
  for (const { entry, view } of perNode.values()) if (view) entryOf.set(view, entry);
  const byNode = (a: JobView, b: JobView) => (a.out.node ?? '').localeCompare(b.out.node ?? '') || a.out.name.localeCompare(b.out.name);
  const failing = views.filter((v) => entryOf.get(v)?.status === 'failed').sort(byNode);
  const active = views.filter((v) => entryOf.get(v)?.status === 'running' || (databaseOf(v.job) && stateOf(v.job) === 'active')).sort(byNode);
  const targets: LogTarget[] = [];
  for (const view of new Set([...failing, ...active])) {
    // Newest pod that has run somewhere: a pending pod has no log yet.
    const pod = view.pods.find((p) => p.spec?.nodeName && p.status?.phase !== 'Pending');
    const container = containerToTail(pod);
    const entry = entryOf.get(view);
    if (pod && container) targets.push({ view, pod, container, ...(entry ? { entry } : {}) });
  }
  return targets.slice(0, Math.max(0, max));
}

// ---- per database ----

function databaseOf(job: Received<V1Job>): string | undefined {
  return job.metadata?.labels?.[DATABASE_LABEL] || undefined;
}

/** A warm-up job's part in its database: ready (a pod succeeded), failed (Failed=True), else active. */
function stateOf(job: Received<V1Job>): 'ready' | 'failed' | 'active' {
  if ((job.status?.succeeded ?? 0) > 0) return 'ready';
  return trueCondition(job, 'Failed') ? 'failed' : 'active';
}

function trueCondition(job: Received<V1Job>, type: string): Received<V1JobCondition> | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function summarizeDatabases(views: JobView[], knownNodes: Map<string, V1Node> | undefined, tails: Map<JobView, string[]>, now: number): WarmDatabase[] {
  const byDatabase = new Map<string, JobView[]>();
  for (const view of views) {
    const name = databaseOf(view.job);
    if (name) byDatabase.set(name, [...(byDatabase.get(name) ?? []), view]);
  }
  return [...byDatabase.entries()].map(([name, jobs]) => summarizeDatabase(name, jobs, knownNodes, tails, now)).sort((a, b) => a.name.localeCompare(b.name));
}

function summarizeDatabase(
  name: string,
  views: JobView[],
  knownNodes: Map<string, V1Node> | undefined,
  tails: Map<JobView, string[]>,
  now: number,
): WarmDatabase {
  const states = views.map((v) => stateOf(v.job));
  const count = (state: string) => states.filter((s) => s === state).length;
  const [ready, failed, active] = [count('ready'), count('failed'), count('active')];
  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))].sort();
  const shards = distinct(views.map((v) => v.job.metadata?.labels?.[SHARD_LABEL]));
  const sourceVersions = distinct(views.map((v) => v.job.metadata?.annotations?.[SOURCE_VERSION_ANNOTATION]));

  const staleReasons = sourceVersions.length > 1 ? [`${sourceVersions.length} source versions`] : [];
  // Without a node list (degraded) nothing can be said about the nodes.
  if (knownNodes) {
    const said = new Set<string>();
    for (const view of [...views].sort((a, b) => (pinnedNode(a.job) ?? '').localeCompare(pinnedNode(b.job) ?? ''))) {
      const node = pinnedNode(view.job);
      if (!node) continue;
      const known = knownNodes.get(node);
      const completed = time(view.job.status?.completionTime);
      const reason = !known
        ? `node ${node} gone`
        : !known.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? `node ${node} not Ready`
          : stateOf(view.job) === 'ready' && completed > 0 && time(known.metadata?.creationTimestamp) > completed
            ? `node ${node} re-created after its warm-up`
            : undefined;
      if (reason && !said.has(reason)) staleReasons.push(reason);
      if (reason) said.add(reason);
    }
  }
  const status: DatabaseWarmState = staleReasons.length ? 'stale' : failed ? 'failed' : active ? 'loading' : 'ready';

  const starts = views.map((v) => time(v.job.status?.startTime)).filter((t) => t > 0);
  const ends = views.map((v) => Math.max(time(v.job.status?.completionTime), time(trueCondition(v.job, 'Failed')?.lastTransitionTime)));
  const end = active ? now : Math.max(...ends);
  const elapsedSeconds = starts.length && end > 0 ? Math.max(0, Math.round((end - Math.min(...starts)) / 1000)) : null;

  const progress = status === 'loading' ? progressOf(views, states, tails) : undefined;
  return {
    name,
    status,
    total: views.length,
    ready,
    failed,
    active,
    shards,
    sourceVersions,
    ...(staleReasons.length ? { staleReason: staleReasons.join('; ') } : {}),
    elapsedSeconds,
    ...(progress ? { progress } : {}),
  };
}

/** `progress 42%`, optionally ` eta 300s`: the one line format a warm-up pod reports its progress in. */
const PROGRESS_LINE = /\bprogress (\d{1,3}(?:\.\d+)?)%(?: eta (\d+)s\b)?/;

export function parseProgress(lines: readonly string[]): { percent: number; etaSeconds?: number } | undefined {
  for (const line of [...lines].reverse()) {
    const m = PROGRESS_LINE.exec(line);
    if (!m) continue;
    const percent = Math.min(100, Number(m[1]));
    return { percent, ...(m[2] !== undefined ? { etaSeconds: Number(m[2]) } : {}) };
  }
  return undefined;
}

function progressOf(views: JobView[], states: string[], tails: Map<JobView, string[]>): WarmDatabase['progress'] {
  const told = views.flatMap((view, i) => {
    const lines = states[i] === 'active' ? tails.get(view) : undefined;
    const progress = lines ? parseProgress(lines) : undefined;
    return progress ? [progress] : [];
  });
  if (!told.length) return undefined;
  const ready = states.filter((s) => s === 'ready').length;
  const active = states.filter((s) => s === 'active').length;
  const percent = Math.round((100 * ready + told.reduce((sum, p) => sum + p.percent, 0)) / (ready + active));
  const etas = told.flatMap((p) => (p.etaSeconds === undefined ? [] : [p.etaSeconds]));
  return { percent, ...(etas.length ? { etaSeconds: Math.max(...etas) } : {}) };
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
