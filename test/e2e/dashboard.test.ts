// End to end: the built dashboard in headless Chromium against the whole local stack (Azurite + simulated Azure +
// the local function host serving web/dist-like static files). Screenshots of every step go to test-artifacts/e2e/.
//
// Chromium is Debian's /usr/bin/chromium (.ci/run installs it); never a downloaded browser. Without it the suite is
// skipped, loudly. The SPA's intervals come from the URL (?fastPollSeconds=1, ?pollSeconds=1: web/README.md), so the
// test waits for events in about a second instead of the production 10 s / 30 s. No sleeps: every wait is for a
// state of the page (locator.waitFor) or for a request (page.waitForRequest).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/sim/index.js';
import { startLocalStack, type LocalStack } from '../../dev/stack.js';
import { SIM_STATE_ORDERING } from '../setup/ordering.js';
import { tablesConnectionString, uniqueTableName } from '../setup/tables.js';

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
const SKIP_REASON = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, as .ci/run does) to run the dashboard end-to-end test`;
if (!hasChromium) console.warn(`test/e2e/dashboard.test.ts SKIPPED: ${SKIP_REASON}`);

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

/** Builds the SPA with the project's Vite config into a private folder (web/dist stays as it is). */
async function buildDashboard(outDir: string): Promise<void> {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
}

describe.skipIf(!hasChromium)(hasChromium ? 'dashboard in headless Chromium' : `dashboard in headless Chromium (SKIPPED: ${SKIP_REASON})`, () => {
  let distDir: string;
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), 'elb-dashboard-'));
    const [, started, launched] = await Promise.all([
      buildDashboard(distDir),
      startLocalStack({
        tablesConnectionString: tablesConnectionString(),
        staticDir: distDir,
        // the test decides when the start completes
        simulator: { durations: { start: 'manual' }, stateOrdering: SIM_STATE_ORDERING },
        env: {
          CACHE_TABLE_NAME: uniqueTableName('c'),
          INSPECTOR_TABLE_NAME: uniqueTableName('i'),
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

  async function openPage(query: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/${query}`);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  const chip = (page: Page, cluster: string, state: string) => page.locator(`[data-testid="state-chip-${cluster}"][data-state="${state}"]`).waitFor();
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

    await stack.sim.completeOperation({ subscriptionId: DEMO_SUBSCRIPTION_ID, resourceGroup: RG, name: 'elb-01-b' });
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
    const message = page.getByTestId('error-message');
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
    const upstreamBefore = { arm: stack.sim.counters('arm').requests, kubernetes: stack.sim.counters(clusterA).requests };
    const expanded = await measure(4);
    // what the ticks cost behind the API (cache hits cost nothing upstream; TTL 30 s)
    const upstream = {
      arm: stack.sim.counters('arm').requests - upstreamBefore.arm,
      kubernetes: stack.sim.counters(clusterA).requests - upstreamBefore.kubernetes,
    };
    // the list and the expanded cluster's selected tab, nothing else (the other tabs, clusters, /api/me: never)
    expect(Object.keys(expanded.byPath).sort()).toEqual(['/api/monitor/aks', '/api/monitor/aks/elb-01-a/nodes']);
    expect(expanded.byPath['/api/monitor/aks']).toBe(4);
    // each key runs on its own 1 s timer from the end of its last request, so a window of 4 list ticks holds 3..5
    expect(expanded.byPath['/api/monitor/aks/elb-01-a/nodes']).toBeGreaterThanOrEqual(3);
    expect(expanded.byPath['/api/monitor/aks/elb-01-a/nodes']).toBeLessThanOrEqual(5);

    await page.getByTestId('inspector-toggle').click();
    await page.getByTestId('inspector-panel').waitFor();
    const withInspector = await measure(4);
    expect(Object.keys(withInspector.byPath).sort()).toEqual(['/api/inspector', '/api/monitor/aks', '/api/monitor/aks/elb-01-a/nodes']);
    // a request refused before any function ran (here a body that is not JSON) is not listed, only counted
    const refused = await fetch(`${stack.url}/api/aks/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cluster":' });
    expect(refused.status).toBe(400);
    await page
      .getByTestId('inspector-refused')
      .getByText(/400 × [1-9]/)
      .waitFor();

    const report = {
      scope: `${RG}: 3 clusters, elb-01-a expanded on its Nodes tab`,
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
    await page.getByTestId('warmup-chip-aks-db-31415926-vmss000002').click();
    await page.getByText('exit 3').waitFor();
    await shot(page, '06-details-420');
  });
});
