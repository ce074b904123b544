// The monitor routes through the real stack: the local host serving createApp, the run's Azurite (tables of this
// file's own) and the simulated Azure (demo fleet). Requests go over HTTP with fetch, as the dashboard sends them.
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack.js';
import { DEMO_SUBSCRIPTION_ID, type RequestLogEntry } from '../../dev/sim/index.js';
import type { Scope } from '../../shared/scope.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

export const RG = 'rg-elb-01';
export const SCOPE: Scope = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG };
export const CATEGORIES = ['nodes', 'pods', 'top-nodes', 'warmup-status', 'events', 'jobs'] as const;
export const RUNNING = 'elb-01-a';
export const STOPPED = 'elb-01-b';

/** A clock the test moves: the cache, the transitions and the session pool all read it. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface MonitorStack extends LocalStack {
  /** Lines the app logged (level and text). */
  lines: string[];
  /** GET /api/{path} with the scope's query (after the path's own, if any); the body parsed. */
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A stack on this file's own tables; `share` reuses another stack's tables and simulated Azure (a second host). */
export async function startMonitorStack(options: Omit<LocalStackOptions, 'tablesConnectionString'> & { share?: LocalStack } = {}): Promise<MonitorStack> {
  const { share, env, ...rest } = options;
  const lines: string[] = [];
  const stack = await startLocalStack({
    timers: false,
    log: (level, line) => lines.push(`${level} ${line}`),
    ...rest,
    ...(share ? { sim: share.sim } : {}),
    tablesConnectionString: tablesConnectionString(),
    env: {
      CACHE_TABLE_NAME: share?.config.tables.cacheTable ?? uniqueTableName('c'),
      INSPECTOR_TABLE_NAME: share?.config.tables.inspectorTable ?? uniqueTableName('i'),
      ...env,
    },
  });
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Reply> => {
    // A path may carry its own query (e.g. "…/pods?continue=…"); the scope's is added to it.
    const [route, extra] = path.split('?', 2);
    const query = `subscriptionId=${SCOPE.subscriptionId}&resourceGroup=${SCOPE.resourceGroup}${extra ? `&${extra}` : ''}`;
    const res = await fetch(`${stack.url}/api/${route}?${query}`, { headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return Object.assign(stack, { lines, get });
}

/** The simulator's log of one cluster's API server (server name "{rg}/{cluster}"). */
export function kubernetesLog(stack: LocalStack, cluster: string, since = 0): RequestLogEntry[] {
  return stack.sim.requestLog((e) => e.server === `${RG}/${cluster}` && e.startedAt >= since);
}

/** ARM requests whose path ends with `suffix` (e.g. "/listClusterUserCredential"). */
export function armCalls(stack: LocalStack, suffix: string): number {
  return stack.sim.requestLog((e) => e.server === 'arm' && e.url.split('?')[0]!.endsWith(suffix)).length;
}

export const pathOf = (url: string): string => url.split('?')[0]!;
