// The scripted power-state timeline and the LRO wire format, seen raw (what any ARM client sees).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AKS_ENTRA_SERVER_ID, DEMO_SUBSCRIPTION_ID, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';
import { MANAGED_CLUSTERS_API_VERSIONS } from '../../dev/sim/arm.js';
import { elapsedText } from '../../dev/sim/lifecycle.js';
import { Agent, request } from 'undici';
import { powerStateDuring, SIM_STATE_ORDERING } from '../setup/ordering.js';

const RG = 'rg-elb-01';
let sim: SimulatedAzure;
let agent: Agent;

beforeAll(async () => {
  sim = await startSimulatedAzure({
    durations: { start: 'manual', stop: 'manual', delete: 'manual' },
    lroRetryAfterSeconds: 7,
    stateOrdering: SIM_STATE_ORDERING,
  });
  agent = new Agent({ connect: { ca: sim.caPem } });
});

afterAll(async () => {
  await agent.close();
  await sim.close();
});

async function arm(method: 'GET' | 'POST' | 'DELETE', pathOrUrl: string) {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sim.armEndpoint}${pathOrUrl}${pathOrUrl.includes('?') ? '&' : '?'}api-version=2026-06-01`;
  const res = await request(url, { method, dispatcher: agent, headers: { authorization: `Bearer ${sim.token}` } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const clusterPath = (name: string) =>
  `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`;
const powerOf = async (name: string) => {
  const { body } = await arm('GET', clusterPath(name));
  return [body.properties.provisioningState, body.properties.powerState.code];
};

async function apiServerAnswers(name: string): Promise<boolean> {
  const cluster = sim.cluster({ resourceGroup: RG, name });
  const probe = new Agent({ connect: { ca: cluster.caPem } });
  try {
    const res = await request(`${cluster.apiServerUrl}/version`, { dispatcher: probe });
    await res.body.text();
    return res.statusCode === 200;
  } catch (err) {
    if ((err as { code?: string }).code === 'ECONNREFUSED') return false;
    throw err;
  } finally {
    await probe.close();
  }
}

describe('start / stop timeline', () => {
  it(`start (${SIM_STATE_ORDERING}): 202 with absolute LRO URLs; Starting + ${powerStateDuring('start')} until the end; then listening on the same address`, async () => {
    const before = sim.cluster({ resourceGroup: RG, name: 'elb-01-b' }).apiServerUrl;
    const accepted = await arm('POST', `${clusterPath('elb-01-b')}/start`);
    expect(accepted.status).toBe(202);
    const asyncOp = String(accepted.headers['azure-asyncoperation']);
    const location = String(accepted.headers.location);
    expect(
      asyncOp.startsWith(`${sim.armEndpoint}/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.ContainerService/locations/westeurope/operations/`),
    ).toBe(true);
    expect(location).toContain('/operationresults/');
    expect(accepted.headers['retry-after']).toBe('7');

    expect(await powerOf('elb-01-b')).toEqual(['Starting', powerStateDuring('start')]);
    expect((await arm('GET', asyncOp)).body).toMatchObject({ status: 'InProgress' });
    expect((await arm('GET', location)).status).toBe(202);
    expect(await apiServerAnswers('elb-01-b')).toBe(false);

    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
    expect(await powerOf('elb-01-b')).toEqual(['Succeeded', 'Running']);
    const done = await arm('GET', asyncOp);
    expect(done.body).toMatchObject({ status: 'Succeeded' });
    expect(done.body.endTime).toBeTruthy();
    expect((await arm('GET', location)).status).toBe(204);
    expect(await apiServerAnswers('elb-01-b')).toBe(true);
    expect(sim.cluster({ resourceGroup: RG, name: 'elb-01-b' }).apiServerUrl).toBe(before);
  });

  it(`stop (${SIM_STATE_ORDERING}): Stopping + ${powerStateDuring('stop')} while still serving; at the end the API server refuses`, async () => {
    expect((await arm('POST', `${clusterPath('elb-01-b')}/stop`)).status).toBe(202);
    expect(await powerOf('elb-01-b')).toEqual(['Stopping', powerStateDuring('stop')]);
    expect(await apiServerAnswers('elb-01-b')).toBe(true);
    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
    expect(await powerOf('elb-01-b')).toEqual(['Succeeded', 'Stopped']);
    expect(await apiServerAnswers('elb-01-b')).toBe(false);
  });

  it('409 comes unwrapped ({code, details, message, subcode}) with AKS wording', async () => {
    await arm('POST', `${clusterPath('elb-01-b')}/start`);
    const conflict = await arm('POST', `${clusterPath('elb-01-b')}/stop`);
    expect(conflict.status).toBe(409);
    expect(Object.keys(conflict.body).sort()).toEqual(['code', 'details', 'message', 'subcode']);
    expect(conflict.body).toMatchObject({ code: 'OperationNotAllowed', details: null, subcode: '' });
    const open = sim.cluster({ resourceGroup: RG, name: 'elb-01-b' }).state().operation!;
    expect(conflict.body.message).toBe(
      `Operation is not allowed because there's an in progress start managed cluster operation (operation ID: ${open.id}) started on UTC ${open.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}. Please wait for it to finish before starting a new operation.`,
    );
    expect(sim.cluster({ resourceGroup: RG, name: 'elb-01-b' }).state().operation?.kind).toBe('start');
    // A failed start that leaves the cluster Running: the Failed + Running combination users report.
    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-b' }, { status: 'Failed', powerState: 'Running' });
    expect(await powerOf('elb-01-b')).toEqual(['Failed', 'Running']);
    expect(await apiServerAnswers('elb-01-b')).toBe(true);
    // A Failed cluster may be stopped again.
    expect((await arm('POST', `${clusterPath('elb-01-b')}/stop`)).status).toBe(202);
    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
    expect(await powerOf('elb-01-b')).toEqual(['Succeeded', 'Stopped']);
  });

  it('an operation with a scripted duration ends by itself', async () => {
    sim.setOperationDurations({ start: 1 });
    try {
      const accepted = await arm('POST', `${clusterPath('elb-01-b')}/start`);
      let status = 'InProgress';
      while (status === 'InProgress') status = (await arm('GET', String(accepted.headers['azure-asyncoperation']))).body.status;
      expect(status).toBe('Succeeded');
      expect(await powerOf('elb-01-b')).toEqual(['Succeeded', 'Running']);
    } finally {
      sim.setOperationDurations({ start: 'manual' });
    }
    await arm('POST', `${clusterPath('elb-01-b')}/stop`);
    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
  });

  it('completeOperation without an open operation is an error', async () => {
    await expect(sim.completeOperation({ resourceGroup: RG, name: 'elb-01-a' })).rejects.toThrow(/no operation in progress/);
  });
});

