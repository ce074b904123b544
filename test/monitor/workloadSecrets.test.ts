// Secrets printed by workloads (warm-up log tails, job failure messages, events) and quoted by upstreams
// (Kubernetes Status messages, ARM's reason for a 409) are redacted before any reader sees them and before they are
// stored in the cache table; the app's own log lines are redacted too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeValue } from '../../shared/cache/codec.js';
import { createTableClient } from '../../shared/tables.js';
import { DEMO_DB_NAMESPACE } from '../../dev/sim/index.js';
import { RG, RUNNING, SCOPE, startMonitorStack, type MonitorStack } from './support.js';

const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
const KUBECONFIG_B64 = Buffer.from('apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: kubeconfigT0kenInsideBase64ValueXYZ\n').toString(
  'base64',
);
const SECRETS = {
  logPassword: 'L0gP4ssw0rd!',
  pem: PEM_BODY,
  kubeconfig: KUBECONFIG_B64.slice(40, 80),
  jobToken: 'J0bT0kenValue123',
  eventKey: 'Ev3ntAccountKeyValue==',
  statusBearer: 'St4tusBearerT0ken',
  armReason: 'Arm409S3cretPass',
};

let stack: MonitorStack;
beforeAll(async () => {
  stack = await startMonitorStack();
  stack.sim.cluster({ resourceGroup: RG, name: RUNNING }).update((spec) => {
    const failedJob = spec.jobs.find((j) => j.status === 'failed')!;
    failedJob.failureMessage = `migration failed: --token ${SECRETS.jobToken}`;
    for (const pod of spec.pods.filter((p) => p.ownerJob === failedJob.name)) {
      pod.log = [
        'starting warm-up',
        `connecting with DB_PASSWORD=${SECRETS.logPassword}`,
        '-----BEGIN RSA PRIVATE KEY-----',
        PEM_BODY,
        '-----END RSA PRIVATE KEY-----',
        'kubeconfig:',
        ...KUBECONFIG_B64.match(/.{1,76}/g)!,
        'FATAL: giving up',
      ];
    }
    spec.events.push({
      namespace: DEMO_DB_NAMESPACE,
      type: 'Warning',
      reason: 'Failed',
      involvedObject: { kind: 'Pod', name: 'orders-api-x' },
      message: `Error: AccountKey=${SECRETS.eventKey};EndpointSuffix=core.windows.net`,
      lastAt: new Date().toISOString(),
      source: 'kubelet',
    });
  });
});
afterAll(async () => {
  await stack?.close();
});

function expectNoSecret(text: string, where: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) expect(text, `${where}: ${name}`).not.toContain(secret);
}

async function storedText(): Promise<string> {
  const table = createTableClient(stack.config.tables, stack.config.tables.cacheTable);
  const parts: string[] = [];
  for await (const entity of table.listEntities()) {
    parts.push(JSON.stringify(entity));
    if (typeof entity.enc === 'string') parts.push(JSON.stringify(decodeValue(entity)));
  }
  return parts.join('\n');
}

describe('secrets from workloads and upstream messages', () => {
  it('warm-up log tails and job failure messages are redacted in the answer and in the cache', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/warmup-status`);
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).toContain('connecting with DB_PASSWORD=[redacted]');
    expect(text).toContain('FATAL: giving up');
    expect(text).toContain('migration failed: --token [redacted]');
    expectNoSecret(text, 'answer');
    expectNoSecret(await storedText(), 'cache table');
  });

  it('job failure messages are redacted in the jobs category', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/jobs`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('migration failed: --token [redacted]');
    expectNoSecret(JSON.stringify(res.body), 'answer');
    expectNoSecret(await storedText(), 'cache table');
  });

  it('event messages are redacted', async () => {
    const res = await stack.get(`monitor/aks/${RUNNING}/events`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('AccountKey=[redacted]');
    expectNoSecret(JSON.stringify(res.body), 'answer');
    expectNoSecret(await storedText(), 'cache table');
  });

  it('a Kubernetes Status message quoted in degraded is redacted', async () => {
    const rule = stack.sim.inject({
      target: 'kubernetes',
      path: '/api/v1/nodes',
      status: 422,
      // Not a 403: the product answers a 403 with its own text (the data action the identity lacks).
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Invalid',
        code: 422,
        message: `nodes is invalid: token Bearer ${SECRETS.statusBearer} rejected`,
      },
    });
    const res = await stack.get(`monitor/aks/${RUNNING}/nodes`);
    rule.remove();
    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual([expect.objectContaining({ status: 422, message: expect.stringContaining('Bearer [redacted]') })]);
    expectNoSecret(JSON.stringify(res.body), 'answer');
    expectNoSecret(await storedText(), 'cache table');
  });

  it("ARM's reason for a 409 is redacted in the error envelope", async () => {
    const rule = stack.sim.inject({
      target: 'arm',
      method: 'POST',
      path: (p) => p.endsWith(`/managedClusters/${RUNNING}/start`),
      status: 409,
      body: { code: 'OperationNotAllowed', message: `Operation failed: password=${SECRETS.armReason}` },
    });
    const res = await fetch(`${stack.url}/api/aks/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...SCOPE, cluster: RUNNING }),
    });
    rule.remove();
    const body = await res.text();
    expect(res.status).toBe(409);
    expect(body).toContain('password=[redacted]');
    expectNoSecret(body, 'answer');
  });

  it('no log line the app wrote carries any of them', () => {
    expectNoSecret(stack.lines.join('\n'), 'logs');
  });
});
