// @kubernetes/client-node, built from the kubeconfigs the simulator's ARM returns, reads every Kubernetes path
// the dashboard uses: with the admin client certificate and with an Entra bearer token.
import { BatchV1Api, CoreV1Api, KubeConfig, Metrics, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../dev/sim/certificates.js';
import { AKS_ENTRA_SERVER_ID, DEMO_DB_NAMESPACE, DEMO_SUBSCRIPTION_ID, demoFleet, startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';
import { createContainerServiceClient, getKubeconfig } from '../../shared/azure/arm.js';
import { createAzureCredential } from '../../shared/azure/credentials.js';
import { bearerKubeConfig, certificateKubeConfig, configFor, rawGet } from './support.js';

const RG = 'rg-elb-01';
const CLUSTER = 'elb-01-a';
let sim: SimulatedAzure;
let adminYaml: string;
let userYaml: string;

beforeAll(async () => {
  sim = await startSimulatedAzure();
  const config = configFor(sim);
  const arm = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID);
  adminYaml = await getKubeconfig(arm, RG, CLUSTER, true);
  userYaml = await getKubeconfig(arm, RG, CLUSTER, false);
});

afterAll(async () => {
  await sim.close();
});

const spec = () => sim.cluster({ resourceGroup: RG, name: CLUSTER }).spec;

describe.each([
  ['client certificate', () => certificateKubeConfig(adminYaml)],
  ['Entra bearer token', () => bearerKubeConfig(userYaml, sim.tokenFor(AKS_ENTRA_SERVER_ID))],
])('every read path with %s auth', (_auth, makeConfig) => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  beforeAll(() => {
    kc = makeConfig();
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
  });

  it('/version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.31.2');
  });

  it('/api/v1/nodes', async () => {
    const nodes = await core.listNode();
    expect(nodes.kind).toBe('NodeList');
    expect(nodes.metadata?.resourceVersion).toBeTruthy();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(
      spec()
        .nodes.map((n) => n.name)
        .sort(),
    );
    const stale = spec().nodes.find((n) => n.pool === 'db' && Date.now() - Date.parse(n.createdAt) < 3_600_000)!;
    const served = nodes.items.find((n) => n.metadata?.name === stale.name)!;
    expect(served.metadata?.creationTimestamp).toEqual(new Date(stale.createdAt));
    expect(served.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('/api/v1/pods and /api/v1/namespaces/{ns}/pods', async () => {
    const all = await core.listPodForAllNamespaces();
    expect(all.items).toHaveLength(spec().pods.length);
    const db = await core.listNamespacedPod({ namespace: DEMO_DB_NAMESPACE });
    expect(db.items.length).toBeGreaterThan(0);
    expect(db.items.every((p) => p.metadata?.namespace === DEMO_DB_NAMESPACE)).toBe(true);
    const crashing = all.items.find((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    expect(crashing?.status?.containerStatuses?.[0]?.restartCount).toBe(14);
  });

  it('/api/v1/namespaces/{ns}/pods/{name}/log?tailLines=', async () => {
    const pod = spec().pods.find((p) => p.ownerJob && p.phase === 'Running')!;
    const log = await core.readNamespacedPodLog({ namespace: pod.namespace, name: pod.name, tailLines: 2 });
    expect(log).toBe(
      pod
        .log!.slice(-2)
        .map((l) => `${l}\n`)
        .join(''),
    );
  });

  it('/api/v1/events and /api/v1/namespaces/{ns}/events', async () => {
    const all = await core.listEventForAllNamespaces();
    expect(all.items).toHaveLength(spec().events.length);
    expect(new Set(all.items.map((e) => e.type))).toEqual(new Set(['Normal', 'Warning']));
    const db = await core.listNamespacedEvent({ namespace: DEMO_DB_NAMESPACE });
    expect(db.items.every((e) => e.metadata?.namespace === DEMO_DB_NAMESPACE)).toBe(true);
    expect(db.items.some((e) => e.reason === 'BackoffLimitExceeded')).toBe(true);
  });

  it('/apis/batch/v1/jobs?labelSelector= and /apis/batch/v1/namespaces/{ns}/jobs', async () => {
    const warmups = await batch.listJobForAllNamespaces({ labelSelector: 'app=elb-db-warmup' });
    expect(warmups.items.map((j) => j.metadata?.name).sort()).toEqual(
      spec()
        .jobs.filter((j) => j.labels?.app === 'elb-db-warmup')
        .map((j) => j.name)
        .sort(),
    );
    const byState = (cond: string) => warmups.items.filter((j) => j.status?.conditions?.some((c) => c.type === cond && c.status === 'True')).length;
    expect(byState('Complete')).toBeGreaterThan(0);
    expect(byState('Failed')).toBe(1);
    expect(warmups.items.filter((j) => j.status?.active === 1)).toHaveLength(2);
    const warm = warmups.items.find((j) => j.metadata?.name === 'warm-core-nt-00')!;
    expect(warm.metadata?.labels).toMatchObject({ app: 'elb-db-warmup', db: 'core_nt', shard: '00' });
    expect(warm.metadata?.annotations).toEqual({ 'elb.dashboard/source-version': '2026-11-02' });
    expect(warm.spec?.template.spec?.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'aks-db-31415926-vmss000000' });
    expect(warm.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600, suspend: false });
    const suspended = await batch.readNamespacedJob({ namespace: 'default', name: 'blast-swissprot-batch-000' });
    expect(suspended.spec?.suspend).toBe(true);
    expect(suspended.status?.startTime).toBeUndefined();
    expect(suspended.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['Suspended', 'True', 'JobSuspended']]);
    // Every namespace, paged with limit and continue.
    const all = await batch.listJobForAllNamespaces();
    const first = await batch.listJobForAllNamespaces({ limit: 8 });
    expect(first.items).toHaveLength(8);
    expect(first.metadata?.remainingItemCount).toBe(all.items.length - 8);
    const rest = await batch.listJobForAllNamespaces({ _continue: first.metadata!._continue! });
    expect([...first.items, ...rest.items].map((j) => j.metadata?.uid)).toEqual(all.items.map((j) => j.metadata?.uid));
    expect(new Set(all.items.map((j) => j.metadata?.namespace))).toEqual(new Set(['db', 'default']));
    const none = await batch.listJobForAllNamespaces({ labelSelector: 'app=other' });
    expect(none.items).toEqual([]);
    const namespaced = await batch.listNamespacedJob({ namespace: DEMO_DB_NAMESPACE });
    expect(namespaced.items).toHaveLength(warmups.items.length);
  });

  it('/apis/metrics.k8s.io/v1beta1/nodes', async () => {
    const metrics = await new Metrics(kc).getNodeMetrics();
    expect(metrics.items.map((m) => m.metadata.name).sort()).toEqual(
      spec()
        .nodes.map((n) => n.name)
        .sort(),
    );
    expect(metrics.items[0]?.usage.cpu).toMatch(/^\d+m$/);
  });
});

