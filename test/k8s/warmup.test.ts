// Which node a warm-up job warms, and the progress line format (the fan-out itself is tested against the simulator
// in simulated.test.ts and warmDatabases.test.ts).
import { describe, expect, it } from 'vitest';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { nodeOfJob, parseProgress, pinnedNode } from '../../shared/k8s/warmup.js';

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

describe('pinnedNode', () => {
  const hostIn = (...values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values }] });
  const withAffinity = (...terms: object[]): V1Job => ({
    spec: {
      template: {
        spec: { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } },
      },
    },
  });

  it('reads nodeName, a hostname nodeSelector, or a required affinity on one hostname; nothing else pins', () => {
    expect(pinnedNode({ spec: { template: { spec: { containers: [], nodeName: 'node-n' } } } })).toBe('node-n');
    expect(pinnedNode(pinned)).toBe('node-a');
    expect(pinnedNode(withAffinity(hostIn('node-x')))).toBe('node-x');
    expect(nodeOfJob(withAffinity(hostIn('node-x')), [podOn('elsewhere')])).toBe('node-x');
    // Several hosts, or several terms (ORed), leave the scheduler a choice: not pinned.
    expect(pinnedNode(withAffinity(hostIn('node-x', 'node-y')))).toBeUndefined();
    expect(pinnedNode(withAffinity(hostIn('node-x'), hostIn('node-y')))).toBeUndefined();
    expect(pinnedNode(labelled)).toBeUndefined();
    expect(pinnedNode(unpinned)).toBeUndefined();
  });
});

describe('parseProgress', () => {
  it('the last `progress <n>%` line, with its optional ` eta <n>s`', () => {
    expect(parseProgress(['start', 'progress 10% eta 1800s', 'copying', 'progress 42% eta 300s', 'still copying'])).toEqual({ percent: 42, etaSeconds: 300 });
    expect(parseProgress(['elb-db-warmup: progress 7.5%'])).toEqual({ percent: 7.5 });
    expect(parseProgress(['progress 250%'])).toEqual({ percent: 100 });
    expect(parseProgress(['copied 3/7', 'no progress here', 'inprogress 5%'])).toBeUndefined();
    expect(parseProgress([])).toBeUndefined();
  });
});
