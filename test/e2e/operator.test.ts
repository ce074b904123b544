// End to end, the dashboard as an operator uses it (issue 27), in headless Chromium at 1,400 and 420 px against the
// whole local stack with the demo fleet: a refused action re-reads and keeps its error on the card, schedules that
// explain themselves, tables to sort and search, plain words, names and links, a layout that holds still, the
// inspector's refused requests, the activity's times. Screenshots go to test-artifacts/e2e/operator-*.png.
// Same rules as dashboard.test.ts: Debian's /usr/bin/chromium or skipped loudly, no sleeps (waits for page states).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, DEMO_SUBSCRIPTION_ID, demoFleet } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
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
const SKIP_REASON = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, as .ci/run does) to run the operator end-to-end test`;
if (!hasChromium) console.warn(`test/e2e/operator.test.ts SKIPPED: ${SKIP_REASON}`);

const RG = 'rg-elb-01';
const SCOPE = `?scope=${DEMO_SUBSCRIPTION_ID}/${RG}`;
const PAY = { subscriptionId: DEMO_SECOND_SUBSCRIPTION_ID, resourceGroup: 'rg-payments-dev' };
const WIDE = 1400;
const NARROW = 420;

async function buildDashboard(outDir: string): Promise<void> {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' } },
  );
}

/** The element's box in the page (this file is typed without the DOM lib). */
const box = async (locator: Locator) => {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element has no box');
  return b;
};

describe.skipIf(!hasChromium)(hasChromium ? 'operator dashboard in headless Chromium' : `operator dashboard (SKIPPED: ${SKIP_REASON})`, () => {
  let distDir: string;
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'elb-operator-'));
    const [, started, launched] = await Promise.all([
      buildDashboard(distDir),
      startLocalStack({
        tablesConnectionString: tablesConnectionString(),
        blobEndpoint: blobEndpoint(),
        staticDir: distDir,
        // the test decides when a start or stop completes
        simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }), durations: { stop: 'manual', start: 'manual' } },
        env: {
          CACHE_TABLE_NAME: uniqueTableName('c'),
          INSPECTOR_TABLE_NAME: uniqueTableName('i'),
          AUDIT_TABLE_NAME: uniqueTableName('a'),
          SCHEDULES_TABLE_NAME: uniqueTableName('s'),
          MONITOR_CACHE_TRANSITION_TTL_SECONDS: '1',
        },
        timers: false,
        log: () => {},
      }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
    stack = started;
    browser = launched;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  async function openPage(query: string, width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/${query}`);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `operator-${name}.png`), fullPage: true });
  const chip = (page: Page, cluster: string, state: string) => page.locator(`[data-testid="state-chip-${cluster}"][data-state="${state}"]`).waitFor();
  /** The API as another client calls it (the local host's development sign-in). */
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined };
  };

  it('1. a refused action re-reads the list at once, keeps its error on the card, and clears it once the state changes', async () => {
    // the normal 30 s interval: only the action's own re-read can bring the new state in time
    const page = await openPage(`${SCOPE}&fastPollSeconds=1`, WIDE);
    await chip(page, 'elb-01-c', 'running');
    const cluster = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, cluster: 'elb-01-c' };

    // another client stops it; the page still shows Running
    expect((await api('POST', '/api/aks/stop', cluster)).status).toBe(202);
    expect(await page.getByTestId('stop-button-elb-01-c').isEnabled()).toBe(true);
    await page.getByTestId('stop-button-elb-01-c').click();

    const error = page.getByTestId('card-error-elb-01-c');
    await error.waitFor();
    expect(await error.getAttribute('data-status')).toBe('409');
    expect(await error.getAttribute('data-request-id')).not.toBe('');
    // the error is on the card, not at the top of the page
    expect(await page.getByTestId('cluster-card-elb-01-c').getByTestId('card-error-elb-01-c').count()).toBe(1);
    await chip(page, 'elb-01-c', 'stopping');
    expect(await page.getByTestId('stop-button-elb-01-c').isDisabled()).toBe(true);
    await error.waitFor(); // still there while the cluster is stopping: that is what it was about
    await shot(page, '01-refused-1400');

    await stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-c' });
    await chip(page, 'elb-01-c', 'stopped');
    await error.waitFor({ state: 'detached' });
    await shot(page, '01-stopped-1400');
  });

  it('2. two stop schedules of one cluster each keep their own "keep running until"', async () => {
    for (const cron of ['0 0 19 * * 1-5', '0 0 22 * * *']) {
      const created = await api('POST', '/api/schedules', { ...PAY, cluster: 'pay-dev-a', action: 'stop', cron, timeZone: 'Europe/Berlin' });
      expect(created.status).toBe(201);
    }
    const page = await openPage(`?scope=${PAY.subscriptionId}/${PAY.resourceGroup}`, WIDE);
    const keeps = page.getByTestId('schedule-keep-pay-dev-a');
    await keeps.nth(1).waitFor();
    await keeps.nth(0).fill('2030-01-02T08:00');
    expect(await keeps.nth(0).inputValue()).toBe('2030-01-02T08:00');
    expect(await keeps.nth(1).inputValue()).toBe('');
    const saves = page.getByTestId('schedule-keep-save-pay-dev-a');
    expect(await saves.nth(0).isEnabled()).toBe(true);
    expect(await saves.nth(1).isEnabled()).toBe(false);
  });

  it('3. schedules: labelled fields, an IANA zone picker, the cron in words with the next runs, errors beside the field', async () => {
    for (const width of [WIDE, NARROW]) {
      const page = await openPage(`?scope=${PAY.subscriptionId}/${PAY.resourceGroup}`, width);
      await chip(page, 'pay-dev-b', 'stopped');
      await page.getByTestId('schedule-add-pay-dev-b').click();
      const form = page.getByTestId('schedule-form-pay-dev-b');
      // labelled fields; the zone defaults to the browser's (this context runs in Europe/Berlin)
      expect(await form.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
      expect(await form.getByLabel('Action').inputValue()).toBe('stop');
      const cron = form.getByLabel('When (NCRONTAB)');
      await cron.fill('0 0 19 * * 1-5');
      expect(await page.getByTestId('schedule-words-pay-dev-b').textContent()).toBe('Stops at 19:00, Monday to Friday, Europe/Berlin');
      const runs = page.getByTestId('schedule-runs-pay-dev-b').locator('li');
      expect(await runs.count()).toBe(3);
      expect(await runs.first().textContent()).toMatch(/^(Mon|Tue|Wed|Thu|Fri) \d+ \w+, 19:00 \(Europe\/Berlin\)$/);
      // a mistake is explained beside the field, and the form cannot be sent
      await cron.fill('0 0 19 * *');
      const help = page.getByTestId('schedule-cron-help-pay-dev-b');
      expect(await help.getAttribute('class')).toBe('field-error');
      expect(await help.textContent()).toContain('six fields');
      expect(await page.getByTestId('schedule-save-pay-dev-b').isDisabled()).toBe(true);
      await cron.fill('0 * * * * *');
      expect(await help.textContent()).toContain('more often than every 5 minutes');
      // a zone that is not IANA
      await cron.fill('0 30 7 * * 1-5');
      await form.getByLabel('Time zone').fill('CET+1');
      await page.getByTestId('schedule-tz-error-pay-dev-b').waitFor();
      await form.getByLabel('Time zone').fill('America/New_York');
      expect(await page.getByTestId('schedule-words-pay-dev-b').textContent()).toBe('Stops at 07:30, Monday to Friday, America/New_York');
      await shot(page, `03-form-${width}`);
      if (width === WIDE) {
        await form.getByLabel('Action').selectOption('start');
        await page.getByTestId('schedule-save-pay-dev-b').click();
        const next = page.getByTestId('schedule-next-pay-dev-b');
        await next.waitFor();
        // IANA names everywhere, and the state of each schedule in its own words
        expect(await next.textContent()).toMatch(/^starts .* 07:30 \(America\/New_York\)$/);
        await page.getByTestId('schedule-toggle-pay-dev-b').click();
        await page.locator('[data-testid="schedule-pay-dev-b"][data-enabled="false"]').waitFor();
        expect(await next.textContent()).toBe('paused');
        await shot(page, '03-paused-1400');
      }
    }
  });
});
