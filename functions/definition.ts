// The shape of one function. A list of these is the single source of truth: functions/index.ts registers
// it with the Functions host (func start, Azure), dev/host.ts serves the very same list locally.
import type { HttpHandler, HttpMethod, TimerHandler } from '@azure/functions';

export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  /** Route under the /api prefix, with {param} segments as in Azure Functions. */
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
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
