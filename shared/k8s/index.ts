// shared/k8s: the session pool, the real sessions, the monitor reads, the jobs listing and the warm-up fan-out.
export * from './sessionPool.js';
export * from './session.js';
export * from './upstream.js';
export * from './forbidden.js';
export * from './quantity.js';
export * from './reads.js';
export * from './warmup.js';
export * from './jobs.js';

import type { MonitorCategory } from '../cache/keys.js'; // the one list of categories
import { readJobs } from './jobs.js';
import { readEvents, readNodes, readPods, readTopNodes, type ReadOptions } from './reads.js';
import type { KubeSession } from './session.js';
import type { Reading } from './upstream.js';
import { readWarmupStatus } from './warmup.js';

/** One per-cluster monitor category, read with a session (what a route or the refresh timer calls). */
export function readClusterCategory(
  session: KubeSession,
  category: MonitorCategory,
  options: ReadOptions & { warmupLabelSelector: string },
): Promise<Reading<unknown>> {
  switch (category) {
    case 'nodes':
      return readNodes(session, options);
    case 'pods':
      return readPods(session, options);
    case 'top-nodes':
      return readTopNodes(session, options);
    case 'events':
      return readEvents(session, options);
    case 'warmup-status':
      return readWarmupStatus(session, { ...options, labelSelector: options.warmupLabelSelector });
    case 'jobs':
      return readJobs(session, options);
  }
}