describe('refusals of an operation the state makes pointless', () => {
  it('stop of a stopped cluster: "managed cluster is not currently running, stopping cannot be performed; …"', async () => {
    const refused = await arm('POST', `${clusterPath('elb-01-b')}/stop`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'OperationNotAllowed', details: null, subcode: '' });
    expect(refused.body.message).toMatch(
      /^managed cluster is not currently running, stopping cannot be performed; The (stop|start) operation started at '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z' and elapsed time is: '\d{2}:\d{2}:\d{2}' \(RFC3339 format\)$/,
    );
  });

  it('start of a running cluster: "… starting cannot be performed The previous operation started at …"', async () => {
    const refused = await arm('POST', `${clusterPath('elb-01-a')}/start`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(
      /^managed cluster is in Provisioning State\(Succeeded\) and Power State\(Running\), starting cannot be performed The previous operation started at '/,
    );
  });

  it('elapsed time is written as AKS writes it', () => {
    expect(elapsedText(7_000)).toBe('00:00:07');
    expect(elapsedText((7 * 86_400 + 3600 + 16 * 60 + 37) * 1000)).toBe('7 days and 01:16:37');
  });
});

describe('LRO wire options', () => {
  it('by default (as recorded from AKS) 202s and InProgress status documents carry no Retry-After, nor an error', async () => {
    const plain = await startSimulatedAzure({ durations: { start: 'manual' } });
    const local = new Agent({ connect: { ca: plain.caPem } });
    try {
      const call = async (method: 'GET' | 'POST', url: string) => {
        const res = await request(url, { method, dispatcher: local, headers: { authorization: `Bearer ${plain.token}` } });
        const text = await res.body.text();
        return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      };
      const accepted = await call('POST', `${plain.armEndpoint}${clusterPath('elb-01-b')}/start?api-version=2026-06-01`);
      expect(accepted.status).toBe(202);
      expect(accepted.headers['retry-after']).toBeUndefined();
      expect(String(accepted.headers['azure-asyncoperation'])).toMatch(/\?api-version=2016-03-30$/);
      const status = await call('GET', String(accepted.headers['azure-asyncoperation']));
      expect(status.headers['retry-after']).toBeUndefined();
      expect(Object.keys(status.body).sort()).toEqual(['name', 'startTime', 'status']);
      await plain.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
    } finally {
      await local.close();
      await plain.close();
    }
  });

  it('lroInProgressError: InProgress status documents carry it until the operation ends', async () => {
    const erring = await startSimulatedAzure({
      durations: { start: 'manual' },
      lroInProgressError: { code: 'VMExtensionProvisioningError', message: 'retrying a node bootstrap step' },
    });
    const local = new Agent({ connect: { ca: erring.caPem } });
    try {
      const call = async (method: 'GET' | 'POST', url: string) => {
        const res = await request(url, { method, dispatcher: local, headers: { authorization: `Bearer ${erring.token}` } });
        const text = await res.body.text();
        return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      };
      const accepted = await call('POST', `${erring.armEndpoint}${clusterPath('elb-01-b')}/start?api-version=2026-06-01`);
      const url = String(accepted.headers['azure-asyncoperation']);
      expect((await call('GET', url)).body).toMatchObject({ status: 'InProgress', error: { code: 'VMExtensionProvisioningError' } });
      await erring.completeOperation({ resourceGroup: RG, name: 'elb-01-b' });
      const done = (await call('GET', url)).body;
      expect(done.status).toBe('Succeeded');
      expect(done.error).toBeUndefined();
    } finally {
      await local.close();
      await erring.close();
    }
  });
});

