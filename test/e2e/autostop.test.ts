// End to end, the page side of issue 26 on a clock the test drives: a cluster's idle auto-stop switched on from its
// card, the warning with its live countdown and "+30 min" in the last quarter of the window, and the notifications
// bell (the warning arrives in the feed; "Mark all read"). Headless Chromium at 1,400 and 420 px, the demo fleet's
// second subscription; screenshots: test-artifacts/e2e/autostop-*.png. Same rules as dashboard.test.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { manualClock } from '../setup/control.js';
import { blobEndpoint, tablesConnectionString, uniqueTableName } from '../setup/tables.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = join(repoRoot, 'test-artifacts', 'e2e');
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, as .ci/run does) to run the auto-stop end-to-end test`;
if (!hasChromium) console.warn(`test/e2e/autostop.test.ts SKIPPED: ${SKIP_REASON}`);

// 5 s between readings: the countdown is seen ticking between two answers (the server's clock stands still here)
const SCOPE = `?scope=${DEMO_SECOND_SUBSCRIPTION_ID}/rg-payments-test&pollSeconds=5`;
const CLUSTER = 'pay-test-a';

async function buildDashboard(outDir: string): Promise<void> {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' } },
  );
}

describe.skipIf(!hasChromium)(hasChromium ? 'auto-stop and notifications in headless Chromium' : `auto-stop (SKIPPED: ${SKIP_REASON})`, () => {
  let distDir: string;
  let stack: LocalStack;
  let browser: Browser;
  const clock = manualClock();

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'elb-autostop-'));
    const [, started, launched] = await Promise.all([
      buildDashboard(distDir),
      startLocalStack({
        tablesConnectionString: tablesConnectionString(),
        blobEndpoint: blobEndpoint(),
        staticDir: distDir,
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
        timers: false,
        now: clock.now,
        log: () => {},
      }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
    stack = started;
    browser = launched;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `autostop-${name}.png`), fullPage: true });

  it('switches auto-stop on from the card, warns with a live countdown and +30 min, and the bell carries the warning', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await page.goto(`${stack.url}/${SCOPE}`);
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
      await stack.host.runTimer('autoStop');
      clock.advance(12 * 60_000);
      await stack.host.runTimer('autoStop');
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
      await stack.host.runTimer('autoStop');
      await page.setViewportSize({ width: 420, height: 900 });
      await warning.waitFor();
      await shot(page, 'warning-420');
    } finally {
      await context.close();
    }
  });
});
