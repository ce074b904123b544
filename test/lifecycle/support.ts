import { afterEach } from 'vitest';
// Test support for the lifecycle tests: the whole stack (simulated Azure + app on the local host) on the run's
// Azurite, an injected clock, HTTP helpers, and raw access to the cache table.
import { TableClient } from '@azure/data-tables';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack.js';
import { DEMO_SUBSCRIPTION_ID, type SimulatedAzure } from '../../dev/sim/index.js';
import { GENERATION_ROW_KEY, keyOfRow, locateKey, READING_ROW_PREFIX, TRANSITION_ROW_PREFIX, type MonitorScope } from '../../shared/cache/index.js';
import { SIM_STATE_ORDERING } from '../setup/ordering.js';
import { blobEndpoint, tablesConnectionString, uniqueTableName } from '../setup/tables.js';

export const SUB = DEMO_SUBSCRIPTION_ID;
export const RG = { subscriptionId: SUB, resourceGroup: 'rg-elb-01' };
export const BLUE = { subscriptionId: SUB, resourceGroup: 'rg-elb-01-blue' };
/** A look-alike scope the simulator has no clusters in (its rows are seeded directly). */
export const LOOKALIKE = { subscriptionId: SUB, resourceGroup: 'rg-elb-010' };

import { manualClock, type ManualClock } from '../setup/control.js';

export { manualClock, type ManualClock };

export interface TestStack extends LocalStack {
  clock: ManualClock;
  env: Record<string, string>;
  get(path: string): Promise<{ status: number; headers: Headers; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; headers: Headers; body: any }>;
  list(scope?: MonitorScope): Promise<any>;
  act(action: 'start' | 'stop' | 'delete', cluster: string, scope?: MonitorScope): Promise<{ status: number; headers: Headers; body: any }>;
  /** The cache table, read directly. */
  table: TableClient;
}

export interface TestStackOptions extends Omit<LocalStackOptions, 'now' | 'tablesConnectionString'> {
  clock?: ManualClock;
  /** Share another stack's simulated Azure, table and clock (a second instance). */
  peer?: TestStack;
  /** Reach the run's Azurite through this connection string instead (a fault proxy). */
  tablesVia?: string;
}

/** Starts the stack on the run's Azurite with its own tables (or a peer's), the timer run by hand, an injected clock. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const { peer, clock: givenClock, env: givenEnv, tablesVia, ...rest } = options;
  const clock = givenClock ?? peer?.clock ?? manualClock();
  const env: Record<string, string> = {
    ...(peer?.env ?? { CACHE_TABLE_NAME: uniqueTableName('c'), INSPECTOR_TABLE_NAME: uniqueTableName('i') }),
    ...(givenEnv as Record<string, string> | undefined),
  };
  const stack = await startLocalStack({
    timers: false,
    log: () => {},
    ...rest,
    simulator: { stateOrdering: SIM_STATE_ORDERING, ...rest.simulator },
    ...(peer ? { sim: peer.sim } : {}),
    tablesConnectionString: tablesVia ?? tablesConnectionString(),
    blobEndpoint: blobEndpoint(),
    env,
    now: clock.now,
  });
  const request = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${stack.url}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const table = TableClient.fromConnectionString(tablesConnectionString(), stack.config.tables.cacheTable, { allowInsecureConnection: true });
  const test: TestStack = Object.assign(stack, {
    clock,
    env,
    table,
    get: (path: string) => request(path),
    post: (path: string, body: unknown) => request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    async list(scope: MonitorScope = RG) {
      const response = await request(`/api/monitor/aks?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`);
      if (response.status !== 200) throw new Error(`list ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    act: (action: 'start' | 'stop' | 'delete', cluster: string, scope: MonitorScope = RG) => test.post(`/api/aks/${action}`, { ...scope, cluster }),
  });
  return test;
}

export const categoryPath = (cluster: string, category: string, scope: MonitorScope = RG) =>
  `/api/monitor/aks/${cluster}/${category}?subscriptionId=${scope.subscriptionId}&resourceGroup=${scope.resourceGroup}`;

export interface RawRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
  [property: string]: unknown;
}

export async function allRows(table: TableClient): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const entity of table.listEntities()) rows.push(entity as RawRow);
  return rows;
}

/** Every stored reading, by logical key. */
export async function readings(table: TableClient): Promise<Map<string, RawRow & { fetchedAt: number; generation: number }>> {
  const found = new Map<string, RawRow & { fetchedAt: number; generation: number }>();
  for (const row of await allRows(table)) {
    if (row.rowKey.startsWith(READING_ROW_PREFIX)) found.set(keyOfRow(row.partitionKey, row.rowKey), row as RawRow & { fetchedAt: number; generation: number });
  }
  return found;
}

export async function transitionRows(table: TableClient): Promise<RawRow[]> {
  return (await allRows(table)).filter((row) => row.rowKey.startsWith(TRANSITION_ROW_PREFIX));
}

/** The current generation counters covering a key, summed as a reading records them. */
export async function generationOfKey(table: TableClient, key: string): Promise<number> {
  const location = locateKey(key);
  let sum = 0;
  for (const ref of [location.own, ...location.ancestors]) sum += await counter(table, ref.partitionKey, ref.name);
  return sum;
}

export async function counter(table: TableClient, partitionKey: string, name: string): Promise<number> {
  try {
    const row = await table.getEntity(partitionKey, GENERATION_ROW_KEY);
    return typeof row[name] === 'number' ? row[name] : 0;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
}

/** ARM list requests of a resource group seen by the simulator (each one is a re-read of the list). */
export function armListReads(sim: SimulatedAzure, resourceGroup = RG.resourceGroup): number {
  const path = `/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters`.toLowerCase();
  return sim.requestLog((entry) => entry.server === 'arm' && entry.method === 'GET' && entry.url.toLowerCase().split('?')[0]!.endsWith(path)).length;
}

/** A request to the stack with any method, JSON in and out; the answer's text as well, for its size. */
export async function send(s: TestStack, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

/** Start or stop calls the simulated ARM received (each one a real action on a cluster). */
export const armPosts = (s: TestStack, verb: 'start' | 'stop') =>
  s.sim.requestLog((e) => e.server === 'arm' && e.method === 'POST' && e.url.split('?')[0]!.endsWith(`/${verb}`)).length;

export function clusterOf(list: { data: Array<{ name: string }> }, name: string): any {
  return list.data.find((c) => c.name === name);
}

/** Every start, stop and delete waits for the test's completeOperation. */
export const MANUAL_OPERATIONS = { durations: { start: 'manual', stop: 'manual', delete: 'manual' } } as const;

/** Starts stacks for a test file and closes them after each test (peers first: they share the first one's Azure). */
export function testStacks(): (options?: TestStackOptions) => Promise<TestStack> {
  const stacks: TestStack[] = [];
  afterEach(async () => {
    for (const s of stacks.reverse()) await s.close();
    stacks.length = 0;
  });
  return async (options = {}) => {
    const started = await startTestStack(options);
    stacks.push(started);
    return started;
  };
}