describe('list options', () => {
  it('limit/continue pages the pod list to the same items', async () => {
    const core = certificateKubeConfig(adminYaml).makeApiClient(CoreV1Api);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 4, _continue: token });
      names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      token = page.metadata?._continue;
      pages += 1;
    } while (token);
    const all = await core.listPodForAllNamespaces();
    expect(names).toEqual(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    expect(pages).toBe(Math.ceil(all.items.length / 4));
  });

  it('fieldSelector on spec.nodeName, 400 on an unsupported field', async () => {
    const core = certificateKubeConfig(adminYaml).makeApiClient(CoreV1Api);
    const node = spec().nodes[0]!.name;
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    expect(onNode.items.length).toBeGreaterThan(0);
    expect(onNode.items.every((p) => p.spec?.nodeName === node)).toBe(true);
    await expect(core.listPodForAllNamespaces({ fieldSelector: 'spec.color=blue' })).rejects.toMatchObject({ code: 400 });
  });

  it('a set-based labelSelector (in) with a status.phase!= fieldSelector: the unfinished pods of those apps (auto-stop)', async () => {
    const core = certificateKubeConfig(adminYaml).makeApiClient(CoreV1Api);
    const apps = ['blast', 'elb-db-warmup', 'elb-prepare-db'];
    const expected = spec()
      .pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed')
      .filter((p) => apps.includes(p.labels?.app ?? spec().jobs.find((j) => j.name === p.ownerJob)?.labels?.app ?? ''))
      .map((p) => p.name)
      .sort();
    const found = await core.listPodForAllNamespaces({
      labelSelector: `app in (${apps.join(',')})`,
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(found.items.map((p) => p.metadata?.name).sort()).toEqual(expected);
    const all = await core.listPodForAllNamespaces({ labelSelector: `app in (${apps.join(',')})` });
    expect(all.items.length).toBeGreaterThan(found.items.length); // the finished ones are left out
  });
});

