// The simulator's state ordering the lifecycle, transition, refresh and end-to-end tests run under: 'target' (real
// AKS, the default) or 'previous'; vitest.config.ts runs those files once more with SIM_STATE_ORDERING=previous.
import type { StateOrdering } from '../../dev/sim/index.js';

export const SIM_STATE_ORDERING: StateOrdering = process.env.SIM_STATE_ORDERING === 'previous' ? 'previous' : 'target';

/** The power state ARM shows while a start or stop is in progress, under this run's ordering. */
export function powerStateDuring(action: 'start' | 'stop'): 'Running' | 'Stopped' {
  const target = action === 'start' ? 'Running' : 'Stopped';
  const previous = action === 'start' ? 'Stopped' : 'Running';
  return SIM_STATE_ORDERING === 'target' ? target : previous;
}
