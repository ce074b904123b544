// Test support for the schedule tests: the schedule most of them create.
import { RG } from '../lifecycle/support.js';

/** Stop a cluster of the resource group every day at 19:00 Berlin time. */
export const stopAt1900 = (cluster = 'elb-01-a', extra: Record<string, unknown> = {}) => ({
  ...RG,
  cluster,
  action: 'stop',
  cron: '0 0 19 * * *',
  timeZone: 'Europe/Berlin',
  ...extra,
});
