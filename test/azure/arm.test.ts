// The real ContainerServiceClient, built by shared/azure from the app's configuration, against the simulated
// Azure: every ARM operation the app uses, long-running operations, errors, throttling and bounds.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerServiceClient, restorePoller, type ManagedCluster } from '@azure/arm-containerservice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';
import { createArmClientFactory, createContainerServiceClient, getKubeconfig, type ArmRetryBounds } from '../../shared/azure/arm.js';
import { createAzureCredential, createStaticCredential } from '../../shared/azure/credentials.js';
import { configFor, rawGet } from '../sim/support.js';

const RG = 'rg-elb-01';
/** What the SDK throws: RestError (from @azure/core-rest-pipeline, not a direct dependency). */
type RestError = Error & { statusCode?: number; code?: string };

const FAST: ArmRetryBounds = { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 2_000 };

let sim: SimulatedAzure;
let client: ContainerServiceClient;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

async function restError(promise: Promise<unknown>): Promise<RestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).name).toBe('RestError');
  return err as RestError;
}

const pathHits = (suffix: string) => sim.requestLog((e) => e.server === 'arm' && e.url.split('?')[0]!.endsWith(suffix));

beforeAll(async () => {
  // Manual timelines: each test decides when an operation ends. Page size 2: rg-elb-01's 3 clusters take 2 pages.
  sim = await startSimulatedAzure({ durations: { start: 'manual', stop: 'manual', delete: 'manual' }, lroRetryAfterSeconds: 0, armPageSize: 2 });
  const config = configFor(sim);
  client = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID, FAST);
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.clearInjections();
  sim.clearRequestLog();
});

