// The fleet's one state per cluster (shared/wire: the server's counts and the dashboard's rows), as a pure rule.
import { describe, expect, it } from 'vitest';
import { fleetStateOf, TRANSITIONAL_PROVISIONING_STATES } from '../../shared/wire/index.js';

describe('fleetStateOf', () => {
  it.each([
    [{ powerState: 'Running', provisioningState: 'Succeeded' }, 'running'],
    [{ powerState: 'Stopped', provisioningState: 'Succeeded' }, 'stopped'],
    [{ powerState: 'Running', provisioningState: 'Failed' }, 'failed'],
    [{ powerState: 'Stopped', provisioningState: 'Canceled' }, 'stopped'],
    [{ powerState: 'Running', provisioningState: 'Succeeded', transition: { status: 'open' } }, 'transitioning'],
    [{ powerState: 'Running', provisioningState: 'Succeeded', transition: { status: 'timedOut' } }, 'failed'],
    [{ powerState: 'Running', provisioningState: 'Succeeded', transition: { status: 'failed' } }, 'running'],
    [{ powerState: 'Running', provisioningState: 'Failed', transition: { status: 'open' } }, 'transitioning'],
    [{}, 'stopped'],
  ])('%j → %s', (cluster, state) => {
    expect(fleetStateOf(cluster)).toBe(state);
  });

  it('every provisioning state of an operation in progress is transitioning, whatever the power state', () => {
    for (const provisioningState of TRANSITIONAL_PROVISIONING_STATES) {
      for (const powerState of ['Running', 'Stopped']) expect(fleetStateOf({ powerState, provisioningState })).toBe('transitioning');
    }
  });
});
