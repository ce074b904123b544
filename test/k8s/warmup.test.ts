// Which node a warm-up job warms (the fan-out itself is tested against the simulator in simulated.test.ts).
import { describe, expect, it } from 'vitest';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { nodeOfJob } from '../../shared/k8s/warmup.js';

const pinned: V1Job = { metadata: { name: 'w1' }, spec: { template: { spec: { containers: [], nodeSelector: { 'kubernetes.io/hostname': 'node-a' } } } } };
const labelled: V1Job = { metadata: { name: 'w2', labels: { 'warmup.node': 'node-b' } }, spec: { template: { spec: { containers: [] } } } };
const annotated: V1Job = { metadata: { name: 'w3', annotations: { 'warmup.node': 'node-c' } } };
const unpinned: V1Job = { metadata: { name: 'w4' } };
const podOn = (node?: string): V1Pod => ({ metadata: { name: 'p' }, spec: { containers: [], ...(node ? { nodeName: node } : {}) } });

describe('nodeOfJob', () => {
  it('prefers the pod template hostname pin, then a warmup.node label or annotation, then where its pod ran', () => {
    expect(nodeOfJob(pinned, [podOn('elsewhere')])).toBe('node-a');
    expect(nodeOfJob(labelled, [podOn('elsewhere')])).toBe('node-b');
    expect(nodeOfJob(annotated, [])).toBe('node-c');
    expect(nodeOfJob(unpinned, [podOn(), podOn('node-d')])).toBe('node-d');
    expect(nodeOfJob(unpinned, [podOn()])).toBeUndefined();
  });
});
