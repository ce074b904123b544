// End to end, the dashboard as an operator uses it (issue 27), in headless Chromium at 1,400 and 420 px against the
// whole local stack with the demo fleet: a refused action re-reads and keeps its error on the card, schedules that
// explain themselves, tables to sort and search, plain words, names and links, a layout that holds still, the
// inspector's refused requests, the activity's times. Screenshots go to test-artifacts/e2e/operator-*.png.
// Same rules as dashboard.test.ts: Debian's /usr/bin/chromium or skipped loudly, no sleeps (waits for page states).
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_SUBSCRIPTION_ID, DEMO_SUBSCRIPTION_ID, DEMO_TENANT_ID, demoFleet } from '../../dev/sim/index.js';
import { uniqueTableName } from '../setup/tables.js';
import { artifacts, chip, hasChromium, screenshots, skipReason, useBrowserStack } from './support.js';

const SKIP_REASON = skipReason('operator.test.ts', 'operator');

const RG = 'rg-elb-01';
const SCOPE = `?scope=${DEMO_SUBSCRIPTION_ID}/${RG}`;
const PAY = { subscriptionId: DEMO_SECOND_SUBSCRIPTION_ID, resourceGroup: 'rg-payments-dev' };
const WIDE = 1400;
const NARROW = 420;

/** The element's box in the page (this file is typed without the DOM lib). */
const box = async (locator: Locator) => {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element has no box');
  return b;
};

