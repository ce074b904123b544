// The custom roles in infra/ against what the code does: ARM actions from the one list in
// shared/azure/armOperations.ts, Kubernetes data actions from the client-node calls in shared/.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARM_ACTIONS, ARM_OPERATIONS } from '../../shared/azure/armOperations.js';
import { readBicep } from './bicepText.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));
const clusterOperations = readJson('infra/roles/cluster-operations.json') as { actions: string[]; adminSessionActions: string[] };
const kubernetesReads = readJson('infra/roles/kubernetes-reads.json') as { dataActions: string[] };
const roleDefinitions = readBicep(join(root, 'infra/modules/roleDefinitions.bicep'));
const main = readBicep(join(root, 'infra/main.bicep'));

/**
 * The data actions Azure registers for AKS (Azure RBAC for Kubernetes) that a read-only dashboard could use, as the
 * Azure permissions reference for Containers lists them (Microsoft.ContainerService/managedClusters/…). ARM refuses a
 * role definition naming a data action that is not registered, so every action of the role must be one of these.
 */
const REGISTERED_AKS_READ_DATA_ACTIONS: readonly string[] = [
  'apps/daemonsets/read', 'apps/deployments/read', 'apps/replicasets/read', 'apps/statefulsets/read',
  'batch/cronjobs/read', 'batch/jobs/read', 'configmaps/read', 'endpoints/read', 'events/read', 'events.k8s.io/events/read',
  'limitranges/read', 'metrics.k8s.io/nodes/read', 'metrics.k8s.io/pods/read', 'namespaces/read', 'nodes/read',
  'persistentvolumeclaims/read', 'persistentvolumes/read', 'pods/read', 'replicationcontrollers/read', 'resourcequotas/read',
  'serviceaccounts/read', 'services/read',
].map((action) => `Microsoft.ContainerService/managedClusters/${action}`);

