// End to end, the fleet tool: the built dashboard in headless Chromium against the whole local stack with the demo
// fleet and its second subscription. Fleet → cluster (card and details) → a schedule added on the card → the timer
// runs it → the cluster's activity names who stopped it. Screenshots go to test-artifacts/e2e/.
// Same rules as dashboard.test.ts: Debian's /usr/bin/chromium or skipped loudly, no sleeps (waits for page states).
import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { manualClock } from '../setup/control.js';
import { uniqueTableName } from '../setup/tables.js';
import { hasChromium, screenshots, skipReason, useBrowserStack } from './support.js';

const SKIP_REASON = skipReason('fleet.test.ts', 'fleet');

describe.skipIf(!hasChromium)(hasChromium ? 'fleet in headless Chromium' : `fleet in headless Chromium (SKIPPED: ${SKIP_REASON})`, () => {
  const clock = manualClock();
  const e2e = useBrowserStack('fleet', () => ({
    simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }), durations: { stop: 'manual' } },
    env: {
      CACHE_TABLE_NAME: uniqueTableName('c'),
      INSPECTOR_TABLE_NAME: uniqueTableName('i'),
      AUDIT_TABLE_NAME: uniqueTableName('a'),
      SCHEDULES_TABLE_NAME: uniqueTableName('s'),
    },
    now: clock.now,
  }));
  const shot = screenshots();

  it('fleet → cluster → schedule → activity', async () => {
    const page = await e2e.openPage('?pollSeconds=1&fastPollSeconds=1', { viewport: { width: 1280, height: 900 } });

    // The fleet is the first page: every cluster of both subscriptions, counted by state.
    await page.getByTestId('fleet-view').waitFor();
    await page.getByTestId('fleet-row-pay-dev-a').waitFor();
    expect(await page.locator('[data-testid^="fleet-row-"]').count()).toBe(8);
    expect(await page.getByTestId('fleet-count-running').getAttribute('data-count')).toBe('5');
    expect(await page.getByTestId('fleet-count-stopped').getAttribute('data-count')).toBe('3');
    // per running cluster: its warm databases ready and its jobs running / failed (the demo's elb-01-a has a failed
    // database and failed jobs); nothing read for a stopped one
    await page.locator('[data-testid="fleet-dbs-elb-01-a"][data-total]').waitFor();
    await page.locator('[data-testid="fleet-jobs-elb-01-a"][data-failed]').waitFor();
    expect(Number(await page.getByTestId('fleet-dbs-elb-01-a').getAttribute('data-total'))).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('fleet-jobs-elb-01-a').getAttribute('data-failed'))).toBeGreaterThan(0);
    expect(await page.getByTestId('fleet-dbs-pay-dev-b').count()).toBe(0);
    await shot(page, 'fleet-01-overview');

    await page.getByTestId('fleet-filter').fill('pay');
    expect(await page.locator('[data-testid^="fleet-row-"]').count()).toBe(3);
    await page.getByTestId('fleet-state-filter').selectOption('running');
    expect(await page.locator('[data-testid^="fleet-row-"]').count()).toBe(2);
    await shot(page, 'fleet-02-filtered');

    // A row opens the cluster's card, details expanded, in its scope (a deep link).
    await page.getByTestId('fleet-open-pay-dev-a').click();
    await page.locator('[data-testid="state-chip-pay-dev-a"][data-state="running"]').waitFor();
    await page.getByTestId('panel-nodes-pay-dev-a').waitFor();
    expect(new URL(page.url()).searchParams.get('scope')).toBe(`${DEMO_SECOND_SUBSCRIPTION_ID}/rg-payments-dev`);

    // A stop schedule every 5 minutes (the most often allowed), in Berlin time, added on the card.
    await page.getByTestId('schedule-add-pay-dev-a').click();
    await page.getByTestId('schedule-cron-pay-dev-a').fill('0 */5 * * * *');
    await page.getByTestId('schedule-tz-pay-dev-a').fill('Europe/Berlin');
    await page.getByTestId('schedule-save-pay-dev-a').click();
    const next = page.getByTestId('schedule-next-pay-dev-a');
    await next.waitFor();
    expect(await next.textContent()).toMatch(/^stops (today|tomorrow) \d\d:\d\d \(Europe\/Berlin\)$/);
    await shot(page, 'fleet-03-schedule');

    // Its next run: the timer (run by hand here) stops the cluster through the lifecycle path.
    clock.advance(301_000);
    await e2e.stack.host.runTimer('runSchedules');
    expect(
      e2e.stack.sim.cluster({ subscriptionId: DEMO_SECOND_SUBSCRIPTION_ID, resourceGroup: 'rg-payments-dev', name: 'pay-dev-a' }).state().provisioningState,
    ).toBe('Stopping');
    await page.locator('[data-testid="state-chip-pay-dev-a"][data-state="stopping"]').waitFor();
    // The transition that appeared makes the card read its schedules again: the run's outcome shows.
    await page.getByTestId('schedule-pay-dev-a').getByText('last run accepted').waitFor();

    // The cluster's activity: the stop, done by the schedule in the creator's name, and the schedule's creation.
    await page.getByTestId('activity-toggle-pay-dev-a').click();
    const activity = page.getByTestId('activity-pay-dev-a');
    await activity.locator('[data-testid="activity-row"][data-action="stop"][data-via="schedule"][data-outcome="accepted"]').waitFor();
    await activity.locator('[data-testid="activity-row"][data-action="schedule.create"]').waitFor();
    expect(await activity.textContent()).toContain('by local-developer (schedule)');
    await shot(page, 'fleet-04-activity');

    // Back to the fleet: the stop shows there too.
    await page.getByTestId('fleet-link').click();
    await page.locator('[data-testid="fleet-row-pay-dev-a"][data-state="transitioning"]').waitFor();
    await shot(page, 'fleet-05-transitioning');
  });
});
