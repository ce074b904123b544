// Test support for notifications: the simulated Azure with its webhook receiver, app instances (test stacks) that
// deliver to receivers on it, and a signature check written from the README's recipe (not the app's own code).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startSimulatedAzure, type ReceivedDelivery, type SimulatedAzure, type SimWebhookReceiver } from '../../dev/sim/index.js';
import { startTestStack, type ManualClock, type TestStack } from '../lifecycle/support.js';
import { SIM_STATE_ORDERING } from '../setup/ordering.js';
import { uniqueTableName } from '../setup/tables.js';

export const SECRET = 'test-signing-key-0123456789';

export type ReceiverEntries = Record<string, { path: string; format?: 'generic' | 'slack' | 'teams'; kinds?: string[]; url?: string }>;

export interface NotifyWorld {
  sim: SimulatedAzure;
  receiver: SimWebhookReceiver;
  /** Tables shared by every instance of this world. */
  env: Record<string, string>;
  /** An app instance delivering to these receivers (instances of one world share tables, simulator and clock). */
  instance(entries: ReceiverEntries, options?: { env?: Record<string, string>; clock?: ManualClock; peer?: TestStack }): Promise<TestStack>;
  close(): Promise<void>;
}

export async function startNotifyWorld(): Promise<NotifyWorld> {
  const sim = await startSimulatedAzure({ stateOrdering: SIM_STATE_ORDERING });
  const receiver = await sim.startWebhookReceiver();
  const stacks: TestStack[] = [];
  const env = {
    CACHE_TABLE_NAME: uniqueTableName('c'),
    INSPECTOR_TABLE_NAME: uniqueTableName('i'),
    AUDIT_TABLE_NAME: uniqueTableName('a'),
    NOTIFY_TABLE_NAME: uniqueTableName('n'),
  };
  return {
    sim,
    receiver,
    env,
    async instance(entries, options = {}) {
      const webhooks = Object.entries(entries).map(([name, e]) => ({
        name,
        url: e.url ?? receiver.url(e.path),
        format: e.format ?? 'generic',
        ...(e.kinds ? { kinds: e.kinds } : {}),
      }));
      const stack = await startTestStack({
        sim,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.peer ? { clock: options.peer.clock } : {}),
        env: {
          ...env,
          NOTIFY_WEBHOOKS: JSON.stringify(webhooks),
          NOTIFY_WEBHOOK_SECRET: SECRET,
          NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'true',
          ...options.env,
        },
      });
      stacks.push(stack);
      return stack;
    },
    async close() {
      await Promise.all(stacks.map((s) => s.close()));
      await sim.close();
    },
  };
}

/** The README's verification, independently: HMAC-SHA256 over `t.body`, hex, constant-time compare, 5 minutes. */
export function signedWithSecret(delivery: ReceivedDelivery, nowSeconds: number): boolean {
  const header = delivery.headers['x-dashboard-signature'] ?? '';
  const { t, v1 } = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  if (!t || !v1 || Math.abs(nowSeconds - Number(t)) > 300) return false;
  const expected = createHmac('sha256', SECRET).update(`${t}.${delivery.body}`).digest();
  const given = Buffer.from(v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
