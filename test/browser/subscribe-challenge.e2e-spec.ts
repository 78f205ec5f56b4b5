import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { readerWorld } from '../helpers/scenarios';
import { subscriberRow } from '../subscriptions.helpers';
import { freePort, launchChromium, screenshot, watchPage } from './browser';

/**
 * The ALTCHA widget in Debian's Chromium: on the hosted form (under the service's own CSP) and on a form
 * embedded in another site's page (the README snippet, served from another origin). The widget solves the
 * challenge in web workers; the sign-up goes through only with its solution.
 */
describe('subscribe challenge in a real browser', () => {
  const { h } = readerWorld({
    workers: 0,
    env: {
      SUBSCRIBE_CHALLENGE: 'pow',
      SUBSCRIBE_CHALLENGE_COST: '200',
      SUBSCRIBE_CHALLENGE_MAX_NUMBER: '400',
    },
  });
  let browser: Browser;
  let site: Server;
  let siteUrl = '';

  beforeAll(async () => {
    browser = await launchChromium();
    // another site embedding the form (README "Embedding the form on another site", with this server's URL)
    const snippet = `<!doctype html><html lang="en"><head><title>A blog</title></head><body>
<form method="post" action="${h.baseUrl}/subscribe">
  <label for="crank-email">Email address</label>
  <input type="email" id="crank-email" name="email" required autocomplete="email">
  <div style="position:absolute;left:-10000px" aria-hidden="true">
    <input type="text" name="website" tabindex="-1" autocomplete="off">
  </div>
  <altcha-widget challenge="${h.baseUrl}/api/subscriptions/challenge" name="altcha" auto="onfocus"></altcha-widget>
  <script type="module" src="${h.baseUrl}/assets/altcha.js"></script>
  <button type="submit">Subscribe to CRANK Call</button>
</form></body></html>`;
    const port = await freePort();
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(snippet));
    await new Promise<void>((r) => site.listen(port, '127.0.0.1', r));
    siteUrl = `http://localhost:${port}/`; // another origin than 127.0.0.1:<api port>
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => site?.close(r));
  });

  for (const where of ['hosted', 'embedded'] as const) {
    it(`${where} form: the widget solves the challenge and the sign-up goes through`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const { errors } = watchPage(page);
      const email = `${where}.widget@example.test`;
      await page.goto(where === 'hosted' ? `${h.baseUrl}/` : siteUrl);
      await page.getByLabel('Email address').fill(email); // focus starts the proof of work
      await page.waitForFunction(
        () => {
          const field = document.querySelector<HTMLInputElement>('input[name="altcha"]');
          return !!field && field.value.length > 0;
        },
        undefined,
        { timeout: 30_000 },
      );
      await screenshot(page, `subscribe-challenge-${where}-solved`);
      await page.getByRole('button', { name: /Subscribe/ }).click();
      await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
      expect(await subscriberRow(h, email)).toBeDefined();
      expect(errors).toEqual([]);
      expect(await context.cookies()).toEqual([]);
      await context.close();
    });
  }
});