describe('delete', () => {
  it('Deleting until the end, then 404 and gone from the list; the API server stops', async () => {
    expect((await arm('DELETE', clusterPath('elb-01-c'))).status).toBe(202);
    expect((await powerOf('elb-01-c'))[0]).toBe('Deleting');
    await sim.completeOperation({ resourceGroup: RG, name: 'elb-01-c' });
    const gone = await arm('GET', clusterPath('elb-01-c'));
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ResourceNotFound');
    const list = await arm('GET', `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters`);
    expect(list.body.value.map((c: { name: string }) => c.name)).toEqual(['elb-01-a', 'elb-01-b']);
    expect(sim.clusters().map((c) => c.name)).not.toContain('elb-01-c');
    // ARM answers 204 to a DELETE of something that is not there.
    expect((await arm('DELETE', clusterPath('elb-01-c'))).status).toBe(204);
  });
});

describe('ARM request validation', () => {
  it('400 without api-version; 404 for an unknown subscription', async () => {
    const res = await request(`${sim.armEndpoint}${clusterPath('elb-01-a')}`, { dispatcher: agent, headers: { authorization: `Bearer ${sim.token}` } });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
    const unknown = await arm(
      'GET',
      `/subscriptions/00000000-0000-0000-0000-00000000ffff/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters`,
    );
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SubscriptionNotFound']);
  });

  it('a token for another audience (the AKS server id) is refused: 401 InvalidAuthenticationTokenAudience', async () => {
    const res = await request(`${sim.armEndpoint}${clusterPath('elb-01-a')}?api-version=2026-06-01`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${sim.tokenFor(AKS_ENTRA_SERVER_ID)}` },
    });
    expect(res.statusCode).toBe(401);
    const body = (await res.body.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('InvalidAuthenticationTokenAudience');
    expect(body.error.message).toContain(`wrong audience or resource '${AKS_ENTRA_SERVER_ID}'`);
    expect(res.headers['www-authenticate']).toContain('invalid_token');
    const own = await request(`${sim.armEndpoint}${clusterPath('elb-01-a')}?api-version=2026-06-01`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${sim.tokenFor(sim.armEndpoint)}` },
    });
    expect(own.statusCode).toBe(200);
    await own.body.text();
  });

  it('an api-version managedClusters does not serve: 400 NoRegisteredProviderFound naming the supported ones', async () => {
    const res = await arm('GET', `${clusterPath('elb-01-a')}?api-version=2099-01-01`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('NoRegisteredProviderFound');
    expect(res.body.error.message).toContain(
      "No registered resource provider found for location 'westeurope' and API version '2099-01-01' for type 'managedClusters'",
    );
    for (const v of MANAGED_CLUSTERS_API_VERSIONS) expect(res.body.error.message).toContain(v);
    const malformed = await arm('GET', `${clusterPath('elb-01-a')}?api-version=latest`);
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'InvalidApiVersionParameter']);
    const resources = await request(`${sim.armEndpoint}/subscriptions/${DEMO_SUBSCRIPTION_ID}?api-version=2026-06-01`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(resources.statusCode).toBe(400);
    expect(((await resources.body.json()) as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });
});
