// TransitionStore.reconcile with Table Storage answering 500 (through a fault proxy in front of Azurite): the read
// still answers (the transitions ARM's state implies), and no rejected promise is left unhandled (the setup hook
// fails the test if one is: on Azure Functions it would end the worker).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { TransitionStore } from '../../shared/lifecycle/transitions.js';
import { startTableFaultProxy, type TableFaultProxy } from '../setup/tableFaultProxy.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-elb-01' };
let proxy: TableFaultProxy;

beforeAll(async () => {
  proxy = await startTableFaultProxy(tablesConnectionString());
});
afterAll(async () => {
  await proxy?.close();
});

it('a failing conditional delete and a failing merge: reconcile answers, nothing is left unhandled', async () => {
  const table = TableClient.fromConnectionString(proxy.connectionString, uniqueTableName('reconcile'), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  await table.createTable();
  let now = Date.parse('2026-11-23T10:00:00Z');
  const lines: string[] = [];
  const store = new TransitionStore(table, { deadlineSeconds: 600, now: () => now, log: (line) => lines.push(line) });
  await store.open(scope, 'done', 'start', 'alice'); // reached below: its row is deleted
  await store.open(scope, 'overdue', 'stop', 'alice');
  now += 601_000; // 'overdue' is past its deadline: its row is merged to timedOut
  await store.open(scope, 'done', 'start', 'alice');
  now += 1;

  // Deletes and merges (not reads) answer 500; the delete fails first, while the merge is still in flight.
  proxy.setRule(({ method }) => (method === 'DELETE' || method === 'PATCH' || method === 'MERGE' ? 'status500' : undefined));
  const observed = [
    { name: 'done', powerState: 'Running', provisioningState: 'Succeeded' },
    { name: 'overdue', powerState: 'Running', provisioningState: 'Stopping' },
  ];
  const shown = await store.reconcile(scope, observed);
  expect(proxy.counts.faults).toBeGreaterThanOrEqual(2);
  // Storage failed: what ARM implies is shown, unstored; the failure is logged.
  expect([...shown.keys()]).toEqual(['overdue']);
  expect(lines.join('\n')).toMatch(/transitions of rg-elb-01 unavailable/);

  proxy.setRule(undefined); // the faults stop: the next reconcile does what the first could not
  const recovered = await store.reconcile(scope, observed);
  expect(recovered.get('overdue')?.status).toBe('timedOut');
  expect((await store.list(scope)).map((t) => t.cluster)).toEqual(['overdue']);
});
