// The per-minute timer of fleet operations: audit retention (at most hourly per instance).
import type { TimerFunctionDefinition } from './definition.js';

/** Every minute, at second 0 (NCRONTAB with seconds, as Functions timers). */
export const SCHEDULES_TIMER = '0 * * * * *';

export function schedulesTimerFunctions(deps: { retention: () => Promise<number | undefined> }): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'runSchedules',
      schedule: SCHEDULES_TIMER,
      runOnStartup: false,
      handler: async (_timer, context) => {
        const removed = await deps.retention().catch((error: unknown) => {
          context.warn(`audit retention failed: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
        if (removed) context.log(`audit retention: ${removed} entries removed`);
      },
    },
  ];
}
