import { DOCX_CONTENT_TYPE, MAX_DOCX_BYTES } from '@app/core';
import { crankCallApril2025 } from './fixtures/crank-call-2025-04.expected';
import {
  aprilDocx,
  aprilDraftText,
  aprilWithError,
  aprilWithImageAndFootnote,
  aprilWithLinksExpected,
  aprilWithTable,
  APRIL_SOURCE_URLS,
} from './fixtures/word-drafts';
import { consoleWorld } from './helpers/scenarios';

/** The April issue as Google Docs puts it on the clipboard: styled spans in <p>s under its bold wrapper. */
function aprilAsGoogleDocsHtml(): string {
  const ps = aprilDraftText(false)
    .split('\n')
    .map(
      (line) =>
        `<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;font-weight:400;">${line
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')}</span></p>`,
    );
  return `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5c1f">${ps.join('')}</b>`;
}

describe('editions: the Word document itself and HTML paste (API and console)', () => {
  const {
    h,
    api,
    sessions: { editor },
    get,
  } = consoleWorld({ roles: ['editor'] });
  const auth = (): string => `Bearer ${h.adminToken}`;
  const importBody = (body: Buffer | string, type: string) =>
    api()
      .post('/api/admin/editions/import')
      .set('Authorization', auth())
      .set('Content-Type', type)
      .send(body);
  const upload = (file: Buffer, filename: string, contentType = DOCX_CONTENT_TYPE) =>
    api()
      .post(`/admin/editions/import?_csrf=${encodeURIComponent(editor.csrf)}`)
      .set('Cookie', editor.cookie)
      .set('Accept', 'text/html')
      .field('draft', '')
      .field('format', 'text')
      .attach('file', file, { filename, contentType });

  beforeEach(async () => {
    await h.query('DELETE FROM edition');
  });

  it('imports the April 2025 issue from its Word document: the same edition as its text draft', async () => {
    const res = await importBody(await aprilDocx(false), DOCX_CONTENT_TYPE);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ slug: '2025-04', status: 'draft', warnings: [] });
    expect(res.body.content).toEqual(crankCallApril2025);
    const [row] = await h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [
      res.body.id,
    ]);
    expect(row!.content).toEqual(crankCallApril2025);
  });

  it('keeps the Word document’s links: in the edition, its preview and its Markdown export (which imports back)', async () => {
    const res = await importBody(await aprilDocx(true), DOCX_CONTENT_TYPE);
    expect(res.status).toBe(201);
    expect(res.body.content).toEqual(aprilWithLinksExpected());
    const id = res.body.id as number;
    const preview = await api().get(`/api/admin/editions/${id}/preview.html`).set('Authorization', auth());
    expect(preview.status).toBe(200);
    for (const url of Object.values(APRIL_SOURCE_URLS)) expect(preview.text).toContain(`href="${url}"`);
    const md = await api().get(`/api/admin/editions/${id}/export.md`).set('Authorization', auth());
    expect(md.status).toBe(200);
    expect(md.text).toContain(
      '[Reuters](https://www.reuters.com/world/china/xi-jinping-visits-russia-2025-05-07/)',
    );
    const again = await importBody(md.text, 'text/markdown');
    expect(again.status).toBe(201);
    expect(again.body.content).toEqual(aprilWithLinksExpected());
  });

  it('leaves images and footnotes out and says so; refuses a table', async () => {
    const res = await importBody(await aprilWithImageAndFootnote(), DOCX_CONTENT_TYPE);
    expect(res.status).toBe(201);
    expect(res.body.content).toEqual(crankCallApril2025);
    expect(res.body.warnings).toEqual([
      { code: 'images-ignored', count: 1, message: 'An image was left out: an issue carries no images.' },
      {
        code: 'footnotes-ignored',
        count: 1,
        message: 'A footnote was left out: an issue has no footnotes (write the source in the text instead).',
      },
    ]);
    await h.query('DELETE FROM edition');
    const table = await importBody(await aprilWithTable(), DOCX_CONTENT_TYPE);
    expect(table.status).toBe(400);
    expect(table.body.message).toContain(
      'The Word document has a table after paragraph 4 of the Word document',
    );
    expect(await h.query('SELECT id FROM edition')).toEqual([]);
  });

  it('names the paragraph of an error and quotes it (400), saving nothing', async () => {
    const { docx, paragraph, line, quoted } = await aprilWithError();
    const res = await importBody(docx, DOCX_CONTENT_TYPE);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      new RegExp(`^Paragraph ${paragraph} of the Word document: expected a link line`),
    );
    expect(res.body).toMatchObject({ paragraph, line, found: quoted });
    expect(await h.query('SELECT id FROM edition')).toEqual([]);
  });

  it('answers 400 for a corrupt zip, a text file sent as .docx and an empty body; 413 over 10 MB', async () => {
    const docx = await aprilDocx(false);
    const corrupt = await importBody(docx.subarray(0, docx.length - 300), DOCX_CONTENT_TYPE);
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.message).toContain('The file is not a Word document (.docx)');
    expect(corrupt.body.message).toContain('the zip archive is damaged');
    const text = await importBody(Buffer.from('CRANK Call | April 2025'), DOCX_CONTENT_TYPE);
    expect(text.status).toBe(400);
    expect(text.body.message).toContain('it is not a zip archive');
    const empty = await importBody(Buffer.alloc(0), DOCX_CONTENT_TYPE);
    expect(empty.status).toBe(400);
    const huge = await importBody(Buffer.alloc(MAX_DOCX_BYTES + 1), DOCX_CONTENT_TYPE);
    expect(huge.status).toBe(413);
    // The document is read by the handler, past the guard: without credentials nothing is read.
    const anonymous = await api()
      .post('/api/admin/editions/import')
      .set('Content-Type', DOCX_CONTENT_TYPE)
      .send(await aprilDocx(false));
    expect(anonymous.status).toBe(401);
    expect(await h.query('SELECT id FROM edition')).toEqual([]);
  });

  it('imports HTML pasted from Google Docs (text/html) and converts without saving (/convert)', async () => {
    const html = aprilAsGoogleDocsHtml();
    const converted = await api()
      .post('/api/admin/editions/convert')
      .set('Authorization', auth())
      .set('Content-Type', 'text/html')
      .send(html);
    expect(converted.status).toBe(200);
    expect(converted.body).toEqual({ draft: aprilDraftText(false), warnings: [] });
    expect(await h.query('SELECT id FROM edition')).toEqual([]);
    const res = await importBody(html, 'text/html');
    expect(res.status).toBe(201);
    expect(res.body.content).toEqual(crankCallApril2025);
  });

  it('console: uploads the Word document; its warnings are the notice', async () => {
    const res = await upload(await aprilWithImageAndFootnote(), 'CRANK Call April 2025.docx');
    expect(res.status).toBe(303);
    const m = /^\/admin\/editions\/(\d+)\?notice=imported-without-images-footnotes$/.exec(
      res.headers.location ?? '',
    );
    expect(m).not.toBeNull();
    const page = await get(editor, res.headers.location!);
    expect(page.text).toContain('The document’s images and footnotes were left out');
    const [row] = await h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [
      Number(m![1]),
    ]);
    expect(row!.content).toEqual(crankCallApril2025);
    // A browser that sends the file as octet-stream: the zip's own bytes say what it is
    await h.query('DELETE FROM edition');
    const plain = await upload(await aprilDocx(false), 'draft.bin', 'application/octet-stream');
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toMatch(/\?notice=imported$/);
  });

  it('console: an error names the paragraph and shows the document as draft text with the line marked', async () => {
    const { docx, paragraph, line } = await aprilWithError();
    const res = await upload(docx, 'april.docx');
    expect(res.status).toBe(400);
    expect(res.text).toContain(
      `<strong>Paragraph ${paragraph} of the Word document (line ${line} below): the draft cannot be imported.</strong>`,
    );
    expect(res.text).toContain('now holds the Word document as draft text');
    expect(res.text).toMatch(
      new RegExp(`<li value="${line}" class="bad" aria-current="true" data-line="${line}">—Vladimir Putin`),
    );
    expect(res.text).toContain('CRANK Call | April 2025\nCRANK Call is a monthly review');
    const corrupt = await upload(Buffer.from('PK\u0003\u0004 broken'), 'april.docx');
    expect(corrupt.status).toBe(400);
    expect(corrupt.text).toContain('The file is not a Word document (.docx)');
    const old = await upload(
      Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]),
      'april.doc',
      'application/msword',
    );
    expect(old.status).toBe(400);
    expect(old.text).toContain('an older Word document (.doc)');
    expect(await h.query('SELECT id FROM edition')).toEqual([]);
  });

  it('console: the paste script converts with the session and its CSRF token, as the page sets it up', async () => {
    const page = await get(editor, '/admin/editions/import');
    expect(page.text).toContain('data-convert-url="/api/admin/editions/convert"');
    expect(page.text).toContain('accept=".txt,.md,.docx,');
    const html =
      '<p>Editor, Greg <b>Priddy</b> (<a href="mailto:gpriddy@cftni.org">gpriddy@cftni.org</a>)</p>';
    const ok = await api()
      .post('/api/admin/editions/convert')
      .set('Cookie', editor.cookie)
      .set('X-CSRF-Token', editor.csrf)
      .set('Content-Type', 'text/html')
      .send(html);
    expect(ok.status).toBe(200);
    expect(ok.body.draft).toBe('Editor, Greg **Priddy** (gpriddy@cftni.org)');
    const noCsrf = await api()
      .post('/api/admin/editions/convert')
      .set('Cookie', editor.cookie)
      .set('Content-Type', 'text/html')
      .send(html);
    expect(noCsrf.status).toBe(403);
  });
});
