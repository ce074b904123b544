// End to end: the built dashboard in headless Chromium against the whole local stack (Azurite + simulated Azure +
// the local function host serving web/dist-like static files). Screenshots of every step go to test-artifacts/e2e/.
//
// Chromium is Debian's /usr/bin/chromium (.ci/run installs it); never a downloaded browser. Without it the suite is
// skipped, loudly. The SPA's intervals come from the URL (?fastPollSeconds=1, ?pollSeconds=1: web/README.md), so the
// test waits for events in about a second instead of the production 10 s / 30 s. No sleeps: every wait is for a
// state of the page (locator.waitFor) or for a request (page.waitForRequest).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/sim/index.js';
import { DEFAULT_EXPECTED_IMAGES } from '../../shared/config.js';
import { SIM_STATE_ORDERING } from '../setup/ordering.js';
import { uniqueTableName } from '../setup/tables.js';
import { artifacts, chip, hasChromium, screenshots, skipReason, useBrowserStack } from './support.js';

const SKIP_REASON = skipReason('dashboard.test.ts', 'dashboard');

const RG = 'rg-elb-01';
const SCOPE_VALUE = `${DEMO_SUBSCRIPTION_ID}:${RG}`;
const TRANSITIONS_KEY = `elb-cluster-transitions:${DEMO_SUBSCRIPTION_ID}:${RG}`;

/** The page's localStorage, as far as the test reads it. */
interface PageStorage {
  getItem(key: string): string | null;
}

/** The scope's cluster-list poll (not a per-cluster category). */
const isListRequest = (request: Request) => new URL(request.url()).pathname === '/api/monitor/aks';
const apiPathOf = (request: Request) => {
  const url = new URL(request.url());
  return url.pathname.startsWith('/api/') ? url.pathname : undefined;
};

