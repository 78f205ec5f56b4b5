import type { Page } from 'playwright-core';
import { adminApi } from '../campaign.fixtures';
import { totp } from '../helpers/two-factor';
import { auditA11y, DESKTOP, PHONE, screenshot, watchPage, browserWorld } from './browser';

/**
 * Two-factor sign-in in Debian's Chromium on a phone (390 px; each page also looked at 1280 px), with REQUIRE_2FA on: the password, the set-up
 * page (QR code and key), the recovery codes, then a later sign-in with a code from the "app" (otplib here).
 */
describe('two-factor sign-in in a real browser', () => {
  const w = browserWorld({ inProcessWorker: true, env: { REQUIRE_2FA: 'true' } });

  /** Problems of the page as it is: sideways scrolling at its width, and the accessibility audit. */
  async function problems(page: Page): Promise<string[]> {
    const wide = await page.evaluate(() => {
      const root = document.documentElement;
      return root.scrollWidth > root.clientWidth ? `${root.scrollWidth}px wide` : undefined;
    });
    return [...(wide ? [wide] : []), ...(await auditA11y(page))];
  }

  /** The page at a phone's width and a desktop's: for each, no problems and a screenshot (phone-…, desktop-…). */
  async function atBothWidths(page: Page, name: string): Promise<void> {
    for (const [label, size] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      await page.setViewportSize(size);
      expect(await problems(page)).toEqual([]);
      await screenshot(page, `${label}-${name}`);
    }
    await page.setViewportSize(PHONE);
  }

  it('enrols at the first sign-in, then signs in with a code', async () => {
    const email = 'phone.user@example.test';
    const password = 'a-long-browser-password-1';
    expect((await adminApi(w.h).post('/api/admin/users', { email, role: 'editor', password })).status).toBe(
      201,
    );

    const context = await w.browser.newContext({ baseURL: w.base });
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
    await atBothWidths(page, 'two-factor-enrol');
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(await totp(secret));
    await page.getByRole('button', { name: 'Turn on and sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor sign-in is on' }).waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await atBothWidths(page, 'two-factor-recovery-codes');
    await page.getByRole('link', { name: /continue to the console/ }).click();
    await page.waitForURL(/\/admin\/editions$/);

    // a new browser signs in with the password, then a code (the next step's: this one was used to enrol)
    await context.clearCookies();
    await signInWithPassword();
    await page.waitForURL(/\/admin\/login\/two-factor/);
    await atBothWidths(page, 'two-factor-code');
    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
    await page.getByLabel('Code').fill(await totp(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/editions$/);
    await page.goto('/admin/account/two-factor');
    await page.getByText('Recovery codes left').waitFor();
    await atBothWidths(page, 'two-factor-account');

    // the one failure is the wrong code's 401, on purpose
    expect(errors).toEqual([`401 ${w.base}/admin/login/two-factor`]);
    await context.close();
  });
});
