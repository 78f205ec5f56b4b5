import {
  EditionService,
  formatDraft,
  GMAIL_CLIP_BYTES,
  PreSendCheckService,
  SUBJECT_WARN_LENGTH,
} from '@app/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedAudience } from './campaign.fixtures';
import { crankCallApril2025 } from './fixtures/crank-call-2025-04.expected';
import { consoleWorld } from './helpers/scenarios';

const APRIL = readFileSync(join(__dirname, 'fixtures/crank-call-2025-04.txt'), 'utf8');

/** The `<li data-check=...>` items of a rendered pre-send check, as { id: data-ok }. */
function checksOf(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of page.matchAll(/<li data-check="([^"]+)" data-ok="([^"]+)"/g)) out[m[1]!] = m[2]!;
  return out;
}

describe('console: editions', () => {
  const {
    h,
    api,
    sessions: { editor, ops },
    get,
    post: postForm,
  } = consoleWorld({ roles: ['editor', 'ops'], inProcessWorker: true });
  let aprilId: number;

  it('lists no edition yet, with the import link for editors only', async () => {
    const res = await get(editor, '/admin/editions');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No edition yet');
    expect(res.text).toContain('href="/admin/editions/import"');
    const asOps = await get(ops, '/admin/editions');
    expect(asOps.status).toBe(200);
    expect(asOps.text).not.toContain('href="/admin/editions/import"');
  });

  it('shows the import form to editors and refuses it to ops', async () => {
    const res = await get(editor, '/admin/editions/import');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<label for="draft">/);
    expect(res.text).toMatch(/<textarea\s+id="draft"\s+name="draft"/);
    expect(res.text).toMatch(/<input\s+type="file"\s+id="draft-file"/);
    expect(res.text).toContain(
      `action="/admin/editions/import?_csrf&#61;${encodeURIComponent(editor.csrf)}"`,
    );
    const src = /<script src="(\/assets\/editions\.[0-9a-f]{12}\.js)" defer>/.exec(res.text)?.[1];
    expect(src).toBeDefined();
    expect((await get(ops, '/admin/editions/import')).status).toBe(403);
    const js = await api().get(src!);
    expect(js.status).toBe(200);
    expect(js.text).toContain("getElementById('draft-file')");
  });

  it('links the import form to the draft format, a console page made from docs/draft-format.md', async () => {
    const form = await get(editor, '/admin/editions/import');
    expect(form.text).toContain('<a href="/admin/editions/draft-format">the draft format</a>');
    for (const who of [editor, ops]) {
      const doc = await get(who, '/admin/editions/draft-format');
      expect(doc.status).toBe(200);
      expect(doc.text).toContain('<h1>The draft format (for editors)</h1>');
      expect(doc.text).toContain('<a href="/admin/editions/import">← Import a draft</a>');
      expect(doc.text).toMatch(/<a href="\/admin\/editions" aria-current="page"/);
    }
  });

  it('shows a parse error with its line number next to the text, escaped, and saves nothing', async () => {
    const lines = APRIL.split('\n');
    // Line 3 must be the highlights heading; put hostile markup there instead.
    lines[2] = '<script>alert("x")</script> not a heading';
    const bad = lines.join('\n');
    const res = await api()
      .post(`/admin/editions/import?_csrf=${encodeURIComponent(editor.csrf)}`)
      .set('Cookie', editor.cookie)
      .set('Accept', 'text/html')
      .field('draft', bad)
      .field('format', 'text');
    expect(res.status).toBe(400);
    const line = /<strong>Line (\d+): the draft cannot be imported\.<\/strong>/.exec(res.text);
    expect(line).not.toBeNull();
    const n = Number(line![1]);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(res.text).toMatch(/role="alert"/);
    expect(res.text).toMatch(
      new RegExp(`<li value="${n}" class="bad" aria-current="true" data-line="${n}">`),
    );
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    // What the editor typed stays in the text box.
    expect(res.text).toContain('CRANK Call | April 2025');
    expect(await h.query('SELECT id FROM edition')).toHaveLength(0);
  });

  it('refuses an import without the CSRF token (urlencoded and multipart) and an empty one', async () => {
    expect((await postForm(editor, '/admin/editions/import', { draft: APRIL }, false)).status).toBe(403);
    const multipart = await api()
      .post('/admin/editions/import')
      .set('Cookie', editor.cookie)
      .field('draft', APRIL);
    expect(multipart.status).toBe(403);
    const empty = await postForm(editor, '/admin/editions/import', { draft: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Paste the draft into the text box or choose its file.');
    const asOps = await postForm(ops, '/admin/editions/import', { draft: APRIL });
    expect(asOps.status).toBe(403);
    expect(await h.query('SELECT id FROM edition')).toHaveLength(0);
  });

  it('imports the April 2025 draft from an uploaded file, then from pasted text (same draft)', async () => {
    const res = await api()
      .post(`/admin/editions/import?_csrf=${encodeURIComponent(editor.csrf)}`)
      .set('Cookie', editor.cookie)
      .field('draft', '')
      .field('format', 'text')
      .attach('file', Buffer.from(APRIL, 'utf8'), {
        filename: 'crank-call-2025-04.txt',
        contentType: 'text/plain',
      });
    expect(res.status).toBe(303);
    const m = /^\/admin\/editions\/(\d+)\?notice=imported$/.exec(res.headers.location ?? '');
    expect(m).not.toBeNull();
    aprilId = Number(m![1]);
    const [row] = await h.query<{ slug: string; status: string; content: unknown }>(
      'SELECT slug, status, content FROM edition WHERE id = $1',
      [aprilId],
    );
    expect(row).toMatchObject({ slug: '2025-04', status: 'draft' });
    expect(row!.content).toEqual(crankCallApril2025);

    const pasted = await postForm(editor, '/admin/editions/import', { draft: APRIL, format: 'text' });
    expect(pasted.status).toBe(303);
    expect(pasted.headers.location).toBe(`/admin/editions/${aprilId}?notice=imported`);

    const list = await get(ops, '/admin/editions');
    expect(list.text).toContain(`href="/admin/editions/${aprilId}">April 2025</a>`);
    expect(list.text).toContain('CRANK Call | April 2025');
    expect(list.text).toMatch(/<span class="badge [^"]*">draft<\/span>/);
  });

  it('shows the edition: previews (sandboxed iframes, desktop and phone, text part), check, forms', async () => {
    const res = await get(editor, `/admin/editions/${aprilId}?notice=imported`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Draft imported.');
    const desktop = /<iframe\s+id="preview-desktop"[^>]*>/.exec(res.text)?.[0];
    const phone = /<iframe\s+id="preview-phone"[^>]*>/.exec(res.text)?.[0];
    for (const frame of [desktop, phone]) {
      expect(frame).toBeDefined();
      expect(frame).toMatch(/sandbox="[^"]*"/);
      expect(frame).not.toMatch(/allow-scripts|allow-same-origin/);
      expect(frame).toMatch(/title="[^"]+"/);
      expect(frame).toContain(`src="/admin/editions/${aprilId}/preview.html"`);
    }
    const css = /<link rel="stylesheet" href="(\/assets\/console\.[0-9a-f]{12}\.css)" \/>/.exec(
      res.text,
    )?.[1];
    expect((await api().get(css!)).text).toMatch(/#preview-phone\s*{\s*width:\s*375px/);
    const text = /<pre id="preview-text"[^>]*>([\s\S]*?)<\/pre>/.exec(res.text)?.[1] ?? '';
    expect(text).toContain('China rejects Gazprom offer of additional gas via Kazakhstan');
    expect(text).toContain('SAMPLE-TOKEN-preview');
    expect(res.text).toMatch(/<section\s+id="pre-send-check"/);
    expect(res.text).toMatch(
      new RegExp(`<input\\s+type="text"\\s+id="test-to"\\s+name="to"\\s+value="${editor.email}"`),
    );
    expect(res.text).toMatch(/<button type="submit">Send test<\/button>/);
    expect(res.text).toContain(`href="/admin/editions/${aprilId}/send"`);
    expect(res.text).toContain('<textarea id="field-description"');
    // The draft-text box holds exactly the draft (a browser drops the one newline after <textarea>).
    const box = /<textarea\s+id="draft-text"[^>]*>\n?([\s\S]*?)<\/textarea>/.exec(res.text)?.[1];
    expect(box).toBeDefined();
    const decoded = box!.replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)));
    expect(decoded).toBe(formatDraft(crankCallApril2025));

    const asOps = await get(ops, `/admin/editions/${aprilId}`);
    expect(asOps.status).toBe(200);
    expect(asOps.text).toContain('id="preview-desktop"');
    expect(asOps.text).not.toContain('id="test-to"');
    expect(asOps.text).not.toContain(`action="/admin/editions/${aprilId}"`);
    expect(asOps.text).not.toContain(`/admin/editions/${aprilId}/send`);

    expect((await get(editor, '/admin/editions/999999')).status).toBe(404);
    expect((await get(editor, '/admin/editions/abc')).status).toBe(400);
  });

  it('serves the preview HTML framable by the console only, with no script allowed', async () => {
    const res = await get(ops, `/admin/editions/${aprilId}/preview.html`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.text).toContain('China rejects Gazprom offer of additional gas via Kazakhstan');
    // Other console pages still refuse to be framed.
    const page = await get(ops, `/admin/editions/${aprilId}`);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await api().get(`/admin/editions/${aprilId}/preview.html`)).status).toBe(401);
  });

  describe('pre-send check', () => {
    it('passes every check on the April fixture except DKIM and SENDER_ADDRESS, not configured in tests', async () => {
      await seedAudience(h, 'check', 3);
      const check = await h.app.get(PreSendCheckService).check(aprilId);
      const byId = Object.fromEntries(check.items.map((i) => [i.id, i]));
      expect(Object.keys(byId).sort()).toEqual(
        [
          'content-links',
          'dkim',
          'html-size',
          'links',
          'list-unsubscribe',
          'postal-address',
          'recipients',
          'sender',
          'subject',
          'text-part',
        ].sort(),
      );
      for (const item of check.items.filter((i) => i.id !== 'dkim' && i.id !== 'postal-address'))
        expect([item.id, item.ok]).toEqual([item.id, true]);
      expect(byId.dkim).toMatchObject({ ok: 'warn' });
      // Not production: a missing postal address warns (it fails with NODE_ENV=production).
      expect(byId['postal-address']).toMatchObject({ ok: 'warn' });
      expect(byId.dkim!.detail).toContain('DKIM is not configured');
      expect(check.ok).toBe(true);
      expect(check.recipients).toBe(3);
      expect(byId.recipients!.detail).toBe('3 confirmed subscribers would receive it');
      expect(check.htmlBytes).toBeGreaterThan(10_000);
      expect(check.htmlBytes).toBeLessThan(GMAIL_CLIP_BYTES);
      expect(check.messageBytes).toBeGreaterThan(check.htmlBytes!);
      expect(byId['list-unsubscribe']!.detail).toContain('https://news.example.test');
      expect(byId.links!.detail).toMatch(/^\d+ links, all absolute$/);
      expect(byId['content-links']!.detail).toBe('The issue’s text has no links');
      expect(check.links).toEqual([]);
      expect(byId.subject!.detail).toBe(`${'CRANK Call | April 2025'.length} characters`);
      expect(byId.sender!.detail).toBe('From: CRANK Call <crank@example.test>');
      expect(check.campaign).toBeNull();

      const json = await api()
        .get(`/api/admin/editions/${aprilId}/check`)
        .auth(h.adminToken, { type: 'bearer' });
      expect(json.status).toBe(200);
      expect(json.body).toMatchObject({ editionId: aprilId, recipients: 3, ok: true });

      const page = await get(ops, `/admin/editions/${aprilId}/check`);
      expect(page.status).toBe(200);
      expect(checksOf(page.text)).toEqual({
        'html-size': 'true',
        'text-part': 'true',
        'list-unsubscribe': 'true',
        dkim: 'warn',
        links: 'true',
        'content-links': 'true',
        subject: 'true',
        recipients: 'true',
        sender: 'true',
        'postal-address': 'warn',
      });
    });

    it('fails an HTML over the clip limit, warns on a long subject, fails with no recipient', async () => {
      const editions = h.app.get(EditionService);
      const long = `CRANK Call | May 2025 ${'and a very long subject line '.repeat(3)}`.trim();
      const may = await editions.saveDraft({
        ...crankCallApril2025,
        slug: '2025-05',
        subject: long,
        highlightsTitle: 'May 2025 Highlights',
        highlights: [{ headline: 'A huge month', paragraphs: ['Lorem ipsum dolor sit amet. '.repeat(4000)] }],
      });
      await h.query(`UPDATE subscriber SET status = 'unsubscribed' WHERE status = 'confirmed'`);
      const check = await h.app.get(PreSendCheckService).check(may.id);
      const byId = Object.fromEntries(check.items.map((i) => [i.id, i]));
      expect(check.htmlBytes).toBeGreaterThan(GMAIL_CLIP_BYTES);
      expect(byId['html-size']).toMatchObject({ ok: false });
      expect(byId['html-size']!.detail).toContain('Gmail will clip it');
      expect(long.length).toBeGreaterThan(SUBJECT_WARN_LENGTH);
      expect(byId.subject).toMatchObject({ ok: 'warn' });
      expect(byId.recipients).toMatchObject({
        ok: false,
        detail: 'No confirmed subscriber: nobody would receive it',
      });
      expect(check.ok).toBe(false);
      await h.query('DELETE FROM edition WHERE id = $1', [may.id]);
    });
  });

  describe('editing', () => {
    it('saves fields, showing what the editor typed escaped', async () => {
      const res = await postForm(editor, `/admin/editions/${aprilId}`, {
        subject: 'CRANK Call | April 2025',
        description: 'A <b>monthly</b>\r\nreview.',
        highlightsTitle: 'April 2025 Highlights',
        publicationName: 'CRANK Call',
        slug: '2025-04',
        mastheadTitle: 'CRANK Call',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/editions/${aprilId}?notice=saved`);
      const [row] = await h.query<{ content: { description: string } }>(
        'SELECT content FROM edition WHERE id = $1',
        [aprilId],
      );
      expect(row!.content.description).toBe('A <b>monthly</b> review.');
      const page = await get(editor, `/admin/editions/${aprilId}?notice=saved`);
      expect(page.text).toContain('Changes saved.');
      expect(page.text).toContain('A &#60;b&#62;monthly&#60;/b&#62; review.');
      expect(page.text).not.toContain('<b>monthly</b>');
    });

    it('refuses invalid fields with 400 and the message, ops with 403, a missing CSRF token with 403', async () => {
      const bad = await postForm(editor, `/admin/editions/${aprilId}`, { slug: '2025-13', subject: '' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('slug must be a month, YYYY-MM');
      expect(bad.text).toContain('id="edit-errors"');
      expect(bad.text).toMatch(/id="field-slug"[^>]*value="2025-13"/);
      const extra = await postForm(editor, `/admin/editions/${aprilId}`, { status: 'sent' });
      expect(extra.status).toBe(400);
      expect(extra.text).toContain('property status should not exist');
      expect((await postForm(ops, `/admin/editions/${aprilId}`, { subject: 'x' })).status).toBe(403);
      expect((await postForm(editor, `/admin/editions/${aprilId}`, { subject: 'x' }, false)).status).toBe(
        403,
      );
      const [row] = await h.query<{ slug: string; subject: string }>(
        'SELECT slug, subject FROM edition WHERE id = $1',
        [aprilId],
      );
      expect(row).toEqual({ slug: '2025-04', subject: 'CRANK Call | April 2025' });
    });

    it('edits the whole content as draft text, with line-numbered errors', async () => {
      const bad = await postForm(editor, `/admin/editions/${aprilId}/draft`, { draft: 'no month here\n' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('<strong>Line 1: the draft cannot be imported.</strong>');
      expect(bad.text).toContain('<li value="1" class="bad"');
      const good = await postForm(editor, `/admin/editions/${aprilId}/draft`, { draft: APRIL });
      expect(good.status).toBe(303);
      expect(good.headers.location).toBe(`/admin/editions/${aprilId}?notice=draft-saved`);
      const [row] = await h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [
        aprilId,
      ]);
      expect(row!.content).toEqual(crankCallApril2025);
    });
  });

  it('imports the Markdown form too (select “Markdown”), with line-numbered errors', async () => {
    const md = await api()
      .get(`/api/admin/editions/${aprilId}/export.md`)
      .auth(h.adminToken, { type: 'bearer' });
    expect(md.status).toBe(200);
    const ok = await postForm(editor, '/admin/editions/import', { draft: md.text, format: 'markdown' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/admin/editions/${aprilId}?notice=imported`);
    const bad = await postForm(editor, '/admin/editions/import', {
      draft: 'no heading\n',
      format: 'markdown',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<strong>Line 1: the draft cannot be imported.</strong>');
    expect(bad.text).toMatch(/<option value="markdown" selected/);
  });

  describe('test send', () => {
    it('queues a test that the SMTP sink receives, with [TEST] in the subject', async () => {
      h.smtp.clear();
      const res = await postForm(editor, `/admin/editions/${aprilId}/test`, {
        to: 'first@example.test,\nsecond@example.test',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/editions/${aprilId}?notice=test-queued#test-send`);
      await h.smtp.waitFor(2);
      const got = h.smtp.to('first@example.test');
      expect(got).toHaveLength(1);
      expect(got[0]!.parsed.subject).toBe('[TEST] CRANK Call | April 2025');
      expect(h.smtp.to('second@example.test')).toHaveLength(1);
    });

    it('refuses invalid addresses and more than ten with 400 and a message', async () => {
      const bad = await postForm(editor, `/admin/editions/${aprilId}/test`, {
        to: 'ok@example.test, <b>nope',
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('id="test-to-error"');
      expect(bad.text).toContain('Not a valid email address: &#60;b&#62;nope');
      const many = Array.from({ length: 11 }, (_, i) => `t${i}@example.test`).join(',');
      const tooMany = await postForm(editor, `/admin/editions/${aprilId}/test`, { to: many });
      expect(tooMany.status).toBe(400);
      expect(tooMany.text).toContain('At most 10 addresses (you entered 11).');
      expect((await postForm(editor, `/admin/editions/${aprilId}/test`, { to: '' })).status).toBe(400);
      expect((await postForm(ops, `/admin/editions/${aprilId}/test`, { to: 'a@example.test' })).status).toBe(
        403,
      );
    });
  });

  describe('send and schedule', () => {
    it('shows the confirmation with the recipient count, to editors only', async () => {
      await seedAudience(h, 'send', 3);
      const res = await get(editor, `/admin/editions/${aprilId}/send`);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<section\s+id="pre-send-check"/);
      expect(res.text).toContain('name="expectedRecipients" value="3"');
      expect(res.text).toMatch(/>\s*Send to 3 subscribers now\s*</);
      expect(res.text).toMatch(/>\s*Schedule for 3 subscribers\s*</);
      expect(res.text).toContain('Or schedule at (UTC)');
      expect((await get(ops, `/admin/editions/${aprilId}/send`)).status).toBe(403);
    });

    it('re-asks with 409 when the count changed, then sends and lands on the campaign', async () => {
      const stale = await postForm(editor, `/admin/editions/${aprilId}/send`, {
        expectedRecipients: '2',
        mode: 'now',
      });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('changed from 2 to 3');
      expect(stale.text).toMatch(/>\s*Send to 3 subscribers now\s*</);
      expect(await h.query('SELECT id FROM campaign')).toHaveLength(0);

      expect(
        (await postForm(ops, `/admin/editions/${aprilId}/send`, { expectedRecipients: '3', mode: 'now' }))
          .status,
      ).toBe(403);
      expect(
        (await postForm(editor, `/admin/editions/${aprilId}/send`, { expectedRecipients: '3' }, false))
          .status,
      ).toBe(403);
      expect((await postForm(editor, `/admin/editions/${aprilId}/send`, { mode: 'now' })).status).toBe(400);

      h.smtp.clear();
      const res = await postForm(editor, `/admin/editions/${aprilId}/send`, {
        expectedRecipients: '3',
        mode: 'now',
      });
      expect(res.status).toBe(303);
      const m = /^\/admin\/campaigns\/(\d+)$/.exec(res.headers.location ?? '');
      expect(m).not.toBeNull();
      const campaignId = Number(m![1]);
      await h.smtp.waitFor(3);
      for (let i = 1; i <= 3; i++) expect(h.smtp.to(`send-${i}@example.test`)).toHaveLength(1);
      await h.waitUntil(async () => {
        const [c] = await h.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [
          campaignId,
        ]);
        return c?.status === 'completed';
      });

      const again = await postForm(editor, `/admin/editions/${aprilId}/send`, {
        expectedRecipients: '3',
        mode: 'now',
      });
      expect(again.status).toBe(409);
      expect(again.text).toContain(`href="/admin/campaigns/${campaignId}"`);
      expect(again.text).not.toContain('Send to 3 subscribers now');
      const page = await get(editor, `/admin/editions/${aprilId}`);
      expect(page.text).toContain(`href="/admin/campaigns/${campaignId}"`);
      expect(page.text).not.toContain('id="field-subject"');
    });

    it('schedules at a UTC date-time, and refuses a past or malformed one', async () => {
      const june = await h.app.get(EditionService).saveDraft({
        ...crankCallApril2025,
        slug: '2025-06',
        subject: 'CRANK Call | June 2025',
        highlightsTitle: 'June 2025 Highlights',
      });
      // Nobody confirmed: no "send now" (it would use the edition up on no one); scheduling stays possible.
      await h.query(`UPDATE subscriber SET status = 'unsubscribed' WHERE status = 'confirmed'`);
      const empty = await get(editor, `/admin/editions/${june.id}/send`);
      expect(empty.text).toContain('name="expectedRecipients" value="0"');
      expect(empty.text).not.toContain('id="send-now"');
      expect(empty.text).toMatch(/>\s*Schedule for 0 subscribers\s*</);
      const none = await postForm(editor, `/admin/editions/${june.id}/send`, {
        expectedRecipients: '0',
        mode: 'now',
      });
      expect(none.status).toBe(422);
      expect(none.text).toContain('Nobody is confirmed yet');
      await seedAudience(h, 'sched', 3);

      // Enter in the date field submits with the first button ("now"): that must not send at once.
      const ambiguous = await postForm(editor, `/admin/editions/${june.id}/send`, {
        expectedRecipients: '3',
        mode: 'now',
        scheduledAt: '2099-01-01T09:00',
      });
      expect(ambiguous.status).toBe(400);
      expect(ambiguous.text).toContain('You entered a date and time');
      expect(await h.query('SELECT id FROM campaign WHERE edition_id = $1', [june.id])).toHaveLength(0);

      const past = await postForm(editor, `/admin/editions/${june.id}/send`, {
        expectedRecipients: '3',
        mode: 'schedule',
        scheduledAt: '2020-01-01T09:00',
      });
      expect(past.status).toBe(400);
      expect(past.text).toContain('scheduledAt is in the past');
      const malformed = await postForm(editor, `/admin/editions/${june.id}/send`, {
        expectedRecipients: '3',
        mode: 'schedule',
        scheduledAt: 'tomorrow',
      });
      expect(malformed.status).toBe(400);
      expect(malformed.text).toContain('Enter the date and time to send at (UTC)');

      const when = new Date(Date.now() + 3 * 86400_000);
      const local = when.toISOString().slice(0, 16);
      const res = await postForm(editor, `/admin/editions/${june.id}/send`, {
        expectedRecipients: '3',
        mode: 'schedule',
        scheduledAt: local,
      });
      expect(res.status).toBe(303);
      const [c] = await h.query<{ status: string; scheduled_at: Date }>(
        'SELECT status, scheduled_at FROM campaign WHERE edition_id = $1',
        [june.id],
      );
      expect(c!.status).toBe('scheduled');
      expect(c!.scheduled_at.toISOString()).toBe(`${local}:00.000Z`);
      const [e] = await h.query<{ status: string }>('SELECT status FROM edition WHERE id = $1', [june.id]);
      expect(e!.status).toBe('scheduled');
      await api()
        .post(`/api/admin/campaigns/${res.headers.location!.split('/').pop()}/cancel`)
        .auth(h.adminToken, { type: 'bearer' })
        .expect(200);
    });

    it('answers 409 for an import over a month that is no longer a draft', async () => {
      const res = await postForm(editor, '/admin/editions/import', { draft: APRIL });
      expect(res.status).toBe(409);
      expect(res.text).toContain('no longer a draft');
    });
  });
});
