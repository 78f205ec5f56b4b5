import { APRIL_WITH_LINKS_DRAFT, LINKS } from '../fixtures/crank-call-2025-04-links';
import { screenshot, watchPage, browserWorld } from './browser';

/**
 * Issue 14: an issue with links as a reader sees it on the web, at desktop and phone widths: the links are
 * there, underlined in the accent colour, and a long address does not widen the page.
 * Screenshots: test-artifacts/issue-links-desktop.png and issue-links-phone.png.
 */
describe('an issue with links, in a real browser', () => {
  const w = browserWorld();

  beforeAll(async () => {
    const res = await fetch(`${w.base}/api/admin/editions/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${w.h.adminToken}`, 'Content-Type': 'text/plain' },
      body: APRIL_WITH_LINKS_DRAFT,
    });
    expect(res.status).toBe(201);
    await w.h.query(`UPDATE edition SET status = 'sent', sent_at = now() WHERE slug = '2025-04'`);
  });

  it.each([
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const)(
    '%s: links underlined in the accent colour, nothing wider than the screen',
    async (name, width, height) => {
      const context = await w.browser.newContext({ baseURL: w.base, viewport: { width, height } });
      const page = await context.newPage();
      const { errors } = watchPage(page);
      await page.goto('/archive/2025-04');
      const link = page.getByRole('link', { name: 'stated on April 8' });
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(LINKS.rudenko);
      const style = await link.evaluate((a) => {
        const s = getComputedStyle(a);
        return { color: s.color, line: s.textDecorationLine };
      });
      expect(style).toEqual({ color: 'rgb(164, 22, 26)', line: 'underline' }); // #a4161a, the accent
      for (const text of ['Kursk Oblast', 'Global Times', 'Why China should welcome a US-Iran thaw'])
        expect(await page.getByRole('link', { name: text }).count()).toBe(1);
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      await link.scrollIntoViewIfNeeded();
      await screenshot(page, `issue-links-${name}`);
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
