// The refresh timer: keeps rows that dashboards read fresh, and closes finished transitions (docs/architecture.md §7).
import { runRefresh, type RefreshDeps } from '../shared/monitor/refresh.js';
import type { TimerFunctionDefinition } from './definition.js';

export function refreshFunctions(deps: RefreshDeps & { schedule: string }): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'refreshMonitorCache',
      schedule: deps.schedule,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const result = await runRefresh({ ...deps, log: (line) => context.warn(line) });
        context.log(`refresh: ${JSON.stringify(result)}`);
      },
    },
  ];
}
