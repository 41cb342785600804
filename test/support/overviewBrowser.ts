import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`.ci/run` installs it) driven by playwright-core, for the overview's browser tests.
 * Without the browser these tests fail and say so, unless VIGIL_SKIP_BROWSER_TESTS=1 is set on purpose.
 */
export const chromiumPath = process.env.VIGIL_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const skipBrowserTests = process.env.VIGIL_SKIP_BROWSER_TESTS === '1';

// The machine's network is closed: without the background-networking flags Chromium keeps dialling out.
const launchFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OverviewBrowser {
  page: Page;
  /** Console errors and uncaught page errors, as they happened. */
  problems: string[];
  /** Every response body the browser received. */
  bodies: string[];
  close(): Promise<void>;
}

export async function openOverviewBrowser(): Promise<OverviewBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium, as .ci/run does), set VIGIL_CHROMIUM_PATH, or set VIGIL_SKIP_BROWSER_TESTS=1 to skip these tests on purpose`,
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: launchFlags,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const bodies: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', async (response) => {
    bodies.push(await response.text().catch(() => ''));
  });
  return {
    page,
    problems,
    bodies,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The overview's views, each with its heading and how many charts it draws at least. */
export const overviewViews = [
  { path: '/api/overview', heading: 'Security overview', charts: 3, shot: 'overview' },
  { path: '/api/overview/risks', heading: 'Risks', charts: 0, shot: 'risks' },
  { path: '/api/overview/repositories', heading: 'Repositories', charts: 0, shot: 'repositories' },
  { path: '/api/overview/pipelines', heading: 'Pipelines', charts: 1, shot: 'pipelines' },
  { path: '/api/overview/connections', heading: 'Service connections', charts: 0, shot: 'connections' },
  { path: '/api/overview/operations', heading: 'Operations', charts: 1, shot: 'operations' },
];

/** How many chart bars have an area on the current page (evaluated in the page: this project's TypeScript has no DOM types). */
export async function drawnBars(page: Page): Promise<number> {
  return Number(
    await page.evaluate(
      "[...document.querySelectorAll('svg.chart rect.bar')].filter((r) => { const b = r.getBBox(); return b.width * b.height > 0; }).length",
    ),
  );
}
