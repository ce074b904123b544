// The cluster list of a scope, as the dashboard shows it: ARM's ManagedCluster reduced to what a card needs.
import type { ContainerServiceClient, ManagedCluster } from '@azure/arm-containerservice';
import type { NodePoolSummary, ClusterSummary } from '../wire/index.js';
export type { NodePoolSummary, ClusterSummary };

export function summarizeCluster(cluster: ManagedCluster): ClusterSummary {
  return {
    name: cluster.name ?? '',
    ...(cluster.id ? { id: cluster.id } : {}),
    location: cluster.location,
    kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion,
    powerState: cluster.powerState?.code ?? 'Unknown',
    provisioningState: cluster.provisioningState ?? 'Unknown',
    nodePools: (cluster.agentPoolProfiles ?? []).map((pool) => ({
      name: pool.name,
      count: pool.count ?? 0,
      vmSize: pool.vmSize,
      mode: pool.mode,
    })),
    fqdn: cluster.fqdn ?? cluster.privateFqdn,
  };
}

export async function listClusters(client: ContainerServiceClient, resourceGroup: string, abortSignal: AbortSignal): Promise<ClusterSummary[]> {
  const clusters: ClusterSummary[] = [];
  for await (const cluster of client.managedClusters.listByResourceGroup(resourceGroup, { abortSignal })) {
    clusters.push(summarizeCluster(cluster));
  }
  return clusters.sort((a, b) => a.name.localeCompare(b.name));
}
