// The composition root: reads nothing itself, builds every client once from the validated config, and hands them to
// the function factories. functions/index.ts registers the result with the Functions host; dev/ mounts the same.
import { TableClient } from '@azure/data-tables';
import type { Config } from '../shared/config.js';
import type { FunctionDefinition } from './definition.js';
import { healthFunctions } from './health.js';

export interface App {
  definitions: FunctionDefinition[];
  /** Releases pooled connections (process exit, tests). */
  close(): Promise<void>;
}

export function createApp(config: Config): App {
  const cacheTable = TableClient.fromConnectionString(config.tables.connectionString!, config.tables.cacheTable, {
    allowInsecureConnection: true,
  });
  const definitions: FunctionDefinition[] = [
    ...healthFunctions({
      probes: [{ name: 'tableStorage', check: async (abortSignal) => void (await cacheTable.createTable({ abortSignal })) }],
    }),
  ];
  return { definitions, close: async () => {} };
}
