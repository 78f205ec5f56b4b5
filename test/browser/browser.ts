import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '@app/testing';
import { Harness, type HarnessOptions, ROOT } from '../helpers/harness';

/** Debian's Chromium binary (not the /usr/bin/chromium wrapper); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run "apt-get install -y chromium" (or set CHROMIUM_PATH)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Saves a full-page screenshot under test-artifacts/ (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The widths an issue is looked at: a desktop browser and a phone (an iPhone 12 to 15 is 390 px wide). */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * Screenshots of one issue as readers and editors see it, on a desktop (1280 px) and a phone (390 px): its
 * web version in the archive (`archive`, e.g. /archive/2025-04) and its preview in the console (`edition`,
 * e.g. /admin/editions/7, with the page signed in). Saved as test-artifacts/<prefix>archive-issue-desktop.png
 * and so on; the page is left at the phone width. Returns the paths.
 */
export async function issueScreenshots(
  page: Page,
  urls: { archive?: string; edition?: string },
  prefix = '',
): Promise<string[]> {
  const saved: string[] = [];
  for (const [name, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    if (urls.archive) {
      await page.goto(urls.archive);
      saved.push(await screenshot(page, `${prefix}archive-issue-${name}`));
    }
    if (urls.edition) {
      await page.goto(urls.edition);
      // the previews are frames: wait until both have drawn the issue
      for (const frame of ['iframe#preview-desktop', 'iframe#preview-phone'])
        await page.frameLocator(frame).locator('body').first().waitFor();
      await page.locator('pre#preview-text').waitFor();
      saved.push(await screenshot(page, `${prefix}edition-preview-${name}`));
    }
  }
  return saved;
}

/** The first link in an HTML body whose href contains `part` (entities decoded). */
export function linkIn(htmlBody: string, part: string): string {
  for (const m of htmlBody.matchAll(/href="([^"]+)"/g)) {
    const href = (m[1] ?? '')
      .replace(/&amp;/g, '&')
      .replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n)));
    if (href.includes(part)) return href;
  }
  throw new Error(`no link containing ${part}`);
}

/** Collects console errors and failed requests of a page, so a test can assert the page is clean. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // failed loads are reported with their URL by the response listener below
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return { errors };
}

export { freePort };

/**
 * A small accessibility audit of the page as rendered: the document has a language, one h1 and one main
 * landmark; every visible form control has a label (label[for], a wrapping label, aria-label or
 * aria-labelledby); every button and link has an accessible name; every image an alt; every iframe a title.
 * Returns the problems found.
 */
export async function auditA11y(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const visible = (e: Element) => {
      const r = (e as HTMLElement).getBoundingClientRect();
      const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const describe = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.getAttribute('name') ? `[name=${e.getAttribute('name')}]` : ''}`;
    if (!document.documentElement.lang) problems.push('html without lang');
    if (document.querySelectorAll('h1').length !== 1)
      problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
    // one main landmark, so a screen reader can skip to the content (axe: landmark-one-main)
    const mains = document.querySelectorAll('main, [role=main]').length;
    if (mains !== 1) problems.push(`${mains} main landmarks`);
    for (const el of Array.from(document.querySelectorAll('input, select, textarea'))) {
      const input = el as HTMLInputElement;
      if (input.type === 'hidden' || !visible(input)) continue;
      const labelled =
        (input.labels && input.labels.length > 0) ||
        input.getAttribute('aria-label') ||
        input.getAttribute('aria-labelledby');
      if (!labelled) problems.push(`unlabelled ${describe(input)}`);
    }
    for (const el of Array.from(document.querySelectorAll('button, a[href]'))) {
      if (!visible(el)) continue;
      const name = (el.textContent ?? '').trim() || el.getAttribute('aria-label') || el.getAttribute('title');
      if (!name) problems.push(`nameless ${describe(el)}`);
    }
    for (const img of Array.from(document.querySelectorAll('img')))
      if (!img.hasAttribute('alt')) problems.push(`img without alt ${img.src}`);
    for (const f of Array.from(document.querySelectorAll('iframe')))
      if (!f.getAttribute('title')) problems.push(`untitled ${describe(f)}`);
    return problems;
  });
}

/** What a browser spec works with: the service, its own URL, and one Chromium. */
export interface BrowserWorld {
  h: Harness;
  browser: Browser;
  /** The test server's URL, which is also its PUBLIC_URL: links in captured emails open in this browser. */
  base: string;
}

/**
 * Starts the service on a free port (PUBLIC_URL = that port) and Chromium before the describe block's tests,
 * and stops both after them. Call at the top of a describe block; the fields are set once its beforeAll ran.
 */
export function browserWorld(opts: Omit<HarnessOptions, 'port'> = {}): BrowserWorld {
  const world = {} as BrowserWorld;
  beforeAll(async () => {
    const port = await freePort();
    world.base = `http://127.0.0.1:${port}`;
    world.h = await Harness.start({ ...opts, port, env: { PUBLIC_URL: world.base, ...opts.env } });
    world.browser = await launchChromium();
  });
  afterAll(async () => {
    await world.browser?.close();
    await world.h?.stop();
  });
  return world;
}
