import type { Page } from 'playwright-core';
import { crankCallApril2025WithLinks } from '../fixtures/crank-call-2025-04-links';
import { consoleLogin } from '../helpers/console-session';
import { screenshot, watchPage, browserWorld } from './browser';

/**
 * Issue 15: the campaign report and the reports overview in a real browser, light and dark, desktop and
 * phone: the charts (server-drawn SVG) are drawn, the tables with the same figures are there, the page does
 * not scroll sideways and has no console error. Screenshots: test-artifacts/report-campaign-*.png and
 * report-overview-*.png.
 */
describe('reports in a real browser', () => {
  const w = browserWorld({ env: { TRUST_PROXY: 'true' } });
  let cookie: string;
  let campaignId: number;

  beforeAll(async () => {
    cookie = (await consoleLogin(w.h, 'editor')).cookie.split('=').slice(1).join('=');
    const [c] = await w.h.query<{ id: number }>(
      `WITH e AS (
         INSERT INTO edition (publication_id, slug, subject, content, status, sent_at)
         VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), '2025-04', $1, $2::jsonb, 'sent', now() - interval '3 days')
         RETURNING id)
       INSERT INTO campaign (edition_id, status, started_at, finished_at)
       SELECT id, 'completed', now() - interval '3 days', now() - interval '3 days' FROM e RETURNING id`,
      [crankCallApril2025WithLinks.subject, JSON.stringify(crankCallApril2025WithLinks)],
    );
    campaignId = c!.id;
    await w.h.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at, created_at)
       SELECT 'reader-' || g || '@example.test', 'confirmed', now(), 'test', now(), now() FROM generate_series(1, 240) g`,
    );
    await w.h.query(
      `INSERT INTO delivery (campaign_id, subscriber_id, status, sent_at)
       SELECT $1, id, CASE WHEN id % 60 = 0 THEN 'bounced' WHEN id % 97 = 0 THEN 'complained' ELSE 'sent' END,
              CASE WHEN id % 120 = 0 THEN NULL ELSE now() - interval '3 days' END
         FROM subscriber`,
      [campaignId],
    );
    // clicks over the first hours, decaying; a few machine clicks; unsubscribes attributed to the campaign
    await w.h.query(
      `INSERT INTO campaign_click (campaign_id, link_index, hour, human, machine)
       SELECT $1, l, date_trunc('hour', now() - interval '3 days') + make_interval(hours => hr),
              greatest(0, (40 / (hr + 1)) - l * 2), CASE WHEN hr = 0 THEN 6 ELSE 0 END
         FROM generate_series(0, 5) l, generate_series(0, 71) hr`,
      [campaignId],
    );
    await w.h.query(
      `INSERT INTO subscriber_event (subscriber_id, type, source, campaign_id, created_at)
       SELECT id, 'unsubscribed', 'one-click', $1, now() - interval '3 days' + make_interval(hours => id % 30)
         FROM subscriber WHERE id % 25 = 0`,
      [campaignId],
    );
    // list growth over six months
    await w.h.query(
      `INSERT INTO subscriber_event (subscriber_id, type, source, created_at)
       SELECT s.id, t.type, 'test', date_trunc('month', now()) - make_interval(months => s.id % 6) + interval '2 days'
         FROM subscriber s, (VALUES ('confirmed'), ('confirmed'), ('unsubscribed'), ('bounced')) t(type)
        WHERE t.type = 'confirmed' OR s.id % (CASE t.type WHEN 'unsubscribed' THEN 7 ELSE 13 END) = 0`,
    );
  });

  const sizes = [
    ['desktop', 1280, 900, 'light'],
    ['phone', 390, 844, 'light'],
    ['desktop-dark', 1280, 900, 'dark'],
  ] as const;

  /** A signed-in editor's page at that size and colour scheme, its errors watched. */
  async function signedIn(width: number, height: number, colorScheme: 'light' | 'dark') {
    const context = await w.browser.newContext({ baseURL: w.base, viewport: { width, height }, colorScheme });
    await context.addCookies([{ name: 'nl_session', value: cookie, url: w.base }]);
    const page = await context.newPage();
    return { page, ...watchPage(page) };
  }

  /** Nothing wider than the screen, a screenshot, no errors; then the page's context is closed. */
  async function finish(page: Page, errors: string[], shot: string): Promise<void> {
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await screenshot(page, shot);
    expect(errors).toEqual([]);
    await page.context().close();
  }

  it.each(sizes)(
    'campaign report, %s: chart, links table, rates with counts',
    async (name, width, height, scheme) => {
      const { page, errors } = await signedIn(width, height, scheme);
      await page.goto(`/admin/campaigns/${campaignId}`);
      await page.locator('#campaign-report-link').click();
      await page.waitForURL(`**/admin/campaigns/${campaignId}/report`);
      await page.locator('#report-chart svg').waitFor();
      expect(await page.locator('#report-chart path.line').count()).toBe(2);
      expect(await page.locator('#report-links tbody tr').count()).toBeGreaterThan(5);
      expect(await page.locator('#r-unsubscribes').innerText()).toMatch(/% \(\d+ of \d+\)/);
      expect(await page.locator('#r-machine-clicks').innerText()).toBe('36');
      expect(await page.locator('#tracking-note').innerText()).toMatch(/aggregate/);
      expect(await page.locator('#report-hours tbody tr').count()).toBe(72);
      await finish(page, errors, `report-campaign-${name}`);
    },
  );

  it.each(sizes)(
    'reports overview, %s: one line per issue, growth chart and table',
    async (name, width, height, scheme) => {
      const { page, errors } = await signedIn(width, height, scheme);
      await page.goto('/admin');
      await page.getByRole('link', { name: 'Reports' }).first().click();
      await page.waitForURL('**/admin/reports');
      await page.locator('#growth-chart svg').waitFor();
      expect(await page.locator('#growth-chart path.line').count()).toBe(4);
      expect(await page.locator('#report-issues tbody tr').count()).toBe(1);
      expect(await page.locator('#report-growth tbody tr').count()).toBe(6);
      await finish(page, errors, `report-overview-${name}`);
    },
  );
});
