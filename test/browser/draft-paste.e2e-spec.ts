import type { Page } from 'playwright-core';
import { adminApi, createEdition } from '../campaign.fixtures';
import { aprilDocx, aprilDraftText, aprilWithLinksExpected } from '../fixtures/word-drafts';
import { auditA11y, screenshot, watchPage, browserWorld } from './browser';

/** The linked April issue as Google Docs puts it on the clipboard (text/html): spans, <a href>, a bold wrapper. */
function aprilClipboardHtml(): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const paragraphs = aprilDraftText(true)
    .split('\n')
    .map((line) => {
      // The draft's [words](url) back to the anchors a word processor copies.
      let out = '';
      let rest = line;
      for (let at = rest.indexOf('['); at >= 0; at = rest.indexOf('[')) {
        const close = rest.indexOf('](', at);
        const end = rest.indexOf(')', close + 2);
        out += esc(rest.slice(0, at));
        const words = rest.slice(at + 1, close);
        const href = rest.slice(close + 2, end);
        out += `<a href="${esc(href)}" style="text-decoration:none;"><span style="font-size:11pt;color:#1155cc;text-decoration:underline;">${esc(words)}</span></a>`;
        rest = rest.slice(end + 1);
      }
      out += esc(rest);
      return `<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;">${out}</span></p>`;
    });
  return `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-7e3a">${paragraphs.join('')}</b>`;
}

/** An editor pastes the month's issue from Google Docs, and uploads it as a Word document: links survive. */
describe('in a real browser: pasting and uploading the editors’ document', () => {
  const w = browserWorld();

  async function signedInEditor(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const email = `editor${Date.now()}.paste@example.test`;
    const password = 'a-long-editor-password-paste';
    expect((await adminApi(w.h).post('/api/admin/users', { email, role: 'editor', password })).status).toBe(
      201,
    );
    const context = await w.browser.newContext({ baseURL: w.base });
    const page = await context.newPage();
    const { errors } = watchPage(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/admin/login?next=${encodeURIComponent('/admin/editions/import')}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/editions\/import/);
    return { page, errors, close: () => context.close() };
  }

  it('a paste from Google Docs (text/html on the clipboard) keeps its links, and the import carries them', async () => {
    await w.h.query('DELETE FROM edition');
    const { page, errors, close } = await signedInEditor();
    const html = aprilClipboardHtml();
    const plain = aprilDraftText(false);
    // What the browser does on Ctrl+V: a paste event whose DataTransfer holds text/html and text/plain.
    const notCancelled = await page.locator('textarea#draft').evaluate(
      (el, data) => {
        const dt = new DataTransfer();
        dt.setData('text/html', data.html);
        dt.setData('text/plain', data.plain);
        (el as HTMLTextAreaElement).focus();
        return el.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }),
        );
      },
      { html, plain },
    );
    expect(notCancelled).toBe(false); // the script took the paste over
    await page
      .locator('#paste-status')
      .getByText('Pasted with its links, bold and italic, as draft text.')
      .waitFor();
    expect(await page.locator('textarea#draft').inputValue()).toBe(aprilDraftText(true));
    await screenshot(page, 'draft-paste-google-docs');
    expect(await auditA11y(page)).toEqual([]);

    await page.getByRole('button', { name: 'Import draft' }).click();
    await page.waitForURL(/\/admin\/editions\/\d+(\?|$)/);
    const id = Number(/\/admin\/editions\/(\d+)/.exec(page.url())![1]);
    const [row] = await w.h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [id]);
    expect(row!.content).toEqual(aprilWithLinksExpected());
    const reuters = page
      .frameLocator('iframe#preview-desktop')
      .locator('a[href="https://www.reuters.com/world/china/xi-jinping-visits-russia-2025-05-07/"]');
    await reuters.first().waitFor();
    expect(errors).toEqual([]);
    await close();
  });

  it('a Word document chosen for upload is shown in the text box as draft text with its links', async () => {
    await w.h.query('DELETE FROM edition');
    const { page, errors, close } = await signedInEditor();
    await page.locator('input#draft-file').setInputFiles({
      name: 'CRANK Call April 2025.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      buffer: await aprilDocx(true),
    });
    await page.locator('#paste-status').getByText('The Word document is in the text box').waitFor();
    // The document's bold headings and italic masthead are marked; the content is the same (they keep none).
    expect(await page.locator('textarea#draft').inputValue()).toBe(aprilDraftText(true, true));
    expect(await page.locator('input#draft-file').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Import draft' }).click();
    await page.waitForURL(/\/admin\/editions\/\d+(\?|$)/);
    const id = Number(/\/admin\/editions\/(\d+)/.exec(page.url())![1]);
    const [row] = await w.h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [id]);
    expect(row!.content).toEqual(aprilWithLinksExpected());
    expect(errors).toEqual([]);
    await close();
  });

  it('a paste into the edition page’s draft box keeps bold and italic, which the issue then shows', async () => {
    await w.h.query('DELETE FROM edition');
    const id = await createEdition(w.h, '2025-04');
    const { page, errors, close } = await signedInEditor();
    await page.goto(`/admin/editions/${id}`);
    const html = aprilClipboardHtml()
      .replace(
        'increasing financial strain',
        '<span style="font-style:italic">increasing financial strain</span>',
      )
      .replace('reportedly rejected', 'reportedly <span style="font-weight:700">rejected</span>');
    const box = page.locator('textarea#draft-text');
    await box.evaluate(
      (el, data) => {
        const area = el as HTMLTextAreaElement;
        area.focus();
        area.select(); // the editor selects all and pastes the document over it
        const dt = new DataTransfer();
        dt.setData('text/html', data.html);
        dt.setData('text/plain', data.plain);
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      },
      { html, plain: aprilDraftText(false) },
    );
    await page.locator('#draft-text-status').getByText('Pasted with its links, bold and italic').waitFor();
    const draft = await box.inputValue();
    expect(draft).toContain('Amid *increasing financial strain* on Gazprom');
    expect(draft).toContain('China has reportedly **rejected** the Russian');
    await page.getByRole('button', { name: 'Save draft text' }).click();
    await page.waitForURL(/\/admin\/editions\/\d+(\?|$)/);
    const [row] = await w.h.query<{ content: { highlights: { paragraphs: unknown[] }[] } }>(
      'SELECT content FROM edition WHERE id = $1',
      [id],
    );
    const first = row!.content.highlights[0]!.paragraphs[0] as unknown[];
    expect(first).toContainEqual({ text: 'increasing financial strain', em: true });
    expect(first).toContainEqual({ text: 'rejected', strong: true });
    const preview = page.frameLocator('iframe#preview-desktop');
    await preview.locator('em', { hasText: 'increasing financial strain' }).waitFor();
    await preview.locator('strong', { hasText: 'rejected' }).waitFor();
    await screenshot(page, 'draft-paste-emphasis-edition-page');
    expect(await auditA11y(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });
});