describe.skipIf(!hasChromium)(hasChromium ? 'operator dashboard in headless Chromium' : `operator dashboard (SKIPPED: ${SKIP_REASON})`, () => {
  const e2e = useBrowserStack('operator', () => ({
    // the test decides when a start or stop completes
    simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }), durations: { stop: 'manual', start: 'manual' } },
    env: {
      CACHE_TABLE_NAME: uniqueTableName('c'),
      INSPECTOR_TABLE_NAME: uniqueTableName('i'),
      AUDIT_TABLE_NAME: uniqueTableName('a'),
      SCHEDULES_TABLE_NAME: uniqueTableName('s'),
      MONITOR_CACHE_TRANSITION_TTL_SECONDS: '1',
    },
  }));
  const openPage = (query: string, width: number) => e2e.openPage(query, { viewport: { width, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  const shot = screenshots('operator-');
  /** The API as another client calls it (the local host's development sign-in). */
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${e2e.stack.url}${path}`, {
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

    await e2e.stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-c' });
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
      expect(await help.textContent()).toContain('at most every 5 minutes');
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

  it('4. tables: sort by column, a text filter, a namespace filter; readable at 420 px (no clipped CrashLoopBackOff)', async () => {
    for (const width of [WIDE, NARROW]) {
      const page = await openPage(`${SCOPE}&pollSeconds=5`, width);
      await chip(page, 'elb-01-a', 'running');
      await page.getByTestId('details-toggle-elb-01-a').click();
      await page.getByTestId('tab-pods-elb-01-a').click();
      const table = page.getByTestId('table-pods-elb-01-a');
      await table.waitFor();
      const rows = table.locator('tbody tr');
      const total = await rows.count();
      expect(total).toBeGreaterThan(3);

      // sort by restarts, most first (a header at 1,400 px, the "Sort by" select where rows are blocks): the crashing pod leads
      const sortByRestarts = async () => {
        if (width === WIDE) {
          await page.getByTestId('table-sort-pods-elb-01-a-restarts').click();
          await page.getByTestId('table-sort-pods-elb-01-a-restarts').click();
          expect(await table.locator('th[aria-sort="descending"]').count()).toBe(1);
        } else await page.getByTestId('table-sortby-pods-elb-01-a').selectOption('restarts:desc');
      };
      await sortByRestarts();
      expect(await rows.first().textContent()).toContain('CrashLoopBackOff');

      // the text filter and the namespace filter
      await page.getByTestId('table-filter-pods-elb-01-a').fill('crashloop');
      expect(await rows.count()).toBe(1);
      await page.getByTestId('table-filter-pods-elb-01-a').fill('');
      await page.getByTestId('table-namespace-pods-elb-01-a').selectOption('default');
      const inDefault = await rows.count();
      expect(inDefault).toBeGreaterThan(0);
      expect(inDefault).toBeLessThan(total);
      await page.getByTestId('table-namespace-pods-elb-01-a').selectOption('');

      // every value of the crashing pod is on screen, none clipped or scrolled away
      expect(await rows.first().textContent()).toContain('CrashLoopBackOff');
      const status = rows.first().locator('td[data-label="Status"]');
      const clipped = await status.evaluate((el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth > el.clientWidth);
      expect(clipped).toBe(false);
      const b = await box(status);
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(width);
      for (const label of ['Name', 'Ready', 'Restarts', 'Age', 'Namespace', 'Node']) {
        const cell = await box(rows.first().locator(`td[data-label="${label}"]`));
        expect(cell.x + cell.width, label).toBeLessThanOrEqual(width);
      }
      if (width === WIDE) await shot(page, '04-pods-1400');
      else {
        const top = await box(table);
        await page.screenshot({ path: join(artifacts, 'operator-04-pods-420.png'), clip: { x: 0, y: top.y - 120, width: NARROW, height: 1000 } });
      }

      // the same tools on nodes, events and jobs
      for (const category of ['nodes', 'events', 'jobs']) {
        await page.getByTestId(`tab-${category}-elb-01-a`).click();
        await page.getByTestId(`table-filter-${category}-elb-01-a`).waitFor();
        expect(await page.getByTestId(`table-sortby-${category}-elb-01-a`).locator('option').count()).toBeGreaterThan(6);
      }
      if (width === NARROW) await shot(page, '04-jobs-420');
    }
  });

  it('5. one age per card in plain words, the cache state as a marker, ARM state and transitions in plain words', async () => {
    const page = await openPage(`${SCOPE}&pollSeconds=1&fastPollSeconds=1`, WIDE);
    await chip(page, 'elb-01-a', 'running');
    await page.getByTestId('details-toggle-elb-01-a').click();
    await page.getByTestId('panel-nodes-elb-01-a').locator('tbody tr').first().waitFor();
    // every age on the page reads "updated …"; no "fresh · 15 s old" beside it
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/\b(fresh|stale|refreshed|uncached) · /);
    expect(text).not.toMatch(/\d+ (s|min) old\b/);
    for (const card of ['aks', 'jobs', 'registry', 'storage']) {
      const head = page.getByTestId(`${card}-card`).locator('.board-card-head');
      expect((await head.textContent())?.match(/updated/g)?.length, card).toBe(1);
      expect(await head.locator('.marker').getAttribute('title')).toMatch(/^(Fresh|Stale|Refreshed|Uncached):/);
    }
    expect(await page.getByTestId('panel-freshness-nodes-elb-01-a').textContent()).toMatch(/^updated (just now|\d+ s ago)$/);
    // ARM's two fields in words on the card, not only in a tooltip
    expect(await page.getByTestId('arm-state-elb-01-a').textContent()).toBe('power Running · provisioning Succeeded');
    // an operation under way: who and how long, in words
    expect((await api('POST', '/api/aks/start', { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, cluster: 'elb-01-b' })).status).toBe(202);
    const transition = page.getByTestId('transition-text-elb-01-b');
    await transition.waitFor();
    expect(await transition.textContent()).toMatch(/^starting · by local-developer · \d+ s$/);
    await shot(page, '05-words-1400');
    await e2e.stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-b' });
    await chip(page, 'elb-01-b', 'running');
  });

  it('6. names, links and actions in the fleet: location, portal link, start / stop on a row', async () => {
    const page = await openPage('?pollSeconds=30&fastPollSeconds=1', WIDE);
    const row = page.getByTestId('fleet-row-pay-dev-b');
    await row.waitFor();
    expect(await page.getByTestId('fleet-location-pay-dev-b').textContent()).toBe('westeurope');
    // subscriptions by name, not by id (ARM's subscription list, as the simulator serves it)
    await page.locator('[data-testid="fleet-scope-pay-dev-b"]', { hasText: 'ELB Production' }).waitFor();
    expect(await page.getByTestId('fleet-scope-elb-01-a').textContent()).toBe('rg-elb-01 · ELB Research');
    // the cluster's ARM id as ARM spells it, opened in its subscription's directory
    expect(await page.getByTestId('fleet-portal-pay-dev-b').getAttribute('href')).toBe(
      `https://portal.azure.com/#@${DEMO_TENANT_ID}/resource/subscriptions/${PAY.subscriptionId}/resourcegroups/${PAY.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/pay-dev-b`,
    );
    await page.getByTestId('fleet-sort-location').click();
    // a row starts its cluster through the same path as a card; delete stays on the card
    expect(await row.getByRole('button', { name: /delete/i }).count()).toBe(0);
    await page.getByTestId('fleet-start-pay-dev-b').click();
    await page.locator('[data-testid="fleet-row-pay-dev-b"][data-state="transitioning"]').waitFor();
    expect(await page.getByTestId('fleet-transition-pay-dev-b').textContent()).toMatch(/^starting · by local-developer · \d+ s$/);
    // the whole table fits the window at 1,400 px: the row's actions are on screen
    const start = await box(page.getByTestId('fleet-row-pay-dev-b').locator('td').last());
    expect(start.x + start.width).toBeLessThanOrEqual(WIDE);
    await shot(page, '06-fleet-1400');
    await e2e.stack.sim.completeOperation({ ...PAY, name: 'pay-dev-b' });
    await page.locator('[data-testid="fleet-row-pay-dev-b"][data-state="running"]').waitFor();
    await page.getByTestId('fleet-stop-pay-dev-b').waitFor();

    const narrow = await openPage('', NARROW);
    await narrow.getByTestId('fleet-row-pay-dev-b').waitFor();
    // the table scrolls inside its frame; the page itself never gets wider than the window
    expect(
      await narrow.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(NARROW);
    await shot(narrow, '06-fleet-420');
  });

  it('7. layout: cards keep their own height, expanding one moves no other, sending keeps the buttons in a row, the filter and refresh hold still', async () => {
    for (const width of [WIDE, NARROW]) {
      const page = await openPage(`${SCOPE}&pollSeconds=1`, width);
      await chip(page, 'elb-01-a', 'running');
      await page.getByTestId('registry-card').locator('[data-testid="images-built"]').waitFor();
      const refresh = page.getByTestId('refresh-button');
      // "Refresh now" over a few ticks (ages and "loading…" come and go): it never moves
      const spots = new Set<string>();
      for (let i = 0; i < 4; i++) {
        await page.waitForRequest((r) => new URL(r.url()).pathname === '/api/monitor/aks');
        const b = await box(refresh);
        spots.add(`${Math.round(b.x)},${Math.round(b.y)}`);
      }
      expect([...spots]).toHaveLength(1);

      if (width === WIDE) {
        // side by side: the registry card is as tall as its content, not as the AKS column
        const registry = await box(page.getByTestId('registry-card'));
        const aks = await box(page.getByTestId('aks-card'));
        expect(registry.height).toBeLessThan(aks.height);
        const last = await box(page.getByTestId('registry-card').locator(':scope > *').last());
        expect(registry.y + registry.height - (last.y + last.height)).toBeLessThan(30);
      }
      // expanding a cluster moves no card of the other column and no other cluster's width
      const before = { registry: await box(page.getByTestId('registry-card')), other: await box(page.getByTestId('cluster-card-elb-01-c')) };
      await page.getByTestId('details-toggle-elb-01-a').click();
      await page.getByTestId('panel-nodes-elb-01-a').locator('tbody tr').first().waitFor();
      const after = { registry: await box(page.getByTestId('registry-card')), other: await box(page.getByTestId('cluster-card-elb-01-c')) };
      expect(after.other.width).toBe(before.other.width);
      expect(after.other.x).toBe(before.other.x);
      if (width === WIDE) expect(after.registry).toEqual(before.registry);
      await page.getByTestId('details-toggle-elb-01-a').click();

      // "sending stop…": the buttons keep one row and their places (the request is held until the test lets it go)
      const actions = page.getByRole('group', { name: 'Actions for elb-01-a' });
      const rowBefore = await box(actions);
      const stopBefore = await box(page.getByTestId('stop-button-elb-01-a'));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/api/aks/stop', async (route) => {
        await held;
        await route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'conflict', message: 'held by the test', requestId: `e2e-held-${width}` } }),
        });
      });
      await page.getByTestId('stop-button-elb-01-a').click();
      await page.getByTestId('sending-elb-01-a').waitFor();
      const rowSending = await box(actions);
      expect(rowSending.height).toBe(rowBefore.height);
      expect(await box(page.getByTestId('stop-button-elb-01-a'))).toEqual(stopBefore);
      await shot(page, `07-sending-${width}`);
      release();
      await page.locator('[data-testid="card-error-elb-01-a"][data-request-id^="e2e-held"]').waitFor();
      await page.unroute('**/api/aks/stop');

      // the fleet filter shows its whole placeholder
      await page.getByTestId('fleet-link').click();
      const filter = page.getByTestId('fleet-filter');
      await filter.waitFor();
      const fits = await filter.evaluate((el: unknown) => {
        const input = el as { placeholder: string; clientWidth: number; ownerDocument: { createElement(t: string): unknown; defaultView: unknown } };
        const view = input.ownerDocument.defaultView as { getComputedStyle(e: unknown): { font: string; paddingLeft: string; paddingRight: string } };
        const style = view.getComputedStyle(input);
        const canvas = input.ownerDocument.createElement('canvas') as { getContext(k: '2d'): { font: string; measureText(t: string): { width: number } } };
        const ctx = canvas.getContext('2d');
        ctx.font = style.font;
        return ctx.measureText(input.placeholder).width <= input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      });
      expect(fits).toBe(true);
    }
  });

  it("8. the inspector lists real calls, not the page's own polling", async () => {
    const page = await openPage(`${SCOPE}&pollSeconds=1`, WIDE);
    await chip(page, 'elb-01-a', 'running');
    await page.getByTestId('activity-toggle').click(); // the audit is polled while open
    await page.getByTestId('activity-scope').waitFor();
    // a call that is not polling: a refused stop of a stopped cluster
    const refused = await api('POST', '/api/aks/stop', { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, cluster: 'elb-01-c' });
    expect(refused.status).toBe(409);
    await page.getByTestId('inspector-toggle').click();
    const rows = page.getByTestId('inspector-row');
    await page.locator('[data-testid="inspector-row"]', { hasText: '/api/aks/stop' }).first().waitFor();
    const lines = await rows.evaluateAll((items) => items.map((li) => (li.textContent ?? '').replace(/\s+/g, ' ')));
    expect(lines.filter((l) => /^GET \/api\/(schedules|audit|monitor|inspector|me|cost|autostop|notifications)\b/.test(l))).toEqual([]);
    // a request refused before any function ran (malformed JSON) is found by the id its error named
    const bad = await fetch(`${e2e.stack.url}/api/aks/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cluster":' });
    const badId = ((await bad.json()) as { error: { requestId: string } }).error.requestId;
    await page.getByTestId('inspector-find').fill(badId);
    const found = page.locator(`[data-testid="inspector-refused-row"][data-request-id="${badId}"]`);
    await found.waitFor();
    expect((await found.textContent())?.replace(/\s+/g, ' ')).toMatch(/^POST \/api\/aks\/start 400 · \w+/);
    expect(await page.getByTestId('inspector-refused-row').count()).toBe(1);
    await shot(page, '08-inspector-1400');
  });

  it('9. activity: absolute time on hover, pause and resume by name, the time an accepted action took to reach its state', async () => {
    const page = await openPage(`${SCOPE}&pollSeconds=1&fastPollSeconds=1`, WIDE);
    await chip(page, 'elb-01-c', 'stopped');
    await page.getByTestId('start-button-elb-01-c').click();
    await chip(page, 'elb-01-c', 'starting');
    await e2e.stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-c' });
    await chip(page, 'elb-01-c', 'running');
    await page.getByTestId('activity-toggle-elb-01-c').click();
    const activity = page.getByTestId('activity-elb-01-c');
    const start = activity.locator('[data-testid="activity-row"][data-action="start"][data-outcome="accepted"]').first();
    await start.waitFor();
    expect(await start.getByTestId('activity-reached').textContent()).toMatch(/^ · reached Running after \d+s$/);
    expect(await start.getByTestId('activity-time').getAttribute('title')).toMatch(/^\w{3},? \d{1,2} \w{3},? \d{4},? \d\d:\d\d:\d\d$/);
    // the refused stop of item 1 is there too, without a duration
    expect(await activity.locator('[data-testid="activity-row"][data-outcome="refused"]').count()).toBeGreaterThan(0);
    await shot(page, '09-activity-1400');

    // a pause and a resume are named as such
    const pay = await openPage(`?scope=${PAY.subscriptionId}/${PAY.resourceGroup}&pollSeconds=1`, NARROW);
    const toggle = pay.getByTestId('schedule-toggle-pay-dev-a').first();
    await toggle.click();
    await pay.locator('[data-testid="schedule-pay-dev-a"][data-enabled="false"]').first().waitFor();
    await pay.getByTestId('schedule-toggle-pay-dev-a').first().click();
    await pay.locator('[data-testid="schedule-pay-dev-a"][data-enabled="true"]').nth(1).waitFor();
    await pay.getByTestId('activity-toggle-pay-dev-a').click();
    const payActivity = pay.getByTestId('activity-pay-dev-a');
    await payActivity.locator('[data-action="schedule.resume"]').waitFor();
    expect(await payActivity.locator('[data-action="schedule.pause"]').textContent()).toContain('schedule paused by local-developer');
    expect(await payActivity.locator('[data-action="schedule.resume"]').textContent()).toContain('schedule resumed by local-developer');
    await shot(pay, '09-activity-420');
  });

  it('26. cost: each running card, the scope and the fleet, always marked as an estimate with the prices date', async () => {
    for (const width of [WIDE, NARROW]) {
      const page = await openPage(SCOPE, width);
      const line = page.getByTestId('cost-elb-01-a');
      await line.waitFor();
      expect(await line.textContent()).toMatch(/^≈ \$[\d.]+\/h · \$[\d,]+\/mo( · \$[\d.,]+ since start)? estimate$/);
      expect(await line.getAttribute('title')).toMatch(/^Estimate from Azure list prices as of \d{4}-\d{2}/);
      // one line per running cluster, none for a stopped one (its disks are not estimated)
      const running = await page.locator('[data-testid^="state-chip-"][data-state="running"]').count();
      expect(await page.locator('[data-testid^="cost-"]').count()).toBe(running);
      const scope = page.getByTestId('scope-cost');
      expect(await scope.textContent()).toMatch(/≈ \$[\d.,]+\/h \(\$[\d,]+\/mo\)/);
      await shot(page, `26-cost-${width}`);
    }
    const fleet = await openPage('', WIDE);
    const totals = fleet.getByTestId('fleet-cost');
    await totals.waitFor();
    expect(await totals.textContent()).toMatch(/^≈ \$[\d.,]+\/h for the running clusters \(\$[\d,]+\/mo\)/);
    expect(await totals.getAttribute('title')).toContain('Not a bill');
  });
});