describe('reads', () => {
  it('lists the clusters of a resource group across nextLink pages', async () => {
    const clusters = await collect(client.managedClusters.listByResourceGroup(RG));
    expect(clusters.map((c) => [c.name, c.powerState?.code, c.provisioningState])).toEqual([
      ['elb-01-a', 'Running', 'Succeeded'],
      ['elb-01-b', 'Stopped', 'Succeeded'],
      ['elb-01-c', 'Running', 'Succeeded'],
    ]);
    expect(pathHits('/managedClusters')).toHaveLength(2);
  });

  it('does not mix look-alike resource groups', async () => {
    const blue = await collect(client.managedClusters.listByResourceGroup('rg-elb-01-blue'));
    expect(blue.map((c) => c.name)).toEqual(['elb-01-blue-a']);
  });

  it('gets one cluster with its agent pools and Entra profile', async () => {
    const cluster: ManagedCluster = await client.managedClusters.get(RG, 'elb-01-a');
    expect(cluster.id).toBe(sim.cluster({ resourceGroup: RG, name: 'elb-01-a' }).resourceId);
    expect(cluster.kubernetesVersion).toBe('1.31.2');
    expect(cluster.agentPoolProfiles?.map((p) => [p.name, p.mode, p.count])).toEqual([
      ['system', 'System', 2],
      ['db', 'User', 4],
    ]);
    expect(cluster.aadProfile?.managed).toBe(true);
  });

  it('answers 404 ResourceNotFound for an unknown cluster and ResourceGroupNotFound for an unknown group', async () => {
    const missing = await restError(client.managedClusters.get(RG, 'nope'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('ResourceNotFound');
    const noGroup = await restError(client.managedClusters.get('rg-missing', 'elb-01-a'));
    expect(noGroup.statusCode).toBe(404);
    expect(noGroup.code).toBe('ResourceGroupNotFound');
  });

  it('returns kubeconfigs: Entra user (server + CA + exec) and admin (client certificate)', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-a' };
    const user = await getKubeconfig(client, RG, 'elb-01-a', false);
    expect(user).toContain(`server: ${sim.cluster(ref).apiServerUrl}`);
    expect(user).toContain('certificate-authority-data:');
    expect(user).toContain('command: kubelogin');
    expect(user).not.toContain('client-key-data');
    const admin = await getKubeconfig(client, RG, 'elb-01-a', true);
    expect(admin).toContain('client-certificate-data:');
    expect(admin).toContain('client-key-data:');
    expect(admin).not.toContain('exec:');
  });

  it('a factory hands out one client per subscription', () => {
    const config = configFor(sim);
    const forSubscription = createArmClientFactory(config, createAzureCredential(config.azure));
    expect(forSubscription(DEMO_SUBSCRIPTION_ID)).toBe(forSubscription(DEMO_SUBSCRIPTION_ID.toUpperCase()));
  });
});

describe('long-running operations', () => {
  it('start: submitted() returns at the 202, Running + Starting (real AKS order) with the API server still down, polling ends Running with the final GET', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-b' };
    const poller = client.managedClusters.start(RG, 'elb-01-b', { updateIntervalInMs: 5 });
    await poller.submitted();
    const during = await client.managedClusters.get(RG, 'elb-01-b');
    expect([during.provisioningState, during.powerState?.code]).toEqual(['Starting', 'Running']);
    expect(sim.cluster(ref).state().listening).toBe(false);

    await sim.completeOperation(ref);
    await poller.pollUntilDone();
    const after = await client.managedClusters.get(RG, 'elb-01-b');
    expect([after.provisioningState, after.powerState?.code]).toEqual(['Succeeded', 'Running']);
    expect(sim.cluster(ref).state().listening).toBe(true);
    // The status document was polled, and the start made its final GET on Location (204).
    expect(sim.requestLog((e) => e.url.includes('/operations/') && e.status === 200).length).toBeGreaterThan(0);
    expect(sim.requestLog((e) => e.url.includes('/operationresults/') && e.status === 204)).toHaveLength(1);
  });

  it('stop with a scripted duration: beginStopAndWait polls to the end by itself', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-b' };
    sim.setOperationDurations({ stop: 30 });
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- the SDK's own poll-to-the-end helper is what this test drives
      await client.managedClusters.beginStopAndWait(RG, 'elb-01-b', { updateIntervalInMs: 5 });
    } finally {
      sim.setOperationDurations({ stop: 'manual' });
    }
    expect(sim.cluster(ref).state()).toMatchObject({ powerState: 'Stopped', provisioningState: 'Succeeded', listening: false });
  });

  it('a poller restored from its serialized state finishes the operation', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-b' };
    const first = client.managedClusters.start(RG, 'elb-01-b');
    await first.submitted();
    const state = await first.serialize();
    const restored = restorePoller(client, state, client.managedClusters.start, { updateIntervalInMs: 5 });
    await sim.completeOperation(ref);
    await restored.pollUntilDone();
    expect(sim.cluster(ref).state().powerState).toBe('Running');
    // Leave elb-01-b as the fleet had it.
    const stop = client.managedClusters.stop(RG, 'elb-01-b');
    await stop.submitted();
    await sim.completeOperation(ref);
  });

  it('409 OperationNotAllowed while another operation runs, and for a start of a running cluster', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-b' };
    const starting = client.managedClusters.start(RG, 'elb-01-b');
    await starting.submitted();
    const conflict = await restError(client.managedClusters.stop(RG, 'elb-01-b').submitted());
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe('OperationNotAllowed');
    expect(conflict.message).toMatch(
      /^Operation is not allowed because there's an in progress start managed cluster operation \(operation ID: [0-9a-f-]{36}\) started on UTC /,
    );
    await sim.completeOperation(ref);

    const running = await restError(client.managedClusters.start(RG, 'elb-01-a').submitted());
    expect(running.statusCode).toBe(409);
    expect(running.code).toBe('OperationNotAllowed');
    const stop = client.managedClusters.stop(RG, 'elb-01-b');
    await stop.submitted();
    await sim.completeOperation(ref);
  });

  it('start of an unknown cluster fails at submitted() with 404', async () => {
    const err = await restError(client.managedClusters.start(RG, 'nope').submitted());
    expect(err.statusCode).toBe(404);
  });

  it('a failed start reports Failed through the poller and leaves the cluster Failed', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-b' };
    const poller = client.managedClusters.start(RG, 'elb-01-b', { updateIntervalInMs: 5 });
    await poller.submitted();
    await sim.completeOperation(ref, {
      status: 'Failed',
      powerState: 'Running',
      error: { code: 'VMExtensionProvisioningError', message: 'node bootstrap failed' },
    });
    await expect(poller.pollUntilDone()).rejects.toThrow(/node bootstrap failed/);
    const cluster = await client.managedClusters.get(RG, 'elb-01-b');
    expect([cluster.provisioningState, cluster.powerState?.code]).toEqual(['Failed', 'Running']);
    await sim.setClusterState(ref, { powerState: 'Stopped', provisioningState: 'Succeeded' });
  });

  it('delete: Deleting until it ends, then 404', async () => {
    const local = await startSimulatedAzure({ durations: { delete: 'manual' }, lroRetryAfterSeconds: 0 });
    try {
      const config = configFor(local);
      const c = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID, FAST);
      const poller = c.managedClusters.delete(RG, 'elb-01-c', { updateIntervalInMs: 5 });
      await poller.submitted();
      expect((await c.managedClusters.get(RG, 'elb-01-c')).provisioningState).toBe('Deleting');
      await local.completeOperation({ resourceGroup: RG, name: 'elb-01-c' });
      await poller.pollUntilDone();
      expect((await restError(c.managedClusters.get(RG, 'elb-01-c'))).statusCode).toBe(404);
    } finally {
      await local.close();
    }
  });
});