/** What each client-node call the code makes needs under Azure RBAC for Kubernetes. */
const KUBERNETES_CALL_DATA_ACTIONS: Record<string, string> = {
  'core.listNode': 'nodes/read',
  'core.readNode': 'nodes/read',
  'core.listPodForAllNamespaces': 'pods/read',
  'core.listNamespacedPod': 'pods/read',
  'core.readNamespacedPod': 'pods/read',
  // AKS authorizes `get pods/log` as pods/read: there is no pods/log/read data action.
  'core.readNamespacedPodLog': 'pods/read',
  'core.listEventForAllNamespaces': 'events/read',
  'core.listNamespacedEvent': 'events/read',
  'batch.listJobForAllNamespaces': 'batch/jobs/read',
  'batch.listNamespacedJob': 'batch/jobs/read',
  'metrics.getNodeMetrics': 'metrics.k8s.io/nodes/read',
  'metrics.getPodMetrics': 'metrics.k8s.io/pods/read',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `<client>.<method>(` calls on the session's Kubernetes clients anywhere in shared/ and functions/. */
function kubernetesCalls(): Set<string> {
  const calls = new Set<string>();
  for (const file of [...sourceFiles(join(root, 'shared')), ...sourceFiles(join(root, 'functions'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\.(core|batch|metrics|apps|networking|custom)\.([A-Za-z]+)\(/g)) {
      calls.add(`${m[1]}.${m[2]}`);
    }
  }
  return calls;
}

describe('custom role: cluster operator (ARM)', () => {
  it('holds exactly the ARM actions of shared/azure/armOperations.ts', () => {
    const inRole = [...clusterOperations.actions, ...clusterOperations.adminSessionActions];
    expect(new Set(inRole).size).toBe(inRole.length);
    expect([...inRole].sort()).toEqual([...ARM_ACTIONS].sort());
  });

  it('grants listClusterAdminCredential only with admin sessions', () => {
    expect(clusterOperations.adminSessionActions).toEqual([ARM_OPERATIONS.listAdminCredential]);
    expect(roleDefinitions.code).toMatch(
      /actions: concat\(clusterOperations\.actions, includeAdminSessionActions \? clusterOperations\.adminSessionActions : \[\]\)/,
    );
    const roles = main.modules.find((m) => m.path === 'modules/roleDefinitions.bicep');
    expect(roles?.body).toMatch(/^\s*includeAdminSessionActions: useAdminCredentials$/m);
    expect(main.code).toMatch(/^\s*K8S_USE_ADMIN_CREDENTIALS: useAdminCredentials \? 'true' : 'false'$/m);
  });

  it('uses no wildcard and stays on managed clusters; storage and registries are only read (and resource groups, for {subscriptionId}/* scopes)', () => {
    for (const action of ARM_ACTIONS) {
      if (action === ARM_OPERATIONS.listResourceGroups) continue;
      expect(action).toMatch(
        /^(Microsoft\.ContainerService\/managedClusters(\/[A-Za-z]+)*\/(read|delete|action)|Microsoft\.(Storage\/storageAccounts|ContainerRegistry\/registries)(\/[A-Za-z]+)*\/read)$/,
      );
    }
    expect(ARM_OPERATIONS.listResourceGroups).toBe('Microsoft.Resources/subscriptions/resourceGroups/read');
  });

  it('is loaded from the checked file and assigned only on the monitored resource groups', () => {
    expect(roleDefinitions.code).toMatch(/loadJsonContent\('\.\.\/roles\/cluster-operations\.json'\)/);
    expect(roleDefinitions.code).toMatch(/type: 'customRole'/);
    expect(roleDefinitions.code.match(/assignableScopes: assignableScopes/g)).toHaveLength(2);
    expect(main.code).toMatch(/assignableScopes: map\(monitoredScopes, /);
    expect(main.code).toMatch(/scope: resourceGroup\(target\.subscriptionId, target\.resourceGroup\)/);
  });
});

describe('data roles of the storage and registry cards', () => {
  const STORAGE_BLOB_DATA_READER = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1';
  const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';

  for (const module of ['monitoredScopeAccess.bicep', 'monitoredSubscriptionAccess.bicep']) {
    it(`${module} grants exactly Storage Blob Data Reader and AcrPull, read-only built-ins, at its own scope`, () => {
      const code = readBicep(join(root, 'infra/modules', module)).code;
      const guids = [...code.matchAll(/'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/g)].map((m) => m[1]);
      expect(guids.sort()).toEqual([STORAGE_BLOB_DATA_READER, ACR_PULL].sort());
      expect(code.match(/resource \w+ 'Microsoft\.Authorization\/roleAssignments@/g)).toHaveLength(4);
      // Neither the contributor nor the owner data roles, nor AcrPush.
      expect(code).not.toMatch(/ba92f5b4-2d11-453d-a403-e96b0029c9fe|b7e6dc6d-f1e8-4753-8033-0f276bb0955b|8311e382-0749-4cb8-b61a-304f252e45ec/);
    });
  }
});

describe('custom role: Kubernetes reader (Azure RBAC for Kubernetes)', () => {
  it('covers exactly the Kubernetes calls the code makes, read-only', () => {
    const calls = [...kubernetesCalls()];
    expect(calls.length).toBeGreaterThan(0);
    const unmapped = calls.filter((call) => !(call in KUBERNETES_CALL_DATA_ACTIONS));
    expect(unmapped, 'new Kubernetes call: add its data action here and to infra/roles/kubernetes-reads.json').toEqual([]);
    const needed = new Set(calls.map((call) => `Microsoft.ContainerService/managedClusters/${KUBERNETES_CALL_DATA_ACTIONS[call]}`));
    expect([...kubernetesReads.dataActions].sort()).toEqual([...needed].sort());
    for (const action of kubernetesReads.dataActions) expect(action).toMatch(/\/read$/);
  });

  it('names only registered data actions (ARM refuses a role with an unregistered one)', () => {
    expect(kubernetesReads.dataActions.filter((action) => !REGISTERED_AKS_READ_DATA_ACTIONS.includes(action))).toEqual([]);
    expect(kubernetesReads.dataActions).not.toContain('Microsoft.ContainerService/managedClusters/pods/log/read');
  });

  it('is loaded from the checked file', () => {
    expect(roleDefinitions.code).toMatch(/loadJsonContent\('\.\.\/roles\/kubernetes-reads\.json'\)/);
    expect(roleDefinitions.code).toMatch(/dataActions: kubernetesReads\.dataActions/);
  });
});