describe.skipIf(!hasChromium)(hasChromium ? 'dashboard in headless Chromium' : `dashboard in headless Chromium (SKIPPED: ${SKIP_REASON})`, () => {
  const e2e = useBrowserStack('dashboard', () => ({
    // the test decides when the start completes
    simulator: { durations: { start: 'manual' }, stateOrdering: SIM_STATE_ORDERING },
    env: {
      CACHE_TABLE_NAME: uniqueTableName('c'),
      INSPECTOR_TABLE_NAME: uniqueTableName('i'),
      MONITOR_CACHE_TRANSITION_TTL_SECONDS: '1',
      // the demo registry builds every default image but one (being built); one more that nobody pushed is missing
      EXPECTED_IMAGES: `${DEFAULT_EXPECTED_IMAGES},ncbi/elasticblast-results:0.1.0`,
    },
  }));
  const openPage = (query: string, width = 1280) => e2e.openPage(query, { viewport: { width, height: 800 } });
  const shot = screenshots();
  const pollMode = (page: Page, mode: 'fast' | 'normal') => page.locator(`[data-testid="poll-status"][data-mode="${mode}"]`).waitFor();
  // runs in the page (this file is typed without the DOM lib)
  const storedTransitions = (page: Page) =>
    page.evaluate((key) => (globalThis as unknown as { localStorage: PageStorage }).localStorage.getItem(key), TRANSITIONS_KEY);

  it('starts a stopped cluster: banner, survives a reload with fast-polling, clears when the cluster runs', async () => {
    const page = await openPage('?fastPollSeconds=1');
    await page.getByTestId('scope-picker').selectOption(SCOPE_VALUE);
    await chip(page, 'elb-01-b', 'stopped');
    await chip(page, 'elb-01-a', 'running');
    await shot(page, '01-loaded');

    await page.getByTestId('start-button-elb-01-b').click();
    const banner = page.getByTestId('transition-banner-elb-01-b');
    await banner.waitFor();
    await chip(page, 'elb-01-b', 'starting');
    await pollMode(page, 'fast');
    expect(await banner.textContent()).toContain('Cluster elb-01-b is starting');
    expect(await page.getByTestId('start-button-elb-01-b').isDisabled()).toBe(true);
    expect(JSON.parse((await storedTransitions(page)) ?? '{}')).toMatchObject({ 'elb-01-b': { action: 'start', expectedPowerState: 'Running' } });
    await shot(page, '02-starting');

    await page.reload();
    await banner.waitFor();
    // this browser's entry (localStorage) is what survives the reload; the server's transition joins it
    expect(['local', 'both']).toContain(await banner.getAttribute('data-source'));
    await pollMode(page, 'fast');
    // fast-polling goes on: two more list requests at the 1 s fast interval, and the simulator still says Starting
    await page.waitForRequest(isListRequest);
    await page.waitForRequest(isListRequest);
    await chip(page, 'elb-01-b', 'starting');
    expect(await banner.getAttribute('data-source')).toBe('both');
    await shot(page, '03-after-reload');

    await e2e.stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-b' });
    await chip(page, 'elb-01-b', 'running');
    await banner.waitFor({ state: 'detached' });
    await pollMode(page, 'normal');
    expect(await page.getByTestId('transition-banners').count()).toBe(0);
    expect(await storedTransitions(page)).toBeNull();
    expect(await page.getByTestId('announcement').textContent()).toContain('elb-01-b is now Running.');
    expect(await page.getByTestId('stop-button-elb-01-b').isEnabled()).toBe(true);
    await shot(page, '04-running');
  });

  it("clears a scope's poll error when the user moves to another scope", async () => {
    const page = await openPage('?pollSeconds=1');
    // the blue scope's list fails in the browser's network layer; rg-elb-01 is untouched
    await page.route(
      (url) => url.pathname === '/api/monitor/aks' && url.searchParams.get('resourceGroup') === `${RG}-blue`,
      (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          headers: { 'x-request-id': 'e2e-blue-down' },
          body: JSON.stringify({ error: { code: 'upstreamUnavailable', message: 'ARM is down', requestId: 'e2e-blue-down' } }),
        }),
    );
    await page.getByTestId('scope-picker').selectOption(`${DEMO_SUBSCRIPTION_ID}:${RG}-blue`);
    // the list's failure (the scope's other cards answer as usual)
    const message = page.locator('[data-testid="error-message"][data-request-id="e2e-blue-down"]');
    await message.waitFor();
    expect(await message.getAttribute('data-request-id')).toBe('e2e-blue-down');

    await page.getByTestId('scope-picker').selectOption(SCOPE_VALUE);
    await chip(page, 'elb-01-a', 'running');
    await message.waitFor({ state: 'detached' });
  });

  it('costs one request per polled key per tick (3 clusters, one expanded), and reads the real API shapes', async () => {
    const page = await openPage('?pollSeconds=1');
    await page.getByTestId('scope-picker').selectOption(SCOPE_VALUE);
    await page.locator('[data-testid^="cluster-card-"]').nth(2).waitFor();
    expect(await page.locator('[data-testid^="cluster-card-"]').count()).toBe(3);
    await page.getByTestId('details-toggle-elb-01-a').click();
    // real node shapes: allocatable CPU in cores, not '–'
    await page.getByTestId('panel-nodes-elb-01-a').getByText('7.82 cores').first().waitFor();

    /** API requests by path between the 1st and the (ticks+1)-th list request: `ticks` list ticks. */
    const measure = async (ticks: number) => {
      const seen: string[] = [];
      let lists = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const onRequest = (request: Request) => {
        const path = apiPathOf(request);
        if (!path) return;
        if (isListRequest(request)) {
          lists += 1;
          if (lists === ticks + 1) {
            done();
            return;
          }
        }
        if (lists >= 1) seen.push(path);
      };
      page.on('request', onRequest);
      await finished;
      page.off('request', onRequest);
      const byPath: Record<string, number> = {};
      for (const path of seen) byPath[path] = (byPath[path] ?? 0) + 1;
      return { ticks, requests: seen.length, perTick: seen.length / ticks, byPath };
    };

    const clusterA = { subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-a' };
    // the clusters with live reads: the running ones (elb-01-b too once the first test has started it)
    const running = (await page.locator('[data-testid^="live-"]').evaluateAll((blocks) => blocks.map((b) => b.getAttribute('data-testid')))).map((id) =>
      id!.replace(/^live-/, ''),
    );
    expect(running).toEqual(expect.arrayContaining(['elb-01-a', 'elb-01-c']));
    const upstreamBefore = { arm: e2e.stack.sim.counters('arm').requests, kubernetes: e2e.stack.sim.counters(clusterA).requests };
    const expanded = await measure(4);
    // what the ticks cost behind the API (cache hits cost nothing upstream; TTL 30 s)
    const upstream = {
      arm: e2e.stack.sim.counters('arm').requests - upstreamBefore.arm,
      kubernetes: e2e.stack.sim.counters(clusterA).requests - upstreamBefore.kubernetes,
    };
    // the board's keys, and the expanded cluster's selected tab; nothing else (the other tabs, the stopped cluster,
    // /api/me: never). Each key runs on its own timer from the end of its last request, so a window of 4 list ticks
    // holds 3..5 of each 1 s key; the warm database chips poll every 5 s (a database is loading) or 60 s. The scope's
    // auto-stop is one request per tick for every cluster; its cost once a minute, the notifications every 10 s.
    const perTick = ['/api/monitor/aks/elb-01-a/nodes', '/api/monitor/storage', '/api/monitor/acr', '/api/autostop'];
    for (const cluster of running) perTick.push(`/api/monitor/aks/${cluster}/top-nodes`, `/api/monitor/aks/${cluster}/jobs`);
    const chips = [...running.map((cluster) => `/api/monitor/aks/${cluster}/warmup-status`), '/api/cost', '/api/notifications'];
    expect(Object.keys(expanded.byPath).filter((path) => path !== '/api/monitor/aks' && !perTick.includes(path) && !chips.includes(path))).toEqual([]);
    expect(expanded.byPath['/api/monitor/aks']).toBe(4);
    for (const path of perTick) {
      expect(expanded.byPath[path], path).toBeGreaterThanOrEqual(3);
      expect(expanded.byPath[path], path).toBeLessThanOrEqual(5);
    }
    for (const path of chips) expect(expanded.byPath[path] ?? 0, path).toBeLessThanOrEqual(1);
    for (const cluster of ['elb-01-a', 'elb-01-b', 'elb-01-c'].filter((c) => !running.includes(c))) {
      expect(Object.keys(expanded.byPath).some((path) => path.includes(`/${cluster}/`))).toBe(false);
    }

    await page.getByTestId('inspector-toggle').click();
    await page.getByTestId('inspector-panel').waitFor();
    const withInspector = await measure(4);
    expect(withInspector.byPath['/api/inspector']).toBeGreaterThanOrEqual(3);
    expect(
      Object.keys(withInspector.byPath).filter((path) => path !== '/api/inspector' && !Object.hasOwn(expanded.byPath, path) && !chips.includes(path)),
    ).toEqual([]);
    // a request refused before any function ran (here a body that is not JSON) is not listed, only counted
    const refused = await fetch(`${e2e.stack.url}/api/aks/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cluster":' });
    expect(refused.status).toBe(400);
    await page
      .getByTestId('inspector-refused')
      .getByText(/400 × [1-9]/)
      .waitFor();

    const report = {
      scope: `${RG}: 3 clusters (${running.length} running), the four cards, elb-01-a expanded on its Nodes tab`,
      expanded,
      withInspector,
      upstreamDuringFirstWindow: upstream,
    };
    writeFileSync(join(artifacts, 'tick-cost.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`tick cost: ${JSON.stringify(report)}`);
    await shot(page, '05-details-1280');

    // the same page on a narrow window
    await page.getByTestId('inspector-toggle').click();
    await page.setViewportSize({ width: 420, height: 800 });
    await page.getByTestId('tab-warmup-status-elb-01-a').click();
    await page.locator('[data-testid^="warmup-chip-"]').first().waitFor();
    await shot(page, '06-details-420');
  });

  it('walks the four cards of rg-elb-01 at 1,400 px and at 420 px', async () => {
    const page = await openPage(`?scope=${DEMO_SUBSCRIPTION_ID}/${RG}`, 1400);
    const started = Date.now();
    const board = {
      aks: page.getByTestId('aks-card'),
      registry: page.getByTestId('registry-card'),
      storage: page.getByTestId('storage-card'),
      jobs: page.getByTestId('jobs-card'),
    };

    // AKS: the running cluster's node bars and its warm database chips, inline
    await page.locator('[data-testid="node-bars-elb-01-a"] [data-testid^="node-bar-"]').first().waitFor();
    await page.locator('[data-testid^="db-chip-elb-01-a-"]').first().waitFor();
    const chipStates = await page.locator('[data-testid^="db-chip-elb-01-a-"]').evaluateAll((chips) => chips.map((c) => c.getAttribute('data-status')));
    expect(chipStates).toEqual(expect.arrayContaining(['ready', 'loading', 'failed', 'stale']));
    expect(await page.locator('[data-testid^="db-chip-elb-01-a-"][data-status="ready"]').first().textContent()).toMatch(/ (\d+)\/\1$/);
    // a database is loading: the chips are checked every 5 s
    expect(await page.getByTestId('db-poll-elb-01-a').getAttribute('data-interval-seconds')).toBe('5');
    // a chip's drill-down: the per-node warm-up view of its cluster
    await page.locator('[data-testid^="db-chip-elb-01-a-"][data-status="failed"]').first().click();
    await page.getByTestId('panel-warmup-status-elb-01-a').locator('[data-testid^="warmup-chip-"]').first().waitFor();
    await page.getByTestId('details-toggle-elb-01-a').click();
    await page.getByTestId('cluster-details-elb-01-a').waitFor({ state: 'detached' });

    // Container Registry: images built n/m, one missing, one building
    const built = page.getByTestId('images-built').first();
    await built.waitFor();
    const [builtCount, expectedCount] = [Number(await built.getAttribute('data-built')), Number(await built.getAttribute('data-expected'))];
    expect(expectedCount).toBeGreaterThan(0);
    expect(builtCount).toBeLessThan(expectedCount);
    expect(await board.registry.locator('[data-testid="expected-image"][data-state="missing"]').getAttribute('data-image')).toBe(
      'ncbi/elasticblast-results:0.1.0',
    );
    await board.registry.locator('[data-testid="expected-image"][data-state="building"]').first().waitFor();

    // Storage: the public network warning and the databases strip
    await board.storage.getByTestId('public-network-warning').waitFor();
    const strip = board.storage.getByTestId('databases-strip');
    await strip.waitFor();
    const [ready, total] = [Number(await strip.getAttribute('data-ready')), Number(await strip.getAttribute('data-total'))];
    expect(total).toBeGreaterThan(0);
    expect(ready).toBeLessThan(total);
    expect(await strip.textContent()).toContain(`${ready} ready / ${total}`);

    // Jobs: a failure with its reason, then its events
    const failed = board.jobs.locator('[data-testid="job-row"][data-status="failed"]').first();
    await failed.waitFor();
    const cardsRenderedMs = Date.now() - started;
    const job = (await failed.getAttribute('data-job'))!;
    expect(await failed.getByTestId(`job-failure-${job}`).textContent()).toMatch(/\w/);
    await shot(page, '07-board-1400');

    await failed.getByTestId(`job-toggle-${job}`).click();
    const events = failed.getByTestId(`job-events-${job}`);
    await events.getByTestId('job-event').first().waitFor();
    for (const object of await events.locator('.event-object').allTextContents()) expect(object).toMatch(new RegExp(`^(Job/${job}|Pod/${job}-)`));
    await shot(page, '08-board-1400-job-events');

    // 1,400 px: the side cards beside the AKS card, each as tall as its content (not stretched to a neighbour's)
    const box = async (name: keyof typeof board) => (await board[name].boundingBox())!;
    const [aks, registry, storage, jobs] = [await box('aks'), await box('registry'), await box('storage'), await box('jobs')];
    expect(registry.x).toBeGreaterThan(aks.x + aks.width);
    expect(storage.x).toBe(registry.x);
    expect(jobs.x).toBe(aks.x);
    expect(Math.abs(registry.height - aks.height)).toBeGreaterThan(20);
    // every card shows its own age in words, its cache state a marker with its meaning on hover
    for (const name of Object.keys(board) as (keyof typeof board)[]) {
      expect(await board[name].locator('.freshness').first().textContent()).toMatch(/^updated (just now|\d+ (s|min) ago)$/);
      expect(await board[name].locator('.marker').first().getAttribute('title')).toMatch(/^(Fresh|Stale|Refreshed|Uncached): /);
    }

    // 420 px: one column, nothing wider than the window
    await page.setViewportSize({ width: 420, height: 900 });
    const narrow = [await box('aks'), await box('registry'), await box('storage'), await box('jobs')];
    for (const b of narrow) {
      expect(b.x).toBe(narrow[0]!.x);
      expect(b.x + b.width).toBeLessThanOrEqual(420);
    }
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(420);
    await shot(page, '09-board-420');

    // the same page again, its reads now in the cache: until every card shows its content
    await page.setViewportSize({ width: 1400, height: 900 });
    const reloaded = Date.now();
    await page.reload();
    await Promise.all(
      [
        '[data-testid="node-bars-elb-01-a"] [data-testid^="node-bar-"]',
        '[data-testid^="db-chip-elb-01-a-"]',
        '[data-testid="images-built"]',
        '[data-testid="databases-strip"]',
        '[data-testid="job-row"]',
      ].map((selector) => page.locator(selector).first().waitFor()),
    );
    const warmCardsRenderedMs = Date.now() - reloaded;
    writeFileSync(
      join(artifacts, 'board.json'),
      `${JSON.stringify({ cardsRenderedMs, warmCardsRenderedMs, chipStates, images: { builtCount, expectedCount }, databases: { ready, total } }, null, 2)}\n`,
    );
  });
});