describe('authentication', () => {
  it('401 without a token (with the challenge header), with a wrong token, with an expired token', async () => {
    const url = `${sim.armEndpoint}/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;
    const anonymous = await rawGet(url, { ca: sim.caPem });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('AuthenticationFailed');
    expect(String(anonymous.headers['www-authenticate'])).toMatch(/^Bearer authorization_uri=/);

    const config = configFor(sim);
    const wrong = createContainerServiceClient(config, createStaticCredential('not-the-token', 3600), DEMO_SUBSCRIPTION_ID, FAST);
    const err = await restError(wrong.managedClusters.get(RG, 'elb-01-a'));
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('InvalidAuthenticationToken');

    const token = sim.token;
    sim.setToken('short-lived', 0);
    try {
      const expired = createContainerServiceClient(config, createStaticCredential('short-lived', 3600), DEMO_SUBSCRIPTION_ID, FAST);
      expect((await restError(expired.managedClusters.get(RG, 'elb-01-a'))).code).toBe('ExpiredAuthenticationToken');
    } finally {
      sim.setToken(token);
    }
  });

  it('trusts the simulator only through TRUSTED_CA (PEM text or a file path)', async () => {
    const config = configFor(sim);
    const untrusting = createContainerServiceClient(
      { ...config, azure: { ...config.azure, trustedCa: undefined } },
      createAzureCredential(config.azure),
      DEMO_SUBSCRIPTION_ID,
      FAST,
    );
    await expect(untrusting.managedClusters.get(RG, 'elb-01-a')).rejects.toThrow(/certificate/i);

    const dir = mkdtempSync(join(tmpdir(), 'sim-ca-'));
    const file = join(dir, 'ca.pem');
    writeFileSync(file, sim.caPem);
    const fromFile = createContainerServiceClient(
      { ...config, azure: { ...config.azure, trustedCa: file } },
      createAzureCredential(config.azure),
      DEMO_SUBSCRIPTION_ID,
      FAST,
    );
    expect((await fromFile.managedClusters.get(RG, 'elb-01-a')).name).toBe('elb-01-a');
  });
});

describe('throttling and failures', () => {
  const clusterPath = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/elb-01-a`;

  it('429 with Retry-After is retried; without Retry-After it is not', async () => {
    sim.inject({ target: 'arm', path: clusterPath, status: 429, retryAfter: 0, times: 1 });
    expect((await client.managedClusters.get(RG, 'elb-01-a')).name).toBe('elb-01-a');
    expect(pathHits('/elb-01-a').map((e) => e.status)).toEqual([429, 200]);

    sim.clearRequestLog();
    sim.inject({ target: 'arm', path: clusterPath, status: 429, times: 1 });
    const err = await restError(client.managedClusters.get(RG, 'elb-01-a'));
    expect(err.statusCode).toBe(429);
    expect(err.code).toBe('SubscriptionRequestsThrottled');
    expect(pathHits('/elb-01-a')).toHaveLength(1);
  });

  it('the SDK default retry policy behaves the same against the simulator', async () => {
    const raw = new ContainerServiceClient(createStaticCredential(sim.token, 3600), DEMO_SUBSCRIPTION_ID, {
      endpoint: sim.armEndpoint,
      credentials: { scopes: [`${sim.armEndpoint}/.default`] },
      tlsOptions: { ca: sim.caPem },
    });
    sim.inject({ target: 'arm', path: clusterPath, status: 429, retryAfter: 0, times: 1 });
    expect((await raw.managedClusters.get(RG, 'elb-01-a')).name).toBe('elb-01-a');
    sim.inject({ target: 'arm', path: clusterPath, status: 429, times: 1 });
    expect((await restError(raw.managedClusters.get(RG, 'elb-01-a'))).statusCode).toBe(429);
    expect(pathHits('/elb-01-a').map((e) => e.status)).toEqual([429, 200, 429]);
  });

  it('a Retry-After beyond the bound fails at once instead of sleeping', async () => {
    sim.inject({ target: 'arm', path: clusterPath, status: 429, retryAfter: 3600 });
    const err = await restError(client.managedClusters.get(RG, 'elb-01-a'));
    expect(err.statusCode).toBe(429);
    expect(pathHits('/elb-01-a')).toHaveLength(1);
  });

  it('500s and dropped connections are retried a bounded number of times', async () => {
    sim.inject({ target: 'arm', path: clusterPath, status: 500, times: 1 });
    sim.inject({ target: 'arm', path: clusterPath, drop: true, times: 1 });
    expect((await client.managedClusters.get(RG, 'elb-01-a')).name).toBe('elb-01-a');
    expect(pathHits('/elb-01-a').map((e) => e.status)).toEqual([500, 0, 200]);

    sim.clearRequestLog();
    sim.inject({ target: 'arm', path: clusterPath, status: 500 });
    expect((await restError(client.managedClusters.get(RG, 'elb-01-a'))).statusCode).toBe(500);
    expect(pathHits('/elb-01-a')).toHaveLength(1 + FAST.maxRetries);
  });

  it('a held answer carries the state read when the request arrived', async () => {
    const ref = { resourceGroup: RG, name: 'elb-01-c' };
    const hold = sim.inject({ target: 'arm', method: 'GET', path: clusterPath.replace('elb-01-a', 'elb-01-c'), hold: true, times: 1 });
    const reading = client.managedClusters.get(RG, 'elb-01-c');
    await hold.whenHit();
    await sim.setClusterState(ref, { powerState: 'Stopped' });
    hold.release();
    expect((await reading).powerState?.code).toBe('Running');
    expect((await client.managedClusters.get(RG, 'elb-01-c')).powerState?.code).toBe('Stopped');
    await sim.setClusterState(ref, { powerState: 'Running' });
  });

  it('UPSTREAM_TIMEOUT_MS bounds a call that never gets an answer', async () => {
    const config = configFor(sim, { UPSTREAM_TIMEOUT_MS: '200' });
    const bounded = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID, FAST);
    const hang = sim.inject({ target: 'arm', path: clusterPath, hold: true });
    try {
      await expect(bounded.managedClusters.get(RG, 'elb-01-a')).rejects.toThrow(/abort/i);
    } finally {
      hang.release();
    }
  });
});
