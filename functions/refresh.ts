// The refresh timer: keeps rows that dashboards read fresh, and closes finished transitions (docs/architecture.md §7).
import { redactText } from '../shared/observability/redaction.js';
import { runRefresh, type RefreshDeps } from '../shared/monitor/refresh.js';
import type { TimerFunctionDefinition } from './definition.js';

export interface RefreshFunctionDeps extends RefreshDeps {
  schedule: string;
  /** The next metrics line of this instance (shared/monitor/metrics.ts). */
  metrics: () => string;
}

export function refreshFunctions(deps: RefreshFunctionDeps): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'refreshMonitorCache',
      schedule: deps.schedule,
      runOnStartup: false,
      handler: async (_timer, context) => {
        try {
          const result = await runRefresh({ ...deps, log: (line) => context.warn(redactText(line)) });
          context.log(`refresh: ${JSON.stringify(result)}`);
        } finally {
          // Once per run, a failed run included; through the invocation, so Application Insights ties it to the run.
          context.log(redactText(deps.metrics()));
        }
      },
    },
  ];
}
