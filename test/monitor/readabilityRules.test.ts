// The readability rule as a pure function, over every state ARM can show (the stack-level behaviour is in
// readability.test.ts): an operation in progress names itself, else anything not Running is stopped.
import { describe, expect, it } from 'vitest';
import { unreadableReason } from '../../shared/monitor/readability.js';
import { TRANSITIONAL_PROVISIONING_STATES } from '../../shared/wire/index.js';

const IN_PROGRESS = { Starting: 'clusterStarting', Stopping: 'clusterStopping', Deleting: 'clusterDeleting' } as const;

describe('unreadableReason over every provisioning state', () => {
  const states = [...TRANSITIONAL_PROVISIONING_STATES, 'Succeeded', 'Failed', 'Canceled'];

  it.each(states)('%s', (provisioningState) => {
    const named = IN_PROGRESS[provisioningState as keyof typeof IN_PROGRESS];
    expect(unreadableReason({ powerState: 'Running', provisioningState })).toBe(named);
    expect(unreadableReason({ powerState: 'Stopped', provisioningState })).toBe(named ?? 'clusterStopped');
  });

  it('ignores case, as ARM does', () => {
    expect(unreadableReason({ powerState: 'running', provisioningState: 'succeeded' })).toBeUndefined();
    expect(unreadableReason({ powerState: 'RUNNING', provisioningState: 'STOPPING' })).toBe('clusterStopping');
  });
});
