// Shared pieces of the end-to-end tests: Debian's Chromium or a loud skip, the built dashboard served by the whole
// local stack on the run's Azurite, pages opened in their own browser contexts, and screenshots in test-artifacts/e2e/.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack.js';
import { blobEndpoint, tablesConnectionString } from '../setup/tables.js';

/** Debian's Chromium (.ci/run installs it); never a downloaded browser. */
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
export const artifacts = join(repoRoot, 'test-artifacts', 'e2e');
export const hasChromium = existsSync(CHROMIUM);

/** Why the file's suite is skipped without Chromium; it says so on the console then, loudly. */
export function skipReason(file: string, what: string): string {
  const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, as .ci/run does) to run the ${what} end-to-end test`;
  if (!hasChromium) console.warn(`test/e2e/${file} SKIPPED: ${reason}`);
  return reason;
}

/** Builds the SPA with the project's Vite config into a private folder (web/dist stays as it is). */
async function buildDashboard(outDir: string): Promise<void> {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' } },
  );
}

export interface BrowserStack {
  readonly stack: LocalStack;
  readonly browser: Browser;
  /** A page in a context of its own (closed after the suite), waiting up to 15 s, at the stack's URL + query. */
  openPage(query: string, context: BrowserContextOptions): Promise<Page>;
}

/**
 * The suite's hooks: the dashboard built, the local stack serving it (no timers, no log) and Chromium launched, all
 * at once before the suite; all closed after it. The options are read when the suite starts.
 */
export function useBrowserStack(name: string, options: () => Omit<LocalStackOptions, 'tablesConnectionString' | 'blobEndpoint' | 'staticDir'>): BrowserStack {
  let distDir: string | undefined;
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), `elb-${name}-`));
    [, stack, browser] = await Promise.all([
      buildDashboard(distDir),
      startLocalStack({
        tablesConnectionString: tablesConnectionString(),
        blobEndpoint: blobEndpoint(),
        staticDir: distDir,
        timers: false,
        log: () => {},
        ...options(),
      }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the end-to-end stack has not started');
    return value;
  };
  return {
    get stack() {
      return started(stack);
    },
    get browser() {
      return started(browser);
    },
    async openPage(query, options) {
      const context = await started(browser).newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${started(stack).url}/${query}`);
      return page;
    },
  };
}

/** Full-page screenshots named `${prefix}${name}.png` in test-artifacts/e2e/. */
export const screenshots =
  (prefix = '') =>
  (page: Page, name: string) =>
    page.screenshot({ path: join(artifacts, `${prefix}${name}.png`), fullPage: true });

/** Waits until the cluster's state chip shows the state. */
export const chip = (page: Page, cluster: string, state: string) => page.locator(`[data-testid="state-chip-${cluster}"][data-state="${state}"]`).waitFor();
