// vitest globalSetup: one Azurite table server for the run; tests read its connection string with
// inject('tablesConnectionString') and use table names of their own.
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../dev/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tablesConnectionString: string;
  }
}

export default async function setup(project: TestProject) {
  const azurite = await startAzurite();
  project.provide('tablesConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
