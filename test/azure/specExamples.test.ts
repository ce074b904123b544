// The simulated ARM's answers compared field by field with the example responses of the Azure REST API
// specifications (copied into ./specExamples, sources in SOURCES.md): every field an example shows is in the
// simulator's answer with the same JSON type, unless listed in NOT_MODELLED with the reason; the LRO answers
// have the examples' status codes and Location shape.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';

const RG = 'rg-elb-01';
const API_VERSION = '2026-06-01';

/** Fields of the examples the simulator leaves out, and why that cannot mislead the dashboard. */
const NOT_MODELLED: Record<string, string> = {
  eTag: 'optimistic-concurrency tag of writes (PUT/PATCH with If-Match); the dashboard never writes a cluster',
  'properties.agentPoolProfiles[].eTag': 'same, for agent pools',
  'properties.diskEncryptionSetID': 'customer-managed disk keys: not read by the dashboard',
  'properties.linuxProfile': 'SSH access of the nodes: not read by the dashboard',
  'properties.servicePrincipalProfile': 'the simulated clusters use a managed identity (`identity`), as current AKS clusters do',
  'properties.upgradeSettings': 'upgrade overrides: not read by the dashboard',
  'properties.agentPoolProfiles[].upgradeSettings': 'node surge settings: not read by the dashboard',
  'properties.agentPoolProfiles[].availabilityZones': 'zones of the pool: the dashboard shows nodes from Kubernetes, not from ARM',
  'properties.networkProfile.loadBalancerProfile': 'outbound IPs: not read by the dashboard',
  tags: "the owner's own key/value pairs (ARM leaves the field out when there are none); the demo fleet's tags differ",
};

interface Example {
  responses: Record<string, { body?: any; headers?: Record<string, string> }>;
}
const example = (name: string): Example => JSON.parse(readFileSync(new URL(`./specExamples/${name}.json`, import.meta.url), 'utf8'));

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
const typeOf = (v: unknown): JsonType => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType));

/** Every field path of a JSON value with its type; array items by their first element ("a[].b"). */
function fields(value: unknown, prefix = '', out = new Map<string, JsonType>()): Map<string, JsonType> {
  if (prefix) out.set(prefix, typeOf(value));
  if (Array.isArray(value) && value.length > 0) fields(value[0], `${prefix}[]`, out);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) fields(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** The example's fields missing from the simulator's answer or of another type (NOT_MODELLED ones skipped). */
function differences(expected: unknown, actual: unknown): string[] {
  const simulated = fields(actual);
  const skipped = (path: string) => Object.keys(NOT_MODELLED).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[]`));
  return [...fields(expected)]
    .filter(([path]) => !skipped(path))
    .filter(([path, type]) => simulated.get(path) !== type)
    .map(([path, type]) => `${path}: example ${type}, simulator ${simulated.get(path) ?? 'missing'}`);
}

let sim: SimulatedAzure;
let agent: Agent;

beforeAll(async () => {
  sim = await startSimulatedAzure({ durations: { start: 'manual', stop: 'manual', delete: 'manual' } });
  agent = new Agent({ connect: { ca: sim.caPem } });
});
afterAll(async () => {
  await agent.close();
  await sim.close();
});

async function arm(method: 'GET' | 'POST' | 'DELETE', path: string) {
  const url = path.startsWith('https://') ? path : `${sim.armEndpoint}${path}?api-version=${API_VERSION}`;
  const res = await request(url, { method, dispatcher: agent, headers: { authorization: `Bearer ${sim.token}` } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
const clusterPath = (name: string) =>
  `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`;

describe('read answers, field by field', () => {
  it('ManagedClusters_List', async () => {
    const expected = example('ManagedClustersList').responses['200']!.body;
    const res = await arm('GET', `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.ContainerService/managedClusters`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(Object.keys(expected)); // { value } (nextLink only when a page follows)
    for (const cluster of res.body.value) expect(differences(expected.value[0], cluster)).toEqual([]);
  });

  it('ManagedClusters_Get', async () => {
    const expected = example('ManagedClustersGet').responses['200']!.body;
    const res = await arm('GET', clusterPath('elb-01-a'));
    expect(res.status).toBe(200);
    expect(differences(expected, res.body)).toEqual([]);
    // Spelled as AKS's recorded answers spell them (ARM compares them case-insensitively).
    expect(res.body.type.toLowerCase()).toBe(expected.type.toLowerCase());
    expect(res.body.id.toLowerCase()).toBe(clusterPath('elb-01-a').toLowerCase());
  });

  it.each([
    ['ManagedClustersListClusterAdminCredentials', 'listClusterAdminCredential'],
    ['ManagedClustersListClusterUserCredentials', 'listClusterUserCredential'],
  ])('%s: exactly the example’s fields', async (name, action) => {
    const expected = example(name).responses['200']!.body;
    const res = await arm('POST', `${clusterPath('elb-01-a')}/${action}`);
    expect(res.status).toBe(200);
    expect([...fields(res.body)]).toEqual([...fields(expected)]);
  });
});

describe('long-running operations: the examples’ status codes and Location', () => {
  it.each([
    ['ManagedClustersStart', 'POST', 'elb-01-b', '/start'],
    ['ManagedClustersStop', 'POST', 'elb-01-a', '/stop'],
    ['ManagedClustersDelete', 'DELETE', 'elb-01-c', ''],
  ] as const)('%s: 202 + Location to operationresults, then 204', async (name, method, cluster, action) => {
    const { responses } = example(name);
    const exampleLocation = new URL(responses['202']!.headers!.location!);
    const accepted = await arm(method, `${clusterPath(cluster)}${action}`);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toBeUndefined();
    const location = new URL(String(accepted.headers.location));
    const shape = (u: URL) => u.pathname.replace(/[0-9a-f-]{36}/g, '{id}').replace(/\/locations\/[^/]+\//, '/locations/{location}/');
    expect(shape(location)).toBe(shape(exampleLocation));
    expect(location.searchParams.get('api-version')).toBeTruthy();
    expect((await arm('GET', location.toString())).status).toBe(202);
    await sim.completeOperation({ resourceGroup: RG, name: cluster });
    expect(Object.keys(responses)).toContain('204');
    expect((await arm('GET', location.toString())).status).toBe(204);
  });
});
