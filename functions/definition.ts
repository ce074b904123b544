// The shape of one function. A list of these is the single source of truth: functions/index.ts registers
// it with the Functions host (func start, Azure), dev/host.ts serves the very same list locally.
import type { HttpMethod, TimerHandler } from '@azure/functions';
import type { GuardedHandler } from '../shared/http/auth.js';

export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  /** Route under the /api prefix, with {param} segments as in Azure Functions. */
  route: string;
  methods: HttpMethod[];
  /** The request pipeline's wrap, which also says who may call the route (handler.auth). */
  handler: GuardedHandler;
}

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** NCRONTAB with a seconds field: "*\/15 * * * * *". */
  schedule: string;
  runOnStartup: boolean;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | TimerFunctionDefinition;
