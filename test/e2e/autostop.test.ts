// End to end, the page side of issue 26 on a clock the test drives: a cluster's idle auto-stop switched on from its
// card, the warning with its live countdown and "+30 min" in the last quarter of the window, and the notifications
// bell (the warning arrives in the feed; "Mark all read"). Headless Chromium at 1,400 and 420 px, the demo fleet's
// second subscription; screenshots: test-artifacts/e2e/autostop-*.png. Same rules as dashboard.test.ts.
import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { manualClock } from '../setup/control.js';
import { uniqueTableName } from '../setup/tables.js';
import { hasChromium, screenshots, skipReason, useBrowserStack } from './support.js';

const SKIP_REASON = skipReason('autostop.test.ts', 'auto-stop');

// 5 s between readings: the countdown is seen ticking between two answers (the server's clock stands still here)
const SCOPE = `?scope=${DEMO_SECOND_SUBSCRIPTION_ID}/rg-payments-test&pollSeconds=5`;
const CLUSTER = 'pay-test-a';

describe.skipIf(!hasChromium)(hasChromium ? 'auto-stop and notifications in headless Chromium' : `auto-stop (SKIPPED: ${SKIP_REASON})`, () => {
  const clock = manualClock();
  const e2e = useBrowserStack('autostop', () => ({
    simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }), durations: { stop: 'manual' } },
    env: {
      CACHE_TABLE_NAME: uniqueTableName('c'),
      INSPECTOR_TABLE_NAME: uniqueTableName('i'),
      AUDIT_TABLE_NAME: uniqueTableName('a'),
      SCHEDULES_TABLE_NAME: uniqueTableName('s'),
      AUTOSTOP_TABLE_NAME: uniqueTableName('as'),
      NOTIFY_TABLE_NAME: uniqueTableName('n'),
      PRICES_TABLE_NAME: uniqueTableName('p'),
    },
    now: clock.now,
  }));
  const shot = screenshots('autostop-');

  it('switches auto-stop on from the card, warns with a live countdown and +30 min, and the bell carries the warning', async () => {
    const page = await e2e.openPage(SCOPE, { viewport: { width: 1400, height: 900 } });
    const control = page.getByTestId(`autostop-${CLUSTER}`);
    await control.waitFor();
    expect(await control.getAttribute('data-enabled')).toBe('false');

    // 15 idle minutes, then on (each a PUT; the card reads the status again at once)
    await page.getByTestId(`autostop-idle-${CLUSTER}`).selectOption('15');
    await page.locator(`[data-testid="autostop-idle-${CLUSTER}"]:not([disabled])`).waitFor();
    await page.getByTestId(`autostop-toggle-${CLUSTER}`).click();
    await page.locator(`[data-testid="autostop-${CLUSTER}"][data-enabled="true"]`).waitFor();
    expect(await page.getByTestId(`autostop-idle-${CLUSTER}`).inputValue()).toBe('15');
    await page.getByTestId(`autostop-reason-${CLUSTER}`).waitFor();

    // the timer checks it is idle; 12 minutes on, the last quarter of the window: the warning
    await e2e.stack.host.runTimer('autoStop');
    clock.advance(12 * 60_000);
    await e2e.stack.host.runTimer('autoStop');
    const warning = page.getByTestId(`autostop-warning-${CLUSTER}`);
    await warning.waitFor();
    const countdown = page.getByTestId(`autostop-countdown-${CLUSTER}`);
    // on the server's clock: about 3 minutes left, and it counts down while the page is open
    const first = (await countdown.textContent()) ?? '';
    expect(first).toMatch(/^[23]:\d\d$/);
    await page.waitForFunction(
      ([id, before]) =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(`[data-testid="${id}"]`)
          ?.textContent !== before,
      [`autostop-countdown-${CLUSTER}`, first] as const,
    );
    await shot(page, 'warning-1400');

    // the bell: the warning is unread in the feed
    const bell = page.getByTestId('notifications-bell');
    await page.locator('[data-testid="notifications-bell"]:not([data-unread="0"])').waitFor();
    await bell.click();
    const panel = page.getByTestId('notifications-panel');
    await panel.locator('[data-testid="notification"][data-kind="autostop.warning"][data-unread="true"]').waitFor();
    await shot(page, 'bell-1400');
    await page.getByTestId('notifications-mark-read').click();
    await page.locator('[data-testid="notifications-bell"][data-unread="0"]').waitFor();
    expect(await page.getByTestId('notifications-unread').count()).toBe(0);
    await bell.click();

    // +30 min: the warning goes, the reason says it is kept running
    await page.getByTestId(`autostop-extend-${CLUSTER}`).click();
    await warning.waitFor({ state: 'detached' });
    expect(await page.getByTestId(`autostop-reason-${CLUSTER}`).textContent()).toMatch(/kept running for \d+ min more/);

    // the narrow window: the extended window's own warning (15 + 30 minutes from the start; 42 minutes on now)
    clock.advance(30 * 60_000);
    await e2e.stack.host.runTimer('autoStop');
    await page.setViewportSize({ width: 420, height: 900 });
    await warning.waitFor();
    await shot(page, 'warning-420');
  });
});
