import type { Browser, Page } from 'playwright-core';
import { adminApi } from '../campaign.fixtures';
import { Harness } from '../helpers/harness';
import { totp } from '../helpers/two-factor';
import { auditA11y, freePort, launchChromium, PHONE, screenshot, watchPage } from './browser';

/**
 * Two-factor sign-in in Debian's Chromium on a phone (390 px), with REQUIRE_2FA on: the password, the set-up
 * page (QR code and key), the recovery codes, then a later sign-in with a code from the "app" (otplib here).
 */
describe('two-factor sign-in in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    h = await Harness.start({ port, inProcessWorker: true, env: { PUBLIC_URL: base, REQUIRE_2FA: 'true' } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  /** Problems of the page as it is: sideways scrolling at its width, and the accessibility audit. */
  async function problems(page: Page): Promise<string[]> {
    const wide = await page.evaluate(() => {
      const root = document.documentElement;
      return root.scrollWidth > root.clientWidth ? `${root.scrollWidth}px wide` : undefined;
    });
    return [...(wide ? [wide] : []), ...(await auditA11y(page))];
  }

  it('enrols at the first sign-in, then signs in with a code', async () => {
    const email = 'phone.user@example.test';
    const password = 'a-long-browser-password-1';
    expect((await adminApi(h).post('/api/admin/users', { email, role: 'editor', password })).status).toBe(
      201,
    );

    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    const { errors } = watchPage(page);
    await page.setViewportSize(PHONE);
    const signInWithPassword = async () => {
      await page.goto('/admin/login?next=%2Fadmin%2Feditions');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };

    await signInWithPassword();
    await page.waitForURL(/\/admin\/login\/enrol/);
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    const qr = page.getByAltText('QR code for your authenticator app');
    await qr.waitFor();
    // the QR image really loaded (the CSP allows data: images)
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await problems(page)).toEqual([]);
    await screenshot(page, 'phone-two-factor-enrol');
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(await totp(secret));
    await page.getByRole('button', { name: 'Turn on and sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor sign-in is on' }).waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    expect(await problems(page)).toEqual([]);
    await screenshot(page, 'phone-two-factor-recovery-codes');
    await page.getByRole('link', { name: /continue to the console/ }).click();
    await page.waitForURL(/\/admin\/editions$/);

    // a new browser signs in with the password, then a code (the next step's: this one was used to enrol)
    await context.clearCookies();
    await signInWithPassword();
    await page.waitForURL(/\/admin\/login\/two-factor/);
    expect(await problems(page)).toEqual([]);
    await screenshot(page, 'phone-two-factor-code');
    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
    await page.getByLabel('Code').fill(await totp(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/editions$/);
    await page.goto('/admin/account/two-factor');
    await page.getByText('Recovery codes left').waitFor();
    expect(await problems(page)).toEqual([]);
    await screenshot(page, 'phone-two-factor-account');

    // the one failure is the wrong code's 401, on purpose
    expect(errors).toEqual([`401 ${base}/admin/login/two-factor`]);
    await context.close();
  });
});
