// Test helper: a fresh, uniquely named table on the run's Azurite.
import { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';

let counter = 0;

export function uniqueTableName(prefix = 't'): string {
  counter += 1;
  return `${prefix}${process.pid}x${Date.now().toString(36)}x${counter}`.replace(/[^A-Za-z0-9]/g, '');
}

export function tablesConnectionString(): string {
  return inject('tablesConnectionString');
}

export async function freshTable(prefix = 't'): Promise<TableClient> {
  const client = TableClient.fromConnectionString(tablesConnectionString(), uniqueTableName(prefix), {
    allowInsecureConnection: true,
  });
  await client.createTable();
  return client;
}

/** The run's Azurite blob service (the simulated storage accounts keep their blobs there). */
export function blobEndpoint(): string {
  return inject('blobEndpoint');
}
