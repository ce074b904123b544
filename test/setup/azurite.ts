// vitest globalSetup: one Azurite (table and blob servers) for the run; tests read its connection string with
// inject('tablesConnectionString') and use table names of their own.
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../dev/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tablesConnectionString: string;
    /** Azurite's blob service (the development account), behind the simulated storage accounts. */
    blobEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const azurite = await startAzurite();
  project.provide('tablesConnectionString', azurite.connectionString);
  project.provide('blobEndpoint', azurite.blobEndpoint);
  return () => azurite.stop();
}