describe('discovery and /version/', () => {
  const url = (path: string) => `${sim.cluster({ resourceGroup: RG, name: CLUSTER }).apiServerUrl}${path}`;
  const admin = () => {
    const kc = certificateKubeConfig(adminYaml);
    const user = kc.getCurrentUser()!;
    return {
      ca: sim.cluster({ resourceGroup: RG, name: CLUSTER }).caPem,
      cert: Buffer.from(user.certData!, 'base64').toString(),
      key: Buffer.from(user.keyData!, 'base64').toString(),
    };
  };

  it('/version/ with the trailing slash answers like /version', async () => {
    const slash = await rawGet(url('/version/'), admin());
    expect(slash.status).toBe(200);
    expect(slash.body).toEqual((await rawGet(url('/version'), admin())).body);
  });

  it('/api, /apis, /api/v1 and /apis/{group}/{version} list what the server serves', async () => {
    const api = await rawGet(url('/api'), admin());
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await rawGet(url('/apis'), admin());
    expect(groups.body.kind).toBe('APIGroupList');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toEqual(['batch', 'metrics.k8s.io']);
    const core = await rawGet(url('/api/v1'), admin());
    expect(core.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(core.body.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['nodes', 'pods', 'pods/log', 'events', 'namespaces']));
    const metrics = await rawGet(url('/apis/metrics.k8s.io/v1beta1'), admin());
    expect(metrics.body.resources).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'nodes', kind: 'NodeMetrics', namespaced: false })]));
    expect((await rawGet(url('/apis/apps/v1'), admin())).status).toBe(404);
  });
});

describe('continue tokens', () => {
  const ref = { resourceGroup: RG, name: CLUSTER };
  const core = () => certificateKubeConfig(adminYaml).makeApiClient(CoreV1Api);
  const addPod = (name: string) =>
    sim.cluster(ref).update((s) => {
      s.pods.push({ namespace: 'aaa-first', name, phase: 'Running', createdAt: new Date().toISOString() });
    });

  it('a token keeps paging the snapshot its first page came from, though the data changed', async () => {
    const first = await core().listPodForAllNamespaces({ limit: 3 });
    addPod('added-after-first-page');
    const names = first.items.map((p) => p.metadata?.name);
    let token = first.metadata?._continue;
    while (token) {
      const page = await core().listPodForAllNamespaces({ limit: 3, _continue: token });
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      names.push(...page.items.map((p) => p.metadata?.name));
      token = page.metadata?._continue;
    }
    expect(names).not.toContain('added-after-first-page');
    expect(names).toHaveLength(spec().pods.length - 1);
  });

  it('once compacted: 410 Expired with a fresh token that continues at the latest version', async () => {
    const first = await core().listPodForAllNamespaces({ limit: 3 });
    addPod('added-before-compaction');
    sim.cluster(ref).compact();
    const c = sim.cluster(ref);
    const expired = await rawGet(`${c.apiServerUrl}/api/v1/pods?limit=3&continue=${first.metadata!._continue}`, {
      ca: c.caPem,
      headers: { authorization: `Bearer ${sim.tokenFor(AKS_ENTRA_SERVER_ID)}` },
    });
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(expired.body.message).toContain('use the continue token in this response');
    const fresh = expired.body.metadata.continue as string;
    expect(fresh).toBeTruthy();
    const next = await core().listPodForAllNamespaces({ limit: 3, _continue: fresh });
    const firstKeys = first.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    expect(next.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).every((k) => k > firstKeys.at(-1)!)).toBe(true);
    expect(next.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
  });
});

