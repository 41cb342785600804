import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drawnBars,
  type OverviewBrowser,
  openOverviewBrowser,
  skipBrowserTests as skip,
  overviewViews as views,
} from '../support/overviewBrowser';
import { type OverviewSeed, seedOverview } from '../support/overviewSeed';

/**
 * The overview in a real browser: Debian's Chromium (`.ci/run` installs it) driven by playwright-core
 * against the local host seeded through the webhook. Without the browser these tests fail and say so,
 * unless VIGIL_SKIP_BROWSER_TESTS=1 is set on purpose. VIGIL_UPDATE_SCREENSHOTS=1 rewrites the
 * screenshots in docs/images/ that docs/overview.md shows.
 */
const screenshots = process.env.VIGIL_UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'images') : undefined;

if (skip) {
  process.stderr.write('overviewBrowser.test.ts: SKIPPED because VIGIL_SKIP_BROWSER_TESTS=1\n');
}

describe.skipIf(skip)('the overview in Chromium', () => {
  let seed: OverviewSeed;
  let browser: OverviewBrowser;
  let page: Page;
  let origin: string;
  let problems: string[];
  let bodies: string[];

  beforeAll(async () => {
    browser = await openOverviewBrowser();
    ({ page, problems, bodies } = browser);
    seed = await seedOverview();
    origin = new URL(seed.host.baseUrl).origin;
    // The URL npm start prints: the token becomes a cookie and leaves the address bar.
    await page.goto(seed.host.overviewUrl);
    expect(page.url()).toBe(`${origin}/api/overview`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await seed?.dispose();
  });

  it('loads every view with no console error, and draws the charts with bars', async () => {
    if (screenshots) mkdirSync(screenshots, { recursive: true });
    for (const view of views) {
      await page.goto(`${origin}${view.path}`);
      expect(await page.locator('h1').textContent()).toBe(view.heading);
      expect(await page.locator('svg.chart').count(), view.path).toBeGreaterThanOrEqual(view.charts);
      if (view.charts > 0) {
        expect(await drawnBars(page), `bars drawn on ${view.path}`).toBeGreaterThan(0);
      }
      if (screenshots) await page.screenshot({ path: join(screenshots, `overview-${view.shot}.png`), fullPage: true });
    }
    expect(problems).toEqual([]);
  });

  it('filters the risks table when a choice changes, and sorts it by a column header', async () => {
    await page.goto(`${origin}/api/overview/risks`);
    await Promise.all([page.waitForURL(/kind=service-connection/), page.selectOption('select[name="kind"]', 'service-connection')]);
    const assets = await page.locator('#risks tbody tr td:nth-child(6)').allTextContents();
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.every((name) => name.includes('legacy-deploy'))).toBe(true);

    await page.goto(`${origin}/api/overview/risks`);
    await Promise.all([page.waitForURL(/sort=severity/), page.getByRole('link', { name: /^Severity/ }).click()]);
    const rank = ['critical', 'high', 'medium', 'low'];
    const severities = (await page.locator('#risks tbody tr td:nth-child(4)').allTextContents()).map((s) => rank.indexOf(s.trim()));
    expect(severities.length).toBeGreaterThan(2);
    expect(severities).toEqual([...severities].sort((a, b) => a - b));
    expect(problems).toEqual([]);
  });

  it('reaches every link and control with Tab, on every view', async () => {
    for (const view of views) {
      await page.goto(`${origin}${view.path}`);
      const controls = await page.locator('a[href], button, select, input:not([type="hidden"])').count();
      const reached = new Set<string>();
      for (let i = 0; i < controls + 5; i++) {
        await page.keyboard.press('Tab');
        const id = String(
          await page.evaluate(
            `[...document.querySelectorAll('a[href], button, select, input:not([type="hidden"])')].indexOf(document.activeElement)`,
          ),
        );
        if (id !== '-1') reached.add(id);
      }
      expect(reached.size, `controls reached by Tab on ${view.path}`).toBe(controls);
    }
  });

  it('never shows a planted secret, in any page or answer the browser received', async () => {
    for (const risk of await seed.host.services.stores.risks.list()) {
      await page.goto(`${origin}/api/overview/risks/${encodeURIComponent(risk.id)}`);
      expect(await page.locator('h1').textContent()).toContain(risk.title);
      bodies.push(await page.content());
    }
    const everything = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(10);
    for (const secret of seed.secrets) expect(everything).not.toContain(secret);
    expect(problems).toEqual([]);
  });
});
