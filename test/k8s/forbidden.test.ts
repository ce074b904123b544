// A Kubernetes 403 reads as the data action the app's identity lacks on the cluster; other parts stay as they are.
import { describe, expect, it } from 'vitest';
import { explainForbidden, SOURCES, type Degraded } from '../../shared/k8s/index.js';

const forbidden = (source: string): Degraded => ({ source, status: 403, message: 'pods is forbidden: User "x" cannot list resource "pods"' });

describe('explainForbidden', () => {
  it.each([
    [SOURCES.pods, 'pods/read'],
    [`${SOURCES.podLog} db/warmup-1`, 'pods/read'], // AKS authorizes pods/log as pods/read
    [SOURCES.nodes, 'nodes/read'],
    [SOURCES.events, 'events/read'],
    [SOURCES.jobs, 'batch/jobs/read'],
    [SOURCES.nodeMetrics, 'metrics.k8s.io/nodes/read'],
  ])('%s → Microsoft.ContainerService/managedClusters/%s', (source, action) => {
    const [part] = explainForbidden({ data: [], degraded: [forbidden(source)] }, 'rg/c1').degraded;
    expect(part).toEqual({
      source,
      status: 403,
      message: `the app's identity lacks Microsoft.ContainerService/managedClusters/${action} on cluster rg/c1: assign it a role that grants it (e.g. Azure Kubernetes Service RBAC Reader) on the cluster`,
    });
  });

  it('leaves other statuses alone and returns the same reading when nothing was refused', () => {
    const reading = { data: [1], degraded: [{ source: SOURCES.nodes, status: 504, message: 'timed out' }] };
    expect(explainForbidden(reading, 'rg/c1')).toBe(reading);
    const mixed = explainForbidden({ data: [], degraded: [reading.degraded[0]!, forbidden('kubernetes:secrets')] }, 'rg/c1');
    expect(mixed.degraded[0]).toEqual(reading.degraded[0]);
    expect(mixed.degraded[1]!.message).toMatch(/^the app's identity lacks read access to secrets on cluster rg\/c1/);
  });
});