describe('authorization (Azure RBAC) and missing objects', () => {
  const ref = { resourceGroup: RG, name: CLUSTER };
  const entra = () => bearerKubeConfig(userYaml, sim.tokenFor(AKS_ENTRA_SERVER_ID)).makeApiClient(CoreV1Api);

  it('an ARM token at the API server is refused (wrong audience): 401', async () => {
    await expect(bearerKubeConfig(userYaml, sim.token).makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({ code: 401 });
    await expect(bearerKubeConfig(userYaml, sim.tokenFor('https://management.azure.com')).makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({
      code: 401,
    });
  });

  it('a denied data action answers a Forbidden Status for the Entra identity; the admin certificate is not subject to it', async () => {
    sim.cluster(ref).update((s) => {
      s.deniedDataActions = ['pods/read'];
    });
    try {
      const denied = await entra()
        .listPodForAllNamespaces()
        .then(
          () => undefined,
          (e: unknown) => e as { code: number; body: string },
        );
      expect(denied?.code).toBe(403);
      const status = JSON.parse(denied!.body);
      expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, details: { kind: 'pods' } });
      expect(status.message).toMatch(
        /^pods is forbidden: User "[0-9a-f-]{36}" cannot list resource "pods" in API group "" at the cluster scope: User does not have access to the resource in Azure/,
      );
      const pod = spec().pods.find((p) => p.log)!;
      await expect(entra().readNamespacedPodLog({ namespace: pod.namespace, name: pod.name })).rejects.toMatchObject({ code: 403 });
      expect((await entra().listNode()).items.length).toBeGreaterThan(0);
      expect((await certificateKubeConfig(adminYaml).makeApiClient(CoreV1Api).listPodForAllNamespaces()).items.length).toBeGreaterThan(0);
    } finally {
      sim.cluster(ref).update((s) => {
        delete s.deniedDataActions;
      });
    }
  });

  it('a pod in a missing namespace: pods "x" not found; a list there is empty', async () => {
    const err = await entra()
      .readNamespacedPod({ namespace: 'no-such-ns', name: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e as { code: number; body: string },
      );
    expect(err?.code).toBe(404);
    expect(JSON.parse(err!.body)).toMatchObject({ message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' } });
    expect((await entra().listNamespacedPod({ namespace: 'no-such-ns' })).items).toEqual([]);
  });
});

describe('authentication failures', () => {
  const caOf = () => sim.cluster({ resourceGroup: RG, name: CLUSTER }).caPem;
  const url = (path: string) => `${sim.cluster({ resourceGroup: RG, name: CLUSTER }).apiServerUrl}${path}`;

  it('a wrong token gets 401 with a Status object', async () => {
    const core = bearerKubeConfig(userYaml, 'wrong-token').makeApiClient(CoreV1Api);
    await expect(core.listNode()).rejects.toMatchObject({ code: 401 });
    const raw = await rawGet(url('/api/v1/nodes'), { ca: caOf(), headers: { authorization: 'Bearer wrong-token' } });
    expect(raw.status).toBe(401);
    expect(raw.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });

  it('no credentials: /version is public, resources are 403 for system:anonymous', async () => {
    expect((await rawGet(url('/version'), { ca: caOf() })).status).toBe(200);
    const denied = await rawGet(url('/api/v1/pods'), { ca: caOf() });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(denied.body.message).toContain('system:anonymous');
  });

  it('a client certificate from another CA gets 401', async () => {
    const other = await createCertificateAuthority('not the cluster CA');
    const cert = await other.issue({ subject: 'CN=masterclient, O=system:masters', usage: 'client', lifetimeSeconds: 3600 });
    const raw = await rawGet(url('/api/v1/nodes'), { ca: caOf(), cert: cert.certPem, key: cert.keyPem });
    expect(raw.status).toBe(401);
  });

  it('an admin certificate past its notAfter gets 401', async () => {
    const fleet = demoFleet();
    fleet.subscriptions[0]!.resourceGroups = [
      { ...fleet.subscriptions[0]!.resourceGroups[0]!, clusters: [fleet.subscriptions[0]!.resourceGroups[0]!.clusters[0]!] },
    ];
    const expired = await startSimulatedAzure({ fleet, adminCertLifetimeSeconds: -60 });
    try {
      const config = configFor(expired);
      const arm = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID);
      const core = certificateKubeConfig(await getKubeconfig(arm, RG, CLUSTER, true)).makeApiClient(CoreV1Api);
      await expect(core.listNode()).rejects.toMatchObject({ code: 401 });
    } finally {
      await expired.close();
    }
  });

  it('a cluster without Entra refuses bearer tokens and hands out a client certificate as user credentials', async () => {
    const fleet = demoFleet();
    const rg = fleet.subscriptions[0]!.resourceGroups[0]!;
    fleet.subscriptions[0]!.resourceGroups = [{ ...rg, clusters: [{ ...rg.clusters[0]!, aad: false }] }];
    const local = await startSimulatedAzure({ fleet });
    try {
      const config = configFor(local);
      const arm = createContainerServiceClient(config, createAzureCredential(config.azure), DEMO_SUBSCRIPTION_ID);
      const yaml = await getKubeconfig(arm, RG, CLUSTER, false);
      expect(yaml).toContain('client-key-data');
      expect((await certificateKubeConfig(yaml).makeApiClient(CoreV1Api).listNode()).items.length).toBeGreaterThan(0);
      await expect(bearerKubeConfig(yaml, local.tokenFor(AKS_ENTRA_SERVER_ID)).makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({ code: 401 });
    } finally {
      await local.close();
    }
  });
});

describe('power state', () => {
  it("a stopped cluster's API server refuses connections", async () => {
    const stopped = sim.cluster({ resourceGroup: RG, name: 'elb-01-b' });
    expect(stopped.state().powerState).toBe('Stopped');
    await expect(rawGet(`${stopped.apiServerUrl}/version`, { ca: stopped.caPem })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
